using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using GcmActors.Host.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GcmActors.Benchmarks;

/// <summary>
/// What one write of the host costs the database, copied from the host's own rows: the review's grain-state row (the
/// host's key columns and a payload of the host's current size), then either one row appended to the history table
/// (when the schema has one) or, before that table existed, the upsert of the region's row that every push rewrote.
/// </summary>
internal sealed record WriteShape(StateRow[] Reviews, HistoryShape? History, StateRow? Region)
{
    public string Describe() => History is { } history
        ? Invariant($"grain-state upsert of the review row ({Reviews.Average(r => r.Payload.Length):F0} bytes) + append to {history.Describe()}")
        : Invariant($"grain-state upsert of the review row ({Reviews.Average(r => r.Payload.Length):F0} bytes) + update of the region row "
                    + $"({Region?.Payload.Length ?? 0} bytes; the schema has no history table, so this is what a push wrote)");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(string text) => text;
}

/// <summary>
/// The raw comparator: the same row writes as the host, straight through ADO.NET, from N concurrent writers, one
/// transaction per write as a plain application would write them. The database is its own (a file next to the host's,
/// or a database of its own on the same PostgreSQL server) with the host's schema scripts applied, and the grain-state
/// upsert is the host's own WriteToStorageKey query (compare-and-swap on the version). SQLite writers are threads doing
/// blocking calls (Microsoft.Data.Sqlite is synchronous underneath; its busy retry sleeps the thread); PostgreSQL
/// writers are async tasks on pooled Npgsql connections.
/// </summary>
internal sealed class RawComparator
{
    private readonly Func<DbConnection> _create;
    private readonly Func<DbConnection, Task> _prepareConnection;
    private readonly Dictionary<string, int?> _versions = new(StringComparer.Ordinal);
    private string _writeQuery = "";
    private readonly SemaphoreSlim _queue = new(1, 1);
    private long _counter = 1_000_000_000;
    private bool _oneAtATime;

    private RawComparator(string description, Func<DbConnection> create, Func<DbConnection, Task> prepareConnection, bool postgres)
    {
        Description = description;
        _create = create;
        _prepareConnection = prepareConnection;
        IsPostgres = postgres;
    }

    public string Description { get; }

    /// <summary>For SQLite: the size of the file and of its write-ahead log now, to print; empty for PostgreSQL.</summary>
    public string FileSizes => _file is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"file {Megabytes(_file):F1} MB + WAL {Megabytes(_file + "-wal"):F1} MB");

    private string? _file;

    private static double Megabytes(string path) => File.Exists(path) ? new FileInfo(path).Length / 1048576.0 : 0;

    public bool IsPostgres { get; }

    /// <summary>
    /// A new SQLite file with the host's schema (WAL) and the host's connection settings and pragmas, except
    /// <paramref name="synchronous"/>, set on every connection the comparator opens.
    /// </summary>
    public static async Task<RawComparator> SqliteAsync(string file, string scriptsDirectory, string synchronous)
    {
        var connectionString = SqliteStore.ConnectionString(file);
        await SqliteStore.ApplySchemaAsync(connectionString, scriptsDirectory, CancellationToken.None);
        string effective;
        await using (var probe = new SqliteConnection(connectionString))
        {
            await probe.OpenAsync();
            await ExecuteAsync(probe, $"PRAGMA synchronous={synchronous}");
            effective = SynchronousName(Convert.ToInt64(await ScalarAsync(probe, "PRAGMA synchronous"), CultureInfo.InvariantCulture));
            var journal = (string?)await ScalarAsync(probe, "PRAGMA journal_mode");
            effective = $"journal_mode={journal}, synchronous={effective} (set on each connection; the host commits with NORMAL and syncs the log once per group of commits)";
        }

        var comparator = new RawComparator(
            $"Microsoft.Data.Sqlite, {file}: {effective}, the host's connection string (pooling, DefaultTimeout 30 s), "
            + "BeginTransaction() (BEGIN IMMEDIATE) per write",
            () => new SqliteConnection(connectionString),
            connection => ExecuteAsync(connection, $"PRAGMA synchronous={synchronous}"),
            postgres: false);
        comparator._file = file;
        await comparator.LoadQueryAsync();
        return comparator;
    }

    /// <summary>A database of its own on the benchmark's PostgreSQL server, with the host's scripts applied.</summary>
    public static async Task<RawComparator> PostgresAsync(string connectionString, string scriptsDirectory)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var script in Directory.GetFiles(scriptsDirectory, "*.sql").Order(StringComparer.Ordinal))
            {
                await ExecuteAsync(connection, await File.ReadAllTextAsync(script));
            }
        }

        var comparator = new RawComparator(
            "Npgsql, a database of its own on the same server, pooled connections, one BEGIN ... COMMIT per write",
            () => new NpgsqlConnection(connectionString), _ => Task.CompletedTask, postgres: true);
        await comparator.LoadQueryAsync();
        return comparator;
    }

    /// <summary>
    /// <paramref name="writers"/> concurrent writers, writer i on review row i of <paramref name="shape"/>, until
    /// <paramref name="duration"/> ends. <paramref name="oneAtATime"/> queues the transactions on one in-process lock, so
    /// that they never meet a busy database: the ceiling one SQLite file allows (latency includes the wait in the queue).
    /// </summary>
    public async Task<RoundResult> RunAsync(WriteShape shape, int writers, TimeSpan duration, bool oneAtATime = false)
    {
        _oneAtATime = oneAtATime;
        if (shape.Reviews.Length < writers)
        {
            throw new InvalidOperationException($"the raw comparator needs {writers} review rows of the host to copy, found {shape.Reviews.Length}");
        }

        if (shape.Region is { } region && !_versions.ContainsKey(Key(region)))
        {
            // The region row the pushes rewrote: created once, then updated by every write (without a version check: the
            // region grain serialized its writes, here the row lock does).
            await using var connection = await OpenAsync();
            await WriteStateAsync(connection, null, region, region.Payload, null);
            _versions[Key(region)] = 1;
        }

        var stop = 0L;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, writers).Select(i => IsPostgres
            ? Task.Run(() => WriterAsync(shape, shape.Reviews[i], duration, clock, () => Interlocked.Read(ref stop) != 0))
            : Task.Factory.StartNew(() => WriterAsync(shape, shape.Reviews[i], duration, clock, () => Interlocked.Read(ref stop) != 0)
                    .GetAwaiter().GetResult(),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            var perWriter = await Task.WhenAll(loops);
            return new RoundResult(perWriter.Sum(l => l.Count), clock.Elapsed, null, [.. perWriter.SelectMany(l => l)]);
        }
        finally
        {
            Interlocked.Exchange(ref stop, 1);
        }
    }

    private async Task<List<double>> WriterAsync(WriteShape shape, StateRow review, TimeSpan duration, Stopwatch clock, Func<bool> stopped)
    {
        var latencies = new List<double>(1024);
        await using var connection = await OpenAsync();
        var key = Key(review);
        int? version;
        lock (_versions)
        {
            version = _versions.GetValueOrDefault(key);
        }

        while (clock.Elapsed < duration && !stopped())
        {
            var started = Stopwatch.GetTimestamp();
            if (_oneAtATime)
            {
                // Asynchronous waiters of a SemaphoreSlim are served first come, first served; synchronous ones are not
                // (a releasing thread can take the lock straight back), which would hide the queue's wait from p50.
                await _queue.WaitAsync();
            }

            try
            {
                await WriteOnceAsync(connection, shape, review, key, version, v => version = v);
            }
            finally
            {
                if (_oneAtATime)
                {
                    _queue.Release();
                }
            }

            latencies.Add(Latency.Milliseconds(started));
        }

        lock (_versions)
        {
            _versions[key] = version;
        }

        return latencies;
    }

    /// <summary>One write as a plain application does it: one transaction with the state upsert and the history append.</summary>
    private async Task WriteOnceAsync(
        DbConnection connection, WriteShape shape, StateRow review, string key, int? version, Action<int> written)
    {
        // Sync calls for SQLite (a plain app's thread), async for Npgsql; BeginTransaction() is BEGIN IMMEDIATE in Microsoft.Data.Sqlite.
        await using var transaction = IsPostgres ? await connection.BeginTransactionAsync() : connection.BeginTransaction();
        var newVersion = await WriteStateAsync(connection, transaction, review, review.Payload, version)
                         ?? throw new InvalidOperationException($"raw comparator: version conflict on {key}");
        if (shape.History is { } history)
        {
            await AppendHistoryAsync(connection, transaction, history);
        }
        else if (shape.Region is { } region)
        {
            await UpdateRegionAsync(connection, transaction, region);
        }

        if (IsPostgres)
        {
            await transaction.CommitAsync();
        }
        else
        {
            transaction.Commit();
        }

        written(newVersion);
    }

    private async Task<DbConnection> OpenAsync()
    {
        var connection = _create();
        await connection.OpenAsync();
        await _prepareConnection(connection);
        return connection;
    }

    private async Task<int?> WriteStateAsync(DbConnection connection, DbTransaction? transaction, StateRow row, byte[] payload, int? version)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _writeQuery;
        HostStore.Add(command, "GrainIdHash", row.GrainIdHash, DbType.Int32);
        HostStore.Add(command, "GrainIdN0", row.GrainIdN0, DbType.Int64);
        HostStore.Add(command, "GrainIdN1", row.GrainIdN1, DbType.Int64);
        HostStore.Add(command, "GrainTypeHash", row.GrainTypeHash, DbType.Int32);
        HostStore.Add(command, "GrainTypeString", row.GrainTypeString, DbType.String);
        HostStore.Add(command, "GrainIdExtensionString", row.GrainIdExtensionString, DbType.String);
        HostStore.Add(command, "ServiceId", row.ServiceId, DbType.String);
        HostStore.Add(command, "GrainStateVersion", version, DbType.Int32);
        HostStore.Add(command, "PayloadBinary", payload, DbType.Binary);
        // The SQLite query is two statements of which at most one yields the row: read every result set, as the provider does.
        await using var reader = IsPostgres ? await command.ExecuteReaderAsync() : command.ExecuteReader();
        do
        {
            if (IsPostgres ? await reader.ReadAsync() : reader.Read())
            {
                return reader.IsDBNull(0) ? null : Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
            }
        }
        while (IsPostgres ? await reader.NextResultAsync() : reader.NextResult());

        return null;
    }

    private async Task AppendHistoryAsync(DbConnection connection, DbTransaction transaction, HistoryShape history)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = history.InsertSql(IsPostgres);
        for (var i = 0; i < history.Columns.Length; i++)
        {
            var value = history.Columns[i].Use switch
            {
                ColumnUse.Omit => (object?)null,
                ColumnUse.Counter => Interlocked.Increment(ref _counter),
                ColumnUse.Unique => Guid.NewGuid().ToString("N"),
                _ => history.Template[i],
            };
            if (history.Columns[i].Use != ColumnUse.Omit)
            {
                HostStore.Add(command, "h" + i.ToString(CultureInfo.InvariantCulture), value);
            }
        }

        _ = IsPostgres ? await command.ExecuteNonQueryAsync() : command.ExecuteNonQuery();
    }

    private async Task UpdateRegionAsync(DbConnection connection, DbTransaction transaction, StateRow region)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE OrleansStorage SET PayloadBinary = @PayloadBinary, ModifiedOn = {(IsPostgres ? "now()" : "CURRENT_TIMESTAMP")}, Version = Version + 1
             WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash AND ServiceId = @ServiceId
               AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1 AND GrainTypeString = @GrainTypeString
               AND GrainIdExtensionString = @GrainIdExtensionString
            """;
        HostStore.Add(command, "GrainIdHash", region.GrainIdHash, DbType.Int32);
        HostStore.Add(command, "GrainIdN0", region.GrainIdN0, DbType.Int64);
        HostStore.Add(command, "GrainIdN1", region.GrainIdN1, DbType.Int64);
        HostStore.Add(command, "GrainTypeHash", region.GrainTypeHash, DbType.Int32);
        HostStore.Add(command, "GrainTypeString", region.GrainTypeString, DbType.String);
        HostStore.Add(command, "GrainIdExtensionString", region.GrainIdExtensionString, DbType.String);
        HostStore.Add(command, "ServiceId", region.ServiceId, DbType.String);
        HostStore.Add(command, "PayloadBinary", region.Payload, DbType.Binary);
        _ = IsPostgres ? await command.ExecuteNonQueryAsync() : command.ExecuteNonQuery();
    }

    private async Task LoadQueryAsync()
    {
        await using var connection = await OpenAsync();
        _writeQuery = (string?)await ScalarAsync(connection, "SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'")
                      ?? throw new InvalidOperationException("the schema has no WriteToStorageKey query");
    }

    private static string Key(StateRow row) => row.GrainTypeString + "/" + row.GrainIdExtensionString;

    private static string SynchronousName(long value) => value switch
    {
        0 => "OFF",
        1 => "NORMAL",
        2 => "FULL",
        3 => "EXTRA",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }
}
