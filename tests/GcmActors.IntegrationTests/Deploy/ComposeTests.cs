using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace GcmActors.IntegrationTests.Deploy;

/// <summary>
/// deploy/compose.yaml brought up with Debian's podman-compose: PostgreSQL, three silos, a front end and nginx,
/// each a container on the project's own bridge network. PostgreSQL and nginx are the local stand-ins
/// (GCM_POSTGRES_IMAGE, GCM_NGINX_IMAGE) where Docker Hub cannot be reached.
/// podman-compose 1.0.3 orders services by depends_on but does not wait for their health (a silo that starts
/// before PostgreSQL is restarted by its restart policy), and podman runs healthchecks only when asked without
/// systemd: this test asks (podman healthcheck run), so the compose file's checks are exercised too.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class ComposeTests : IAsyncLifetime
{
    private readonly string _project = "gcmtest" + Guid.NewGuid().ToString("N")[..6];
    private readonly int _port = Podman.FreePort();

    private string[] Compose(params string[] command) => ["-p", _project, "-f", Path.Combine("deploy", "compose.yaml"), .. command];

    private Dictionary<string, string> Environment => new()
    {
        ["GCM_IMAGE"] = Podman.Image,
        ["GCM_POSTGRES_IMAGE"] = "localhost/gcm-standin-postgres:15",
        ["GCM_NGINX_IMAGE"] = "localhost/gcm-standin-nginx:1.22",
        ["GCM_HTTP_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GCM_DB_PASSWORD"] = "compose-test-password",
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (!File.Exists("/usr/bin/podman-compose"))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        await Podman.RunAsync("podman-compose", Compose("down", "-v"), TimeSpan.FromMinutes(3), environment: Environment);
        await Podman.RunAsync("podman", ["network", "rm", "--force", $"{_project}_default"], TimeSpan.FromMinutes(1));
        Console.WriteLine($"compose: down -v in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task ComposeFile_StartsThreeActiveSilosAFrontEndAndNginx_ThatServeTokenReads_AndPassTheirHealthchecks()
    {
        Podman.RequireInstalled("podman-compose");
        var built = await Podman.EnsureImageAsync();

        var clock = Stopwatch.StartNew();
        await Podman.RunAsync("podman-compose", Compose("up", "-d", "--no-build"), TimeSpan.FromMinutes(3), environment: Environment);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(5) };
        await PollAsync("the front end to be ready through nginx", TimeSpan.FromMinutes(3), async () =>
            (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK);
        await PollAsync("three Active silos", TimeSpan.FromMinutes(2), async () =>
            (await Podman.RunAsync("podman", ["exec", $"{_project}_postgres_1", "psql", "-U", "gcm", "-d", "gcm", "-XAtc",
                "SELECT count(*) FROM orleansmembershiptable WHERE status = 3"], TimeSpan.FromSeconds(30))).Trim() == "3");
        var up = clock.Elapsed;

        foreach (var service in new[] { "postgres", "silo1", "silo2", "silo3", "front" })
        {
            // Exit code 0 = healthy: the compose file's own check of /health/ready (pg_isready for PostgreSQL).
            await PollAsync($"{service}'s healthcheck to pass", TimeSpan.FromSeconds(60), async () =>
            {
                try
                {
                    await Podman.RunAsync("podman", ["healthcheck", "run", $"{_project}_{service}_1"], TimeSpan.FromSeconds(30));
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            });
        }

        var region = "/api/cycles/2020/regions/arab";
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(region)).StatusCode);
        var token = (await Podman.RunAsync("podman", ["exec", $"{_project}_silo1_1", "dotnet", "GcmActors.Host.dll", "token", "--role", "viewer"],
            TimeSpan.FromSeconds(60))).Trim().Split('\n')[^1];
        using var read = new HttpRequestMessage(HttpMethod.Get, region);
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nginx", response.Headers.Server.ToString().Split('/')[0]);
        Assert.Contains("\"LBN\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Console.WriteLine($"compose: {built}; up with 3 Active silos and nginx ready in {up.TotalSeconds:F1} s");
    }

    private static async Task PollAsync(string what, TimeSpan within, Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                // not there yet
            }

            Assert.True(deadline.Elapsed < within, $"waited {within} for {what}");
            await Task.Delay(500);
        }
    }
}
