using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// What a regional round may be: every check of a co-organizer's configuration, with its named limits, and when
/// a configuration is a change. Pure; the region grain and the API ask, neither decides. (The progress a round
/// shows is computed by <see cref="RegionProgressCalculator"/>; who may nudge whom is in <see cref="NudgeRules"/>.)
/// </summary>
public static class RegionRules
{
    /// <summary>Longest round name.</summary>
    public const int MaxRoundNameLength = 200;

    /// <summary>Co-organizers of one round, and the longest name of one.</summary>
    public const int MaxCoOrganizers = 20;

    public const int MaxCoOrganizerLength = 100;

    /// <summary>Most member States of one round (the UN has 193).</summary>
    public const int MaxMembers = 300;

    /// <summary>Automatic nudges come at most every day and at least every this many days.</summary>
    public const int MaxNudgeEveryDays = 90;

    /// <summary>The longest source a round's last report may name.</summary>
    public const int MaxReportSourceLength = 300;

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

        if (config.LastReport is { } report
            && (string.IsNullOrWhiteSpace(report.Source) || report.Source.Length > MaxReportSourceLength || !TextRules.IsCleanLine(report.Source)))
        {
            return $"lastReport needs a date and a source of at most {MaxReportSourceLength} characters on one line";
        }

        // Deadlines follow the hard workflow order: a prerequisite's deadline is not after its dependent's.
        foreach (var (later, earlier) in ReviewWorkflow.Prerequisites)
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
        var dates = new[] { config.Conference.Start, config.Conference.End, config.ConcludedOn, config.LastReport?.Date }
            .OfType<DateOnly>().Concat(config.Deadlines.Values);
        return dates.Any(d => d < earliest || d > latest)
            ? $"the conference, the deadlines and the other dates of a {cycle} round lie between {earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}"
            : null;
    }

    /// <summary>
    /// Where a round stands at the end of <paramref name="day"/>: concluded since the day a co-organizer concluded it or
    /// since its conference's last day (after that day); postponed while its conference is; in conference from the first
    /// to the last day; preparing before (or while the dates are not decided). The date is the conclusion's, when concluded.
    /// </summary>
    public static (RoundPhase Phase, DateOnly? ConcludedOn) PhaseOn(RegionConfig config, DateOnly day)
    {
        var conference = config.Conference;
        if (config.ConcludedOn is { } concluded && concluded <= day)
        {
            return (RoundPhase.Concluded, concluded);
        }

        if (conference.Postponed)
        {
            return (RoundPhase.Postponed, null);
        }

        if ((conference.End ?? conference.Start) is { } last && last < day)
        {
            return (RoundPhase.Concluded, last);
        }

        return conference.Start is { } start && start <= day ? (RoundPhase.InConference, null) : (RoundPhase.Preparing, null);
    }

    /// <summary>
    /// The dates of a timeline: <paramref name="from"/>, then one step after another, and <paramref name="to"/> last. Null
    /// when that makes more than <paramref name="max"/> points or the range is empty.
    /// </summary>
    public static IReadOnlyList<DateOnly>? TimelineDates(DateOnly from, DateOnly to, TimelineStep step, int max)
    {
        if (to < from)
        {
            return null;
        }

        var dates = new List<DateOnly>();
        for (var (date, k) = (from, 1); date < to; date = Step(from, step, k++))
        {
            dates.Add(date);
            if (dates.Count >= max)
            {
                return null;
            }
        }

        dates.Add(to);
        return dates;

        static DateOnly Step(DateOnly start, TimelineStep step, int k) => step switch
        {
            TimelineStep.Day => start.AddDays(k),
            TimelineStep.Week => start.AddDays(7 * k),
            _ => start.AddMonths(k),
        };
    }

    /// <summary>A postponed conference has no dates; a round is concluded on a day that has come (not in the future).</summary>
    public static string? ValidateLifecycle(RegionConfig config, DateOnly today) =>
        config.Conference.Postponed && (config.Conference.Start is not null || config.Conference.End is not null)
            ? "a postponed conference has no dates yet: leave start and end out, or set postponed to false"
            : config.ConcludedOn is { } concluded && concluded > today
            ? $"conclusion: a round can be concluded on a day that has come (today is {today:yyyy-MM-dd}), not on {concluded:yyyy-MM-dd}"
            : null;

    /// <summary>True when a configuration changes nothing (a repeated PUT is not a new version).</summary>
    public static bool SameConfig(RegionConfig a, RegionConfig b) =>
        a.Name == b.Name
        && a.CoOrganizers.SequenceEqual(b.CoOrganizers)
        && a.Conference == b.Conference
        && a.Deadlines.SequenceEqual(b.Deadlines)
        && a.Members.SequenceEqual(b.Members)
        && a.NudgePolicy == b.NudgePolicy
        && a.ConcludedOn == b.ConcludedOn
        && a.LastReport == b.LastReport;
}
