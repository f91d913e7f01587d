using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>
/// A throwaway PostgreSQL server: initdb into a temporary folder, started with pg_ctl on a free loopback port
/// (as the postgres user when the tests run as root), stopped and deleted at the end. No container, no mock.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gcm-pg-" + Guid.NewGuid().ToString("N")[..12]);

    private PostgresServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=gcm;Pooling=true;Timeout=15";

    private string Data => Path.Combine(_root, "data");

    public static async Task<PostgresServer> StartAsync()
    {
        var server = new PostgresServer(FreePort());
        Directory.CreateDirectory(server._root);
        if (IsRoot)
        {
            await RunAsync("chown", "postgres", server._root);
        }

        await server.PgAsync("initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        // fsync off: the tests kill hosts and stop this server cleanly, never crash it, so its own durability is not what they check.
        await server.StartServerAsync();

        var admin = $"Host=127.0.0.1;Port={server.Port};Username=postgres;Database=postgres";
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE gcm", connection);
        await create.ExecuteNonQueryAsync();
        return server;
    }

    /// <summary>A database outage: <c>pg_ctl stop -m fast</c> (sessions are disconnected, the port closes).</summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", "-D", Data, "-w", "-m", "fast", "stop");

    /// <summary>Starts the server on its port (again, after <see cref="StopServerAsync"/>: same data, same port).</summary>
    public Task StartServerAsync() => PgAsync("pg_ctl", "-D", Data, "-w", "-l", Path.Combine(_root, "log"), "-o",
        $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>The newest installed PostgreSQL's bin folder (Debian layout).</summary>
    private static string BinDirectory { get; } =
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
              ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (test.sh installs them).")
            : throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (test.sh installs them).");

    private Task PgAsync(string tool, params string[] arguments)
    {
        var executable = Path.Combine(BinDirectory, tool);
        return IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", executable, .. arguments])
            : RunAsync(executable, arguments);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
