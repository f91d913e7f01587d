using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace GcmActors.Contracts;

/// <summary>
/// The regional progress document that dashboards poll (GET /api/cycles/{cycle}/regions/{region}), as it stands at the
/// end of <see cref="AsOf"/> (today, or the day a replay asks for). Once a round is concluded, members, counts and
/// lagging are those of <see cref="ConcludedOn"/>; what changed since is in <see cref="LateUpdates"/>.
/// <see cref="ConcludedOn"/> is computed (the conference's last day, or the co-organizers' conclusion);
/// <see cref="Conclusion"/> is the co-organizers' own, as configured (a GET, edited and PUT back, keeps it).
/// </summary>
public sealed record RegionProgress(
    string Cycle,
    string Region,
    string Name,
    ImmutableArray<string> CoOrganizers,
    Conference Conference,
    int? DaysToConference,
    ImmutableSortedDictionary<Milestone, DateOnly> Deadlines,
    DateOnly AsOf,
    ImmutableArray<MemberProgress> Members,
    ImmutableSortedDictionary<Milestone, StatusCounts> Counts,
    int Participating,
    int Submitted,
    double SubmittedShare,
    ImmutableArray<string> Lagging,
    ImmutableSortedDictionary<int, int> ObjectiveCoverage,
    long Version,
    NudgePolicy? NudgePolicy,
    RoundPhase Phase,
    DateOnly? ConcludedOn,
    DateOnly? Conclusion,
    LastReport? LastReport,
    ImmutableArray<LateUpdate> LateUpdates,
    NudgeEffect? NudgeEffect,
    RoundForecast? Forecast);

public sealed record MemberProgress(
    string Country,
    string Name,
    Participation Participation,
    ImmutableSortedDictionary<Milestone, MilestoneStatus> Milestones,
    bool Lagging,
    int DaysBehind,
    ImmutableArray<Milestone> Missed,
    long Version,
    DateTimeOffset? LastNudge = null);

public sealed record StatusCounts(
    [property: JsonPropertyName("not-started")] int NotStarted,
    [property: JsonPropertyName("in-progress")] int InProgress,
    [property: JsonPropertyName("completed")] int Completed);

/// <summary>
/// A change of a concluded round's member after the conclusion: <see cref="Field"/> is a milestone's slug or
/// <c>participation</c>; <see cref="Then"/> is the value on the conclusion day, <see cref="Now"/> the value on the document's day.
/// </summary>
public sealed record LateUpdate(string Country, string Field, string Then, string Now);

/// <summary>
/// Did the nudges help? Each nudge whose window of <see cref="WindowDays"/> days has closed (or that was followed within
/// it) counts once: followed when the State completed a milestone within the window. The comparison: participating States
/// not nudged, not yet submitted, over the same windows. Shares are null when there is nothing to count.
/// </summary>
public sealed record NudgeEffect(
    int WindowDays,
    int Nudged,
    int Followed,
    double? NudgedShare,
    int NotNudged,
    int NotNudgedFollowed,
    double? NotNudgedShare,
    double? MedianDaysToMilestone);

/// <summary>
/// When the participating States that have not submitted yet are expected to submit, from the round's pace (the days
/// between two completed milestones observed in the round) and their own; and how many submissions the round may expect
/// by its submission deadline (docs/forecast.md). Null where the round has no pace yet.
/// </summary>
public sealed record RoundForecast(
    DateOnly? Deadline,
    double? PaceDays,
    double? Expected,
    int? Low,
    int? High,
    ImmutableArray<MemberForecast> Members);

public sealed record MemberForecast(string Country, int Remaining, DateOnly Expected, DateOnly Earliest, DateOnly Latest);

/// <summary>Progress over time (GET .../regions/{region}/timeline): one point per step, each as the round stood at the end of its date.</summary>
public sealed record RegionTimeline(
    string Cycle,
    string Region,
    DateOnly From,
    DateOnly To,
    TimelineStep Step,
    ImmutableArray<TimelinePoint> Points,
    NudgeEffect? NudgeEffect);

public sealed record TimelinePoint(
    DateOnly Date,
    RoundPhase Phase,
    ImmutableSortedDictionary<Milestone, StatusCounts> Counts,
    int Submitted,
    int Lagging,
    int Participating,
    int Nudges);
