using System.Collections.Immutable;

namespace GcmActors.Contracts;

[GenerateSerializer, Immutable, Alias("gcm.conference")]
public sealed record Conference(
    [property: Id(0)] DateOnly? Start,
    [property: Id(1)] DateOnly? End,
    [property: Id(2)] ConferenceModality Modality,
    [property: Id(3)] bool Postponed = false);

/// <summary>
/// Automatic nudges: when <see cref="Automatic"/>, the region nudges every lagging State with
/// <see cref="Message"/> once every <see cref="EveryDays"/> days.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.nudge-policy")]
public sealed record NudgePolicy(
    [property: Id(0)] bool Automatic,
    [property: Id(1)] int EveryDays,
    [property: Id(2)] string Message);

/// <summary>A regional review round as co-organizers configure it.</summary>
[GenerateSerializer, Immutable, Alias("gcm.region-config")]
public sealed record RegionConfig(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> CoOrganizers,
    [property: Id(2)] Conference Conference,
    [property: Id(3)] ImmutableSortedDictionary<Milestone, DateOnly> Deadlines,
    [property: Id(4)] ImmutableArray<string> Members,
    [property: Id(5)] NudgePolicy? NudgePolicy = null,
    [property: Id(6)] DateOnly? ConcludedOn = null,
    [property: Id(7)] LastReport? LastReport = null);

/// <summary>Where what the service knows of a round ends: the date and source of the last report it was fed from (the seed).</summary>
[GenerateSerializer, Immutable, Alias("gcm.last-report")]
public sealed record LastReport(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] string Source);

/// <summary>
/// A co-organizer's change of a round. <see cref="At"/> dates the change in the past; only the seed sets it (the HTTP API
/// never does), and never before the round's last change.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.region-command")]
public sealed record ConfigureRegion(
    [property: Id(0)] RegionConfig Config,
    [property: Id(1)] string Actor,
    [property: Id(2)] long? ExpectedVersion = null,
    [property: Id(3)] DateTimeOffset? At = null);

[GenerateSerializer, Immutable, Alias("gcm.region-result")]
public sealed record RegionResult(
    [property: Id(0)] Outcome Outcome,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Detail = null);

/// <summary>
/// The dashboard document, already serialized as UTF-8 JSON, with its entity tag. The grain keeps it
/// ready so that a read is a reference hand-over, not a computation.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.region-document")]
public sealed record RegionDocument(
    [property: Id(0)] byte[] Json,
    [property: Id(1)] string ETag,
    [property: Id(2)] long Version);

/// <summary>A timeline (as a ready document), or why none could be made for the range asked.</summary>
[GenerateSerializer, Immutable, Alias("gcm.timeline-result")]
public sealed record TimelineResult(
    [property: Id(0)] RegionDocument? Document,
    [property: Id(1)] string? Refusal = null);

[GenerateSerializer, Alias("gcm.push-result")]
public enum PushResult
{
    /// <summary>The region now holds this snapshot (or a newer one).</summary>
    Stored = 0,

    /// <summary>The region already had this version or a newer one; nothing was written.</summary>
    AlreadyCurrent = 1,

    /// <summary>The State is not (or no longer) a member of the region; the review should stop pushing.</summary>
    NotMember = 2,
}
