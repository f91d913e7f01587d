using GcmActors.Contracts;
using GcmActors.IntegrationTests.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>
/// The deployment the fault tests break: a throwaway PostgreSQL server, three silos and one client-role front end,
/// each a process of the real executable with the shipped cluster defaults (no timing overrides). The test process
/// also joins as a plain Orleans client, only to ask the management grain which silo hosts a grain.
/// </summary>
public sealed class ThreeSiloCluster : IAsyncDisposable
{
    private readonly string _data;
    private IHost? _observer;

    private ThreeSiloCluster(string data, PostgresServer postgres, HostProcess[] silos, HostProcess front)
    {
        _data = data;
        Postgres = postgres;
        Silos = silos;
        Front = front;
    }

    public PostgresServer Postgres { get; }

    public IReadOnlyList<HostProcess> Silos { get; }

    public HostProcess Front { get; }

    public static async Task<ThreeSiloCluster> StartAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "gcm-faults-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var postgres = await PostgresServer.StartAsync();
        string[] cluster = ["--Gcm:Storage=postgres", $"--ConnectionStrings:gcm={postgres.ConnectionString}"];
        // The silos start together: they share the schema migration and the seed, as a deployment's would.
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => HostProcess.StartAsync(data, cluster)));
        var front = await HostProcess.StartAsync(data, [.. cluster, "--Gcm:Role=client"]);
        return new ThreeSiloCluster(data, postgres, silos, front);
    }

    /// <summary>Which of <see cref="Silos"/> hosts each review now (null: not active anywhere).</summary>
    public async Task<Dictionary<string, HostProcess?>> WhereAsync(string cycle, IEnumerable<string> countries)
    {
        var placement = new Dictionary<string, HostProcess?>(StringComparer.Ordinal);
        foreach (var country in countries)
        {
            placement[country] = await WhereAsync("review", Keys.Review(cycle, country));
        }

        return placement;
    }

    /// <summary>
    /// Which of <see cref="Silos"/> hosts the grain now (null: not active anywhere), as the silos themselves list
    /// their activations (a directory lookup could answer from a stale cache).
    /// </summary>
    public async Task<HostProcess?> WhereAsync(string grainType, string key)
    {
        var management = (await ObserverAsync()).Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var activations = await management.GetDetailedGrainStatistics();
        var silo = activations.FirstOrDefault(a => a.GrainId.Type.ToString() == grainType && a.GrainId.Key.ToString() == key)?.SiloAddress;
        return Silos.FirstOrDefault(s => silo is not null && s.SiloPort == silo.Endpoint.Port);
    }

    /// <summary>
    /// Polls the membership table until the silo's row says Dead (6); returns when that was seen (on
    /// <paramref name="clock"/>), which is when the cluster declared it dead, give or take the polling period.
    /// </summary>
    public async Task<TimeSpan> DeclaredDeadAsync(HostProcess silo, Func<TimeSpan> clock, TimeSpan within)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Port = @port AND Status = 6", connection);
        query.Parameters.AddWithValue("port", silo.SiloPort);
        using var deadline = new CancellationTokenSource(within);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        do
        {
            if ((long)(await query.ExecuteScalarAsync())! > 0)
            {
                return clock();
            }
        }
        while (await pace.WaitForNextTickAsync(deadline.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default));

        throw new TimeoutException($"{NameOf(silo)} was not declared dead within {within}");
    }

    /// <summary>A short name for a silo in the tests' output.</summary>
    public string NameOf(HostProcess? silo) => silo is null ? "none" : $"silo{Silos.ToList().IndexOf(silo) + 1}";

    public async ValueTask DisposeAsync()
    {
        if (_observer is not null)
        {
            await _observer.StopAsync(TimeSpan.FromSeconds(5));
            _observer.Dispose();
        }

        await Front.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task<IHost> ObserverAsync()
    {
        if (_observer is null)
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = "gcm";
                    o.ServiceId = "gcm-actors";
                });
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = Postgres.ConnectionString;
                });
            });
            _observer = builder.Build();
            await _observer.StartAsync();
        }

        return _observer;
    }
}
