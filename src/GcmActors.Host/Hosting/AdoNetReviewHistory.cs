using System.Collections.Immutable;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace GcmActors.Host.Hosting;

/// <summary>
/// The reviews' audit trails in the table <c>GcmReviewHistory</c> (deploy/sql), one row per entry, in the same
/// database as the grain state. Appends from all reviews queue up and are written together, one transaction per
/// batch, so that many concurrent writes cost one commit. The same SQL runs on SQLite and PostgreSQL. A round's own trail
/// (its configuration changes) is kept here too, under the round's key: round keys (<c>2020/arab</c>, lowercase slugs)
/// never equal review keys (<c>2020/LBN</c>, uppercase ISO 3166 codes).
/// </summary>
public sealed partial class AdoNetReviewHistory : IReviewHistory, IAsyncDisposable
{
    /// <summary>Rows per INSERT statement (SQLite allows 32,766 parameters; 10 per row).</summary>
    private const int RowsPerStatement = 200;

    private static readonly TimeSpan s_linger = TimeSpan.FromMilliseconds(2);

    private readonly DbProviderFactory _factory;
    private readonly string _connectionString;
    private readonly string _serviceId;
    private readonly WriteGate _gate;
    private readonly ILogger<AdoNetReviewHistory> _logger;
    private readonly Channel<Append> _appends = Channel.CreateUnbounded<Append>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public AdoNetReviewHistory(string invariant, string connectionString, string serviceId, WriteGate gate, ILogger<AdoNetReviewHistory> logger)
    {
        _factory = invariant == SqliteStore.Invariant ? SqliteFactory.Instance : NpgsqlFactory.Instance;
        _connectionString = connectionString;
        _serviceId = serviceId;
        _gate = gate;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task AppendAsync(string reviewKey, IReadOnlyList<HistoryEntry> entries)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var append = new Append(reviewKey, entries, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _appends.Writer.TryWrite(append) ? append.Done.Task : Task.FromException(new ObjectDisposedException(nameof(AdoNetReviewHistory)));
    }

    public async Task<ImmutableArray<HistoryEntry>> ReadAsync(string reviewKey, long after, int limit, long last)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT Sequence, Version, At, Actor, Field, FromValue, ToValue, Note, Value
              FROM GcmReviewHistory
             WHERE ServiceId = @ServiceId AND ReviewKey = @ReviewKey AND Sequence > @After AND Sequence <= @Last
             ORDER BY Sequence
             LIMIT @Limit
            """;
        Add(command, "ServiceId", _serviceId);
        Add(command, "ReviewKey", reviewKey);
        Add(command, "After", after);
        Add(command, "Last", last);
        Add(command, "Limit", limit);
        var entries = ImmutableArray.CreateBuilder<HistoryEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new HistoryEntry(
                reader.GetInt64(1),
                DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetInt64(0),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return entries.ToImmutable();
    }

    public async Task<long> LastSequenceAsync(string reviewKey)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(Sequence), 0) FROM GcmReviewHistory WHERE ServiceId = @ServiceId AND ReviewKey = @ReviewKey";
        Add(command, "ServiceId", _serviceId);
        Add(command, "ReviewKey", reviewKey);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _writer;
    }

    /// <summary>
    /// Takes whatever appends are waiting and writes them in one transaction; each waits for its commit. On SQLite the
    /// batch is taken once the write gate is ours, so that appends arriving while state rows are written join it; on
    /// PostgreSQL a short linger lets concurrent writes share the commit.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var reader = _appends.Reader;
        var batch = new List<Append>();
        while (await reader.WaitToReadAsync())
        {
            if (!_gate.IsExclusive)
            {
                await Task.Delay(s_linger);
            }

            batch.Clear();
            try
            {
                await _gate.RunAsync(() =>
                {
                    while (batch.Count < 1000 && reader.TryRead(out var append))
                    {
                        batch.Add(append);
                    }

                    return WriteAsync(batch);
                });
                foreach (var append in batch)
                {
                    append.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                LogBatchFailed(_logger, ex, batch.Count);
                foreach (var append in batch)
                {
                    append.Done.TrySetException(ex);
                }
            }
        }
    }

    private async Task WriteAsync(List<Append> batch)
    {
        var rows = batch.SelectMany(a => a.Entries.Select(e => (a.ReviewKey, Entry: e))).ToList();
        await using var connection = await OpenAsync();
        if (connection is NpgsqlConnection postgres)
        {
            await WriteAsync(postgres, rows);
            return;
        }

        // One statement is atomic by itself: a batch that fits in one spares the BEGIN and COMMIT round trips.
        await using var transaction = rows.Count > RowsPerStatement ? await connection.BeginTransactionAsync() : null;
        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(
                "INSERT INTO GcmReviewHistory (ServiceId, ReviewKey, Sequence, Version, At, Actor, Field, FromValue, ToValue, Note, Value) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var (key, e) = chunk[i];
                sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}(@ServiceId, @K{i}, @S{i}, @V{i}, @A{i}, @U{i}, @F{i}, @O{i}, @T{i}, @N{i}, @J{i})");
                Add(command, $"K{i}", key);
                Add(command, $"S{i}", e.Sequence);
                Add(command, $"V{i}", e.Version);
                Add(command, $"A{i}", e.At.ToString("o", CultureInfo.InvariantCulture));
                Add(command, $"U{i}", e.Actor);
                Add(command, $"F{i}", e.Field);
                Add(command, $"O{i}", e.From);
                Add(command, $"T{i}", e.To);
                Add(command, $"N{i}", e.Note);
                Add(command, $"J{i}", e.Value);
            }

            // An entry appended again (after a crash between the state row and the trail) keeps its first copy.
            sql.Append(" ON CONFLICT (ServiceId, ReviewKey, Sequence) DO NOTHING");
            Add(command, "ServiceId", _serviceId);
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync();
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync();
        }
    }

    /// <summary>
    /// PostgreSQL: every batch as the same one statement, its columns as arrays. Its text never changes, so it is
    /// prepared once per connection (Npgsql's automatic preparation) instead of being parsed and planned per batch, as
    /// an INSERT with a VALUES row per entry would be (a new text for every batch size, ten parameters per row).
    /// </summary>
    private async Task WriteAsync(NpgsqlConnection connection, List<(string ReviewKey, HistoryEntry Entry)> rows)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO GcmReviewHistory (ServiceId, ReviewKey, Sequence, Version, At, Actor, Field, FromValue, ToValue, Note, Value)
            SELECT @ServiceId, r.* FROM unnest(@Keys, @Sequences, @Versions, @Ats, @Actors, @Fields, @Froms, @Tos, @Notes, @Values)
                AS r (ReviewKey, Sequence, Version, At, Actor, Field, FromValue, ToValue, Note, Value)
            ON CONFLICT (ServiceId, ReviewKey, Sequence) DO NOTHING
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("ServiceId", NpgsqlDbType.Varchar) { Value = _serviceId });
        Array("Keys", NpgsqlDbType.Varchar, rows.Select(r => r.ReviewKey));
        Array("Sequences", NpgsqlDbType.Bigint, rows.Select(r => r.Entry.Sequence));
        Array("Versions", NpgsqlDbType.Bigint, rows.Select(r => r.Entry.Version));
        Array("Ats", NpgsqlDbType.Text, rows.Select(r => r.Entry.At.ToString("o", CultureInfo.InvariantCulture)));
        Array("Actors", NpgsqlDbType.Text, rows.Select(r => r.Entry.Actor));
        Array("Fields", NpgsqlDbType.Text, rows.Select(r => r.Entry.Field));
        Array("Froms", NpgsqlDbType.Text, rows.Select(r => r.Entry.From));
        Array("Tos", NpgsqlDbType.Text, rows.Select(r => r.Entry.To));
        Array("Notes", NpgsqlDbType.Text, rows.Select(r => r.Entry.Note));
        Array("Values", NpgsqlDbType.Text, rows.Select(r => r.Entry.Value));
        await command.ExecuteNonQueryAsync();

        void Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values.ToArray() });
    }

    private async Task<DbConnection> OpenAsync()
    {
        var connection = _factory.CreateConnection()!;
        connection.ConnectionString = _connectionString;
        await connection.OpenAsync();
        return connection;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private sealed record Append(string ReviewKey, IReadOnlyList<HistoryEntry> Entries, TaskCompletionSource Done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not append {Count} review history batch(es); the reviews keep the entries and retry")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);
}
