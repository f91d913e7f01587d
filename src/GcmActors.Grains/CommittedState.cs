using Orleans.Storage;

namespace GcmActors.Grains;

/// <summary>
/// Wraps a grain's <see cref="IPersistentState{TState}"/> so that
/// <list type="bullet">
/// <item>readers (which may interleave) only ever see state that is persisted;</item>
/// <item>writers are serialized, even across interleaving calls;</item>
/// <item>a write that loses an optimistic-concurrency race re-reads and re-decides once, never blind-retries.</item>
/// </list>
/// </summary>
internal sealed class CommittedState<TState>(IPersistentState<TState> storage) where TState : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TState? _committed;

    public TState Current => _committed ??= storage.State;

    /// <summary>
    /// Runs <paramref name="decide"/> on the committed state; when it returns a next state, persists it
    /// before returning, so the caller only reports success for what is durable.
    /// </summary>
    public async Task<TResult> UpdateAsync<TResult>(Func<TState, (TState? Next, TResult Result)> decide)
    {
        await _gate.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (next, result) = decide(Current);
                if (next is null)
                {
                    return result;
                }

                var previous = storage.State;
                storage.State = next;
                try
                {
                    await storage.WriteStateAsync();
                    _committed = next;
                    return result;
                }
                catch (InconsistentStateException) when (attempt == 1)
                {
                    // Another writer got there first (e.g. a duplicate activation): load its state and decide again.
                    storage.State = previous;
                    await storage.ReadStateAsync();
                    _committed = storage.State;
                }
                catch
                {
                    storage.State = previous;
                    throw;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
