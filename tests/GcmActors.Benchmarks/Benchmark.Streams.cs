using System.Diagnostics;
using System.Net;

namespace GcmActors.Benchmarks;

internal sealed partial class Benchmark
{
    private const string StreamsCycle = "2096";
    private const string StreamsRegion = "live";
    private const int StreamWrites = 10;

    /// <summary>
    /// --streams Server-Sent Events streams (GET .../regions/{region}/events) open at once on one round, each on its own
    /// connection: the host's RSS before and after they opened (memory per stream), then ten milestone writes one after
    /// the other, each timed from just before the POST to the moment the last stream has the new document; and whether
    /// each stream got exactly one message per change.
    /// </summary>
    private async Task StreamsAsync(ServerProcess host)
    {
        var members = GcmApi.Countries.Take(22).ToArray();
        output.WriteLine();
        output.WriteLine($"== streams: {options.Streams} event streams on {StreamsCycle}/{StreamsRegion} ({members.Length} members), "
                         + $"then {StreamWrites} writes, each timed to the last stream's update");
        await Api.ConfigureRoundAsync(host.BaseAddress, StreamsCycle, StreamsRegion, members);
        var url = new Uri(host.BaseAddress, $"/api/cycles/{StreamsCycle}/regions/{StreamsRegion}/events");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = int.MaxValue })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stop = new CancellationTokenSource();
        var streams = Enumerable.Range(0, options.Streams).Select(_ => new StreamReaderState()).ToArray();
        var opened = new CountdownEvent(options.Streams);

        // The host's memory before any stream, after a first read has built the round's document.
        using (var warm = await client.GetAsync(new Uri(host.BaseAddress, $"/api/cycles/{StreamsCycle}/regions/{StreamsRegion}")))
        {
            if (warm.StatusCode != HttpStatusCode.OK)
            {
                throw new UnexpectedResponseException($"GET {StreamsCycle}/{StreamsRegion}: {(int)warm.StatusCode}");
            }
        }

        var rssBefore = host.RssMiB;
        var clock = Stopwatch.StartNew();
        var readers = streams.Select(state => Task.Run(() => FollowAsync(client, url, state, opened, stop.Token))).ToArray();
        if (!await Task.Run(() => opened.Wait(TimeSpan.FromSeconds(120))))
        {
            throw new UnexpectedResponseException($"only {options.Streams - opened.CurrentCount} of {options.Streams} streams opened in 120 s");
        }

        var openedIn = clock.Elapsed;
        var rssAfter = host.RssMiB;
        var perStreamKiB = (rssAfter - rssBefore) * 1024 / options.Streams;
        output.WriteLine(Invariant($"  {options.Streams} streams open (first event received by each) in {openedIn.TotalSeconds:F1} s; host RSS "
                                   + $"{rssBefore:F0} -> {rssAfter:F0} MiB = {perStreamKiB:F0} KiB per stream"));

        var last = new List<double>();
        var median = new List<double>();
        for (var write = 0; write < StreamWrites; write++)
        {
            var round = write + 2;   // the first event each stream got was message 1
            var started = Stopwatch.GetTimestamp();
            var body = GcmApi.Status(write % 2 == 0 ? "in-progress" : "completed");
            await Api.PostMilestoneAsync(host.BaseAddress, StreamsCycle, members[write % members.Length], body);
            var deadline = Stopwatch.StartNew();
            while (streams.Any(s => Volatile.Read(ref s.Messages) < round))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new UnexpectedResponseException(
                        $"write {write + 1}: {streams.Count(s => Volatile.Read(ref s.Messages) < round)} streams had no update after 30 s");
                }

                await Task.Delay(1);
            }

            var delays = streams.Select(s => Stopwatch.GetElapsedTime(started, s.Arrivals[round - 1]).TotalMilliseconds).ToArray();
            last.Add(delays.Max());
            median.Add(Latency.Percentile(delays, 50));
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        var extra = streams.Count(s => s.Messages != StreamWrites + 1);
        output.WriteLine(Invariant($"  write -> last stream's update: median {Latency.Percentile(last, 50):F1} ms, max {last.Max():F1} ms; "
                                   + $"write -> a stream's update, median of the medians {Latency.Percentile(median, 50):F1} ms"));
        output.WriteLine(Invariant($"  streams with other than one message per change: {extra} of {options.Streams}"));
        _summary.Add("streams", Invariant($"{options.Streams} SSE streams: write -> last stream's update (median of {StreamWrites})"),
            Invariant($"{Latency.Percentile(last, 50):F1} ms (max {last.Max():F1})"));
        _summary.Add("streams", Invariant($"{options.Streams} SSE streams: host memory per stream"), Invariant($"{perStreamKiB:F0} KiB"));
        _summary.Add("streams", "one message per change on every stream", extra == 0 ? "yes" : Invariant($"no ({extra} streams)"), "yes", extra == 0);
    }

    /// <summary>Reads one stream to its end, counting its events and noting when each arrived.</summary>
    private static async Task FollowAsync(HttpClient client, Uri url, StreamReaderState state, CountdownEvent opened, CancellationToken stop)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    var n = state.Messages;
                    if (n < state.Arrivals.Length)
                    {
                        state.Arrivals[n] = Stopwatch.GetTimestamp();
                    }

                    Volatile.Write(ref state.Messages, n + 1);
                    if (n == 0)
                    {
                        opened.Signal();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private sealed class StreamReaderState
    {
        public readonly long[] Arrivals = new long[StreamWrites + 1];
        public int Messages;
    }
}
