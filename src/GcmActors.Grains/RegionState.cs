using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>The persisted state of one region grain (state name "region").</summary>
[GenerateSerializer, Immutable, Alias("gcm.region-state")]
public sealed record RegionState
{
    /// <summary>Null until a co-organizer (or the seed) configures the round.</summary>
    [Id(0)] public RegionConfig? Config { get; init; }

    /// <summary>Latest snapshot pushed by each member review, by ISO3 code.</summary>
    [Id(1)] public ImmutableSortedDictionary<string, ReviewSnapshot> Snapshots { get; init; } =
        ImmutableSortedDictionary<string, ReviewSnapshot>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Bumped by every configuration change and every stored snapshot.</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>When the automatic nudge policy last ran (not part of the dashboard, so no version bump).</summary>
    [Id(3)] public DateTimeOffset? LastAutomaticNudge { get; init; }
}
