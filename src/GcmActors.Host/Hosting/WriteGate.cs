using GcmActors.Contracts;
using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace GcmActors.Host.Hosting;

/// <summary>
/// SQLite takes one writer at a time, and Microsoft.Data.Sqlite answers a busy database by sleeping the calling
/// thread and retrying: under concurrent grain writes that put Orleans' threads to sleep. So every write to the one
/// SQLite file (grain state, reminders, history) waits its turn here, asynchronously, and never finds the file busy.
/// Then, once the gate is free for the next writer, it waits until its commit is on disk: the connections commit
/// without syncing (<c>synchronous=NORMAL</c>) and <see cref="WalSync"/> syncs the write-ahead log once for every
/// commit made since the last sync, so a write is acknowledged durable as with <c>FULL</c>, and concurrent writes
/// share one fsync (group commit). PostgreSQL takes concurrent writers and commits durably itself: there the gate lets
/// everything through. See docs/decisions/0008-the-write-path.md.
/// </summary>
public sealed class WriteGate
{
    private readonly SemaphoreSlim? _gate;
    private readonly WalSync? _sync;

    /// <summary>A gate that lets every write through (PostgreSQL).</summary>
    public WriteGate()
    {
    }

    /// <summary>The gate of one SQLite file, whose connections commit with <c>synchronous=NORMAL</c>.</summary>
    public WriteGate(string sqliteFile)
    {
        _gate = new SemaphoreSlim(1, 1);
        _sync = new WalSync(sqliteFile);
    }

    /// <summary>The gate for a store: exclusive, with group commit, for SQLite; open for anything else.</summary>
    public static WriteGate For(string invariant, string connectionString) => invariant == SqliteStore.Invariant
        ? new WriteGate(new SqliteConnectionStringBuilder(connectionString).DataSource)
        : new WriteGate();

    public bool IsExclusive => _gate is not null;

    public async Task<T> RunAsync<T>(Func<Task<T>> write)
    {
        if (_gate is null)
        {
            return await write();
        }

        T result;
        await _gate.WaitAsync();
        try
        {
            result = await write();
        }
        finally
        {
            _gate.Release();
        }

        // Committed; durable once the log is synced (the next writer already has the gate meanwhile).
        await _sync!.SyncAsync();
        return result;
    }

    public Task RunAsync(Func<Task> write) => RunAsync(async () =>
    {
        await write();
        return true;
    });
}

/// <summary>
/// Group commit for SQLite in write-ahead-log mode. A commit with <c>synchronous=NORMAL</c> is in the log file (in the
/// operating system's cache: a killed process loses nothing) but not yet on disk. <see cref="SyncAsync"/> returns once
/// an fsync of the log that started after the call has finished, which puts every commit made before the call on disk,
/// as <c>FULL</c> would have after each one. Callers that arrive while an fsync runs share the next one. The fsync runs
/// on a thread of its own, never on an Orleans scheduler thread.
/// </summary>
internal sealed class WalSync(string databaseFile)
{
    private readonly string _wal = databaseFile + "-wal";
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);
    private List<TaskCompletionSource> _waiting = [];
    private bool _signalled;
    private Thread? _thread;

    public Task SyncAsync()
    {
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting.Add(synced);
            if (!_signalled)
            {
                _signalled = true;
                _signal.Release();
            }

            if (_thread is null)
            {
                _thread = new Thread(SyncForever) { IsBackground = true, Name = "gcm-wal-sync" };
                _thread.UnsafeStart();
            }
        }

        return synced.Task;
    }

    /// <summary>Each round syncs once for everyone who asked before it began; those who ask meanwhile get the next round.</summary>
    private void SyncForever()
    {
        while (true)
        {
            _signal.Wait();
            List<TaskCompletionSource> round;
            lock (_lock)
            {
                (round, _waiting, _signalled) = (_waiting, [], false);
            }

            try
            {
                Sync();
                GcmActors.Grains.GcmMetrics.LogSynced(round.Count);
                round.ForEach(w => w.TrySetResult());
            }
            catch (Exception ex)
            {
                // The disk refused: the commits are not known durable, so their writes are not acknowledged (503).
                var fault = new StorageUnavailableException($"the SQLite log could not be synced to disk: {ex.Message}", ex);
                round.ForEach(w => w.TrySetException(fault));
            }
        }
    }

    private void Sync()
    {
        // The log exists while any connection is open (the pool keeps them). Without one, its last commits were
        // checkpointed into the database file, which SQLite syncs after a checkpoint: syncing it again costs little.
        // SQLite takes no POSIX locks on the log (WAL locking is on the -shm file), so closing this handle releases none.
        var file = File.Exists(_wal) ? _wal : databaseFile;
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        stream.Flush(flushToDisk: true);
    }
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
