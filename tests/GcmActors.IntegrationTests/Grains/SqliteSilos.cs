using GcmActors.Host.Hosting;
using Microsoft.Data.Sqlite;
using Orleans.TestingHost;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>
/// In-process silos of a test's own on a SQLite file of its own, wired with the host's <see cref="OrleansSetup.AddGcmGrains"/>
/// plus whatever the test adds. Disposing stops them and deletes the folder.
/// </summary>
public sealed class SqliteSilos : IAsyncDisposable
{
    private readonly string _directory;

    private SqliteSilos(string directory, InProcessTestCluster cluster)
    {
        _directory = directory;
        Cluster = cluster;
    }

    public InProcessTestCluster Cluster { get; }

    public string DatabaseFile => Path.Combine(_directory, "gcm.db");

    public static async Task<SqliteSilos> StartAsync(short silos, Action<ISiloBuilder> configure)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gcm-silos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var connectionString = SqliteStore.ConnectionString(Path.Combine(directory, "gcm.db"));
        await SqliteStore.ApplySchemaAsync(connectionString, Path.Combine(AppContext.BaseDirectory, "sql", "sqlite"), default);
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddGcmGrains(SqliteStore.Invariant, connectionString);
            configure(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new SqliteSilos(directory, cluster);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
