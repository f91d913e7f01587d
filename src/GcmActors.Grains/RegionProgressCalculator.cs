using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Regional progress as a pure function of the round's configuration, the members' latest snapshots and
/// today's date. The region grain runs it once per change (or once a day), never per read.
/// </summary>
public static class RegionProgressCalculator
{
    /// <summary>
    /// A participating member lags when a milestone whose deadline has passed is not completed;
    /// <c>daysBehind</c> counts from the earliest such deadline.
    /// </summary>
    public static MemberProgress Member(
        string country, string name, ReviewSnapshot? snapshot, ImmutableSortedDictionary<Milestone, DateOnly> deadlines, DateOnly today)
    {
        var milestones = snapshot?.Milestones ?? NotStarted;
        var participation = snapshot?.Participation ?? Participation.Participating;
        var missed = participation == Participation.Participating
            ? deadlines.Where(d => d.Value < today && milestones.GetValueOrDefault(d.Key) != MilestoneStatus.Completed)
                .OrderBy(d => d.Value).ToImmutableArray()
            : [];
        var daysBehind = missed.IsEmpty ? 0 : today.DayNumber - missed[0].Value.DayNumber;
        return new MemberProgress(
            country, name, participation, milestones, !missed.IsEmpty, daysBehind,
            [.. missed.Select(d => d.Key).Order()], snapshot?.Version ?? 0);
    }

    public static RegionProgress Compute(
        string cycle, string region, RegionConfig config, IReadOnlyDictionary<string, ReviewSnapshot> snapshots,
        DateOnly today, long version, Func<string, string> nameOf)
    {
        var members = config.Members
            .Select(c => Member(c, nameOf(c), snapshots.GetValueOrDefault(c), config.Deadlines, today))
            .ToImmutableArray();

        var counts = Milestones.All.ToImmutableSortedDictionary(
            m => m,
            m => new StatusCounts(
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.NotStarted),
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.InProgress),
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.Completed)));

        var participating = members.Count(m => m.Participation == Participation.Participating);
        var submitted = members.Count(m => m.Participation == Participation.Participating
            && m.Milestones.GetValueOrDefault(Milestone.Submitted) == MilestoneStatus.Completed);
        var lagging = members.Where(m => m.Lagging)
            .OrderByDescending(m => m.DaysBehind).ThenBy(m => m.Country, StringComparer.Ordinal)
            .Select(m => m.Country).ToImmutableArray();
        var coverage = Enumerable.Range(1, ReviewWorkflow.ObjectiveCount).ToImmutableSortedDictionary(
            o => o,
            o => config.Members.Count(c => snapshots.TryGetValue(c, out var s)
                && s.Participation == Participation.Participating && s.Objectives.Contains(o)));

        return new RegionProgress(
            cycle,
            region,
            config.Name,
            config.CoOrganizers,
            config.Conference,
            config.Conference.Start is { } start ? start.DayNumber - today.DayNumber : null,
            config.Deadlines,
            today,
            members,
            counts,
            participating,
            submitted,
            participating == 0 ? 0 : Math.Round((double)submitted / participating, 4),
            lagging,
            coverage,
            version,
            config.NudgePolicy);
    }

    /// <summary>Longest round name.</summary>
    public const int MaxRoundNameLength = 200;

    /// <summary>Co-organizers of one round, and the longest name of one.</summary>
    public const int MaxCoOrganizers = 20;

    public const int MaxCoOrganizerLength = 100;

    /// <summary>Most member States of one round (the UN has 193).</summary>
    public const int MaxMembers = 300;

    /// <summary>Automatic nudges come at most every day and at least every this many days.</summary>
    public const int MaxNudgeEveryDays = 90;

    /// <summary>The conference and the deadlines lie within this many years of the cycle's year.</summary>
    public const int ScheduleYears = 3;

    /// <summary>Checks a configuration sent by a co-organizer; null when it is acceptable.</summary>
    public static string? Validate(RegionConfig config, CountryCatalog countries)
    {
        if (string.IsNullOrWhiteSpace(config.Name) || config.Name.Length > MaxRoundNameLength)
        {
            return $"name is required (at most {MaxRoundNameLength} characters)";
        }

        if (!TextRules.IsCleanLine(config.Name))
        {
            return TextRules.Refusal("name");
        }

        if (config.CoOrganizers.IsDefault || config.CoOrganizers.Length > MaxCoOrganizers
            || config.CoOrganizers.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > MaxCoOrganizerLength))
        {
            return $"coOrganizers is a list of at most {MaxCoOrganizers} names of at most {MaxCoOrganizerLength} characters";
        }

        if (!config.CoOrganizers.All(TextRules.IsCleanLine))
        {
            return TextRules.Refusal("a co-organizer");
        }

        if (!Enum.IsDefined(config.Conference.Modality))
        {
            return "conference.modality must be in-person, virtual, hybrid or undecided";
        }

        if (config.Conference is { Start: { } start, End: { } end } && end < start)
        {
            return "conference.end is before conference.start";
        }

        if (config.Conference is { Start: null, End: not null })
        {
            return "conference.end needs conference.start";
        }

        if (config.Members.IsDefault || config.Members.Length > MaxMembers)
        {
            return $"members must be a list of at most {MaxMembers} ISO 3166-1 alpha-3 codes";
        }

        if (config.Members.FirstOrDefault(m => !countries.Contains(m)) is { } unknown)
        {
            return $"'{unknown}' is not an ISO 3166-1 alpha-3 country code";
        }

        if (config.Members.Distinct(StringComparer.Ordinal).Count() != config.Members.Length)
        {
            return "members lists a State twice";
        }

        if (config.NudgePolicy is { } policy
            && (policy.EveryDays is < 1 or > MaxNudgeEveryDays || NudgeRules.ValidateMessage(policy.Message) is not null))
        {
            return $"nudgePolicy needs everyDays between 1 and {MaxNudgeEveryDays} and {NudgeRules.MessageRule}";
        }

        // Deadlines follow the hard workflow order: data before approval, approval before submission.
        foreach (var (earlier, later) in new[] { (Milestone.DataCollected, Milestone.Approved), (Milestone.Approved, Milestone.Submitted) })
        {
            if (config.Deadlines.TryGetValue(earlier, out var first) && config.Deadlines.TryGetValue(later, out var second) && second < first)
            {
                return $"the '{GcmJson.Slug(later)}' deadline is before the '{GcmJson.Slug(earlier)}' deadline";
            }
        }

        return null;
    }

    /// <summary>
    /// Checks that the conference and the deadlines of a round of <paramref name="cycle"/> lie within
    /// <see cref="ScheduleYears"/> years of it (a typo such as 0202 or 9999 is refused); null when they do.
    /// </summary>
    public static string? ValidateSchedule(int cycle, RegionConfig config)
    {
        var earliest = new DateOnly(cycle - ScheduleYears, 1, 1);
        var latest = new DateOnly(cycle + ScheduleYears, 12, 31);
        var dates = new[] { config.Conference.Start, config.Conference.End }.OfType<DateOnly>().Concat(config.Deadlines.Values);
        return dates.Any(d => d < earliest || d > latest)
            ? $"the conference and the deadlines of a {cycle} round lie between {earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}"
            : null;
    }

    private static readonly ImmutableSortedDictionary<Milestone, MilestoneStatus> NotStarted =
        Milestones.All.ToImmutableSortedDictionary(m => m, _ => MilestoneStatus.NotStarted);
}
