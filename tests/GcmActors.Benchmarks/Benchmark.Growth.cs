using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GcmActors.Benchmarks;

internal sealed partial class Benchmark
{
    private const int ShortHistory = 10;
    private const int SmallRound = 22;
    private const double HistoryGoal = 1.1;
    private const double MembersGoal = 1.2;
    private const string HistoryCycle = "2098";
    private const string MembersCycle = "2097";

    /// <summary>
    /// Write cost against history: one review driven to 10 changes, another to --history changes (notes toggled through
    /// the API), then writes to both, interleaved one by one so that drift on a shared machine hits both alike.
    /// </summary>
    private async Task HistoryAsync(ServerProcess host)
    {
        var (shortState, longState) = (GcmApi.Countries[0], GcmApi.Countries[1]);
        output.WriteLine();
        output.WriteLine($"== history: review {HistoryCycle}/{shortState} at history {ShortHistory} vs {HistoryCycle}/{longState} at {options.History}, "
                         + $"{options.Samples} sequential writes each, interleaved");
        await Api.ConfigureRoundAsync(host.BaseAddress, HistoryCycle, "history", [shortState, longState]);
        var store = HostStore.Sqlite(Path.Combine(_work, "sqlite", "gcm.db"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var note = 0;
        await DriveAsync(host, shortState, ShortHistory, () => note++);
        await DriveAsync(host, longState, options.History, () => note++);
        output.WriteLine(Invariant($"  driven in {clock.Elapsed.TotalSeconds:F1} s (one note change per POST)"));

        var before = await HistoryFiguresAsync(host, store, [shortState, longState]);
        var latencies = new Dictionary<string, List<double>> { [shortState] = [], [longState] = [] };
        for (var i = 0; i < options.Samples; i++)
        {
            foreach (var state in i % 2 == 0 ? new[] { shortState, longState } : [longState, shortState])
            {
                latencies[state].Add(await Api.PostMilestoneAsync(host.BaseAddress, HistoryCycle, state, GcmApi.Status("in-progress", $"note {note++}")));
            }
        }

        var after = await HistoryFiguresAsync(host, store, [shortState, longState]);
        foreach (var state in new[] { shortState, longState })
        {
            output.WriteLine(Invariant(
                $"  {HistoryCycle}/{state}: history {before[state].Entries} -> {after[state].Entries} entries (version {before[state].Version} -> {after[state].Version}), "
                + $"grain-state row {Bytes(before[state].RowBytes)} -> {Bytes(after[state].RowBytes)}, "
                + $"write p50 {Latency.Percentile(latencies[state], 50):F2} ms, p90 {Latency.Percentile(latencies[state], 90):F2} ms, max {Latency.Percentile(latencies[state], 100):F2} ms"));
        }

        var ratio = Latency.Percentile(latencies[longState], 50) / Latency.Percentile(latencies[shortState], 50);
        // A row carries its latest change's entries and any the trail has not taken yet (one change more while an append
        // runs), so two rows differ by an entry or two, whatever their history; the trail kept in the row made the row at
        // history 1,000 about 250 times the row at 10 (188 KB). Judged on the rows after the same 100 writes.
        var rowRatio = (double)after[longState].RowBytes / after[shortState].RowBytes;
        output.WriteLine(Invariant($"write p50 at history {options.History} / at {ShortHistory} = {Ratio(ratio)} (goal <= {HistoryGoal:F1}); "
                                   + $"row at history {options.History} / at {ShortHistory} after the writes = {Ratio(rowRatio)}"));
        _summary.Add("history", Invariant($"write p50 ms at history {ShortHistory} / {options.History}"),
            Invariant($"{Latency.Percentile(latencies[shortState], 50):F2} / {Latency.Percentile(latencies[longState], 50):F2}"));
        _summary.Add("history", Invariant($"write p50 at history {options.History} / at {ShortHistory}"), Ratio(ratio), Invariant($"<= {HistoryGoal:F1}"), ratio <= HistoryGoal);
        _summary.Add("history", Invariant($"review row at history {ShortHistory} / {options.History}, after the writes"),
            $"{Bytes(after[shortState].RowBytes)} / {Bytes(after[longState].RowBytes)}", "< 2x (not O(history))", rowRatio < 2);
    }

    /// <summary>
    /// Write cost against membership: a round of 22 and a round of --members in a fresh cycle, one member of each written
    /// in turn, and the size of each region's grain-state row.
    /// </summary>
    private async Task MembersAsync(ServerProcess host)
    {
        var small = GcmApi.Countries.Take(SmallRound).ToArray();
        var large = GcmApi.Countries.Skip(SmallRound).Take(options.Members).ToArray();
        output.WriteLine();
        output.WriteLine($"== members: round {MembersCycle}/small ({small.Length} members) vs {MembersCycle}/large ({large.Length} members), "
                         + $"{options.Samples} sequential milestone writes by one member of each, interleaved");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Api.ConfigureRoundAsync(host.BaseAddress, MembersCycle, "small", small);
        var smallSetup = clock.Elapsed;
        await Api.ConfigureRoundAsync(host.BaseAddress, MembersCycle, "large", large);
        output.WriteLine(Invariant($"  rounds configured: small in {smallSetup.TotalSeconds:F1} s, large in {(clock.Elapsed - smallSetup).TotalSeconds:F1} s"));
        var store = HostStore.Sqlite(Path.Combine(_work, "sqlite", "gcm.db"));
        var members = new Dictionary<string, string> { ["small"] = small[^1], ["large"] = large[^1] };
        byte[][] bodies = [GcmApi.Status("in-progress"), GcmApi.Status("not-started")];
        for (var i = 0; i < 4; i++)
        {
            // Warm-up: the first write of each activates the review and its region.
            foreach (var member in members.Values)
            {
                await Api.PostMilestoneAsync(host.BaseAddress, MembersCycle, member, bodies[i % 2]);
            }
        }

        var latencies = new Dictionary<string, List<double>> { ["small"] = [], ["large"] = [] };
        for (var i = 0; i < options.Samples; i++)
        {
            foreach (var round in i % 2 == 0 ? new[] { "small", "large" } : ["large", "small"])
            {
                latencies[round].Add(await Api.PostMilestoneAsync(host.BaseAddress, MembersCycle, members[round], bodies[i % 2]));
            }
        }

        var rows = new Dictionary<string, long>();
        foreach (var round in new[] { "small", "large" })
        {
            rows[round] = await store.PayloadLengthAsync($"{MembersCycle}/{round}");
            output.WriteLine(Invariant(
                $"  {MembersCycle}/{round}: member {members[round]}, write p50 {Latency.Percentile(latencies[round], 50):F2} ms, p90 {Latency.Percentile(latencies[round], 90):F2} ms, "
                + $"region grain-state row {Bytes(rows[round])}"));
        }

        var ratio = Latency.Percentile(latencies["large"], 50) / Latency.Percentile(latencies["small"], 50);
        output.WriteLine(Invariant($"write p50 in a round of {large.Length} / of {small.Length} = {Ratio(ratio)} (goal <= {MembersGoal:F1})"));
        _summary.Add("members", Invariant($"write p50 ms, round of {small.Length} / {large.Length}"),
            Invariant($"{Latency.Percentile(latencies["small"], 50):F2} / {Latency.Percentile(latencies["large"], 50):F2}"));
        _summary.Add("members", Invariant($"write p50, round of {large.Length} / of {small.Length}"), Ratio(ratio), Invariant($"<= {MembersGoal:F1}"), ratio <= MembersGoal);
        _summary.Add("members", Invariant($"region row, {small.Length} / {large.Length} members"), $"{Bytes(rows["small"])} / {Bytes(rows["large"])}");
    }

    /// <summary>Posts note changes until the review's version reaches <paramref name="changes"/>.</summary>
    private async Task DriveAsync(ServerProcess host, string state, int changes, Func<int> nextNote)
    {
        var version = await Api.ReviewVersionAsync(host.BaseAddress, HistoryCycle, state);
        for (; version < changes; version++)
        {
            await Api.PostMilestoneAsync(host.BaseAddress, HistoryCycle, state, GcmApi.Status("in-progress", $"note {nextNote()}"));
        }
    }

    private async Task<Dictionary<string, (long Version, long Entries, long RowBytes)>> HistoryFiguresAsync(
        ServerProcess host, HostStore store, string[] states)
    {
        var figures = new Dictionary<string, (long, long, long)>();
        foreach (var state in states)
        {
            figures[state] = (await Api.ReviewVersionAsync(host.BaseAddress, HistoryCycle, state),
                await HistoryCountAsync(host, HistoryCycle, state),
                await store.PayloadLengthAsync($"{HistoryCycle}/{state}"));
        }

        return figures;
    }

    /// <summary>Entries of the review's audit trail through GET .../history, following rel="next" pages where the API paginates.</summary>
    private async Task<long> HistoryCountAsync(ServerProcess host, string cycle, string state)
    {
        var url = new Uri(host.BaseAddress, $"/api/cycles/{cycle}/reviews/{state}/history?limit=1000");
        long count = 0;
        for (var page = 0; page < 1000; page++)
        {
            using var response = await Api.Client.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new UnexpectedResponseException($"GET {url}: {(int)response.StatusCode}");
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            count += json.RootElement.GetArrayLength();
            var next = response.Headers.TryGetValues("Link", out var links)
                ? links.Select(l => NextLink().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value
                : null;
            if (next is null)
            {
                return count;
            }

            url = new Uri(url, next);
        }

        return count;
    }

    [GeneratedRegex("""<([^>]+)>\s*;\s*rel="?next"?""")]
    private static partial Regex NextLink();
}
