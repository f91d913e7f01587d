using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GcmActors.Host.Security;

namespace GcmActors.Benchmarks;

/// <summary>
/// One run: the real host (SQLite, then PostgreSQL), the bare server, the EF Core peer and a throwaway PostgreSQL
/// server, all as separate processes on loopback, measured section by section (see <see cref="Options.AllSections"/>),
/// with the comparators interleaved round by round (the machine is small, shared and noisy), then one summary table.
/// </summary>
internal sealed partial class Benchmark(Options options, TextWriter output) : IAsyncDisposable
{
    private const string SeedCycle = "2020";
    private const string SeedRegion = "arab";
    private const string SeedRegionPath = $"/api/cycles/{SeedCycle}/regions/{SeedRegion}";

    // The write sections use a round of their own, so the seeded one (and its ETag) stays as the read section saw it.
    private const string WriteCycle = "2099";
    private const string WriteRegion = "bench";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(120);

    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly Summary _summary = new();
    private readonly string _work = Path.Combine(Path.GetTempPath(), "gcm-bench-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> _owned = [];
    private string _configuration = "Release";
    private string _hostDll = "";
    private Tokens? _tokens;
    private GcmApi? _api;
    private PostgresServer? _postgres;
    private ServerProcess? _peer;

    private string HostDirectory => Path.GetDirectoryName(_hostDll)!;

    private GcmApi Api => _api ?? throw new InvalidOperationException("no API client yet");

    private string KeyDirectory => Path.Combine(_work, "key");

    /// <summary>The States of the write sections' round: one per writer.</summary>
    private string[] WriterStates => [.. GcmApi.Countries.Take(options.Writers)];

    public async Task RunAsync()
    {
        _configuration = typeof(Benchmark).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        _hostDll = Path.Combine(FindRepository(), "src", "GcmActors.Host", "bin", _configuration, "net10.0", "GcmActors.Host.dll");
        if (!File.Exists(_hostDll))
        {
            throw new FileNotFoundException($"no host build at {_hostDll}; run `dotnet build -c {_configuration} src/GcmActors.Host`", _hostDll);
        }

        if (options.Writers > GcmApi.Countries.Count || 22 + options.Members > GcmApi.Countries.Count)
        {
            throw new ArgumentException($"the catalogue has {GcmApi.Countries.Count} States: --writers and 22 + --members must fit in it");
        }

        // One signing key for every process of the run; each host finds a copy in its data directory.
        _tokens = Tokens.LoadOrCreate(KeyDirectory);
        _api = new GcmApi(_tokens);
        PrintConfiguration();

        if (new[] { "reads", "sqlite", "history", "members", "streams" }.Any(options.Runs))
        {
            await using var host = await StartHostAsync("GcmActors host (sqlite)", "sqlite");
            var seeded = await FetchAsync(Api.Client, new Uri(host.BaseAddress, SeedRegionPath), null, HttpStatusCode.OK);
            if (options.Runs("reads"))
            {
                await ReadsAsync(host, seeded);
            }

            if (options.Runs("sqlite"))
            {
                await SqliteWritesAsync(host);
            }

            if (options.Runs("history"))
            {
                await HistoryAsync(host);
            }

            if (options.Runs("members"))
            {
                await MembersAsync(host);
            }

            if (options.Runs("streams"))
            {
                await StreamsAsync(host);
            }
        }

        if (options.Runs("postgres"))
        {
            await PostgresAsync();
        }

        // Nothing else may run while the host idles: stop the peer and PostgreSQL first.
        await DisposeOwnedAsync();
        if (options.Runs("replay"))
        {
            Replay();
        }

        if (options.Runs("idle") || options.Runs("coldstart"))
        {
            await IdleAsync();
        }

        _summary.Print(output);
        output.WriteLine(Invariant($"total time {_total.Elapsed.TotalSeconds:F0} s"));
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeOwnedAsync();
        _api?.Dispose();
        TryDelete(_work);
    }

    private async Task DisposeOwnedAsync()
    {
        // Peer before PostgreSQL: it holds connections to it.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _owned.Clear();
        _peer = null;
        _postgres = null;
    }

    /// <summary>A fresh host process on free ports with a data directory of its own (the run's signing key copied in).</summary>
    private async Task<ServerProcess> StartHostAsync(string name, string dataName, params string[] extra)
    {
        var data = PrepareDataDirectory(dataName);
        return await ServerProcess.StartAsync(name, _hostDll, HostArguments(data, extra), s_startTimeout, options.HostEnvironment);
    }

    private string PrepareDataDirectory(string dataName)
    {
        var data = Path.Combine(_work, dataName);
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(KeyDirectory, Tokens.KeyFileName), Path.Combine(data, Tokens.KeyFileName), overwrite: true);
        return data;
    }

    private string[] HostArguments(string data, params string[] extra) =>
    [
        $"--Gcm:DataDirectory={data}",
        $"--Gcm:SiloPort={ServerProcess.FreePort()}",
        $"--Gcm:GatewayPort={ServerProcess.FreePort()}",
        // Warnings stay on: the write sections count Orleans' long-turn warnings.
        "--Logging:LogLevel:Default=Warning",
        // The readiness line ("Listening on ...; reads ...") is the host's own information log.
        "--Logging:LogLevel:GcmActors.Host=Information",
        .. extra,
        .. options.HostArguments,
    ];

    private async Task<PostgresServer> PostgresServerAsync()
    {
        if (_postgres is null)
        {
            _postgres = await PostgresServer.StartAsync("gcm", "raw", "peer");
            _owned.Add(_postgres);
            output.WriteLine($"  postgres         {await _postgres.DescribeAsync()}");
        }

        return _postgres;
    }

    /// <summary>The EF Core peer on its own database, seeded with the same rounds as the host: the Arab round's members and the writers' round.</summary>
    private async Task<ServerProcess> PeerAsync(byte[] seededDocument)
    {
        if (_peer is not null)
        {
            return _peer;
        }

        var postgres = await PostgresServerAsync();
        using var parsed = JsonDocument.Parse(seededDocument);
        var members = parsed.RootElement.GetProperty("members").EnumerateArray()
            .Select(m => new PeerMember(SeedCycle, SeedRegion, m.GetProperty("country").GetString()!, m.GetProperty("name").GetString() ?? ""))
            .Concat(WriterStates.Select(c => new PeerMember(WriteCycle, WriteRegion, c, c)))
            .ToArray();
        var folder = Path.Combine(_work, "peer");
        Directory.CreateDirectory(folder);
        var membersFile = Path.Combine(folder, "members.json");
        await File.WriteAllBytesAsync(membersFile, JsonSerializer.SerializeToUtf8Bytes(members, JsonSerializerOptions.Web));
        _peer = await ServerProcess.StartAsync("EF Core peer", typeof(Benchmark).Assembly.Location,
            [PeerServer.Command, postgres.ConnectionString("peer"), KeyDirectory, membersFile, "--Logging:LogLevel:Default=Warning"], s_startTimeout);
        _owned.Add(_peer);
        output.WriteLine($"  peer             {_peer}: ASP.NET Core + EF Core {typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly.GetName().Version} + Npgsql, database 'peer'");
        return _peer;
    }

    /// <summary>Warm-up of every target, then <see cref="Options.Rounds"/> rounds in the order each round asks for.</summary>
    private async Task<Dictionary<Target, List<RoundResult>>> MeasureAsync(Target[] targets, Func<int, Target[]> order)
    {
        var results = targets.ToDictionary(t => t, _ => new List<RoundResult>());
        if (options.WarmupSeconds > 0)
        {
            foreach (var target in targets)
            {
                var warm = await target.RunAsync(TimeSpan.FromSeconds(options.WarmupSeconds));
                output.WriteLine(Invariant($"  warm-up   {target.Name,-24} {warm.PerSecond,9:F0} /s"));
            }
        }

        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var target in order(round))
            {
                var result = await target.RunAsync(TimeSpan.FromSeconds(options.Seconds));
                results[target].Add(result);
                var line = new StringBuilder(Invariant(
                    $"  round {round + 1,-3} {target.Name,-24} {result.PerSecond,9:F0} /s  ({result.Completed} in {result.Elapsed.TotalSeconds:F2} s)"));
                if (result.LatenciesMs.Length > 0)
                {
                    line.Append(Invariant($", p50 {Latency.Percentile(result.LatenciesMs, 50):F2} ms, p99 {Latency.Percentile(result.LatenciesMs, 99):F2} ms"));
                }

                if (result.ServerCpu is not null)
                {
                    line.Append(Invariant($", server CPU {result.CpuMicrosecondsPerRequest:F0} us/op"));
                }

                output.WriteLine(line);
            }
        }

        return results;
    }

    /// <summary>Per-round rates and medians, then latency percentiles over all rounds, then server CPU per operation.</summary>
    private void PrintTables(string title, Dictionary<Target, List<RoundResult>> results)
    {
        output.WriteLine();
        PrintTable($"{title}: operations/s", results, r => r.PerSecond, "F0");
        if (results.Values.Any(rounds => rounds.Any(r => r.LatenciesMs.Length > 0)))
        {
            output.WriteLine();
            output.WriteLine(Invariant($"{title + ": latency (all rounds)",-30}{"p50 ms",10}{"p90 ms",10}{"p99 ms",10}{"max ms",10}"));
            foreach (var (target, rounds) in results)
            {
                output.WriteLine(Invariant(
                    $"{target.Name,-30}{Latency.Percentile(rounds, 50),10:F2}{Latency.Percentile(rounds, 90),10:F2}{Latency.Percentile(rounds, 99),10:F2}{Latency.Percentile(rounds, 100),10:F1}"));
            }
        }

        if (results.Values.Any(rounds => rounds.Any(r => r.ServerCpu is not null)))
        {
            output.WriteLine();
            PrintTable($"{title}: server CPU us/op", results, r => r.CpuMicrosecondsPerRequest, "F0");
        }
    }

    private void PrintTable(string title, Dictionary<Target, List<RoundResult>> results, Func<RoundResult, double> value, string format)
    {
        var header = new StringBuilder(title.PadRight(30)[..30]);
        for (var i = 1; i <= options.Rounds; i++)
        {
            header.Append(Invariant($"{"round " + i,10}"));
        }

        header.Append(Invariant($"{"median",10}"));
        output.WriteLine(header);
        foreach (var (target, rounds) in results)
        {
            var line = new StringBuilder(Invariant($"{target.Name,-30}"));
            foreach (var round in rounds)
            {
                line.Append(value(round).ToString(format, CultureInfo.InvariantCulture).PadLeft(10));
            }

            line.Append(Median(rounds.Select(value)).ToString(format, CultureInfo.InvariantCulture).PadLeft(10));
            output.WriteLine(line);
        }
    }

    private static double MedianRate(List<RoundResult> rounds) => Median(rounds.Select(r => r.PerSecond));

    private static async Task<Answer> FetchAsync(HttpClient client, Uri url, string? ifNoneMatch, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != expected)
        {
            throw new UnexpectedResponseException(
                $"GET {url}{(ifNoneMatch is null ? "" : " (If-None-Match " + ifNoneMatch + ")")}: {(int)response.StatusCode}, expected {(int)expected}: "
                + Encoding.UTF8.GetString(body));
        }

        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not "Date")
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}")
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToArray();
        return new Answer(body, response.Headers.ETag?.ToString(), response.Content.Headers.ContentType?.ToString(), headers);
    }

    private void PrintConfiguration()
    {
        output.WriteLine();
        output.WriteLine("GcmActors benchmark: the real host over HTTP against raw writers, a plain EF Core peer and a bare endpoint");
        output.WriteLine(Invariant($"  started          {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
        output.WriteLine($"  build            {_configuration} (harness and host){(_configuration == "Release" ? "" : "  <-- NOT Release: numbers are not meaningful")}");
        output.WriteLine($"  host             dotnet {_hostDll}, server GC {ServerGc(_hostDll)}");
        output.WriteLine($"  harness          dotnet {typeof(Benchmark).Assembly.Location}, server GC {ServerGc(typeof(Benchmark).Assembly.Location)}");
        output.WriteLine($"  machine          {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}{LoadAverage()}");
        output.WriteLine($"  commit           {GitHead()}");
        output.WriteLine($"  sections         {string.Join(", ", Options.AllSections.Where(options.Runs))}");
        output.WriteLine(Invariant($"  schedule         warm-up {options.WarmupSeconds} s per target, then {options.Rounds} rounds x {options.Seconds} s per target, interleaved"));
        output.WriteLine(Invariant($"  sizes            {options.Writers} writers, history {options.History}, {options.Samples} samples, {options.Members} members, "
                                   + $"{options.Streams} streams, {options.IdleReviews} idle reviews, {options.IdleSeconds} s idle"));
        if (options.HostArguments.Count > 0)
        {
            output.WriteLine($"  host arguments   {string.Join(" ", options.HostArguments)}  <-- not the defaults");
        }

        if (options.HostEnvironment.Count > 0)
        {
            output.WriteLine($"  host environment {string.Join(" ", options.HostEnvironment.Select(v => $"{v.Key}={v.Value}"))}  <-- not the defaults");
        }

        if (options.Quick)
        {
            output.WriteLine("  --quick          smoke run: too short and too small for the JIT and the host to settle; do not quote these numbers");
        }
    }

    private string GitHead()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(HostDirectory)))!, "log", "-1", "--format=%h %s"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            var line = git!.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return line.Length > 0 ? line : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string FindRepository()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GcmActors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GcmActors.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>System.GC.Server from the app's runtimeconfig.json: the servers should run with the same GC.</summary>
    private static string ServerGc(string dll)
    {
        var path = Path.ChangeExtension(dll, ".runtimeconfig.json");
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(path));
            return config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
                   && properties.TryGetProperty("System.GC.Server", out var server)
                ? server.ToString()
                : "false (default)";
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return "unknown";
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? "; load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "";

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A temp folder left behind is not worth failing a finished run for.
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>For interpolations joined with +, which C# turns into a plain string: Main makes the invariant culture current.</summary>
    private static string Invariant(string text) => text;

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private sealed record Answer(byte[] Body, string? ETag, string? ContentType, string[] Headers);
}
