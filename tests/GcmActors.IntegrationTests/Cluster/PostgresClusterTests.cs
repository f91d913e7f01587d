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
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return response; // a 503 while the region comes back on the survivor: ask again
            }

            var progress = await response.Content.ReadFromJsonAsync<RegionProgress>(GcmJson.Options);
            return progress!.Members.Single(m => m.Country == "LBN").Milestones[Milestone.Approved] == MilestoneStatus.Completed
                ? response
                : new HttpResponseMessage(HttpStatusCode.Conflict);
        });
        Assert.Equal(HttpStatusCode.OK, region.StatusCode);
    }

    [Fact]
    public async Task ConcurrentStateWrites_CommitInGroups_AndAreReadBackByTheNextSilo()
    {
        // Grain states are written to PostgreSQL in groups, several writes per transaction, in the provider's rows
        // (decision 0008). 32 ministries' writes at once must all be answered, in fewer transactions than writes; a
        // silo that starts after a kill -9 must read every acknowledged version through the provider itself, and go on
        // writing from there (a row keyed otherwise than the provider keys it would read as missing, or conflict).
        string[] members = ["DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT", "MAR", "OMN", "PSE", "QAT", "SAU"];
        var acknowledged = new Dictionary<string, long>();
        await using (var silo = await HostProcess.StartAsync(_data, Cluster("--Gcm:Seed=none")))
        {
            using var admin = silo.CreateClient(silo.Token("admin"));
            Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, "2021", "writes", Api.RoundFor("2021", members))).StatusCode);
            var before = await StateCommitsAsync(admin);
            var writes = members.SelectMany(c => new[] { "template-shared", "data-collected" }.Select(async milestone =>
            {
                using var ministry = silo.CreateClient(silo.Token("ministry", c));
                var response = await Api.PostMilestoneAsync(ministry, "2021", c, milestone, new { status = "in-progress", note = "at once" });
                Assert.True(response.StatusCode == HttpStatusCode.OK,
                    $"{c} {milestone}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\nThe silo's log:\n{silo.Output}");
                return (Country: c, Version: (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
            }));
            foreach (var answer in await Task.WhenAll(writes))
            {
                acknowledged[answer.Country] = Math.Max(acknowledged.GetValueOrDefault(answer.Country), answer.Version);
            }

            // The exporter caches its answer for a moment: ask until the counters show this load's writes.
            var after = before;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while ((after = await StateCommitsAsync(admin)).Writes - before.Writes < 2 * members.Length && await pace.WaitForNextTickAsync(deadline.Token))
            {
            }

            var commits = after.Commits - before.Commits;
            var written = after.Writes - before.Writes;
            Assert.True(written >= 2 * members.Length, $"{written} state writes committed for {2 * members.Length} acknowledged writes");
            Assert.True(commits >= 1 && commits < written, $"{commits} transactions for {written} state writes");
            await silo.KillAsync();
        }

        await using var next = await HostProcess.StartAsync(_data, Cluster("--Gcm:Seed=none"));
        foreach (var country in members)
        {
            using var ministry = next.CreateClient(next.Token("ministry", country));
            var review = (await ministry.GetFromJsonAsync<JsonObject>($"/api/cycles/2021/reviews/{country}"))!;
            Assert.Equal(acknowledged[country], (long)review["version"]!);
            Assert.Equal("in-progress", (string)review["milestones"]!["template-shared"]!["status"]!);
            Assert.Equal("in-progress", (string)review["milestones"]!["data-collected"]!["status"]!);
            var again = await Api.PostMilestoneAsync(ministry, "2021", country, "template-shared", new { status = "completed" });
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(acknowledged[country] + 1, (long)(await again.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
        }
    }

    /// <summary>The two counters of the grouped state writes, as the Prometheus endpoint shows them (0 before the first).</summary>
    private static async Task<(long Commits, long Writes)> StateCommitsAsync(HttpClient admin) =>
        (await Api.CounterAsync(admin, "gcm_postgres_state_commits_total"), await Api.CounterAsync(admin, "gcm_postgres_state_writes_total"));

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
