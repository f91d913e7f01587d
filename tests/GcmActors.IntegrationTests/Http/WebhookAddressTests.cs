using System.Text.Json.Nodes;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// No way into internal networks: a host with no allowances refuses every URL that is, or resolves to, an internal
/// address at registration, and refuses again at connect time when a name resolves elsewhere later (DNS rebinding).
/// Names resolve through the host's hosts file (the resolver seam), so no traffic ever leaves loopback.
/// </summary>
public sealed class WebhookAddressTests : IAsyncLifetime
{
    private const string Cycle = "1920";
    private const string PublicAddress = "93.184.215.14";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-ssrf-" + Guid.NewGuid().ToString("N"));
    private string HostsFile => _data + ".hosts";
    private HostProcess _host = null!;

    public async Task InitializeAsync()
    {
        WriteHosts($"{PublicAddress} rebind.gcm.test", "10.0.0.5 intranet.gcm.test", "169.254.169.254 metadata.gcm.test",
            $"{PublicAddress} split.gcm.test", "192.168.0.7 split.gcm.test", "fd00::7 ula.gcm.test");
        _host = await HostProcess.StartAsync(_data, $"--Gcm:Webhooks:HostsFile={HostsFile}", "--Gcm:Webhooks:MaxAttempts=2",
            "--Gcm:Webhooks:FirstRetryDelay=00:00:00.200", "--Gcm:Reminders:MinimumReminderPeriod=00:00:01", "--Gcm:Reviews:DeliveryRetryPeriod=00:00:01");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
        File.Delete(HostsFile);
    }

    private static readonly string[] Internal =
    [
        "https://127.0.0.1/hook",
        "https://127.0.0.1:8443/hook",
        "https://localhost/hook",
        "https://LOCALHOST./hook",
        "https://api.localhost/hook",
        "https://2130706433/hook",
        "https://0x7f000001/hook",
        "https://0177.0.0.1/hook",
        "https://017700000001/hook",
        "https://127.1/hook",
        "https://0/hook",
        "https://0.0.0.0/hook",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://0xa9fea9fe/latest/meta-data/",
        "https://2852039166/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://255.255.255.255/hook",
        "https://[::1]/hook",
        "https://[::]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
        "https://[fd12:3456::1]/hook",
        "https://[ff02::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:7f00:1]/hook",
        "https://[0:0:0:0:0:ffff:a9fe:a9fe]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://127。0。0。1/hook",
        "https://intranet.gcm.test/hook",
        "https://metadata.gcm.test/latest/meta-data/",
        "https://split.gcm.test/hook",
        "https://ula.gcm.test/hook",
        "http://rebind.gcm.test/hook",
        "https://gcm:secret@rebind.gcm.test/hook",
        "https://rebind.gcm.test/hook#fragment",
    ];

    [Fact]
    public async Task Registration_RefusesEveryInternalAddressForm_WithAProblem_AndChangesNothing()
    {
        using var ministry = await ReviewAsync();
        var hook = Webhooks.Hook(Cycle, "LBN");
        var forms = Internal;
        Assert.True(forms.Length >= 20);
        foreach (var url in forms)
        {
            var answer = await ministry.PutAsJsonAsync(hook, new { url });
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{url} answered {(int)answer.StatusCode}");
            Assert.Equal("urn:gcm-actors:problem:bad-request", await Api.AssertProblemAsync(answer, HttpStatusCode.BadRequest));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await ministry.GetAsync(hook)).StatusCode);
        // Only the entry of joining the round: no refused registration left a trace.
        var history = JsonNode.Parse(await ministry.GetStringAsync($"/api/cycles/{Cycle}/reviews/LBN/history"))!.AsArray();
        Assert.Equal(["regions"], history.Select(e => (string?)e!["field"]));
    }

    [Fact]
    public async Task ANameThatResolvesToAPrivateAddressAtConnectTime_IsRefusedThen()
    {
        using var ministry = await ReviewAsync("SYR");
        await Webhooks.RegisterAsync(ministry, Cycle, "SYR", "https://rebind.gcm.test/hook");

        // After registration the name moves to an internal address (DNS rebinding); the delivery must not go there.
        WriteHosts("10.1.2.3 rebind.gcm.test");
        using var coOrganizer = _host.CreateClient(_host.Token("coorganizer", "arab"));
        var id = await Webhooks.NudgeAsync(coOrganizer, Cycle, "arab", "SYR", "Please share the template");

        var inbox = await Webhooks.InboxUntilAsync(ministry, Cycle, "SYR", i => (string?)Webhooks.DeliveryOf(i, id)!["status"] == "failed", TimeSpan.FromSeconds(30));
        var delivery = Webhooks.DeliveryOf(inbox, id)!;
        Assert.Equal(2, (int)delivery["attempts"]!);
        Assert.Null(delivery["lastStatus"]);
        Assert.Contains("refused", (string?)delivery["lastError"], StringComparison.Ordinal);
        Assert.Contains("10.1.2.3 (private address)", (string?)delivery["lastError"], StringComparison.Ordinal);
    }

    private async Task<HttpClient> ReviewAsync(string country = "LBN")
    {
        using var admin = _host.CreateClient(_host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, Cycle, "arab", Api.RoundFor(Cycle, "LBN", "SYR"))).StatusCode);
        return _host.CreateClient(_host.Token("ministry", country));
    }

    private void WriteHosts(params string[] lines) => File.WriteAllLines(HostsFile, lines);
}
