using System.Collections.Immutable;
using Orleans.Concurrency;

namespace GcmActors.Contracts;

/// <summary>
/// Which regional rounds exist, so that clients can discover them. One grain, key <see cref="Keys.Catalog"/>.
/// A region registers when it is configured and whenever it activates configured (so rounds of a data directory
/// older than the catalog appear too); the seed registers its rounds at every start. Registering is idempotent.
/// </summary>
[Alias("gcm.catalog")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>Adds a round (<c>{cycle}/{region}</c>) to the catalog; a round already listed costs no write.</summary>
    [Alias("register-round"), SpreadOverGateways]
    Task RegisterRoundAsync(string regionKey);

    /// <summary>Every registered round key, in ordinal order (so by cycle, then region).</summary>
    [Alias("rounds"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<ImmutableArray<string>> GetRoundsAsync();
}
