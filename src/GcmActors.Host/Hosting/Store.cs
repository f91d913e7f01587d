using Npgsql;

namespace GcmActors.Host.Hosting;

/// <summary>
/// The database everything persists to, through one provider family (Orleans ADO.NET): embedded SQLite for a
/// single node, PostgreSQL for a cluster. The schema scripts (deploy/sql/{sqlite,postgresql}) are the project's
/// own and are applied at start, idempotently.
/// </summary>
public sealed record Store(string Kind, string Invariant, string ConnectionString)
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The ADO.NET invariant of PostgreSQL (Npgsql), as the Orleans ADO.NET providers name it.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>PostgreSQL also holds cluster membership; SQLite runs one silo with localhost clustering.</summary>
    public bool IsCluster => Kind == Postgres;

    public string ScriptsDirectory => Path.Combine(AppContext.BaseDirectory, "sql", IsCluster ? "postgresql" : "sqlite");

    public static Store From(GcmOptions options, IConfiguration configuration) => options.Storage.ToLowerInvariant() switch
    {
        Sqlite => new Store(Sqlite, SqliteStore.Invariant, SqliteStore.ConnectionString(options.SqliteFile)),
        Postgres => new Store(Postgres, PostgresInvariant, configuration.GetConnectionString("gcm") is { Length: > 0 } cs
            ? WithPreparedStatements(cs)
            : throw new InvalidOperationException("Gcm:Storage=postgres needs ConnectionStrings:gcm (env ConnectionStrings__gcm).")),
        _ => throw new InvalidOperationException($"Gcm:Storage must be '{Sqlite}' or '{Postgres}', not '{options.Storage}'."),
    };

    /// <summary>
    /// Statements run more than once on a connection are prepared (Npgsql's automatic preparation), and PostgreSQL
    /// plans a prepared statement once, generically, instead of for every execution's values: every statement of this
    /// service looks rows up by key, so the generic plan is the plan, and the grain-state write, the trail append and
    /// the membership queries cost no parse or plan per call. A connection string that sets <c>Max Auto Prepare</c> or
    /// <c>Options</c> itself keeps its own (<c>Max Auto Prepare=0</c> turns preparation off, as PgBouncer before 1.21
    /// in transaction mode needs).
    /// </summary>
    internal static string WithPreparedStatements(string connectionString)
    {
        // Npgsql's builder answers ContainsKey for every keyword it knows, set or not: ask the plain parse what was given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MAXAUTOPREPARE"))
        {
            builder.MaxAutoPrepare = 32;
            if (!given.Contains("AUTOPREPAREMINUSAGES"))
            {
                builder.AutoPrepareMinUsages = 2;
            }
        }

        if (!given.Contains("OPTIONS"))
        {
            builder.Options = "-c plan_cache_mode=force_generic_plan";
        }

        return builder.ConnectionString;
    }

    public Task ApplySchemaAsync(CancellationToken cancellationToken) => IsCluster
        ? ApplyPostgresSchemaAsync(cancellationToken)
        : SqliteStore.ApplySchemaAsync(ConnectionString, ScriptsDirectory, cancellationToken);

    private async Task ApplyPostgresSchemaAsync(CancellationToken cancellationToken)
    {
        // Each script takes an advisory lock itself, so silos starting together do not race.
        await using var source = NpgsqlDataSource.Create(ConnectionString);
        foreach (var script in Directory.GetFiles(ScriptsDirectory, "*.sql").Order(StringComparer.Ordinal))
        {
            await using var command = source.CreateCommand(await File.ReadAllTextAsync(script, cancellationToken));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

/// <summary>Applies the schema before the silo starts (it is registered ahead of Orleans).</summary>
internal sealed class SchemaMigrator(Store store, GcmOptions options, ILogger<SchemaMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!store.IsCluster)
        {
            DataDirectory.ProtectSqliteFiles(options.SqliteFile);
        }

        await store.ApplySchemaAsync(cancellationToken);
        logger.LogInformation("Store ready: {Kind} ({Scripts})", store.Kind, store.ScriptsDirectory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
