using Microsoft.Data.Sqlite;

namespace GcmActors.Host.Hosting;

/// <summary>
/// The embedded store: one SQLite file used through the Orleans ADO.NET providers, with the project's
/// own schema scripts (deploy/sql/sqlite) applied idempotently at start.
/// </summary>
public static class SqliteStore
{
    /// <summary>
    /// The ADO.NET invariant name Orleans knows for SQLite. Orleans 10 resolves it to Microsoft.Data.Sqlite's
    /// factory (no System.Data.SQLite package is involved).
    /// </summary>
    public const string Invariant = "System.Data.SQLite";

    public static string ConnectionString(string file)
    {
        // Before any connection is opened: deleted bytes (removed webhook secrets among them) are zeroed, not left in free
        // pages, and commits leave the log's sync to the write gate's group commit.
        SqlitePragmas.Enable();
        return Builder(file);
    }

    /// <summary>
    /// Moves every committed page into the database file and empties the write-ahead log, so that bytes a write
    /// deleted (zeroed by secure_delete) no longer survive in the log either. Through the write gate, like any write.
    /// </summary>
    public static Task CheckpointAsync(string connectionString, WriteGate gate) => gate.RunAsync(async () =>
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);", CancellationToken.None);
    });

    private static string Builder(string file) => new SqliteConnectionStringBuilder
    {
        DataSource = file,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        // Microsoft.Data.Sqlite retries a busy database for up to this many seconds.
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Runs every script of <paramref name="scriptsDirectory"/> in name order. Each one is idempotent.</summary>
    public static async Task ApplySchemaAsync(string connectionString, string scriptsDirectory, CancellationToken cancellationToken)
    {
        var scripts = Directory.GetFiles(scriptsDirectory, "*.sql").Order(StringComparer.Ordinal).ToList();
        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"No schema scripts in {scriptsDirectory}.");
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // Write-ahead logging lets dashboards read while grains write; it is a property of the file, set once.
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        foreach (var script in scripts)
        {
            await ExecuteAsync(connection, await File.ReadAllTextAsync(script, cancellationToken), cancellationToken);
        }

        // A trail table made before December 2026 lacks the Value column (deploy/sql/sqlite/history.sql).
        await using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('GcmReviewHistory') WHERE name = 'Value'";
        if (Convert.ToInt64(await columns.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            await ExecuteAsync(connection, "ALTER TABLE GcmReviewHistory ADD COLUMN Value TEXT NULL;", cancellationToken);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
