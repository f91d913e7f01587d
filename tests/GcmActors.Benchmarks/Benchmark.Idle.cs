using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GcmActors.Benchmarks;

internal sealed partial class Benchmark
{
    private const double IdleCpuGoalPercent = 1.0;
    private const int MaxMembersPerRound = 300;
    private const int FirstIdleCycle = 2101;
    private const string IdleRegion = "idle";

    // Shorter than Orleans' defaults (15 min, 1 min) so that a run sees the reviews collected within three minutes of
    // the load, and long enough that none is collected during the first two windows (which end 90 s after the load).
    private static readonly TimeSpan s_idleCollectionAge = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_idleCollectionQuantum = TimeSpan.FromSeconds(30);

    /// <summary>
    /// --idle-reviews reviews (one round per cycle, every State of the catalogue in it, as many cycles as needed), each
    /// written once, then left alone: the host's CPU and RSS while idle right after the load, and again once Orleans has
    /// collected the idle activations (the host's collection age is shortened to <see cref="s_idleCollectionAge"/> for
    /// this, or the run would wait Orleans' default 15 minutes); then a restart, and the time from process start to the
    /// first 200 of a region GET, and CPU and RSS after it.
    /// </summary>
    private async Task IdleAsync()
    {
        var perRound = Math.Min(MaxMembersPerRound, GcmApi.Countries.Count);
        var cycles = (options.IdleReviews + perRound - 1) / perRound;
        var rounds = Enumerable.Range(0, cycles)
            .Select(i => (Cycle: (FirstIdleCycle + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Members: GcmApi.Countries.Take(Math.Min(perRound, options.IdleReviews - i * perRound)).ToArray()))
            .ToArray();
        var reviews = rounds.Sum(r => r.Members.Length);
        var collectionAge = options.Quick ? TimeSpan.FromSeconds(5) : s_idleCollectionAge;
        var collectionQuantum = options.Quick ? TimeSpan.FromSeconds(2) : s_idleCollectionQuantum;
        output.WriteLine();
        output.WriteLine($"== idle: {reviews} reviews in {cycles} rounds ({FirstIdleCycle}..{FirstIdleCycle + cycles - 1}/{IdleRegion}, up to {perRound} members each), "
                         + $"written once each, then idle {options.IdleSeconds} s right after the load and {options.IdleSeconds} s once collected; "
                         + "then a restart (cold start to the first region read)");
        output.WriteLine(Invariant($"  the idle host collects activations idle for {collectionAge.TotalSeconds:F0} s, looking every {collectionQuantum.TotalSeconds:F0} s "
                                   + "(Orleans' defaults: 15 min and 1 min)"));
        var data = PrepareDataDirectory("idle");
        var arguments = HostArguments(data,
            Invariant($"--Gcm:GrainCollection:CollectionAge={collectionAge:c}"),
            Invariant($"--Gcm:GrainCollection:CollectionQuantum={collectionQuantum:c}"));
        var host = await ServerProcess.StartAsync("GcmActors host (idle)", _hostDll, arguments, s_startTimeout, options.HostEnvironment);
        try
        {
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(rounds, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                async (round, _) => await Api.ConfigureRoundAsync(host.BaseAddress, round.Cycle, IdleRegion, round.Members));
            var configured = clock.Elapsed;
            var writes = rounds.SelectMany(r => r.Members.Select(c => (r.Cycle, Country: c))).ToArray();
            var body = GcmApi.Status("in-progress");
            await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = options.Writers },
                async (write, _) => await Api.PostMilestoneAsync(host.BaseAddress, write.Cycle, write.Country, body));
            var loaded = clock.Elapsed;
            output.WriteLine(Invariant($"  {cycles} rounds configured in {configured.TotalSeconds:F1} s; {writes.Length} milestone writes in "
                                       + $"{(loaded - configured).TotalSeconds:F1} s ({writes.Length / (loaded - configured).TotalSeconds:F0}/s, {options.Writers} at a time)"));

            // Let the last pushes and retries finish before idleness is measured.
            var settle = TimeSpan.FromSeconds(options.Quick ? 1 : 10);
            await Task.Delay(settle);
            var idle = await CpuAsync(host, TimeSpan.FromSeconds(options.IdleSeconds));
            var rss = host.RssMiB;
            output.WriteLine(Invariant($"  idle right after the load (after {settle.TotalSeconds:F0} s settling): CPU {idle:F2} % of one core over {options.IdleSeconds} s "
                                       + $"(utime+stime of pid {host.Id}), RSS {rss:F0} MiB"));

            // The same activations a minute after the load: what the runtime still does right after a load (tier-1 JIT of
            // what the load ran hot, measured by perf on this machine) is over by then, and the reviews are not collected yet.
            var later = TimeSpan.FromSeconds(options.Quick ? 2 : 60);
            var sinceLoad = clock.Elapsed - loaded;
            if (sinceLoad < later)
            {
                await Task.Delay(later - sinceLoad);
            }

            var idleLater = await CpuAsync(host, TimeSpan.FromSeconds(options.IdleSeconds));
            output.WriteLine(Invariant($"  idle from {later.TotalSeconds:F0} s after the load (reviews still activated): CPU {idleLater:F2} % of one core over "
                                       + $"{options.IdleSeconds} s, RSS {host.RssMiB:F0} MiB"));

            // The same host once Orleans has deactivated the idle reviews and rounds.
            var before = await Api.ActivationsAsync(host.BaseAddress);
            var (remaining, waited) = await CollectedAsync(host, reviews, collectionAge + 6 * collectionQuantum + TimeSpan.FromSeconds(60));
            output.WriteLine(Invariant($"  activations {before?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} -> "
                                       + $"{remaining?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {waited.TotalSeconds:F0} s later"));
            await Task.Delay(settle);
            var collected = await CpuAsync(host, TimeSpan.FromSeconds(options.IdleSeconds));
            var rssCollected = host.RssMiB;
            output.WriteLine(Invariant($"  idle once collected (after {settle.TotalSeconds:F0} s settling): CPU {collected:F2} % of one core over {options.IdleSeconds} s, "
                                       + $"RSS {rssCollected:F0} MiB"));
            if (options.Runs("idle"))
            {
                _summary.Add("idle", Invariant($"host CPU, {reviews} idle reviews, {options.IdleSeconds:F0} s right after the load"), Invariant($"{idle:F2} %"),
                    Invariant($"<= {IdleCpuGoalPercent:F0} %"), idle <= IdleCpuGoalPercent);
                _summary.Add("idle", Invariant($"host RSS, {reviews} idle reviews, right after the load"), Invariant($"{rss:F0} MiB"));
                _summary.Add("idle", Invariant($"host CPU, {reviews} idle reviews, {options.IdleSeconds:F0} s from {later.TotalSeconds:F0} s after the load"),
                    Invariant($"{idleLater:F2} %"), Invariant($"<= {IdleCpuGoalPercent:F0} %"), idleLater <= IdleCpuGoalPercent);
                _summary.Add("idle", Invariant($"host CPU, {options.IdleSeconds:F0} s once collected ({remaining?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} activations)"),
                    Invariant($"{collected:F2} %"), Invariant($"<= {IdleCpuGoalPercent:F0} %"), collected <= IdleCpuGoalPercent);
                _summary.Add("idle", "host RSS once collected", Invariant($"{rssCollected:F0} MiB"));
            }

            if (!options.Runs("coldstart"))
            {
                return;
            }

            var stop = await host.StopGracefullyAsync(TimeSpan.FromSeconds(60));
            await host.DisposeAsync();
            output.WriteLine(Invariant($"  stopped with SIGTERM in {stop.TotalSeconds:F1} s"));

            host = ServerProcess.Launch("GcmActors host (restarted)", _hostDll, arguments, options.HostEnvironment);
            var url = new Uri(host.BaseAddress, $"/api/cycles/{rounds[0].Cycle}/regions/{IdleRegion}");
            var firstRead = await FirstSuccessAsync(url, host.StartedAt, TimeSpan.FromSeconds(120));
            var listening = host.ReadyAt == 0 ? double.NaN : Stopwatch.GetElapsedTime(host.StartedAt, host.ReadyAt).TotalSeconds;
            var rssAtRead = host.RssMiB;
            var after = await CpuAsync(host, TimeSpan.FromSeconds(options.IdleSeconds));
            var rssAfter = host.RssMiB;
            output.WriteLine(Invariant($"  cold start: process start -> 'Listening' {listening:F2} s, -> first 200 of GET {url.AbsolutePath} {firstRead.TotalSeconds:F2} s; "
                                       + $"RSS {rssAtRead:F0} MiB then"));
            output.WriteLine(Invariant($"  after the restart: CPU {after:F2} % of one core over the next {options.IdleSeconds} s, RSS {rssAfter:F0} MiB"));
            _summary.Add("coldstart", Invariant($"process start -> first region 200, {reviews} reviews"), Invariant($"{firstRead.TotalSeconds:F2} s"));
            _summary.Add("coldstart", Invariant($"after restart: CPU over {options.IdleSeconds:F0} s, RSS"), Invariant($"{after:F2} %, {rssAfter:F0} MiB"));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// CPU of the process over <paramref name="window"/>, as a percentage of one core (utime + stime, which .NET reads from
    /// /proc/&lt;pid&gt;/stat), and the same per slice of a sixth of the window, so a tail of late work shows as such.
    /// </summary>
    private async Task<double> CpuAsync(ServerProcess process, TimeSpan window)
    {
        var start = process.CpuTime;
        var clock = Stopwatch.StartNew();
        var slices = new List<double>();
        var slice = window / 6;
        for (var i = 0; i < 6; i++)
        {
            var cpu = process.CpuTime;
            var sliceClock = Stopwatch.StartNew();
            await Task.Delay(slice);
            slices.Add((process.CpuTime - cpu).TotalMilliseconds / sliceClock.Elapsed.TotalMilliseconds * 100);
        }

        var total = (process.CpuTime - start).TotalMilliseconds / clock.Elapsed.TotalMilliseconds * 100;
        output.WriteLine(Invariant($"    CPU % per {slice.TotalSeconds:F1} s slice: {string.Join(" ", slices.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}"));
        return total;
    }

    /// <summary>
    /// Polls the host's activation count (every 5 s, through /metrics) until at most 1 % of <paramref name="reviews"/>
    /// (and at least 50) remain, or <paramref name="timeout"/> has passed; returns the last count and the time waited.
    /// </summary>
    private async Task<(long? Activations, TimeSpan Waited)> CollectedAsync(ServerProcess host, int reviews, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var threshold = Math.Max(50, reviews / 100);
        long? activations;
        while ((activations = await Api.ActivationsAsync(host.BaseAddress)) is not { } count || count > threshold)
        {
            if (clock.Elapsed > timeout)
            {
                output.WriteLine(Invariant($"  (still {activations?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no count of"} activations after {timeout.TotalSeconds:F0} s: measuring anyway)"));
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        return (activations, clock.Elapsed);
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200; returns the time since <paramref name="startedAt"/> (process start).</summary>
    private static async Task<TimeSpan> FirstSuccessAsync(Uri url, long startedAt, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        while (started.Elapsed < timeout)
        {
            try
            {
                using var response = await client.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    await response.Content.ReadAsByteArrayAsync();
                    return Stopwatch.GetElapsedTime(startedAt);
                }
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException)
            {
                // Not listening yet.
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"no 200 from {url} within {timeout.TotalSeconds:F0} s");
    }
}
