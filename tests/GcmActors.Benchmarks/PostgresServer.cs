using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace GcmActors.Benchmarks;

/// <summary>
/// A throwaway PostgreSQL server for the benchmark, started the way the cluster tests start theirs (initdb, pg_ctl,
/// a free loopback port, as the postgres user when run as root), but with the durability a deployment has:
/// fsync and synchronous_commit on (PostgreSQL's defaults). Each party (host, raw comparator, EF peer) gets its
/// own database on it.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gcm-bench-pg-" + Guid.NewGuid().ToString("N")[..12]);

    private PostgresServer(int port) => Port = port;

    public int Port { get; }

    public string Version { get; private set; } = "";

    private string Data => Path.Combine(_root, "data");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=15";

    public static async Task<PostgresServer> StartAsync(params string[] databases)
    {
        var server = new PostgresServer(ServerProcess.FreePort());
        Directory.CreateDirectory(server._root);
        if (IsRoot)
        {
            await RunAsync("chown", "postgres", server._root);
        }

        // --no-sync only skips initdb's own final flush of the template files; the server below runs with fsync on.
        await server.PgAsync("initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
        await server.PgAsync("pg_ctl", "-D", server.Data, "-w", "-l", Path.Combine(server._root, "log"), "-o",
            $"-p {server.Port} -k {server._root} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=400",
            "start");

        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        server.Version = connection.PostgreSqlVersion.ToString();
        foreach (var database in databases)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return server;
    }

    /// <summary>The server's own answer, to print: fsync and synchronous_commit as it runs them.</summary>
    public async Task<string> DescribeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('wal_sync_method'), current_setting('shared_buffers')",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return string.Create(CultureInfo.InvariantCulture,
            $"PostgreSQL {Version} on 127.0.0.1:{Port}: fsync={reader.GetString(0)}, synchronous_commit={reader.GetString(1)}, "
            + $"wal_sync_method={reader.GetString(2)}, shared_buffers={reader.GetString(3)}");
    }

    /// <summary>
    /// CPU time the server has used so far: the postmaster and every process it started (backends, WAL writer,
    /// checkpointer), from /proc, in the kernel's clock ticks (100 a second on Linux). Backends of pooled connections
    /// live across rounds, so a difference over a round is that round's work; a backend that exits meanwhile is lost.
    /// </summary>
    public TimeSpan TotalCpu()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }

            // pid (comm) state ppid ... utime stime: fields after the command name, which may contain spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == postmaster || parent == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

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
        (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null)
        ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql).");

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
}
