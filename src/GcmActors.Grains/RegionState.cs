using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>The persisted state of one region grain (state name "region").</summary>
[GenerateSerializer, Immutable, Alias("gcm.region-state")]
public sealed record RegionState
{
    /// <summary>Null until a co-organizer (or the seed) configures the round.</summary>
    [Id(0)] public RegionConfig? Config { get; init; }

    // Id 1 held every member's latest snapshot until December 2026. The round now keeps them in memory and rebuilds
    // them from its member reviews when it activates; rows that still have them are read without them. Never reuse 1.

    /// <summary>Bumped by every configuration change (and, before December 2026, by every stored snapshot).</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>When the automatic nudge policy last ran (not part of the dashboard, so no version bump).</summary>
    [Id(3)] public DateTimeOffset? LastAutomaticNudge { get; init; }

    /// <summary>How many entries the round's own trail has (one per configuration change, in <see cref="IReviewHistory"/> under the round's key).</summary>
    [Id(4)] public long TrailCount { get; init; }

    /// <summary>
    /// The trail entry of the latest configuration change, kept in the row until the trail has it (as a review keeps its
    /// latest change): the round appends it right after the row is written, and again when it activates.
    /// </summary>
    [Id(5)] public ImmutableList<HistoryEntry> LastChange { get; init; } = [];
}
