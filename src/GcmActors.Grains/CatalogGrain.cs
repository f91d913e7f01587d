using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// The list of regional rounds. It only grows (a round is never deleted) and is written once per new round,
/// so a region's registration on every activation costs a lookup. It never calls another grain.
/// </summary>
public sealed class CatalogGrain(
    [PersistentState("catalog", GcmStorage.Name)] IPersistentState<CatalogState> storage) : Grain, ICatalogGrain
{
    private readonly CommittedState<CatalogState> _state = new(storage);

    public Task RegisterRoundAsync(string regionKey) =>
        _state.Current.Rounds.Contains(regionKey, StringComparer.Ordinal)
            ? Task.CompletedTask
            : _state.UpdateAsync(state => (Register(state, regionKey), true));

    public Task<ImmutableArray<string>> GetRoundsAsync() => Task.FromResult(_state.Current.Rounds);

    /// <summary>The state with <paramref name="regionKey"/> in its place, or null when it is already there.</summary>
    internal static CatalogState? Register(CatalogState state, string regionKey)
    {
        var rounds = state.Rounds.IsDefault ? [] : state.Rounds;
        var index = rounds.BinarySearch(regionKey, StringComparer.Ordinal);
        return index >= 0 ? null : state with { Rounds = rounds.Insert(~index, regionKey) };
    }
}
