using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// What a round knows of its own past, in memory: its configurations with the dates they took effect, the trail entries
/// of its members that the dashboard counts (participation, milestone statuses, objectives) and the nudges it sent. The
/// region grain loads it when it activates and extends it with every push, so that a replay, the timeline, the nudge
/// effect and the forecast cost no storage read (docs/decisions/0013-rounds-in-time.md).
/// </summary>
public sealed class RoundHistory
{
    private readonly List<(DateTimeOffset At, long Version, RegionConfig Config)> _configs = [];
    private readonly Dictionary<string, List<HistoryEntry>> _trails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _covered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTimeOffset>> _nudges = new(StringComparer.Ordinal);

    /// <summary>
    /// Per member, its snapshot after each of its entries, in time order: a replay looks one up (binary search) instead
    /// of folding the trail again for every member and every day. Made when first needed, dropped when the trail changes.
    /// </summary>
    private readonly Dictionary<string, (DateTimeOffset[] At, ReviewSnapshot[] Snapshot)> _checkpoints = new(StringComparer.Ordinal);

    /// <summary>When the round's first configuration was recorded; null when none is.</summary>
    public DateTimeOffset? Start => _configs.Count == 0 ? null : _configs[0].At;

    /// <summary>Every State that was a member of the round at some time.</summary>
    public IEnumerable<string> EverMembers => _configs.SelectMany(c => c.Config.Members).Distinct(StringComparer.Ordinal);

    /// <summary>How many nudges the round sent up to <paramref name="until"/> (part of the document's entity tag: a nudge changes the document).</summary>
    public int NudgeCount(DateTimeOffset until) => _nudges.Values.Sum(n => n.Count(t => t <= until));

    /// <summary>The trail entry of a configuration change: its version, its date and the configuration as JSON.</summary>
    public static HistoryEntry ConfigEntry(RegionConfig config, long version, string actor, DateTimeOffset at, long sequence) => new(
        version, at, actor, "config", null, Describe(config), null, sequence, JsonSerializer.Serialize(config, GcmJson.Options));

    public void AddConfig(HistoryEntry entry)
    {
        if (entry.Field != "config" || entry.Value is null || _configs.Any(c => c.Version == entry.Version))
        {
            return;
        }

        _configs.Add((entry.At, entry.Version, JsonSerializer.Deserialize<RegionConfig>(entry.Value, GcmJson.Options)!));
        _configs.Sort((a, b) => a.Version.CompareTo(b.Version));
    }

    /// <summary>The configuration in force at <paramref name="until"/>, with its version; null before the round existed.</summary>
    public (RegionConfig Config, long Version)? ConfigAt(DateTimeOffset until)
    {
        (RegionConfig, long)? found = null;
        foreach (var (at, version, config) in _configs)
        {
            if (at > until)
            {
                break;
            }

            found = (config, version);
        }

        return found;
    }

    /// <summary>
    /// Takes a member's trail as read from the review, which holds every version up to <paramref name="version"/>. Pushes
    /// that came in while it was being read (the round reads it between turns) may already have added later entries: those
    /// are kept, so a read that answers late never takes the round back.
    /// </summary>
    public void SetTrail(string country, IEnumerable<HistoryEntry> entries, long version)
    {
        List<HistoryEntry> trail = [.. entries.OrderBy(e => e.Sequence)];
        var last = trail.Count == 0 ? 0 : trail[^1].Sequence;
        trail.AddRange((_trails.GetValueOrDefault(country) ?? []).Where(e => e.Sequence > last));
        _trails[country] = trail;
        _covered[country] = Math.Max(version, _covered.GetValueOrDefault(country));
        _checkpoints.Remove(country);
    }

    /// <summary>
    /// Adds the entries a push carries. False when they leave a gap (the push skipped a version whose entries it does not
    /// carry): then the member's trail must be read again.
    /// </summary>
    public bool Extend(ReviewSnapshot snapshot)
    {
        var covered = _covered.GetValueOrDefault(snapshot.Country);
        if (snapshot.Version <= covered)
        {
            return true;
        }

        var changes = snapshot.Changes ?? [];
        var versions = changes.Select(e => e.Version).ToHashSet();
        for (var v = covered + 1; v <= snapshot.Version; v++)
        {
            if (!versions.Contains(v))
            {
                return false;
            }
        }

        var trail = _trails.TryGetValue(snapshot.Country, out var held) ? held : _trails[snapshot.Country] = [];
        var last = trail.Count == 0 ? 0 : trail[^1].Sequence;
        trail.AddRange(ForRounds(changes.Where(e => e.Sequence > last).OrderBy(e => e.Sequence)));
        _covered[snapshot.Country] = snapshot.Version;
        _checkpoints.Remove(snapshot.Country);
        return true;
    }

    /// <summary>Whether the entries held for a member stop short of a version the round knows it has.</summary>
    public bool IsBehind(string country, long version) => _covered.GetValueOrDefault(country) < version;

    /// <summary>
    /// The entries a round keeps of a trail: those it counts, and the first of every version (stripped), so that a member
    /// replayed on a day carries the version it had then.
    /// </summary>
    public static IEnumerable<HistoryEntry> ForRounds(IEnumerable<HistoryEntry> entries)
    {
        long version = -1;
        foreach (var entry in entries)
        {
            if (ReviewReplay.CountsForRounds(entry.Field))
            {
                yield return entry;
            }
            else if (entry.Version > version)
            {
                yield return entry with { Field = "", From = null, To = null, Note = null, Value = null };
            }

            version = Math.Max(version, entry.Version);
        }
    }

    /// <summary>A member as it stood at <paramref name="until"/>, the way it pushes itself.</summary>
    public ReviewSnapshot MemberAt(string country, DateTimeOffset until)
    {
        if (!_checkpoints.TryGetValue(country, out var checkpoints))
        {
            var trail = _trails.GetValueOrDefault(country) ?? [];
            var at = new DateTimeOffset[trail.Count];
            var snapshots = new ReviewSnapshot[trail.Count];
            var state = new ReviewState();
            for (var i = 0; i < trail.Count; i++)
            {
                state = ReviewReplay.Apply(state, trail[i]);
                at[i] = trail[i].At;
                snapshots[i] = state.ToSnapshot(country) with { Changes = null };
            }

            _checkpoints[country] = checkpoints = (at, snapshots);
        }

        // The last entry made by then (entries are in time order); none: the member as it was before any change.
        var index = Array.BinarySearch(checkpoints.At, until);
        index = index >= 0 ? LastAt(checkpoints.At, index) : ~index - 1;
        return index >= 0 ? checkpoints.Snapshot[index] : new ReviewState().ToSnapshot(country) with { Changes = null };

        static int LastAt(DateTimeOffset[] at, int index)
        {
            while (index + 1 < at.Length && at[index + 1] == at[index])
            {
                index++;
            }

            return index;
        }
    }

    /// <summary>When a member completed milestones, up to <paramref name="until"/>, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Completions(string country, DateTimeOffset until) =>
        [.. (_trails.GetValueOrDefault(country) ?? []).Where(e => e.At <= until && e.To == Completed && e.Field.EndsWith(".status", StringComparison.Ordinal)).Select(e => e.At)];

    public void SetNudges(string country, IEnumerable<DateTimeOffset> sentAt) => _nudges[country] = [.. sentAt.Order()];

    public void AddNudge(string country, DateTimeOffset sentAt)
    {
        var list = _nudges.TryGetValue(country, out var held) ? held : _nudges[country] = [];
        list.Add(sentAt);
        list.Sort();
    }

    /// <summary>When the round nudged a member, up to <paramref name="until"/>, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Nudges(string country, DateTimeOffset until) =>
        [.. (_nudges.GetValueOrDefault(country) ?? []).Where(t => t <= until)];

    private static readonly string Completed = GcmJson.Slug(MilestoneStatus.Completed);

    private static string Describe(RegionConfig config)
    {
        var conference = config.Conference;
        var when = conference.Postponed ? "postponed"
            : conference.Start is { } start ? $"{start:yyyy-MM-dd} to {conference.End ?? start:yyyy-MM-dd}, {GcmJson.Slug(conference.Modality)}"
            : "dates not decided";
        var concluded = config.ConcludedOn is { } on ? $"; concluded on {on:yyyy-MM-dd}" : "";
        return $"{config.Members.Length} members; conference {when}{concluded}";
    }
}
