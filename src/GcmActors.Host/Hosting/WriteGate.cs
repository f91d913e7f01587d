using Orleans.Storage;

namespace GcmActors.Host.Hosting;

/// <summary>
/// SQLite takes one writer at a time, and Microsoft.Data.Sqlite answers a busy database by sleeping the calling
/// thread and retrying: under concurrent grain writes that put Orleans' threads to sleep. So every write to the one
/// SQLite file (grain state, reminders, history) waits its turn here, asynchronously, and never finds the file busy.
/// PostgreSQL takes concurrent writers: there the gate lets everything through. See docs/decisions/0008-the-write-path.md.
/// </summary>
public sealed class WriteGate(bool exclusive)
{
    private readonly SemaphoreSlim? _gate = exclusive ? new SemaphoreSlim(1, 1) : null;

    public bool IsExclusive => _gate is not null;

    public async Task<T> RunAsync<T>(Func<Task<T>> write)
    {
        if (_gate is null)
        {
            return await write();
        }

        await _gate.WaitAsync();
        try
        {
            return await write();
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RunAsync(Func<Task> write) => RunAsync(async () =>
    {
        await write();
        return true;
    });
}

/// <summary>The ADO.NET grain storage with its writes through the <see cref="WriteGate"/>; reads go straight through.</summary>
internal sealed class GatedGrainStorage(IGrainStorage inner, WriteGate gate) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));
}

/// <summary>The ADO.NET reminder table with its writes through the <see cref="WriteGate"/>.</summary>
internal sealed class GatedReminderTable(IReminderTable inner, WriteGate gate) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

    public Task<string?> UpsertRow(ReminderEntry entry) => gate.RunAsync(() => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        gate.RunAsync(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => gate.RunAsync(inner.TestOnlyClearTable);
}
