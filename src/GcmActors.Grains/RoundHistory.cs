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
    private readonly Dictionary<string, MemberHistory> _members = new(StringComparer.Ordinal);

    /// <summary>When the round's first configuration was recorded; null when none is.</summary>
    public DateTimeOffset? Start => _configs.Count == 0 ? null : _configs[0].At;

    /// <summary>Every State that was a member of the round at some time.</summary>
    public IEnumerable<string> EverMembers => _configs.SelectMany(c => c.Config.Members).Distinct(StringComparer.Ordinal);

    /// <summary>How many nudges the round sent up to <paramref name="until"/> (part of the document's entity tag: a nudge changes the document).</summary>
    public int NudgeCount(DateTimeOffset until) => _members.Values.Sum(m => UpperBound(m.Nudges, until));

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
        var member = Member(country);
        List<HistoryEntry> trail = [.. entries.OrderBy(e => e.Sequence)];
        var last = trail.Count == 0 ? 0 : trail[^1].Sequence;
        trail.AddRange(member.Trail.Where(e => e.Sequence > last));
        member.Reset(trail);
        member.Covered = Math.Max(version, member.Covered);
    }

    /// <summary>
    /// Adds the entries a push carries. False when they leave a gap (the push skipped a version whose entries it does not
    /// carry): then the member's trail must be read again.
    /// </summary>
    public bool Extend(ReviewSnapshot snapshot)
    {
        var member = Member(snapshot.Country);
        if (snapshot.Version <= member.Covered)
        {
            return true;
        }

        var changes = snapshot.Changes ?? [];
        var versions = changes.Select(e => e.Version).ToHashSet();
        for (var v = member.Covered + 1; v <= snapshot.Version; v++)
        {
            if (!versions.Contains(v))
            {
                return false;
            }
        }

        var last = member.Trail.Count == 0 ? 0 : member.Trail[^1].Sequence;
        foreach (var entry in ForRounds(changes.Where(e => e.Sequence > last).OrderBy(e => e.Sequence)))
        {
            member.Append(entry);
        }

        member.Covered = snapshot.Version;
        return true;
    }

    /// <summary>Whether the entries held for a member stop short of a version the round knows it has.</summary>
    public bool IsBehind(string country, long version) => (_members.GetValueOrDefault(country)?.Covered ?? 0) < version;

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
        if (!_members.TryGetValue(country, out var member))
        {
            return new ReviewState().ToSnapshot(country) with { Changes = null };
        }

        // The last entry made by then (entries are in time order); none: the member as it was before any change.
        member.FoldAll(country);
        var index = UpperBound(member.FoldedAt, until) - 1;
        return index >= 0 ? member.Folded[index] : new ReviewState().ToSnapshot(country) with { Changes = null };
    }

    /// <summary>When a member completed milestones, up to <paramref name="until"/>, oldest first (a view, valid until the next change).</summary>
    public IReadOnlyList<DateTimeOffset> Completions(string country, DateTimeOffset until) =>
        _members.TryGetValue(country, out var member) ? Prefix(member.Completions, until) : [];

    /// <summary>The distinct days on which a member completed milestones, up to <paramref name="until"/>, oldest first (a view).</summary>
    public IReadOnlyList<DateOnly> CompletionDays(string country, DateTimeOffset until) =>
        _members.TryGetValue(country, out var member) ? Prefix(member.CompletionDays, ReviewReplay.DayOf(until)) : [];

    public void SetNudges(string country, IEnumerable<DateTimeOffset> sentAt)
    {
        var nudges = Member(country).Nudges;
        nudges.Clear();
        nudges.AddRange(sentAt.Order());
    }

    public void AddNudge(string country, DateTimeOffset sentAt) => InsertSorted(Member(country).Nudges, sentAt);

    /// <summary>When the round nudged a member, up to <paramref name="until"/>, oldest first (a view, valid until the next change).</summary>
    public IReadOnlyList<DateTimeOffset> Nudges(string country, DateTimeOffset until) =>
        _members.TryGetValue(country, out var member) ? Prefix(member.Nudges, until) : [];

    /// <summary>The first time in <paramref name="sorted"/> after <paramref name="time"/>; null when there is none.</summary>
    public static DateTimeOffset? FirstAfter(IReadOnlyList<DateTimeOffset> sorted, DateTimeOffset time) =>
        UpperBound(sorted, time) is var i && i < sorted.Count ? sorted[i] : null;

    /// <summary>How many of the sorted values are at or before <paramref name="value"/> (binary search).</summary>
    private static int UpperBound<T>(IReadOnlyList<T> sorted, T value) where T : IComparable<T>
    {
        var (low, high) = (0, sorted.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = sorted[middle].CompareTo(value) <= 0 ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    private static void InsertSorted<T>(List<T> sorted, T value) where T : IComparable<T>
    {
        if (sorted.Count == 0 || sorted[^1].CompareTo(value) <= 0)
        {
            sorted.Add(value);
        }
        else
        {
            sorted.Insert(UpperBound(sorted, value), value);
        }
    }

    private MemberHistory Member(string country) =>
        _members.TryGetValue(country, out var member) ? member : _members[country] = new MemberHistory();

    private static readonly string Completed = GcmJson.Slug(MilestoneStatus.Completed);

    private static bool IsCompletion(HistoryEntry e) => e.To == Completed && e.Field.EndsWith(".status", StringComparison.Ordinal);

    /// <summary>
    /// One member's part of the round's past, with what the document reads of it kept up to date as entries arrive: a
    /// push costs the entries it carries, and a rebuild looks things up (binary search) instead of scanning the trail.
    /// </summary>
    private sealed class MemberHistory
    {
        /// <summary>The entries the round keeps (<see cref="ForRounds"/>), in sequence order.</summary>
        public List<HistoryEntry> Trail { get; } = [];

        /// <summary>The highest version whose entries <see cref="Trail"/> holds.</summary>
        public long Covered { get; set; }

        /// <summary>When the member completed milestones, sorted.</summary>
        public List<DateTimeOffset> Completions { get; } = [];

        /// <summary>The distinct days of <see cref="Completions"/>, sorted.</summary>
        public List<DateOnly> CompletionDays { get; } = [];

        /// <summary>When the round nudged the member, sorted.</summary>
        public List<DateTimeOffset> Nudges { get; } = [];

        /// <summary>
        /// The member's snapshot after each of the first <c>Folded.Count</c> entries of the trail, and their times: a
        /// replay looks one up instead of folding the trail again for every member and every day. Extended when read.
        /// </summary>
        public List<ReviewSnapshot> Folded { get; } = [];

        public List<DateTimeOffset> FoldedAt { get; } = [];

        private ReviewState _state = new();

        public void Append(HistoryEntry entry)
        {
            Trail.Add(entry);
            if (IsCompletion(entry))
            {
                InsertSorted(Completions, entry.At);
                var day = ReviewReplay.DayOf(entry.At);
                var at = UpperBound(CompletionDays, day);
                if (at == 0 || CompletionDays[at - 1] != day)
                {
                    CompletionDays.Insert(at, day);
                }
            }
        }

        public void Reset(List<HistoryEntry> trail)
        {
            Trail.Clear();
            Completions.Clear();
            CompletionDays.Clear();
            Folded.Clear();
            FoldedAt.Clear();
            _state = new ReviewState();
            foreach (var entry in trail)
            {
                Append(entry);
            }
        }

        public void FoldAll(string country)
        {
            for (var i = Folded.Count; i < Trail.Count; i++)
            {
                _state = ReviewReplay.Apply(_state, Trail[i]);
                FoldedAt.Add(Trail[i].At);
                Folded.Add(_state.ToSnapshot(country) with { Changes = null });
            }
        }
    }

    /// <summary>The items of a sorted list up to <paramref name="until"/>, without copying them.</summary>
    private static IReadOnlyList<T> Prefix<T>(List<T> sorted, T until) where T : IComparable<T> =>
        new PrefixView<T>(sorted, UpperBound(sorted, until));

    private sealed class PrefixView<T>(List<T> list, int count) : IReadOnlyList<T>
    {
        public T this[int index] => (uint)index < (uint)count ? list[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => count;

        public IEnumerator<T> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return list[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

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
