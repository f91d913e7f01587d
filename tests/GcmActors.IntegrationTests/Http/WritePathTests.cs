using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// The write path end to end on the real executable and its SQLite file: the audit trail is paginated and lives
/// outside the state row, and a <c>kill -9</c> between the state row and the trail loses no entry.
/// </summary>
public sealed class WritePathTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-writes-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ConcurrentWrites_AreAcknowledgedAfterSyncsOfTheLog_FewerSyncsThanCommits()
    {
        // The embedded store commits with synchronous=NORMAL and syncs the write-ahead log itself before a write is
        // acknowledged, once for all the commits made meanwhile (decision 0008). 32 ministries writing at once must
        // all be answered, with every commit counted as synced, and in fewer syncs than commits.
        await using var host = await HostProcess.StartAsync(_data, "--Gcm:Seed=none");
        string[] members = ["DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT", "MAR", "OMN", "PSE", "QAT", "SAU"];
        using var admin = host.CreateClient(host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, "2021", "writes", Api.RoundFor("2021", members))).StatusCode);
        var before = await LogSyncsAsync(admin);

        var writes = members.SelectMany(c => new[] { "template-shared", "data-collected" }.Select(async milestone =>
        {
            using var ministry = host.CreateClient(host.Token("ministry", c));
            return await Api.PostMilestoneAsync(ministry, "2021", c, milestone, new { status = "in-progress", note = "at once" });
        }));
        var answers = await Task.WhenAll(writes);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));

        // The exporter caches its answer for a moment: ask until the counters show this load's commits.
        var after = before;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while ((after = await LogSyncsAsync(admin)).Commits - before.Commits < answers.Length && await pace.WaitForNextTickAsync(deadline.Token))
        {
        }

        var syncs = after.Syncs - before.Syncs;
        var commits = after.Commits - before.Commits;
        Assert.True(commits >= answers.Length, $"{commits} commits synced for {answers.Length} acknowledged writes");
        Assert.True(syncs >= 1 && syncs < commits, $"{syncs} syncs for {commits} commits");
    }

    /// <summary>The two counters of the log's syncs, as the Prometheus endpoint shows them (0 before the first sync).</summary>
    private static async Task<(long Syncs, long Commits)> LogSyncsAsync(HttpClient admin) =>
        (await Api.CounterAsync(admin, "gcm_sqlite_log_syncs_total"), await Api.CounterAsync(admin, "gcm_sqlite_log_synced_commits_total"));

    [Fact]
    public async Task History_IsPagedBySequence_WithALinkToTheNextPage_AndTheStateRowStaysSmall()
    {
        await using var host = await HostProcess.StartAsync(_data, "--Gcm:Seed=none");
        using var admin = host.CreateClient(host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, "2021", "writes", Api.Round("LBN"))).StatusCode);
        using var ministry = host.CreateClient(host.Token("ministry", "LBN"));

        // Joining the round is entry 1; then 25 changes of the note: entries 2..26.
        for (var i = 1; i <= 25; i++)
        {
            var response = await Api.PostMilestoneAsync(ministry, "2021", "LBN", "template-shared", new { status = "in-progress", note = $"note {i}" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var sequences = new List<long>();
        var next = "/api/cycles/2021/reviews/LBN/history?limit=10";
        var pages = 0;
        while (next is not null)
        {
            var page = await ministry.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var entries = (await page.Content.ReadFromJsonAsync<JsonArray>())!;
            sequences.AddRange(entries.Select(e => e!["sequence"]!.GetValue<long>()));
            next = page.Headers.TryGetValues("Link", out var links) ? NextLink(links.Single()) : null;
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(1, 26).Select(i => (long)i), sequences);
        var last = (await ministry.GetFromJsonAsync<JsonArray>("/api/cycles/2021/reviews/LBN/history?after=25"))!;
        Assert.Equal("note 25", Assert.Single(last)!["to"]!.GetValue<string>());
        var all = (await ministry.GetAsync("/api/cycles/2021/reviews/LBN/history"));
        Assert.Equal(26, (await all.Content.ReadFromJsonAsync<JsonArray>())!.Count);
        Assert.False(all.Headers.Contains("Link"));

        foreach (var bad in new[] { "?limit=0", "?limit=1001", "?limit=ten", "?after=-1", "?limit=1.5" })
        {
            await Api.AssertProblemAsync(await ministry.GetAsync("/api/cycles/2021/reviews/LBN/history" + bad), HttpStatusCode.BadRequest);
        }

        // The state row carries the latest change, not the trail: 25 changes leave it as small as after one.
        Assert.InRange(StateRowBytes(host.DataDirectory, "2021/LBN"), 100, 1500);
    }

    [Fact]
    public async Task Kill9_AfterTheStateRowAndBeforeTheTrail_LosesNoEntry()
    {
        var host = await HostProcess.StartAsync(_data, "--Gcm:Seed=none");
        try
        {
            using (var admin = host.CreateClient(host.Token("admin")))
            {
                Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, "2021", "writes", Api.Round("JOR"))).StatusCode);
            }

            using (var ministry = host.CreateClient(host.Token("ministry", "JOR")))
            {
                Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, "2021", "JOR", "data-collected", new { status = "in-progress" })).StatusCode);
                // Joining the round, then the change.
                Assert.Equal(2, (await ministry.GetFromJsonAsync<JsonArray>("/api/cycles/2021/reviews/JOR/history"))!.Count);

                // The database now refuses history rows (a fault injected in SQLite itself): the next change is
                // acknowledged once its state row is durable, and the process dies before the trail has it.
                Execute(host.DataDirectory, "CREATE TRIGGER refuse_history BEFORE INSERT ON GcmReviewHistory BEGIN SELECT RAISE(ABORT, 'injected'); END;");
                var acknowledged = await Api.PostMilestoneAsync(ministry, "2021", "JOR", "data-collected", new { status = "completed", note = "all in" });
                Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
                Assert.Equal(2L, Count(host.DataDirectory, "SELECT COUNT(*) FROM GcmReviewHistory WHERE ReviewKey = '2021/JOR'"));
            }

            await host.KillAsync();
            await host.DisposeAsync();
            Execute(_data, "DROP TRIGGER refuse_history;");
            host = await HostProcess.StartAsync(_data, "--Gcm:Seed=none");

            using var reader = host.CreateClient(host.Token("viewer"));
            var review = (await reader.GetFromJsonAsync<JsonObject>("/api/cycles/2021/reviews/JOR"))!;
            Assert.Equal(2, review["version"]!.GetValue<long>());
            var trail = (await reader.GetFromJsonAsync<JsonArray>("/api/cycles/2021/reviews/JOR/history"))!;
            Assert.Equal([1L, 2L, 3L], trail.Select(e => e!["sequence"]!.GetValue<long>()));
            Assert.Equal(["writes", "in-progress", "completed"], trail.Select(e => e!["to"]!.GetValue<string>()));
            Assert.Equal(3L, Count(_data, "SELECT COUNT(*) FROM GcmReviewHistory WHERE ReviewKey = '2021/JOR'"));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static string? NextLink(string header)
    {
        // <path?query>; rel="next"
        Assert.EndsWith("; rel=\"next\"", header, StringComparison.Ordinal);
        return header[1..header.IndexOf('>', StringComparison.Ordinal)];
    }

    internal static long StateRowBytes(string dataDirectory, string key) =>
        Count(dataDirectory, $"SELECT LENGTH(PayloadBinary) FROM OrleansStorage WHERE GrainIdExtensionString = '{key}'");

    private static long Count(string dataDirectory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "gcm.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(string dataDirectory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "gcm.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
