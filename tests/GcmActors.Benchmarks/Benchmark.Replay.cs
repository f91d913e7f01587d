using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.Benchmarks;

/// <summary>
/// The replay section: what a past day of a 22-member round with 1,000 changes costs when it is not cached yet (issue 9:
/// "a few milliseconds"), and a timeline over the round's months, computed in process with the region grain's own code
/// (the round's past is in memory there, so a replay reads no storage). Side by side: the live document from snapshots.
/// </summary>
internal sealed partial class Benchmark
{
    private const int ReplayMembers = 22;
    private const int ReplayChanges = 1000;
    private const double ReplayGoalMs = 5;

    private void Replay()
    {
        output.WriteLine();
        output.WriteLine(Invariant($"== replay: a round of {ReplayMembers} members with {ReplayChanges} dated changes, uncached"));
        var start = new DateOnly(2024, 1, 1);
        var days = 270;
        var members = GcmApi.Countries.Take(ReplayMembers).ToImmutableArray();
        var deadlines = Milestones.All.Select((m, i) => (m, start.AddDays(60 + (i * 30)))).ToImmutableSortedDictionary(x => x.m, x => x.Item2);
        var config = new RegionConfig("Replay round", ["ESCWA"], new Conference(start.AddDays(days + 30), start.AddDays(days + 31), ConferenceModality.Hybrid),
            deadlines, members);
        var history = new RoundHistory();
        history.AddConfig(RoundHistory.ConfigEntry(config, 1, "bench", new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), 1));

        // Each member moves its milestones back and forth, now and then changes its objectives: 1,000 entries in all,
        // spread over nine months in time order.
        var random = new Random(9);
        var perMember = ReplayChanges / ReplayMembers;
        foreach (var (country, index) in members.Select((c, i) => (c, i)))
        {
            var count = perMember + (index < ReplayChanges % ReplayMembers ? 1 : 0);
            var entries = new List<HistoryEntry>();
            var statuses = Milestones.All.ToDictionary(m => m, _ => MilestoneStatus.NotStarted);
            for (var k = 1; k <= count; k++)
            {
                var at = new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(k * (days * 24 * 60.0 / (count + 1)));
                if (k % 7 == 0)
                {
                    entries.Add(new HistoryEntry(k, at, "bench", "evidence.objectives", "", $"{random.Next(1, 12)},{random.Next(12, 24)}", null, k));
                    continue;
                }

                var milestone = Milestones.All[random.Next(Milestones.All.Count)];
                var to = (MilestoneStatus)(((int)statuses[milestone] + 1) % 3);
                entries.Add(new HistoryEntry(k, at, "bench", $"milestones.{GcmJson.Slug(milestone)}.status",
                    GcmJson.Slug(statuses[milestone]), GcmJson.Slug(to), null, k));
                statuses[milestone] = to;
            }

            history.SetTrail(country, entries, count);
        }

        IReadOnlyDictionary<string, ReviewSnapshot> MembersOn(DateOnly day) =>
            members.ToDictionary(c => c, c => history.MemberAt(c, ReviewReplay.EndOf(day)), StringComparer.Ordinal);

        byte[] Document(DateOnly day, Func<DateOnly, IReadOnlyDictionary<string, ReviewSnapshot>> membersOn) => JsonSerializer.SerializeToUtf8Bytes(
            RegionProgressCalculator.Compute("2024", "replay", config, 1, history, membersOn, day, c => c, 14), GcmJson.Options);

        var live = MembersOn(start.AddDays(days));
        for (var i = 0; i < 50; i++)
        {
            Document(start.AddDays(random.Next(days)), MembersOn); // warm-up: JIT and caches
            Document(start.AddDays(days), _ => live);
        }

        var replays = new List<double>();
        var lives = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var day = start.AddDays(random.Next(days));
            var watch = Stopwatch.StartNew();
            Document(day, MembersOn);
            replays.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            Document(day, _ => live);
            lives.Add(watch.Elapsed.TotalMilliseconds);
        }

        var timelineWatch = Stopwatch.StartNew();
        var points = 0;
        for (var date = start; date <= start.AddDays(days); date = date.AddDays(7), points++)
        {
            RegionProgressCalculator.Compute("2024", "replay", config, 1, history, MembersOn, date, c => c, 14, derived: false);
        }

        var timelineMs = timelineWatch.Elapsed.TotalMilliseconds;
        var p50 = Latency.Percentile(replays, 50);
        var p99 = Latency.Percentile(replays, 99);
        output.WriteLine(Invariant($"  replay of a past day    p50 {p50:F2} ms, p99 {p99:F2} ms ({replays.Count} days, each document computed anew; the members' checkpoints in memory, as the grain keeps them)"));
        output.WriteLine(Invariant($"  live document (snapshots) p50 {Latency.Percentile(lives, 50):F2} ms, p99 {Latency.Percentile(lives, 99):F2} ms"));
        output.WriteLine(Invariant($"  timeline, {points} weekly points  {timelineMs:F1} ms"));
        _summary.Add("replay", Invariant($"uncached replay, {ReplayMembers} members / {ReplayChanges} changes, p99 ms"), Invariant($"{p99:F2}"),
            Invariant($"<= {ReplayGoalMs:F0}"), p99 <= ReplayGoalMs);
        _summary.Add("replay", Invariant($"replay / live document, p50"), Ratio(p50 / Latency.Percentile(lives, 50)));
        _summary.Add("replay", Invariant($"timeline of {points} weekly points, ms"), Invariant($"{timelineMs:F1}"));
    }
}
