using System.Globalization;
using System.Text;
using System.Threading.Channels;
using GcmActors.Grains;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;

namespace GcmActors.Host.Hosting;

/// <summary>
/// Group commit of grain-state writes on PostgreSQL. Each write of the ADO.NET provider is one statement in a
/// transaction of its own: one round trip, one commit and one WAL flush per milestone, which on a small machine costs
/// PostgreSQL more than the write itself. Here the writes that arrive while a commit is under way wait for the next
/// one, and go together as one batch of the provider's own statement (<c>WriteToStorageKey</c>, read from the provider
/// once it has loaded it), in one transaction: each write is acknowledged once that transaction has committed, with the
/// version its own statement returned. A write that arrives when nothing is waiting goes at once, alone. The rows are
/// the provider's, keyed and hashed as it keys and hashes them (its own hash picker), so it reads them as if it had
/// written them. See docs/decisions/0008-the-write-path.md.
/// </summary>
internal sealed class PostgresStateWriter : IAsyncDisposable
{
    /// <summary>Commits under way at once: while one commits, the next batch is gathered and sent.</summary>
    private const int Writers = 2;

    /// <summary>Largest batch: bounds one transaction's size and the time its first write waits.</summary>
    private const int MaxBatch = 64;

    private readonly NpgsqlDataSource _source;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _loops;

    public PostgresStateWriter(string connectionString, string serviceId)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        ServiceId = serviceId;
        _loops = [.. Enumerable.Range(0, Writers).Select(_ => Task.Run(LoopAsync))];
    }

    /// <summary>The service whose rows it writes (the provider's <c>ServiceId</c> column).</summary>
    public string ServiceId { get; }

    /// <summary>
    /// Writes <paramref name="payload"/> as the state <paramref name="grainType"/> of the string-keyed grain
    /// <paramref name="key"/> with the provider's statement <paramref name="query"/>, and returns the new version (null
    /// when the statement changed no row: a version conflict).
    /// </summary>
    public Task<int?> WriteAsync(string query, string grainType, string key, int? version, byte[] payload, int grainIdHash, int grainTypeHash)
    {
        var pending = new Pending(query, grainType, key, version, payload, grainIdHash, grainTypeHash);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresStateWriter));
        }

        return pending.Done.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count == 0)
            {
                continue; // the other loop took them
            }

            // Rows locked in one order by every transaction: two silos' batches never wait on each other in a cycle.
            batch.Sort(static (a, b) => a.GrainIdHash != b.GrainIdHash ? a.GrainIdHash.CompareTo(b.GrainIdHash) : string.CompareOrdinal(a.Key, b.Key));
            try
            {
                var versions = await CommitAsync(batch);
                GcmMetrics.StatesCommitted(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(versions[i]);
                }
            }
            catch (Exception exception)
            {
                // Nothing of the transaction committed: every write of it failed, as it would have alone.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(exception);
                }
            }

            batch.Clear();
        }
    }

    private async Task<int?[]> CommitAsync(List<Pending> batch)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var transaction = batch.Count > 1 ? await connection.BeginTransactionAsync() : null;
        await using var command = new NpgsqlBatch(connection, transaction);
        foreach (var pending in batch)
        {
            var statement = new NpgsqlBatchCommand(pending.Query);
            statement.Parameters.Add(new NpgsqlParameter("GrainIdHash", NpgsqlDbType.Integer) { Value = pending.GrainIdHash });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdN0", NpgsqlDbType.Bigint) { Value = 0L });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdN1", NpgsqlDbType.Bigint) { Value = 0L });
            statement.Parameters.Add(new NpgsqlParameter("GrainTypeHash", NpgsqlDbType.Integer) { Value = pending.GrainTypeHash });
            statement.Parameters.Add(new NpgsqlParameter("GrainTypeString", NpgsqlDbType.Text) { Value = pending.GrainType });
            statement.Parameters.Add(new NpgsqlParameter("GrainIdExtensionString", NpgsqlDbType.Text) { Value = pending.Key });
            statement.Parameters.Add(new NpgsqlParameter("ServiceId", NpgsqlDbType.Varchar) { Value = ServiceId });
            statement.Parameters.Add(new NpgsqlParameter("GrainStateVersion", NpgsqlDbType.Integer) { Value = (object?)pending.Version ?? DBNull.Value });
            statement.Parameters.Add(new NpgsqlParameter("PayloadBinary", NpgsqlDbType.Bytea) { Value = pending.Payload });
            command.BatchCommands.Add(statement);
        }

        var versions = new int?[batch.Count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (await reader.ReadAsync() && !await reader.IsDBNullAsync(0))
                {
                    versions[i] = reader.GetInt32(0);
                }

                await reader.NextResultAsync();
            }
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }

        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
        await _source.DisposeAsync();
    }

    private sealed record Pending(string Query, string GrainType, string Key, int? Version, byte[] Payload, int GrainIdHash, int GrainTypeHash)
    {
        public TaskCompletionSource<int?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// The ADO.NET grain storage with the writes of string-keyed grains (every grain of this service) committed in groups
/// by <see cref="PostgresStateWriter"/>; reads, clears and any other key go to the provider itself.
/// </summary>
internal sealed class GroupCommitGrainStorage(AdoNetGrainStorage inner, string innerName, PostgresStateWriter writer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (stateName.Contains('`', StringComparison.Ordinal) || grainId.TryGetGuidKey(out _, out _) || grainId.TryGetIntegerKey(out _, out _))
        {
            // Generic state types and Guid or integer keys are keyed otherwise by the provider: let it write them.
            await inner.WriteStateAsync(stateName, grainId, grainState);
            return;
        }

        var key = grainId.Key.ToString()!;
        int? version = string.IsNullOrWhiteSpace(grainState.ETag) ? null : int.Parse(grainState.ETag, CultureInfo.InvariantCulture);
        var payload = inner.Serializer.Serialize(grainState.State).ToArray();
        // The provider's hashes, with its hasher: its string-key bytes are the key's UTF-8, reversed on little-endian machines.
        var keyBytes = Encoding.UTF8.GetBytes(key);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(keyBytes);
        }

        var grainIdHash = inner.HashPicker.PickHasher(writer.ServiceId, innerName, stateName, grainId, grainState)!.Hash(keyBytes);
        var grainTypeHash = inner.HashPicker.PickHasher(writer.ServiceId, innerName, stateName, grainId, grainState)!.Hash(Encoding.UTF8.GetBytes(stateName));
        var written = await writer.WriteAsync(inner.CurrentOperationalQueries.WriteToStorage, stateName, key, version, payload, grainIdHash, grainTypeHash);
        var stored = written?.ToString(CultureInfo.InvariantCulture);
        // The provider's own test: no new version for a caller with a version is a conflict.
        if (stored == grainState.ETag || (stored is null && grainState.ETag is not null))
        {
            throw new InconsistentStateException(
                $"Version conflict (WriteState): ServiceId={writer.ServiceId} GrainType={stateName} GrainId={key} ETag={grainState.ETag}.");
        }

        grainState.ETag = stored;
        grainState.RecordExists = true;
    }
}
