using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace GcmActors.Contracts;

/// <summary>The regional progress document that dashboards poll (GET /api/cycles/{cycle}/regions/{region}).</summary>
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
    NudgePolicy? NudgePolicy = null);

public sealed record MemberProgress(
    string Country,
    string Name,
    Participation Participation,
    ImmutableSortedDictionary<Milestone, MilestoneStatus> Milestones,
    bool Lagging,
    int DaysBehind,
    ImmutableArray<Milestone> Missed,
    long Version);

public sealed record StatusCounts(
    [property: JsonPropertyName("not-started")] int NotStarted,
    [property: JsonPropertyName("in-progress")] int InProgress,
    [property: JsonPropertyName("completed")] int Completed);
