using System.Collections.Immutable;

namespace GcmActors.Contracts;

[GenerateSerializer, Immutable, Alias("gcm.conference")]
public sealed record Conference(
    [property: Id(0)] DateOnly? Start,
    [property: Id(1)] DateOnly? End,
    [property: Id(2)] ConferenceModality Modality);

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
    [property: Id(5)] NudgePolicy? NudgePolicy = null);

[GenerateSerializer, Immutable, Alias("gcm.region-command")]
public sealed record ConfigureRegion(
    [property: Id(0)] RegionConfig Config,
    [property: Id(1)] string Actor,
    [property: Id(2)] long? ExpectedVersion = null);

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
