using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using GcmActors.Host.Security;

namespace GcmActors.Benchmarks;

/// <summary>
/// One run: start the real host and the bare server as separate processes, measure the dashboard read of both
/// in interleaved rounds (the machine is small, shared and noisy), then measure milestone writes, and print it all.
/// </summary>
internal sealed class Benchmark(Options options, TextWriter output)
{
    private const string Cycle = "2020";
    private const string Region = "arab";
    private const string RegionPath = $"/api/cycles/{Cycle}/regions/{Region}";
    private const double ReadGoal = 0.95;

    // Writes go to a round of their own, so the seeded one (and its ETag) stays as the read benchmark saw it.
    private const string WriteCycle = "2099";
    private const string WriteRegion = "bench";
    private const string WriteMilestone = "coordination-body-appointed";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);

    private readonly Stopwatch _total = Stopwatch.StartNew();

    public async Task RunAsync()
    {
        var configuration = typeof(Benchmark).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var repository = FindRepository();
        var hostDll = Path.Combine(repository, "src", "GcmActors.Host", "bin", configuration, "net10.0", "GcmActors.Host.dll");
        if (!File.Exists(hostDll))
        {
            throw new FileNotFoundException($"no host build at {hostDll}; run `dotnet build -c {configuration} src/GcmActors.Host`", hostDll);
        }

        var work = Path.Combine(Path.GetTempPath(), "gcm-bench-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(work, "data");
        try
        {
            // The host finds this key in its data directory and trusts the tokens minted with it.
            var tokens = Tokens.LoadOrCreate(data);
            await using var host = await ServerProcess.StartAsync("GcmActors host", hostDll,
            [
                $"--Gcm:DataDirectory={data}",
                $"--Gcm:SiloPort={ServerProcess.FreePort()}",
                $"--Gcm:GatewayPort={ServerProcess.FreePort()}",
                "--Logging:LogLevel:Default=Warning",
                // The readiness line ("Listening on ...; reads ...") is the host's own information log.
                "--Logging:LogLevel:GcmActors.Host=Information",
            ], s_startTimeout);

            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var document = await FetchAsync(probe, new Uri(host.BaseAddress, RegionPath), null, HttpStatusCode.OK);
            var etag = document.ETag ?? throw new InvalidOperationException("the host sent no ETag for " + RegionPath);

            var bytesFile = Path.Combine(work, "region.json");
            await File.WriteAllBytesAsync(bytesFile, document.Body);
            var harnessDll = typeof(Benchmark).Assembly.Location;
            await using var bare = await ServerProcess.StartAsync("bare endpoint", harnessDll,
                [BareServer.Command, bytesFile, etag, RegionPath, "--Logging:LogLevel:Default=Warning"], s_startTimeout);

            var hostUrl = new Uri(host.BaseAddress, RegionPath);
            var bareUrl = new Uri(bare.BaseAddress, RegionPath);
            using var dotnetLoad = new DotnetLoad(options.Connections);
            ILoadGenerator reads = dotnetLoad;
            if (options.Wrk)
            {
                reads = new WrkLoad(WrkLoad.Find() ?? throw new InvalidOperationException("--wrk: no wrk on PATH"), options.Connections);
            }

            PrintConfiguration(configuration, host, hostDll, bare, harnessDll, reads, document);
            await CheckSameAnswersAsync(probe, document, hostUrl, bareUrl, etag);

            var regionGet = Get("region GET 200", host, hostUrl, document.Body.Length);
            var bareGet = Get("bare GET 200", bare, bareUrl, document.Body.Length);
            var region304 = Get("region GET 304", host, hostUrl, 0, etag);

            var readResults = await MeasureAsync(reads, [regionGet, bareGet, region304],
                round => round % 2 == 0 ? [regionGet, bareGet, region304] : [region304, bareGet, regionGet]);
            PrintTables("reads", readResults);

            var writes = await PrepareWritesAsync(probe, host, tokens, document.Body);
            output.WriteLine();
            output.WriteLine($"writes: POST /api/cycles/{WriteCycle}/reviews/{{ISO3}}/milestones/{WriteMilestone}, ministry tokens, "
                             + $"status toggling in-progress/not-started, {options.Connections} connections spread over "
                             + $"the {writes.Countries} States of round {WriteCycle}/{WriteRegion} (one review write + one region write each)");
            var writeResults = await MeasureAsync(dotnetLoad, [writes.Workload], _ => [writes.Workload]);
            PrintTables("writes", writeResults);

            PrintSummary(readResults, regionGet, bareGet, region304, writeResults[writes.Workload]);
        }
        finally
        {
            TryDelete(work);
        }
    }

    private static Workload Get(string name, ServerProcess server, Uri url, int bodyLength, string? ifNoneMatch = null) => new(
        name,
        server,
        url,
        ifNoneMatch is null ? HttpStatusCode.OK : HttpStatusCode.NotModified,
        bodyLength,
        _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (ifNoneMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            }

            return request;
        },
        ifNoneMatch);

    /// <summary>Warm-up of every workload, then <see cref="Options.Rounds"/> rounds in the order each round asks for.</summary>
    private async Task<Dictionary<Workload, List<RoundResult>>> MeasureAsync(
        ILoadGenerator load, Workload[] workloads, Func<int, Workload[]> order)
    {
        var results = workloads.ToDictionary(w => w, _ => new List<RoundResult>());
        if (options.WarmupSeconds > 0)
        {
            foreach (var workload in workloads)
            {
                var warm = await load.RunAsync(workload, TimeSpan.FromSeconds(options.WarmupSeconds));
                output.WriteLine(Invariant($"  warm-up   {workload.Name,-18} {warm.PerSecond,9:F0} req/s"));
            }
        }

        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var workload in order(round))
            {
                var result = await load.RunAsync(workload, TimeSpan.FromSeconds(options.Seconds));
                results[workload].Add(result);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1,-3} {workload.Name,-18} {result.PerSecond,9:F0} req/s  ({result.Completed} in {result.Elapsed.TotalSeconds:F2} s), "
                    + $"server CPU {result.CpuMicrosecondsPerRequest:F0} us/req"));
            }
        }

        return results;
    }

    private async Task<(Workload Workload, int Countries)> PrepareWritesAsync(HttpClient probe, ServerProcess server, Tokens tokens, byte[] regionDocument)
    {
        var host = server.BaseAddress;
        using var parsed = JsonDocument.Parse(regionDocument);
        var members = parsed.RootElement.GetProperty("members").EnumerateArray()
            .Select(m => m.GetProperty("country").GetString()!)
            .ToArray();
        var admin = tokens.Issue(Roles.Admin, null, TimeSpan.FromHours(1), Tokens.Issuer);
        var round = new
        {
            name = "Benchmark round",
            coOrganizers = new[] { "benchmark" },
            conference = new { start = $"{WriteCycle}-12-01", end = $"{WriteCycle}-12-02", modality = "virtual" },
            deadlines = new Dictionary<string, string>
            {
                ["coordination-body-appointed"] = $"{WriteCycle}-08-31",
                ["template-shared"] = $"{WriteCycle}-08-31",
                ["data-collected"] = $"{WriteCycle}-09-15",
                ["approved"] = $"{WriteCycle}-09-29",
                ["submitted"] = $"{WriteCycle}-10-06",
            },
            members,
        };
        using (var put = new HttpRequestMessage(HttpMethod.Put, new Uri(host, $"/api/cycles/{WriteCycle}/regions/{WriteRegion}")))
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            put.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(round));
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await probe.SendAsync(put);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new UnexpectedResponseException(
                    $"setting up round {WriteCycle}/{WriteRegion}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var ministryTokens = members.ToDictionary(c => c, c => "Bearer " + tokens.Issue(Roles.Ministry, c, TimeSpan.FromHours(1), Tokens.Issuer));
        byte[][] bodies = [Encoding.UTF8.GetBytes("""{"status":"in-progress"}"""), Encoding.UTF8.GetBytes("""{"status":"not-started"}""")];

        // Each loop owns a State (while there are enough) and flips its milestone, so every write changes something.
        var flips = new long[options.Connections];
        var workload = new Workload(
            "milestone POST 200",
            server,
            new Uri(host, $"/api/cycles/{WriteCycle}/reviews/{{ISO3}}/milestones/{WriteMilestone}"),
            HttpStatusCode.OK,
            -1,
            loop =>
            {
                var country = members[loop % members.Length];
                var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host, $"/api/cycles/{WriteCycle}/reviews/{country}/milestones/{WriteMilestone}"));
                request.Headers.TryAddWithoutValidation("Authorization", ministryTokens[country]);
                request.Content = new ByteArrayContent(bodies[flips[loop]++ % 2]);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return request;
            });
        return (workload, members.Length);
    }

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

    /// <summary>The comparison is fair only if both servers answer alike: same status, bytes and headers.</summary>
    private async Task CheckSameAnswersAsync(HttpClient probe, Answer document, Uri hostUrl, Uri bareUrl, string etag)
    {
        var bareDocument = await FetchAsync(probe, bareUrl, null, HttpStatusCode.OK);
        if (!bareDocument.Body.AsSpan().SequenceEqual(document.Body) || bareDocument.ETag != document.ETag
            || bareDocument.ContentType != document.ContentType)
        {
            throw new InvalidOperationException("the bare endpoint does not answer like the host: "
                                                + $"{bareDocument.Body.Length} vs {document.Body.Length} bytes, ETag {bareDocument.ETag} vs {document.ETag}, "
                                                + $"Content-Type {bareDocument.ContentType} vs {document.ContentType}");
        }

        var host304 = await FetchAsync(probe, hostUrl, etag, HttpStatusCode.NotModified);
        await FetchAsync(probe, bareUrl, etag, HttpStatusCode.NotModified);
        output.WriteLine($"  answers checked: same bytes, Content-Type and ETag from both; 304 with If-None-Match from both");
        output.WriteLine($"  200 headers      host: {string.Join(" | ", document.Headers)}");
        output.WriteLine($"                   bare: {string.Join(" | ", bareDocument.Headers)}");
        output.WriteLine($"  304 headers      host: {string.Join(" | ", host304.Headers)}");
        output.WriteLine();
    }

    private void PrintConfiguration(string configuration, ServerProcess host, string hostDll, ServerProcess bare, string harnessDll,
        ILoadGenerator load, Answer document)
    {
        output.WriteLine();
        output.WriteLine("GcmActors benchmark: dashboard read vs a bare ASP.NET Core endpoint, then milestone writes");
        output.WriteLine(Invariant($"  started          {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));
        output.WriteLine($"  build            {configuration} (harness and host){(configuration == "Release" ? "" : "  <-- NOT Release: numbers are not meaningful")}");
        output.WriteLine($"  host             {host}: dotnet {hostDll}, server GC {ServerGc(hostDll)}");
        output.WriteLine($"  bare             {bare}: dotnet {harnessDll} bare, server GC {ServerGc(harnessDll)}");
        output.WriteLine($"  machine          {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}{LoadAverage()}");
        output.WriteLine($"  load generator   {load.Describe}; in the harness process, on the same cores as both servers");
        output.WriteLine(Invariant($"  schedule         warm-up {options.WarmupSeconds} s per target, then {options.Rounds} rounds x {options.Seconds} s per target, interleaved"));
        if (options.Quick)
        {
            output.WriteLine("  --quick          smoke run: too short for the JIT and the host to settle; do not quote these numbers");
        }

        output.WriteLine($"  document         GET {RegionPath}: {document.Body.Length} bytes, {document.ContentType}, ETag {document.ETag}");
    }

    private static void PrintTableHeader(TextWriter output, string title, int rounds)
    {
        var header = new StringBuilder(title.PadRight(28)[..28]);
        for (var i = 1; i <= rounds; i++)
        {
            header.Append(Invariant($"{"round " + i,10}"));
        }

        header.Append(Invariant($"{"median",10}"));
        output.WriteLine(header);
    }

    private void PrintTables(string title, Dictionary<Workload, List<RoundResult>> results)
    {
        output.WriteLine();
        PrintTable($"{title}: requests/s", results, r => r.PerSecond);
        output.WriteLine();
        PrintTable($"{title}: server CPU us/req", results, r => r.CpuMicrosecondsPerRequest);
    }

    private void PrintTable(string title, Dictionary<Workload, List<RoundResult>> results, Func<RoundResult, double> value)
    {
        PrintTableHeader(output, title, options.Rounds);
        foreach (var (workload, rounds) in results)
        {
            var line = new StringBuilder(Invariant($"{workload.Name,-28}"));
            foreach (var round in rounds)
            {
                line.Append(Invariant($"{value(round),10:F0}"));
            }

            line.Append(Invariant($"{Median(rounds.Select(value)),10:F0}"));
            output.WriteLine(line);
        }
    }

    private void PrintSummary(Dictionary<Workload, List<RoundResult>> reads, Workload regionGet, Workload bareGet, Workload region304,
        List<RoundResult> writes)
    {
        var region = reads[regionGet].Select(r => r.PerSecond).ToArray();
        var bare = reads[bareGet].Select(r => r.PerSecond).ToArray();
        var notModified = reads[region304].Select(r => r.PerSecond).ToArray();
        var readRatio = Median(region) / Median(bare);
        var notModifiedRatio = Median(notModified) / Median(bare);
        var pairedRatios = region.Zip(bare, (r, b) => r / b).ToArray();
        var cpuRegion = Median(reads[regionGet].Select(r => r.CpuMicrosecondsPerRequest));
        var cpuBare = Median(reads[bareGet].Select(r => r.CpuMicrosecondsPerRequest));
        var cpu304 = Median(reads[region304].Select(r => r.CpuMicrosecondsPerRequest));

        output.WriteLine();
        output.WriteLine(Invariant($"per-round region GET / bare: {string.Join(" ", pairedRatios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} (median {Median(pairedRatios):F2})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"server CPU per request (median): region GET {cpuRegion:F0} us, region 304 {cpu304:F0} us, bare GET {cpuBare:F0} us; "
            + $"bare / region GET = {cpuBare / cpuRegion:F2}, bare / region 304 = {cpuBare / cpu304:F2} (the throughput ratio the servers alone would allow)"));
        output.WriteLine(Invariant(
            $"region GET / bare = {readRatio:F2} (goal >= {ReadGoal:F2}): {(readRatio >= ReadGoal ? "goal MET" : "goal NOT met")}"));
        output.WriteLine(Invariant(
            $"304 / bare = {notModifiedRatio:F2} (goal: above region GET / bare = {readRatio:F2}): {(notModifiedRatio > readRatio ? "goal MET" : "goal NOT met")}"));
        output.WriteLine(Invariant(
            $"milestone writes = {Median(writes.Select(r => r.PerSecond)):F0}/s median ({options.Connections} connections, rounds: {string.Join(" ", writes.Select(r => r.PerSecond.ToString("F0", CultureInfo.InvariantCulture)))})"));
        output.WriteLine(Invariant($"total time {_total.Elapsed.TotalSeconds:F0} s"));
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

    /// <summary>System.GC.Server from the app's runtimeconfig.json: both servers should run with the same GC.</summary>
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

    private sealed record Answer(byte[] Body, string? ETag, string? ContentType, string[] Headers);
}
