using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace GcmActors.Benchmarks;

/// <summary>What one round sends, to which server, and what every answer must be to count.</summary>
/// <param name="CreateRequest">A new request for the loop with this index (loops run one request at a time).</param>
/// <param name="ExpectedBodyLength">Bytes every counted answer must carry, or -1 to skip the check.</param>
internal sealed record Workload(
    string Name,
    ServerProcess Server,
    Uri Url,
    HttpStatusCode Expected,
    int ExpectedBodyLength,
    Func<int, HttpRequestMessage> CreateRequest,
    string? IfNoneMatch = null);

/// <summary>
/// One measured round, with the CPU the server process used meanwhile (null when there is no server process, as
/// for the raw comparators) and the latency of every operation in milliseconds (empty when the load generator
/// does not report them, as wrk).
/// </summary>
internal sealed record RoundResult(long Completed, TimeSpan Elapsed, TimeSpan? ServerCpu, double[] LatenciesMs)
{
    /// <summary>CPU the database server used meanwhile, where the section measures it (PostgreSQL).</summary>
    public TimeSpan? DatabaseCpu { get; init; }

    public double DatabaseCpuMicrosecondsPerRequest => DatabaseCpu is { } cpu ? cpu.TotalMicroseconds / Completed : double.NaN;

    public double PerSecond => Completed / Elapsed.TotalSeconds;

    /// <summary>
    /// Server CPU per answer. Less disturbed by other tenants than req/s: what they take from the cores lowers
    /// the rate, but not what each request costs the server.
    /// </summary>
    public double CpuMicrosecondsPerRequest => ServerCpu is { } cpu ? cpu.TotalMicroseconds / Completed : double.NaN;
}

/// <summary>Something measured in rounds: an HTTP workload on a load generator, or a raw database comparator.</summary>
internal sealed record Target(string Name, Func<TimeSpan, Task<RoundResult>> RunAsync)
{
    public static Target Http(ILoadGenerator load, Workload workload) => new(workload.Name, duration => load.RunAsync(workload, duration));

    /// <summary>The same target, with the CPU that <paramref name="databaseCpu"/> counts over each round.</summary>
    public Target WithDatabaseCpu(Func<TimeSpan> databaseCpu) => this with
    {
        RunAsync = async duration =>
        {
            var before = databaseCpu();
            var result = await RunAsync(duration);
            return result with { DatabaseCpu = databaseCpu() - before };
        },
    };
}

/// <summary>Percentiles over the latencies of several rounds (nearest rank).</summary>
internal static class Latency
{
    public static double Percentile(IEnumerable<RoundResult> rounds, double percentile) =>
        Percentile(rounds.SelectMany(r => r.LatenciesMs), percentile);

    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Milliseconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
}

/// <summary>A response that does not count: the run is invalid and must stop.</summary>
internal sealed class UnexpectedResponseException(string message) : Exception(message);

/// <summary>Drives load at a server: by default concurrent HttpClient loops in this process, optionally wrk.</summary>
internal interface ILoadGenerator
{
    string Describe { get; }

    Task<RoundResult> RunAsync(Workload workload, TimeSpan duration);
}

/// <summary>
/// <paramref name="connections"/> loops, each with one request in flight on its own pooled connection, until the
/// deadline. The clock stops when the last in-flight request has completed, and that request counts.
/// </summary>
internal sealed class DotnetLoad(int connections) : ILoadGenerator, IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public string Describe => $"built-in .NET client (HttpClient/SocketsHttpHandler, {connections} loops, HTTP/1.1 keep-alive)";

    public async Task<RoundResult> RunAsync(Workload workload, TimeSpan duration)
    {
        var stop = 0;
        var cpu = workload.Server.CpuTime;
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, connections).Select(index => Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            var latencies = new List<double>(1024);
            while (clock.Elapsed < duration && Volatile.Read(ref stop) == 0)
            {
                var started = Stopwatch.GetTimestamp();
                using var request = workload.CreateRequest(index);
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != workload.Expected)
                {
                    Volatile.Write(ref stop, 1);
                    var body = await response.Content.ReadAsStringAsync();
                    throw new UnexpectedResponseException(
                        $"{workload.Name}: {(int)response.StatusCode} {response.StatusCode} from {request.Method} {request.RequestUri}, "
                        + $"expected {(int)workload.Expected}. Body: {Truncate(body)}");
                }

                long length = 0;
                await using (var stream = await response.Content.ReadAsStreamAsync())
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer)) > 0)
                    {
                        length += read;
                    }
                }

                if (workload.ExpectedBodyLength >= 0 && length != workload.ExpectedBodyLength)
                {
                    Volatile.Write(ref stop, 1);
                    throw new UnexpectedResponseException(
                        $"{workload.Name}: a {(int)response.StatusCode} with {length} bytes, expected {workload.ExpectedBodyLength}");
                }

                latencies.Add(Latency.Milliseconds(started));
            }

            return latencies;
        })).ToArray();

        var perLoop = await Task.WhenAll(loops);
        var elapsed = clock.Elapsed;
        return new RoundResult(perLoop.Sum(l => l.Count), elapsed, workload.Server.CpuTime - cpu, [.. perLoop.SelectMany(l => l)]);
    }

    public void Dispose() => _client.Dispose();

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "...";
}

/// <summary>
/// wrk, for a load generator that costs less CPU than the .NET client on a small machine. GET workloads only;
/// any non-2xx/3xx answer or socket error fails the run.
/// </summary>
internal sealed partial class WrkLoad(string wrk, int connections) : ILoadGenerator
{
    private readonly int _threads = Math.Max(1, Math.Min(connections, Environment.ProcessorCount));

    public string Describe => $"wrk ({wrk}, {_threads} threads, {connections} connections)";

    /// <summary>wrk on PATH, or null.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "wrk"))
            .FirstOrDefault(File.Exists);

    public async Task<RoundResult> RunAsync(Workload workload, TimeSpan duration)
    {
        // wrk takes whole seconds.
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        var start = new ProcessStartInfo(wrk)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-t", _threads.ToString(CultureInfo.InvariantCulture),
                     "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{seconds}s", "--timeout", "10s",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (workload.IfNoneMatch is { } etag)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add($"If-None-Match: {etag}");
        }

        start.ArgumentList.Add(workload.Url.ToString());
        var cpu = workload.Server.CpuTime;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(seconds + 30));
        var serverCpu = workload.Server.CpuTime - cpu;
        var text = await output + await errors;
        if (process.ExitCode != 0 || NonSuccess().IsMatch(text) || SocketErrors().IsMatch(text))
        {
            throw new UnexpectedResponseException($"{workload.Name}: wrk reported errors (exit {process.ExitCode}):\n{text}");
        }

        var requests = Requests().Match(text);
        var elapsed = Elapsed().Match(text);
        if (!requests.Success || !elapsed.Success)
        {
            throw new InvalidOperationException($"cannot read wrk's output:\n{text}");
        }

        var count = long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture);
        var value = double.Parse(elapsed.Groups[1].Value, CultureInfo.InvariantCulture);
        var time = elapsed.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "m" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromSeconds(value),
        };
        return new RoundResult(count, time, serverCpu, []);
    }

    // "  123456 requests in 5.00s, 1.10GB read"
    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(ms|s|m),")]
    private static partial Regex Requests();

    [GeneratedRegex(@"\d+ requests in ([\d.]+)(ms|s|m),")]
    private static partial Regex Elapsed();

    [GeneratedRegex(@"Non-2xx or 3xx responses")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors")]
    private static partial Regex SocketErrors();
}
