using System.Globalization;
using System.Net;

namespace GcmActors.Benchmarks;

internal sealed partial class Benchmark
{
    private const double SqliteRawGoal = 0.8;
    private const double SqliteP99GoalMs = 50;
    private const double PostgresRawGoal = 0.5;
    private const double PeerWriteGoal = 1.0;

    /// <summary>
    /// SQLite, N writers on N distinct States (a round of their own), against the raw Microsoft.Data.Sqlite comparator
    /// writing the same rows from N threads, and the same comparator with its transactions queued on one lock (the
    /// ceiling of one SQLite file when nobody meets a busy database); and whether Orleans logged a long turn meanwhile.
    /// </summary>
    private async Task SqliteWritesAsync(ServerProcess host)
    {
        output.WriteLine();
        output.WriteLine($"== sqlite: {options.Writers} writers on distinct States, POST .../milestones/{GcmApi.Milestone} toggling in-progress/not-started");
        await Api.ConfigureRoundAsync(host.BaseAddress, WriteCycle, WriteRegion, WriterStates);
        var store = HostStore.Sqlite(Path.Combine(_work, "sqlite", "gcm.db"));
        var raw = await RawComparator.SqliteAsync(Path.Combine(_work, "raw-sqlite.db"), Path.Combine(HostDirectory, "sql", "sqlite"), options.SqliteSynchronous);
        output.WriteLine($"  host             {host}, storage {Path.Combine(_work, "sqlite", "gcm.db")} (the host's own pragmas)");
        output.WriteLine($"  raw comparator   {raw.Description}");

        using var load = new DotnetLoad(options.Writers);
        var ours = Target.Http(load, WriteWorkload("ours (SQLite)", host, WriteCycle));
        var rawTarget = RawTarget("raw SQLite", raw, store);
        var queued = RawTarget("raw SQLite, queued", raw, store, oneAtATime: true);
        var longTurns = host.LongTurnWarnings;
        var warnings = host.Warnings;
        var results = await MeasureAsync([ours, rawTarget, queued],
            round => round % 2 == 0 ? [ours, rawTarget, queued] : [queued, rawTarget, ours]);
        var newLongTurns = host.LongTurnWarnings - longTurns;
        var newWarnings = host.Warnings - warnings;
        PrintTables("sqlite writes", results);

        var ratio = MedianRate(results[ours]) / MedianRate(results[rawTarget]);
        var p99 = Latency.Percentile(results[ours], 99);
        var p50 = Latency.Percentile(results[ours], 50);
        output.WriteLine();
        output.WriteLine(Invariant($"ours / raw SQLite = {Ratio(ratio)} in writes/s (goal >= {SqliteRawGoal:F1}); ours p50 {p50:F2} ms, p99 {p99:F2} ms (goal <= {SqliteP99GoalMs:F0} ms)"));
        output.WriteLine(Invariant($"ours / raw SQLite queued on one lock (no busy retries) = {Ratio(MedianRate(results[ours]) / MedianRate(results[queued]))}; "
                                   + $"queued p50 {Latency.Percentile(results[queued], 50):F2} ms, p99 {Latency.Percentile(results[queued], 99):F2} ms"));
        output.WriteLine(Invariant($"host log during the section: {newLongTurns} Orleans long-turn warnings ('took elapsed time ... longer than'), {newWarnings} warning/error entries"));
        foreach (var sample in host.LongTurnSamples.Take(3))
        {
            output.WriteLine($"  e.g. {sample}");
        }

        _summary.Add("sqlite", Invariant($"ours writes/s, {options.Writers} writers (median)"), Invariant($"{MedianRate(results[ours]):F0}"));
        _summary.Add("sqlite", "raw SQLite writes/s (median)", Invariant($"{MedianRate(results[rawTarget]):F0}"));
        _summary.Add("sqlite", "ours / raw (writes/s)", Ratio(ratio), Invariant($">= {SqliteRawGoal:F1}"), ratio >= SqliteRawGoal);
        _summary.Add("sqlite", "ours p50 / p99 ms", Invariant($"{p50:F2} / {p99:F2}"), Invariant($"p99 <= {SqliteP99GoalMs:F0}"), p99 <= SqliteP99GoalMs);
        _summary.Add("sqlite", "raw p50 / p99 ms", Invariant($"{Latency.Percentile(results[rawTarget], 50):F2} / {Latency.Percentile(results[rawTarget], 99):F2}"));
        _summary.Add("sqlite", "ours p99 / raw p99", Ratio(p99 / Latency.Percentile(results[rawTarget], 99)));
        _summary.Add("sqlite", "ours / raw queued on one lock (writes/s)", Ratio(MedianRate(results[ours]) / MedianRate(results[queued])));
        _summary.Add("sqlite", "raw queued writes/s, p50 / p99 ms", Invariant(
            $"{MedianRate(results[queued]):F0}, {Latency.Percentile(results[queued], 50):F2} / {Latency.Percentile(results[queued], 99):F2}"));
        _summary.Add("sqlite", "ours server CPU us/write (median)", Invariant($"{Median(results[ours].Select(r => r.CpuMicrosecondsPerRequest)):F0}"));
        _summary.Add("sqlite", "Orleans long-turn warnings in the host log", Invariant($"{newLongTurns}"), "0", newLongTurns == 0);
    }

    /// <summary>
    /// PostgreSQL (fsync on), N writers: the host on the benchmark's server, the raw Npgsql comparator writing the same
    /// bytes, and the EF Core peer's one UPDATE per POST; then the region GET of the host against the peer's.
    /// </summary>
    private async Task PostgresAsync()
    {
        output.WriteLine();
        output.WriteLine($"== postgres: {options.Writers} writers on distinct States, fsync on; then the region GET against the EF Core peer's");
        var postgres = await PostgresServerAsync();
        await using var host = await StartHostAsync("GcmActors host (postgres)", "postgres",
            "--Gcm:Storage=postgres", $"--ConnectionStrings:gcm={postgres.ConnectionString("gcm")}");
        var seeded = await FetchAsync(Api.Client, new Uri(host.BaseAddress, SeedRegionPath), null, HttpStatusCode.OK);
        var peer = await PeerAsync(seeded.Body);
        await Api.ConfigureRoundAsync(host.BaseAddress, WriteCycle, WriteRegion, WriterStates);
        var store = HostStore.Postgres(postgres.ConnectionString("gcm"));
        var raw = await RawComparator.PostgresAsync(postgres.ConnectionString("raw"), Path.Combine(HostDirectory, "sql", "postgresql"));
        output.WriteLine($"  host             {host}, database 'gcm'");
        output.WriteLine($"  raw comparator   {raw.Description}");
        output.WriteLine($"  EF peer          {peer}: ExecuteUpdate (one UPDATE) per POST, bearer tokens checked like the host's");

        using var load = new DotnetLoad(options.Writers);
        var ours = Target.Http(load, WriteWorkload("ours (PostgreSQL)", host, WriteCycle)).WithDatabaseCpu(postgres.TotalCpu);
        var rawTarget = RawTarget("raw Npgsql", raw, store).WithDatabaseCpu(postgres.TotalCpu);
        var peerTarget = Target.Http(load, WriteWorkload("EF peer", peer, WriteCycle)).WithDatabaseCpu(postgres.TotalCpu);
        var longTurns = host.LongTurnWarnings;
        var results = await MeasureAsync([ours, rawTarget, peerTarget],
            round => round % 2 == 0 ? [ours, rawTarget, peerTarget] : [peerTarget, rawTarget, ours]);
        var newLongTurns = host.LongTurnWarnings - longTurns;
        PrintTables("postgres writes", results);
        PrintTable("postgres writes: PostgreSQL's own CPU us/op (every backend)", results, r => r.DatabaseCpuMicrosecondsPerRequest, "F0");

        var rawRatio = MedianRate(results[ours]) / MedianRate(results[rawTarget]);
        var peerRatio = MedianRate(results[ours]) / MedianRate(results[peerTarget]);
        output.WriteLine();
        output.WriteLine(Invariant($"ours / raw Npgsql = {Ratio(rawRatio)} (goal >= {PostgresRawGoal:F1}); ours / EF peer = {Ratio(peerRatio)} (goal >= {PeerWriteGoal:F1}); "
                                   + $"{newLongTurns} Orleans long-turn warnings"));

        // Reads: the host's region GET (prepared on change) against the peer's (computed by SQL per request).
        output.WriteLine();
        output.WriteLine($"  reads: GET {SeedRegionPath} of the host on PostgreSQL and of the EF peer, {options.Connections} connections");
        var hostUrl = new Uri(host.BaseAddress, SeedRegionPath);
        var peerUrl = new Uri(peer.BaseAddress, SeedRegionPath);
        var hostDocument = await FetchAsync(Api.Client, hostUrl, null, HttpStatusCode.OK);
        var peerDocument = await FetchAsync(Api.Client, peerUrl, null, HttpStatusCode.OK);
        using var readLoad = new DotnetLoad(options.Connections);
        var oursRead = Target.Http(readLoad, Get("ours region GET (PG)", host, hostUrl, hostDocument.Body.Length));
        var peerRead = Target.Http(readLoad, Get("EF peer region GET", peer, peerUrl, peerDocument.Body.Length));
        var reads = await MeasureAsync([oursRead, peerRead], round => round % 2 == 0 ? [oursRead, peerRead] : [peerRead, oursRead]);
        PrintTables("postgres reads", reads);
        var readRatio = MedianRate(reads[oursRead]) / MedianRate(reads[peerRead]);
        output.WriteLine();
        output.WriteLine(Invariant($"ours / EF peer region GET = {Ratio(readRatio)} (goal >= {PeerReadGoal:F0}); "
                                   + $"host {hostDocument.Body.Length} bytes, peer {peerDocument.Body.Length} bytes"));

        _summary.Add("postgres", Invariant($"ours writes/s, {options.Writers} writers (median)"), Invariant($"{MedianRate(results[ours]):F0}"));
        _summary.Add("postgres", "raw Npgsql / EF peer writes/s (median)", Invariant($"{MedianRate(results[rawTarget]):F0} / {MedianRate(results[peerTarget]):F0}"));
        _summary.Add("postgres", "ours / raw Npgsql (writes/s)", Ratio(rawRatio), Invariant($">= {PostgresRawGoal:F1}"), rawRatio >= PostgresRawGoal);
        _summary.Add("postgres", "ours / EF peer (writes/s)", Ratio(peerRatio), Invariant($">= {PeerWriteGoal:F1}"), peerRatio >= PeerWriteGoal);
        _summary.Add("postgres", "p99 ms: ours, raw, EF peer", Invariant(
            $"{Latency.Percentile(results[ours], 99):F1}, {Latency.Percentile(results[rawTarget], 99):F1}, {Latency.Percentile(results[peerTarget], 99):F1}"));
        _summary.Add("postgres", "server CPU us/write: ours, EF peer (median)", Invariant(
            $"{Median(results[ours].Select(r => r.CpuMicrosecondsPerRequest)):F0}, {Median(results[peerTarget].Select(r => r.CpuMicrosecondsPerRequest)):F0}"));
        _summary.Add("postgres", "PostgreSQL CPU us/write: ours, raw, EF peer (median)", Invariant(
            $"{Median(results[ours].Select(r => r.DatabaseCpuMicrosecondsPerRequest)):F0}, {Median(results[rawTarget].Select(r => r.DatabaseCpuMicrosecondsPerRequest)):F0}, "
            + $"{Median(results[peerTarget].Select(r => r.DatabaseCpuMicrosecondsPerRequest)):F0}"));
        _summary.Add("postgres", "ours / EF peer (region GET req/s)", Ratio(readRatio), Invariant($">= {PeerReadGoal:F0}"), readRatio >= PeerReadGoal);
        _summary.Add("postgres", "Orleans long-turn warnings in the host log", Invariant($"{newLongTurns}"), "0", newLongTurns == 0);
    }

    /// <summary>Loop i posts for State i of the writers' round and flips its milestone, so every write changes something.</summary>
    private Workload WriteWorkload(string name, ServerProcess server, string cycle)
    {
        var states = WriterStates;
        byte[][] bodies = [GcmApi.Status("in-progress"), GcmApi.Status("not-started")];
        var flips = new long[states.Length];
        return new Workload(
            name,
            server,
            new Uri(server.BaseAddress, $"/api/cycles/{cycle}/reviews/{{ISO3}}/milestones/{GcmApi.Milestone}"),
            HttpStatusCode.OK,
            -1,
            loop =>
            {
                var index = loop % states.Length;
                return Api.MilestoneRequest(server.BaseAddress, cycle, states[index], bodies[Interlocked.Increment(ref flips[index]) % 2]);
            });
    }

    /// <summary>The raw comparator as a target: before each round it copies the host's current row sizes, so the bytes match.</summary>
    private Target RawTarget(string name, RawComparator raw, HostStore store, bool oneAtATime = false) => new(name, async duration =>
    {
        var shape = await WriteShapeAsync(store);
        output.WriteLine($"            {name}: {shape.Describe()}{(raw.FileSizes.Length > 0 ? "; " + raw.FileSizes : "")}");
        return await raw.RunAsync(shape, options.Writers, duration, oneAtATime);
    });

    /// <summary>The writers' review rows as the host holds them now, and its history table (or, before there was one, the region row).</summary>
    private async Task<WriteShape> WriteShapeAsync(HostStore store)
    {
        var keys = WriterStates.Select(c => $"{WriteCycle}/{c}").ToHashSet(StringComparer.Ordinal);
        var rows = (await store.StateRowsAsync(null, WriteCycle + "/")).ToArray();
        var reviews = WriterStates
            .Select(c => rows.FirstOrDefault(r => r.GrainIdExtensionString == $"{WriteCycle}/{c}")
                         ?? throw new InvalidOperationException($"the host has no grain-state row for review {WriteCycle}/{c}"))
            .ToArray();
        var history = await store.HistoryShapeAsync(WriteCycle + "/");
        var region = history is null
            ? rows.FirstOrDefault(r => r.GrainIdExtensionString == $"{WriteCycle}/{WriteRegion}" && !keys.Contains(r.GrainIdExtensionString!))
            : null;
        return new WriteShape(reviews, history, region);
    }

    private static string Bytes(long bytes) => bytes < 0 ? "no row" : bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
}
