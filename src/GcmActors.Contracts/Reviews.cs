using System.Collections.Immutable;

namespace GcmActors.Contracts;

[GenerateSerializer, Immutable, Alias("gcm.milestone-record")]
public sealed record MilestoneRecord(
    [property: Id(0)] MilestoneStatus Status,
    [property: Id(1)] DateTimeOffset? UpdatedAt = null,
    [property: Id(2)] string? Note = null,
    [property: Id(3)] string? ReopenReason = null)
{
    public static readonly MilestoneRecord NotStarted = new(MilestoneStatus.NotStarted);
}

/// <summary>The national coordination mechanism (whole-of-government).</summary>
[GenerateSerializer, Immutable, Alias("gcm.coordination-body")]
public sealed record CoordinationBody(
    [property: Id(0)] string Name,
    [property: Id(1)] string? LeadMinistry = null);

/// <summary>Someone the guiding template went to (whole-of-society).</summary>
[GenerateSerializer, Immutable, Alias("gcm.stakeholder")]
public sealed record Stakeholder(
    [property: Id(0)] string Name,
    [property: Id(1)] StakeholderKind Kind);

/// <summary>What a ministry records alongside its milestones.</summary>
[GenerateSerializer, Immutable, Alias("gcm.evidence")]
public sealed record Evidence(
    [property: Id(0)] CoordinationBody? CoordinationBody,
    [property: Id(1)] ImmutableArray<Stakeholder> Stakeholders,
    [property: Id(2)] ImmutableArray<int> Objectives,
    [property: Id(3)] ImmutableArray<string> Challenges)
{
    public static readonly Evidence None = new(null, [], [], []);
}

/// <summary>
/// A ministry's command: set one milestone's status, optionally with evidence. Evidence fields left
/// null are not touched; a given one replaces the recorded value.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.milestone-update")]
public sealed record MilestoneUpdate(
    [property: Id(0)] Milestone Milestone,
    [property: Id(1)] MilestoneStatus Status,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Note = null,
    [property: Id(4)] string? Reason = null,
    [property: Id(5)] CoordinationBody? CoordinationBody = null,
    [property: Id(6)] ImmutableArray<Stakeholder>? Stakeholders = null,
    [property: Id(7)] ImmutableArray<int>? Objectives = null,
    [property: Id(8)] ImmutableArray<string>? Challenges = null,
    [property: Id(9)] long? ExpectedVersion = null,
    [property: Id(10)] DateTimeOffset? At = null);

/// <summary><see cref="At"/>, as on <see cref="MilestoneUpdate"/>, dates a seeded change in the past; the HTTP API never sets it.</summary>
[GenerateSerializer, Immutable, Alias("gcm.participation-update")]
public sealed record ParticipationUpdate(
    [property: Id(0)] Participation Participation,
    [property: Id(1)] string Actor,
    [property: Id(2)] string? Note = null,
    [property: Id(3)] long? ExpectedVersion = null,
    [property: Id(4)] DateTimeOffset? At = null);

/// <summary>
/// One accepted change of one field, as the audit trail shows it. <see cref="Sequence"/> numbers a review's
/// entries 1, 2, 3, ... in order (one change of several fields gives several entries of the same version).
/// <see cref="Value"/> is the new value as JSON where <see cref="To"/> is only a description of it (evidence, a round's
/// configuration), so that a replay rebuilds it exactly.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.history-entry")]
public sealed record HistoryEntry(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Field,
    [property: Id(4)] string? From,
    [property: Id(5)] string? To,
    [property: Id(6)] string? Note = null,
    [property: Id(7)] long Sequence = 0,
    [property: Id(8)] string? Value = null);

/// <summary>One page of a review's audit trail: entries after a sequence, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("gcm.history-page")]
public sealed record HistoryPage(
    [property: Id(0)] ImmutableArray<HistoryEntry> Entries,
    [property: Id(1)] bool HasMore);

/// <summary>One State's review as ministries and dashboards read it.</summary>
[GenerateSerializer, Immutable, Alias("gcm.review-view")]
public sealed record ReviewView(
    [property: Id(0)] string Cycle,
    [property: Id(1)] string Country,
    [property: Id(2)] string Name,
    [property: Id(3)] Participation Participation,
    [property: Id(4)] ImmutableSortedDictionary<Milestone, MilestoneRecord> Milestones,
    [property: Id(5)] Evidence Evidence,
    [property: Id(6)] ImmutableArray<string> Regions,
    [property: Id(7)] long Version,
    [property: Id(8)] DateTimeOffset? UpdatedAt);

/// <summary>
/// What a review pushes to each of its regions after every change. <see cref="Changes"/> carries the trail entries of the
/// latest change(s), so that a round keeps its members' dated progress without reading the trail again.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.review-snapshot")]
public sealed record ReviewSnapshot(
    [property: Id(0)] string Country,
    [property: Id(1)] Participation Participation,
    [property: Id(2)] ImmutableSortedDictionary<Milestone, MilestoneStatus> Milestones,
    [property: Id(3)] ImmutableArray<int> Objectives,
    [property: Id(4)] long Version,
    [property: Id(5)] ImmutableArray<HistoryEntry>? Changes = null);

/// <summary>What a round keeps of one member: see <see cref="IReviewGrain.GetRoundRecordAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("gcm.member-record")]
public sealed record MemberRecord(
    [property: Id(0)] ReviewSnapshot? Snapshot,
    [property: Id(1)] ImmutableArray<HistoryEntry> Trail,
    [property: Id(2)] long Version,
    [property: Id(3)] ImmutableArray<DateTimeOffset> Nudges);

/// <summary>Result of a command on a review: the outcome and, unless it failed, the review after it.</summary>
[GenerateSerializer, Immutable, Alias("gcm.review-result")]
public sealed record ReviewResult(
    [property: Id(0)] Outcome Outcome,
    [property: Id(1)] ReviewView? Review = null,
    [property: Id(2)] string? Detail = null);
