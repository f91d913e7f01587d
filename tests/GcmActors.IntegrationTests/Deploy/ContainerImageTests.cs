using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using GcmActors.Host.Security;

namespace GcmActors.IntegrationTests.Deploy;

/// <summary>
/// deploy/Dockerfile, built unchanged and run as an operator would run it: the base images are the project's
/// local stand-ins (deploy/image/build-base-images.sh) where mcr.microsoft.com cannot be reached. The container
/// runs as its non-root user on a read-only root file system with /data mounted, and serves the API.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class ContainerImageTests : IAsyncLifetime
{
    private readonly string _name = "gcm-image-test-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-image-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        // The container's user (uid 1654) must be able to write its data directory, as a volume would let it.
        if (OperatingSystem.IsWindows())
        {
            return Task.CompletedTask;
        }

        File.SetUnixFileMode(_data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Podman.RunAsync("podman", ["rm", "--force", "--ignore", _name], TimeSpan.FromSeconds(60));
        }
        finally
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Image_BuiltFromTheDockerfile_RunsNonRootOnAReadOnlyRoot_IsReady_AndServesTokenReads()
    {
        var built = await Podman.EnsureImageAsync();

        var http = Podman.FreePort();
        var clock = Stopwatch.StartNew();
        await Podman.RunAsync("podman", ["run", "--detach", "--name", _name, "--network", "host", "--read-only", "--read-only-tmpfs=false", "--volume", $"{_data}:/data",
            "--env", $"Urls=http://127.0.0.1:{http}",
            "--env", $"Gcm__Management__Port={Podman.FreePort()}",
            "--env", $"Gcm__SiloPort={Podman.FreePort()}",
            "--env", $"Gcm__GatewayPort={Podman.FreePort()}",
            // On loopback reads would be open; an operator's container listens on a network and needs tokens.
            "--env", "Gcm__Auth__RequireTokenForReads=true",
            Podman.Image], TimeSpan.FromMinutes(1));

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilReadyAsync(client, TimeSpan.FromSeconds(90));
        var ready = clock.Elapsed;

        var region = "/api/cycles/2020/regions/arab";
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(region)).StatusCode);
        var key = Path.Combine(_data, Tokens.KeyFileName);
        using var read = new HttpRequestMessage(HttpMethod.Get, region);
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            Tokens.LoadOrCreate(_data).Issue(Roles.Viewer, null, TimeSpan.FromMinutes(5), Tokens.Issuer));
        var response = await client.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"LBN\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Written by the container's own user, not root.
        var owner = (await Podman.RunAsync("stat", ["-c", "%u", key], TimeSpan.FromSeconds(10))).Trim();
        Assert.Equal("1654", owner);
        var user = (await Podman.RunAsync("podman", ["exec", _name, "id", "-u"], TimeSpan.FromSeconds(30))).Trim();
        Assert.Equal("1654", user);

        Console.WriteLine($"image: {built}; container ready {ready.TotalSeconds:F1} s after start");
    }

    /// <summary>
    /// As the Kubernetes manifests run it: cluster mode on PostgreSQL, the root file system read-only and /data a
    /// read-only mount that holds only the signing key (a Secret there). It must still be ready and take writes.
    /// </summary>
    [Fact]
    public async Task Image_InClusterMode_RunsWithOnlyAReadOnlyKeyMounted_AndTakesWrites()
    {
        await Podman.EnsureImageAsync();
        await using var postgres = await Cluster.PostgresServer.StartAsync();
        var tokens = Tokens.LoadOrCreate(_data);
        var key = Path.Combine(_data, Tokens.KeyFileName);
        await Podman.RunAsync("chown", ["1654:1654", key], TimeSpan.FromSeconds(10));

        var http = Podman.FreePort();
        await Podman.RunAsync("podman", ["run", "--detach", "--name", _name, "--network", "host",
            "--read-only", "--read-only-tmpfs=false", "--volume", $"{_data}:/data:ro",
            "--env", $"Urls=http://127.0.0.1:{http}",
            "--env", $"Gcm__Management__Port={Podman.FreePort()}",
            "--env", $"Gcm__SiloPort={Podman.FreePort()}",
            "--env", $"Gcm__GatewayPort={Podman.FreePort()}",
            "--env", "Gcm__AdvertisedAddress=127.0.0.1",
            "--env", "Gcm__Storage=postgres",
            "--env", $"ConnectionStrings__gcm={postgres.ConnectionString}",
            Podman.Image], TimeSpan.FromMinutes(1));

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilReadyAsync(client, TimeSpan.FromSeconds(90));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            tokens.Issue(Roles.Admin, null, TimeSpan.FromMinutes(5), Tokens.Issuer));
        var round = await Http.Api.PutRegionAsync(client, "2472", "arab", Http.Api.RoundFor("2472", "JOR"));
        Assert.True(round.StatusCode == HttpStatusCode.OK, $"{(int)round.StatusCode}: {await round.Content.ReadAsStringAsync()}");
        var response = await Http.Api.PostMilestoneAsync(client, "2472", "JOR", "template-shared", new { status = "in-progress", note = "from the container" });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal([Tokens.KeyFileName], Directory.GetFiles(_data).Select(Path.GetFileName));
    }

    private async Task WaitUntilReadyAsync(HttpClient client, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (deadline.Elapsed > within)
            {
                var logs = await Podman.RunAsync("podman", ["logs", _name], TimeSpan.FromSeconds(30));
                Assert.Fail($"the container was not ready within {within}:\n{logs}");
            }

            await Task.Delay(250);
        }
    }
}
