using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;
using GcmActors.IntegrationTests.Http;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>
/// The cluster mode for real: a PostgreSQL server, two silos and a client-role front end, each a separate
/// process of the executable. Any of them serves the API; killing a silo with -9 loses nothing acknowledged,
/// and its grains come back on the survivor.
/// </summary>
public sealed class PostgresClusterTests : IAsyncLifetime
{
    // Shared by every process of the cluster: it only holds the token signing key in this mode.
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-cluster-" + Guid.NewGuid().ToString("N"));
    private PostgresServer _postgres = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        _postgres = await PostgresServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private string[] Cluster(params string[] more) =>
    [
        "--Gcm:Storage=postgres",
        $"--ConnectionStrings:gcm={_postgres.ConnectionString}",
        // Failure detection in seconds comes from the shipped cluster defaults (appsettings.json, decision 0007).
        .. more,
    ];

    [Fact]
    public async Task Cluster_ServesFromEveryProcess_AndLosesNothingWhenASiloIsKilled()
    {
        // Two silos start together: both apply the schema and both try to seed.
        var startA = HostProcess.StartAsync(_data, Cluster());
        var startB = HostProcess.StartAsync(_data, Cluster());
        await using var siloA = await startA;
        await using var siloB = await startB;
        await using var front = await HostProcess.StartAsync(_data, Cluster("--Gcm:Role=client"));

        foreach (var host in new[] { siloA, siloB, front })
        {
            using var reader = host.CreateClient();
            var progress = await Api.RegionAsync(reader, "2020", "arab");
            Assert.Equal(22, progress.Members.Length);
            Assert.Equal(new StatusCounts(15, 3, 4), progress.Counts[Milestone.CoordinationBodyAppointed]);
        }

        await WriteLoad.OpenTheSeededRoundAsync(front);
        using var ministry = front.CreateClient(front.Token("ministry", "LBN"));
        var first = await Api.PostMilestoneAsync(ministry, "2020", "LBN", "data-collected", new { status = "completed" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        foreach (var host in new[] { siloA, siloB })
        {
            using var reader = host.CreateClient();
            var lbn = (await Api.RegionAsync(reader, "2020", "arab")).Members.Single(m => m.Country == "LBN");
            Assert.Equal(MilestoneStatus.Completed, lbn.Milestones[Milestone.DataCollected]);
        }

        await siloA.KillAsync();

        // The front end keeps answering: calls to grains that lived on A fail until the cluster declares A dead,
        // then those grains come back on B from PostgreSQL. There is no signal we own for that moment, so poll.
        var second = await EventuallyAsync(() => Api.PostMilestoneAsync(ministry, "2020", "LBN", "approved", new { status = "completed" }));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using var survivor = siloB.CreateClient();
        var review = await survivor.GetFromJsonAsync<JsonObject>("/api/cycles/2020/reviews/LBN");
        Assert.Equal("completed", (string)review!["milestones"]!["data-collected"]!["status"]!);
        Assert.Equal("completed", (string)review["milestones"]!["approved"]!["status"]!);
        var region = await EventuallyAsync(async () =>
        {
            var response = await survivor.GetAsync("/api/cycles/2020/regions/arab");
            var progress = await response.Content.ReadFromJsonAsync<RegionProgress>(GcmJson.Options);
            return progress!.Members.Single(m => m.Country == "LBN").Milestones[Milestone.Approved] == MilestoneStatus.Completed
                ? response
                : new HttpResponseMessage(HttpStatusCode.Conflict);
        });
        Assert.Equal(HttpStatusCode.OK, region.StatusCode);
    }

    /// <summary>Retries until an OK answer, at most one minute, four times a second.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> attempt)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        HttpResponseMessage? last = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                last = await attempt();
                if (last.StatusCode == HttpStatusCode.OK)
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // The front end itself is fine; a transport error here would be a real failure, but keep trying until the deadline.
            }

            await pace.WaitForNextTickAsync(deadline.Token).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        }

        return last ?? throw new TimeoutException("no answer within a minute");
    }
}
