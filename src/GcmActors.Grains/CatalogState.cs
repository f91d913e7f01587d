using System.Collections.Immutable;

namespace GcmActors.Grains;

/// <summary>The persisted state of the catalog grain (state name "catalog").</summary>
[GenerateSerializer, Immutable, Alias("gcm.catalog-state")]
public sealed record CatalogState
{
    /// <summary>Every registered round key (<c>{cycle}/{region}</c>), in ordinal order, each once.</summary>
    [Id(0)] public ImmutableArray<string> Rounds { get; init; } = [];
}
