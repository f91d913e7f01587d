using Orleans.Storage;

namespace GcmActors.Host.Faults;

/// <summary>
/// Wraps the ADO.NET grain storage so that a driver failure surfaces as <see cref="GcmActors.Contracts.StorageUnavailableException"/>.
/// The grain-call filter cannot see the one storage call that happens outside any grain call: reading the state
/// while a grain activates. A failed activation rejects its waiting calls with the activation's exception, and
/// that exception must cross to the caller's process too.
/// </summary>
internal sealed class StorageFaultGrainStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(() => inner.ReadStateAsync(stateName, grainId, grainState), "reading", stateName);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(() => inner.WriteStateAsync(stateName, grainId, grainState), "writing", stateName);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(() => inner.ClearStateAsync(stateName, grainId, grainState), "clearing", stateName);

    private static async Task Guard(Func<Task> operation, string verb, string stateName)
    {
        try
        {
            await operation();
        }
        catch (Exception exception) when (Fault.IsStorage(exception))
        {
            throw Fault.Translate(exception, $"{verb} state '{stateName}'");
        }
    }
}
