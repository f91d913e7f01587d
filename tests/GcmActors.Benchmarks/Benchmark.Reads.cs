using System.Net;

namespace GcmActors.Benchmarks;

internal sealed partial class Benchmark
{
    private const double ReadGoal = 0.95;
    private const double PeerReadGoal = 20;

    /// <summary>
    /// The dashboard read of the host against a bare endpoint returning the same bytes (checked first), the same read
    /// answered 304, and the EF Core peer's region GET (its document computed by SQL on each request).
    /// </summary>
    private async Task ReadsAsync(ServerProcess host, Answer document)
    {
        output.WriteLine();
        output.WriteLine($"== reads: GET {SeedRegionPath} ({document.Body.Length} bytes, ETag {document.ETag}), {options.Connections} connections");
        var etag = document.ETag ?? throw new InvalidOperationException("the host sent no ETag for " + SeedRegionPath);
        var bytesFile = Path.Combine(_work, "region.json");
        await File.WriteAllBytesAsync(bytesFile, document.Body);
        await using var bare = await ServerProcess.StartAsync("bare endpoint", typeof(Benchmark).Assembly.Location,
            [BareServer.Command, bytesFile, etag, SeedRegionPath, "--Logging:LogLevel:Default=Warning"], s_startTimeout);
        var peer = await PeerAsync(document.Body);

        var hostUrl = new Uri(host.BaseAddress, SeedRegionPath);
        var bareUrl = new Uri(bare.BaseAddress, SeedRegionPath);
        var peerUrl = new Uri(peer.BaseAddress, SeedRegionPath);
        using var dotnetLoad = new DotnetLoad(options.Connections);
        ILoadGenerator reads = options.Wrk
            ? new WrkLoad(WrkLoad.Find() ?? throw new InvalidOperationException("--wrk: no wrk on PATH"), options.Connections)
            : dotnetLoad;
        output.WriteLine($"  host             {host}");
        output.WriteLine($"  bare             {bare}");
        output.WriteLine($"  load generator   {reads.Describe}; in the harness process, on the same cores as the servers");
        await CheckSameAnswersAsync(document, hostUrl, bareUrl, etag);
        var peerDocument = await FetchAsync(Api.Client, peerUrl, null, HttpStatusCode.OK);
        output.WriteLine($"  EF peer document {peerDocument.Body.Length} bytes (members and counts by SQL on every GET; not the same bytes, the same question)");

        var regionGet = Target.Http(reads, Get("region GET 200", host, hostUrl, document.Body.Length));
        var bareGet = Target.Http(reads, Get("bare GET 200", bare, bareUrl, document.Body.Length));
        var region304 = Target.Http(reads, Get("region GET 304", host, hostUrl, 0, etag));
        var peerGet = Target.Http(reads, Get("EF peer region GET", peer, peerUrl, peerDocument.Body.Length));
        var results = await MeasureAsync([regionGet, bareGet, region304, peerGet],
            round => round % 2 == 0 ? [regionGet, bareGet, region304, peerGet] : [peerGet, region304, bareGet, regionGet]);
        PrintTables("reads", results);

        var region = results[regionGet].Select(r => r.PerSecond).ToArray();
        var bareRates = results[bareGet].Select(r => r.PerSecond).ToArray();
        var readRatio = Median(region) / Median(bareRates);
        var notModifiedRatio = MedianRate(results[region304]) / Median(bareRates);
        var peerRatio = Median(region) / MedianRate(results[peerGet]);
        var pairedRatios = region.Zip(bareRates, (r, b) => r / b).ToArray();
        var cpuRegion = Median(results[regionGet].Select(r => r.CpuMicrosecondsPerRequest));
        var cpuBare = Median(results[bareGet].Select(r => r.CpuMicrosecondsPerRequest));
        var cpu304 = Median(results[region304].Select(r => r.CpuMicrosecondsPerRequest));
        var cpuPeer = Median(results[peerGet].Select(r => r.CpuMicrosecondsPerRequest));
        output.WriteLine();
        output.WriteLine(Invariant($"per-round region GET / bare: {string.Join(" ", pairedRatios.Select(Ratio))} (median {Ratio(Median(pairedRatios))})"));
        output.WriteLine(Invariant(
            $"server CPU per request (median): region GET {cpuRegion:F0} us, region 304 {cpu304:F0} us, bare GET {cpuBare:F0} us, EF peer GET {cpuPeer:F0} us (PostgreSQL's own CPU not counted)"));
        output.WriteLine(Invariant($"region GET / bare = {Ratio(readRatio)} (goal >= {ReadGoal:F2}); 304 / bare = {Ratio(notModifiedRatio)}; region GET / EF peer GET = {Ratio(peerRatio)}"));

        _summary.Add("reads", "region GET / bare endpoint (req/s)", Ratio(readRatio), Invariant($">= {ReadGoal:F2}"), readRatio >= ReadGoal);
        _summary.Add("reads", "region 304 / bare endpoint (req/s)", Ratio(notModifiedRatio), "> region GET / bare", notModifiedRatio > readRatio);
        _summary.Add("reads", "region GET / EF peer GET (req/s; host on SQLite)", Ratio(peerRatio), Invariant($">= {PeerReadGoal:F0}"), peerRatio >= PeerReadGoal);
        _summary.Add("reads", "server CPU us/req: region GET, bare, EF peer", Invariant($"{cpuRegion:F0}, {cpuBare:F0}, {cpuPeer:F0}"));
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

    /// <summary>The comparison is fair only if both servers answer alike: same status, bytes and headers.</summary>
    private async Task CheckSameAnswersAsync(Answer document, Uri hostUrl, Uri bareUrl, string etag)
    {
        var bareDocument = await FetchAsync(Api.Client, bareUrl, null, HttpStatusCode.OK);
        if (!bareDocument.Body.AsSpan().SequenceEqual(document.Body) || bareDocument.ETag != document.ETag
            || bareDocument.ContentType != document.ContentType)
        {
            throw new InvalidOperationException("the bare endpoint does not answer like the host: "
                                                + $"{bareDocument.Body.Length} vs {document.Body.Length} bytes, ETag {bareDocument.ETag} vs {document.ETag}, "
                                                + $"Content-Type {bareDocument.ContentType} vs {document.ContentType}");
        }

        var host304 = await FetchAsync(Api.Client, hostUrl, etag, HttpStatusCode.NotModified);
        await FetchAsync(Api.Client, bareUrl, etag, HttpStatusCode.NotModified);
        output.WriteLine($"  answers checked  same bytes, Content-Type and ETag from host and bare; 304 with If-None-Match from both");
        output.WriteLine($"  200 headers      host: {string.Join(" | ", document.Headers)}");
        output.WriteLine($"                   bare: {string.Join(" | ", bareDocument.Headers)}");
        output.WriteLine($"  304 headers      host: {string.Join(" | ", host304.Headers)}");
    }
}
