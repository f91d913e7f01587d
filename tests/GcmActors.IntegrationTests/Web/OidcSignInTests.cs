using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using GcmActors.IntegrationTests.Http;
using static Microsoft.Playwright.Assertions;

namespace GcmActors.IntegrationTests.Web;

/// <summary>
/// A deployment that trusts an OpenID Connect authority: the pages sign in with the authorization code flow and PKCE
/// against a real provider (npm oidc-provider under node, tests/web/oidc-provider.mjs) on loopback, and the API accepts
/// the access token it issues.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class OidcSignInTests(WebFixture fixture) : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-oidc-" + Guid.NewGuid().ToString("N"));
    private readonly int _providerPort = FreePort();
    private HostProcess _host = null!;
    private Process? _provider;

    private string Issuer => $"http://127.0.0.1:{_providerPort}";

    public async Task InitializeAsync()
    {
        _host = await HostProcess.StartAsync(_data, $"--Gcm:Auth:Authority={Issuer}", "--Gcm:Auth:ClientId=gcm-web");
        try
        {
            var script = Path.Combine(HostProcess.RepositoryRoot, "tests", "web", "oidc-provider.mjs");
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { script, _providerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), new Uri(_host.BaseAddress, "/signin").ToString(), "gcm-actors" })
            {
                start.ArgumentList.Add(argument);
            }

            var provider = _provider = Process.Start(start)!;
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new StringBuilder();
            provider.OutputDataReceived += (_, e) =>
            {
                lock (output) output.AppendLine(e.Data);
                if (e.Data?.Contains("listening", StringComparison.Ordinal) == true) listening.TrySetResult();
            };
            provider.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            provider.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the provider exited:\n" + output));
            provider.EnableRaisingEvents = true;
            provider.BeginOutputReadLine();
            provider.BeginErrorReadLine();
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            // xUnit does not dispose what a failed InitializeAsync started: the host would outlive the run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await fixture.CloseContextsAsync();
        if (_provider is { HasExited: false })
        {
            _provider.Kill();
            await _provider.WaitForExitAsync();
        }

        _provider?.Dispose();
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task MinistryPage_SignsInAtTheAuthorityWithCodeAndPkce_AndTheApiAcceptsItsToken()
    {
        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = _host.BaseAddress.ToString(), Locale = "en-GB" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ministry/2020/LBN?lang=en");
        await Expect(page.Locator("#signed-in")).ToHaveTextAsync("Not signed in");

        var authorization = "";
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(Issuer + "/auth?", StringComparison.Ordinal)) authorization = request.Url;
        };
        await page.ClickAsync("#oidc-sign-in");
        await page.WaitForURLAsync($"{Issuer}/**");
        Assert.Contains("response_type=code", authorization, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", authorization, StringComparison.Ordinal);
        Assert.Contains("scope=LBN", authorization, StringComparison.Ordinal);
        await page.FillAsync("input[name=login]", "ministry:LBN");
        await page.FillAsync("input[name=password]", "any password");
        await page.ClickAsync("button[type=submit]");
        await page.ClickAsync("button[type=submit]");   // consent

        await page.WaitForURLAsync($"{_host.BaseAddress}ministry/2020/LBN**");
        await Expect(page.Locator("#signed-in")).ToHaveTextAsync("Signed in as ministry of Lebanon");
        var token = await page.EvaluateAsync<string>("() => sessionStorage.getItem('gcm-token')");
        var claims = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[1]))))!;
        Assert.Equal((Issuer, "gcm-actors", "ministry", "LBN"), ((string)claims["iss"]!, (string)claims["aud"]!, (string)claims["role"]!, (string)claims["scope"]!));

        await page.SelectOptionAsync("#milestone", "data-collected");
        await page.SelectOptionAsync("#status", "completed");
        await page.ClickAsync("#record-form button[type=submit]");
        await Expect(page.Locator("#record-result")).ToContainTextAsync("Data collected is Completed");
        using var client = _host.CreateClient();
        var review = await client.GetFromJsonAsync<JsonObject>("/api/cycles/2020/reviews/LBN");
        Assert.Equal("completed", (string)review!["milestones"]!["data-collected"]!["status"]!);
        var history = await client.GetFromJsonAsync<JsonArray>("/api/cycles/2020/reviews/LBN/history?limit=1000");
        Assert.Equal("ministry:LBN", (string)history!.Last()!["actor"]!);   // the provider's subject, as the trail records it

        // The host's own minted tokens are not trusted by this deployment.
        using var minted = _host.CreateClient(_host.Token("ministry", "LBN"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.PostMilestoneAsync(minted, "2020", "LBN", "approved", new { status = "in-progress" })).StatusCode);
    }

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
