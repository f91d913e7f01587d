using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;
using GcmActors.IntegrationTests.Http;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>What became of one write request.</summary>
public enum WriteResult
{
    /// <summary>200: the write is acknowledged, so it must never be lost.</summary>
    Acknowledged,

    /// <summary>503 problem: refused, may be retried.</summary>
    Unavailable,

    /// <summary>500 or any other server error: never acceptable.</summary>
    ServerError,

    /// <summary>Any other status (4xx): the test sent something wrong.</summary>
    OtherStatus,

    /// <summary>No answer within the writer's own client timeout; the write may or may not have landed.</summary>
    ClientTimeout,

    /// <summary>The connection to the front end failed.</summary>
    TransportError,
}

/// <summary>One write request, as the ledger keeps it. Times are offsets on the load's clock.</summary>
public sealed record WriteAttempt(
    string Country, string Token, TimeSpan Start, TimeSpan End, WriteResult Result, int Status, bool RetryAfter,
    long? Version, MilestoneStatus? AppliedStatus)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>
/// Ministries writing through the front end, one writer per State, each toggling <c>template-shared</c> between
/// in-progress and completed with a unique note (also the reopening reason), about ten writes a second (at once
/// again after a client timeout). Every
/// request is kept in a ledger; <see cref="VerifyAsync"/> reads everything back and checks that no acknowledged
/// write was lost and that the region converged.
/// </summary>
public sealed class WriteLoad : IAsyncDisposable
{
    /// <summary>
    /// A cycle of the load's own, not the seeded 2020 one: the seeding silo activated every seeded review while it may
    /// have been the only silo up, and directory caches then bring those reviews back to it, so they would not spread
    /// over the silos (once in CI all nine writers' reviews were on one silo). A round made once all silos are up is
    /// placed at random (decision 0007).
    /// </summary>
    public const string Cycle = "2022";
    public const string Region = "arab";
    private const string Milestone = "template-shared";
    /// <summary>How often each writer starts a write (at once again after a write it gave up on).</summary>
    public static TimeSpan Pace { get; } = TimeSpan.FromMilliseconds(100);

    private readonly HostProcess _front;
    private readonly ConcurrentQueue<WriteAttempt> _ledger = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Task> _writers = [];

    private WriteLoad(HostProcess front) => _front = front;

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyCollection<WriteAttempt> Ledger => _ledger;

    /// <summary>
    /// The seeded round is concluded today (its conference ended in February 2021), so its document shows its members as
    /// they were then and later writes only as late updates (decision 0013). A test that writes to it as to a round still
    /// in preparation first takes its conference back to "dates not decided" (GET, edit, PUT), as a co-organizer would.
    /// </summary>
    public static async Task OpenTheSeededRoundAsync(HostProcess front)
    {
        using var admin = front.CreateClient(front.Token("admin"));
        var round = (await admin.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/api/cycles/2020/regions/arab"))!;
        round["conference"] = new System.Text.Json.Nodes.JsonObject { ["modality"] = "undecided" };
        var put = await admin.PutAsJsonAsync("/api/cycles/2020/regions/arab", round);
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
    }

    /// <summary>The load's round (<see cref="Cycle"/>, <see cref="Region"/>), in preparation, with these members.</summary>
    public static async Task CreateTheRoundAsync(HostProcess front, IReadOnlyCollection<string> members)
    {
        using var admin = front.CreateClient(front.Token("admin"));
        var put = await admin.PutAsJsonAsync($"/api/cycles/{Cycle}/regions/{Region}", Http.Api.RoundFor(Cycle, [.. members]));
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
    }

    /// <summary>Starts one writer per State; each request gives up after <paramref name="clientTimeout"/>.</summary>
    public static WriteLoad Start(HostProcess front, IEnumerable<string> countries, TimeSpan clientTimeout)
    {
        var load = new WriteLoad(front);
        foreach (var country in countries)
        {
            load._writers.Add(Task.Run(() => load.WriteAsync(country, clientTimeout)));
        }

        return load;
    }

    /// <summary>Adds writers to a running load (a second lane with another client timeout).</summary>
    public void Add(IEnumerable<string> countries, TimeSpan clientTimeout)
    {
        foreach (var country in countries)
        {
            _writers.Add(Task.Run(() => WriteAsync(country, clientTimeout)));
        }
    }

    /// <summary>Waits, polling the ledger, until <paramref name="condition"/> holds; fails after <paramref name="within"/>.</summary>
    public async Task WaitUntilAsync(string what, Func<IReadOnlyCollection<WriteAttempt>, bool> condition, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!condition(_ledger))
        {
            if (_writers.FirstOrDefault(w => w.IsFaulted) is { } broken)
            {
                await broken;
            }

            try
            {
                await pace.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"not within {within}: {what}");
            }
        }
    }

    /// <summary>True when every State of <paramref name="countries"/> has at least <paramref name="count"/>
    /// acknowledged writes that started at or after <paramref name="since"/>.</summary>
    public static bool EveryoneAcknowledged(IReadOnlyCollection<WriteAttempt> ledger, IEnumerable<string> countries, int count, TimeSpan since) =>
        countries.All(c => ledger.Count(a => a.Country == c && a.Result == WriteResult.Acknowledged && a.Start >= since) >= count);

    /// <summary>Stops the writers; requests in flight finish first (or time out).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_writers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_writers).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _stop.Dispose();
    }

    /// <summary>
    /// The longest time between two acknowledged writes of the State from the fault at <paramref name="since"/> on: the
    /// pause that spans the fault (from the State's last acknowledged write before it) and every one after it, up to
    /// <paramref name="until"/>. Pauses before the fault (a fresh round's first writes activate its reviews) are not its doing.
    /// </summary>
    public TimeSpan LongestGap(string country, TimeSpan since, TimeSpan until) =>
        Gaps(country, since, until).Select(g => g.To - g.From).DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>
    /// The longest time the State's writer spent trying, from the fault at <paramref name="since"/> on: for each gap (see
    /// <see cref="LongestGap"/>), from the start of the first write after the acknowledged one that opens it to the
    /// acknowledgement that closes it. Unlike the gap, it leaves out the time the writer itself sent nothing: its pace,
    /// and any moment the test process did not run (a gap with one quick write at its end, seen on a busy machine).
    /// </summary>
    public TimeSpan LongestWait(string country, TimeSpan since, TimeSpan until) =>
        Gaps(country, since, until).Select(g => g.To - _ledger
                .Where(a => a.Country == country && a.Start >= g.From && a.Start < g.To)
                .Select(a => a.Start).DefaultIfEmpty(g.To).Min())
            .DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>From <paramref name="since"/> to the first acknowledged write of the State that started after it.</summary>
    public TimeSpan WritableAgain(string country, TimeSpan since) =>
        _ledger.Where(a => a.Country == country && a.Result == WriteResult.Acknowledged && a.Start >= since)
            .Select(a => a.End - since).DefaultIfEmpty(TimeSpan.MaxValue).Min();

    public int Count(WriteResult result) => _ledger.Count(a => a.Result == result);

    /// <summary>
    /// The requests of <paramref name="country"/> that ended within its longest gap (see <see cref="LongestGap"/>),
    /// each as start (on the load's clock), duration and result: what the writer met while it could not write.
    /// </summary>
    public string DescribeLongestGap(string country, TimeSpan since, TimeSpan until)
    {
        var (from, to) = Gaps(country, since, until).MaxBy(g => g.To - g.From);
        var inside = _ledger.Where(a => a.Country == country && a.End > from && a.End <= to).OrderBy(a => a.Start)
            .Select(a => $"{Seconds(a.Start)} +{a.Duration.TotalMilliseconds:0} ms {a.Result}"
                + (a.Status is 0 or 200 ? string.Empty : $" {a.Status}"));
        return $"{country} from {Seconds(from)} to {Seconds(to)}: {string.Join("; ", inside)}";
    }

    /// <summary>Consecutive acknowledged writes of the State, from its last one before <paramref name="since"/> to <paramref name="until"/>.</summary>
    private List<(TimeSpan From, TimeSpan To)> Gaps(string country, TimeSpan since, TimeSpan until)
    {
        var ends = _ledger.Where(a => a.Country == country && a.Result == WriteResult.Acknowledged)
            .Select(a => a.End).Order().ToList();
        var before = ends.Where(e => e < since).DefaultIfEmpty(since).Max();
        List<TimeSpan> points = [before, .. ends.Where(e => e >= since && e <= until), until];
        return [.. points.Zip(points.Skip(1))];
    }

    /// <summary>Answered requests only: a request the writer gave up on has no duration of its own.</summary>
    public TimeSpan LongestAnswered => _ledger.Where(a => a.Result is not (WriteResult.ClientTimeout or WriteResult.TransportError))
        .Select(a => a.Duration).DefaultIfEmpty(TimeSpan.Zero).Max();

    public string Summary() =>
        $"requests {_ledger.Count}, acknowledged {Count(WriteResult.Acknowledged)}, 503 {Count(WriteResult.Unavailable)} "
        + $"(without Retry-After {_ledger.Count(a => a.Result == WriteResult.Unavailable && !a.RetryAfter)}), "
        + $"500/5xx {Count(WriteResult.ServerError)}, other status {Count(WriteResult.OtherStatus)}, "
        + $"client timeouts {Count(WriteResult.ClientTimeout)}, transport errors {Count(WriteResult.TransportError)}, "
        + $"longest answered request {Seconds(LongestAnswered)}";

    public static string Seconds(TimeSpan time) => time == TimeSpan.MaxValue
        ? "never"
        : time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// Reads every review back and checks the ledger: each acknowledged write is in the review's history at the
    /// version its answer gave, and the review is at least as new as the newest acknowledged write (newer only by a
    /// write whose answer the writer never got). Then waits until the region document equals what the reviews say.
    /// Returns the number of acknowledged writes checked and the time the region took to converge.
    /// </summary>
    public async Task<(int Checked, TimeSpan RegionConverged)> VerifyAsync(IReadOnlyCollection<string> countries, TimeSpan regionWithin)
    {
        using var reader = _front.CreateClient(_front.Token("admin"));
        var checkedWrites = 0;
        foreach (var country in countries)
        {
            var review = await ReadAsync(reader, $"/api/cycles/{Cycle}/reviews/{country}");
            var history = await HistoryAsync(reader, country);
            var mine = _ledger.Where(a => a.Country == country).ToList();
            var acknowledged = mine.Where(a => a.Result == WriteResult.Acknowledged).ToList();
            foreach (var write in acknowledged)
            {
                Assert.True(
                    history.Any(e => (long)e!["version"]! == write.Version
                        && ((string?)e["note"] == write.Token || (string?)e["to"] == write.Token)),
                    $"acknowledged write {write.Token} (version {write.Version}) is missing from {country}'s history");
                checkedWrites++;
            }

            var newest = acknowledged.MaxBy(a => a.Version)!;
            var version = (long)review["version"]!;
            var note = (string?)review["milestones"]![Milestone]!["note"];
            Assert.True(version >= newest.Version, $"{country} is at version {version}, older than acknowledged write {newest.Token} ({newest.Version})");
            if (version == newest.Version)
            {
                Assert.Equal(newest.Token, note);
            }
            else
            {
                Assert.Contains(mine, a => a.Token == note && a.Result != WriteResult.Acknowledged);
            }
        }

        var converged = await RegionConvergesAsync(reader, regionWithin);
        return (checkedWrites, converged);
    }

    /// <summary>Polls until the region's document shows every member's current version and milestones, and
    /// counts that match them; returns how long that took.</summary>
    private async Task<TimeSpan> RegionConvergesAsync(HttpClient reader, TimeSpan within)
    {
        var started = Now;
        using var deadline = new CancellationTokenSource(within);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var difference = "not read yet";
        do
        {
            var region = await ReadAsync(reader, $"/api/cycles/{Cycle}/regions/{Region}");
            difference = await DifferenceAsync(reader, region);
            if (difference is null)
            {
                return Now - started;
            }
        }
        while (await pace.WaitForNextTickAsync(deadline.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default));

        Assert.Fail($"the region did not equal the reviews within {within}: {difference}");
        return TimeSpan.MaxValue;
    }

    private static async Task<string?> DifferenceAsync(HttpClient reader, JsonNode region)
    {
        var tally = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in region["members"]!.AsArray())
        {
            var country = (string)member!["country"]!;
            var review = await ReadAsync(reader, $"/api/cycles/{Cycle}/reviews/{country}");
            var status = (string)review["milestones"]![Milestone]!["status"]!;
            tally[status] = tally.GetValueOrDefault(status) + 1;
            if ((long)member["version"]! != (long)review["version"]!
                || (string)member["milestones"]![Milestone]! != status)
            {
                return $"{country}: region has version {member["version"]} {member["milestones"]![Milestone]}, review has {review["version"]} {status}";
            }
        }

        var counts = region["counts"]![Milestone]!;
        return tally.All(t => (int)counts[t.Key]! == t.Value) ? null : $"counts {counts.ToJsonString()} differ from the reviews' {string.Join(", ", tally)}";
    }

    /// <summary>The whole audit trail, page after page (Link rel="next").</summary>
    private static async Task<List<JsonNode>> HistoryAsync(HttpClient reader, string country)
    {
        var entries = new List<JsonNode>();
        for (string? page = $"/api/cycles/{Cycle}/reviews/{country}/history?limit=1000"; page is not null;)
        {
            using var response = await reader.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {page}: {(int)response.StatusCode}");
            entries.AddRange((await response.Content.ReadFromJsonAsync<JsonArray>())!.Select(e => e!));
            page = response.Headers.TryGetValues("Link", out var links)
                ? links.Select(l => l.Split(';')).Where(p => p.Length > 1 && p[1].Trim() == "rel=\"next\"")
                    .Select(p => p[0].Trim().TrimStart('<').TrimEnd('>')).FirstOrDefault()
                : null;
        }

        return entries;
    }

    private static async Task<JsonNode> ReadAsync(HttpClient reader, string path)
    {
        var response = await reader.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    private async Task WriteAsync(string country, TimeSpan clientTimeout)
    {
        using var http = _front.CreateClient(_front.Token("ministry", country));
        http.Timeout = Timeout.InfiniteTimeSpan;
        var review = await ReadAsync(http, $"/api/cycles/{Cycle}/reviews/{country}");
        GcmJson.TryParseSlug<MilestoneStatus>((string)review["milestones"]![Milestone]!["status"]!, out var status);
        using var pace = new PeriodicTimer(Pace);
        for (var n = 1; !_stop.IsCancellationRequested; n++)
        {
            var target = status == MilestoneStatus.Completed ? MilestoneStatus.InProgress : MilestoneStatus.Completed;
            var token = $"{country}-{n}";
            var attempt = await PostAsync(http, country, token, target, clientTimeout);
            _ledger.Enqueue(attempt);
            status = attempt.AppliedStatus ?? status;
            if (attempt.Result == WriteResult.ClientTimeout)
            {
                // The writer has waited long enough already: try again at once, as a retrying client would.
                continue;
            }

            try
            {
                await pace.WaitForNextTickAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<WriteAttempt> PostAsync(HttpClient http, string country, string token, MilestoneStatus target, TimeSpan clientTimeout)
    {
        var start = Now;
        using var timeout = new CancellationTokenSource(clientTimeout);
        try
        {
            using var response = await http.PostAsJsonAsync(
                $"/api/cycles/{Cycle}/reviews/{country}/milestones/{Milestone}",
                new { status = GcmJson.Slug(target), note = token, reason = token }, GcmJson.Options, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var status = (int)response.StatusCode;
            var result = status switch
            {
                200 => WriteResult.Acknowledged,
                503 => WriteResult.Unavailable,
                >= 500 => WriteResult.ServerError,
                _ => WriteResult.OtherStatus,
            };
            long? version = null;
            MilestoneStatus? applied = null;
            if (result == WriteResult.Acknowledged)
            {
                var review = JsonNode.Parse(body)!;
                version = (long)review["version"]!;
                GcmJson.TryParseSlug<MilestoneStatus>((string)review["milestones"]![Milestone]!["status"]!, out var now);
                applied = now;
            }

            return new WriteAttempt(country, token, start, Now, result, status, response.Headers.RetryAfter is not null, version, applied);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new WriteAttempt(country, token, start, Now, WriteResult.ClientTimeout, 0, false, null, null);
        }
        catch (HttpRequestException)
        {
            return new WriteAttempt(country, token, start, Now, WriteResult.TransportError, 0, false, null, null);
        }
    }
}
