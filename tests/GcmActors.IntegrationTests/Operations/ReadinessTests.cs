using System.Diagnostics;
using System.Net;
using GcmActors.IntegrationTests.Cluster;
using GcmActors.IntegrationTests.Http;

namespace GcmActors.IntegrationTests.Operations;

/// <summary>
/// <c>/health/ready</c> follows the store and the cluster: a silo on a real PostgreSQL server is ready, not ready
/// while the server is stopped, and ready again once it is back, without a restart; a front end is ready while it
/// has a gateway. Liveness never depends on either.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-ready-" + Guid.NewGuid().ToString("N"));
    private PostgresServer _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Ready_Is503WhilePostgresIsStopped_And200OnceItIsBack()
    {
        // A password in the connection string (trust authentication ignores it) must never reach the log.
        const string password = "pg-password-9931";
        await using var silo = await HostProcess.StartAsync(_data, "--Gcm:Storage=postgres",
            $"--ConnectionStrings:gcm={_postgres.ConnectionString};Password={password}", "--Gcm:Seed=none");
        using var probe = silo.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);

        await _postgres.StopServerAsync();
        var down = await WaitForStatusAsync(probe, HttpStatusCode.ServiceUnavailable);
        Assert.True(down.Headers.RetryAfter is not null, "a 503 says when to retry");
        Assert.Contains("\"storage\":{\"status\":\"unhealthy\"", await down.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);

        await _postgres.StartServerAsync();
        var clock = Stopwatch.StartNew();
        await WaitForStatusAsync(probe, HttpStatusCode.OK);
        Console.WriteLine($"readiness: 503 while PostgreSQL was stopped; 200 again {clock.ElapsedMilliseconds} ms after it was back");
        Assert.DoesNotContain(password, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_OfAFrontEnd_FollowsItsGateways_503OnceTheLastSiloHasLeft()
    {
        string[] cluster = ["--Gcm:Storage=postgres", $"--ConnectionStrings:gcm={_postgres.ConnectionString}", "--Gcm:Seed=none"];
        var silo = await HostProcess.StartAsync(_data, cluster);
        await using var front = await HostProcess.StartAsync(_data, [.. cluster, "--Gcm:Role=client"]);
        using var probe = front.CreateClient();
        var ready = await WaitForStatusAsync(probe, HttpStatusCode.OK);
        Assert.Contains("connected to", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await silo.StopAsync(); // SIGTERM: the only silo leaves; the front end loses its gateway
        await silo.DisposeAsync();
        var down = await WaitForStatusAsync(probe, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("not connected to any gateway", await down.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);
    }

    private static async Task<HttpResponseMessage> WaitForStatusAsync(HttpClient client, HttpStatusCode status)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync("/health/ready");
            if (response.StatusCode == status)
            {
                return response;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"/health/ready stayed {(int)response.StatusCode}, expected {(int)status}");
            await Task.Delay(200);
        }
    }
}
