using GcmActors.Contracts;
using Xunit.Abstractions;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>
/// Faults under a write load, on three silos and a client-role front end (<see cref="ThreeSiloCluster"/>):
/// a silo killed with -9, a silo stopped with SIGTERM, PostgreSQL stopped for 10 s. Each test prints what it
/// measured. They run alone (not beside other test classes), because the figures are times.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Writers that give up quickly and write again, as a ministry's client that retries would.</summary>
    private static readonly string[] s_writers = ["DZA", "BHR", "EGY", "IRQ", "JOR", "KWT", "LBN", "MAR", "OMN"];

    /// <summary>Writers that wait as long as it takes, so that the longest request is the server's doing.</summary>
    private static readonly string[] s_patient = ["QAT", "TUN"];

    private static readonly TimeSpan s_shortTimeout = TimeSpan.FromMilliseconds(600);
    private static readonly TimeSpan s_patientTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Acknowledged writes of every State before a fault: about a second of load, so that the fault meets a round in
    /// steady state (its reviews activated and located everywhere), not one whose reviews are still being activated.
    /// </summary>
    private const int SteadyWrites = 10;

    private ThreeSiloCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ThreeSiloCluster.StartAsync();
        try
        {
            await WriteLoad.CreateTheRoundAsync(_cluster.Front, [.. s_writers, .. s_patient]);
        }
        catch
        {
            // xUnit does not dispose what a failed InitializeAsync started: the processes would outlive the run.
            await _cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task KillNine_OnlyThatSilosStatesPause_AndNothingAcknowledgedIsLost()
    {
        await using var load = WriteLoad.Start(_cluster.Front, s_writers, s_shortTimeout);
        load.Add(s_patient, s_patientTimeout);
        string[] all = [.. s_writers, .. s_patient];
        await load.WaitUntilAsync("every State written", l => WriteLoad.EveryoneAcknowledged(l, all, SteadyWrites, TimeSpan.Zero), TimeSpan.FromSeconds(60));

        // Kill a silo that hosts some writers' reviews, and the most even split of affected and unaffected States.
        var placement = await _cluster.WhereAsync(WriteLoad.Cycle, all);
        var region = _cluster.NameOf(await _cluster.WhereAsync("region", Keys.Region(WriteLoad.Cycle, WriteLoad.Region)));
        var victim = _cluster.Silos.Where(s => placement.ContainsValue(s))
            .MinBy(s => Math.Abs(s_writers.Length - 2 * s_writers.Count(c => placement[c] == s)))!;
        var affected = all.Where(c => placement[c] == victim).ToArray();
        var unaffected = all.Except(affected).ToArray();
        Assert.True(unaffected.Length > 0,
            $"placement gave no control group: {string.Join(", ", placement.Select(p => $"{p.Key}@{_cluster.NameOf(p.Value)}"))}");
        TimeSpan? gatewayLost = null;
        _ = _cluster.Front.LoggedAsync("Gateways connected: 3 -> 2").ContinueWith(_ => gatewayLost = load.Now, TaskScheduler.Default);
        var killedAt = load.Now;
        await victim.KillAsync();
        var declaredDead = await _cluster.DeclaredDeadAsync(victim, () => load.Now, TimeSpan.FromSeconds(30)) - killedAt;

        await load.WaitUntilAsync("every State written again after the kill",
            l => WriteLoad.EveryoneAcknowledged(l, all, 10, killedAt), TimeSpan.FromSeconds(60));
        var stoppedAt = load.Now;
        await load.StopAsync();

        var unaffectedGap = unaffected.Max(c => load.LongestGap(c, killedAt, stoppedAt));
        var unaffectedWait = unaffected.Max(c => load.LongestWait(c, killedAt, stoppedAt));
        var writable = affected.Max(c => load.WritableAgain(c, killedAt));
        var (checkedWrites, converged) = await load.VerifyAsync(all, TimeSpan.FromSeconds(10));
        Report("kill -9 of one of three silos",
            $"killed {_cluster.NameOf(victim)}, hosting {string.Join(' ', affected)}; elsewhere: "
            + string.Join(' ', unaffected.Select(c => $"{c}@{_cluster.NameOf(placement[c])}")) + $"; the region grain was on {region}",
            $"declared dead {WriteLoad.Seconds(declaredDead)} after the kill (its row in the membership table)",
            $"affected States writable again {WriteLoad.Seconds(writable)} after the kill (each: "
            + string.Join(", ", affected.Select(c => $"{c} {WriteLoad.Seconds(load.WritableAgain(c, killedAt))}")) + ")",
            $"unaffected States' longest gap between acknowledged writes from the kill on {WriteLoad.Seconds(unaffectedGap)} (each: "
            + string.Join(", ", unaffected.Select(c => $"{c} {WriteLoad.Seconds(load.LongestGap(c, killedAt, stoppedAt))}")) + ")"
            + $"; their longest wait for an acknowledgement {WriteLoad.Seconds(unaffectedWait)} (each: "
            + string.Join(", ", unaffected.Select(c => $"{c} {WriteLoad.Seconds(load.LongestWait(c, killedAt, stoppedAt))}")) + ")"
            + $"; issue 6 allows a 1 s gap: asserted as wait + the writers' {WriteLoad.Seconds(WriteLoad.Pace)} pace",
            $"the kill at {WriteLoad.Seconds(killedAt)}; the longest of those gaps: "
            + load.DescribeLongestGap(unaffected.MaxBy(c => load.LongestGap(c, killedAt, stoppedAt))!, killedAt, stoppedAt),
            load.Summary(),
            $"acknowledged writes checked {checkedWrites}, lost 0; region equal to the reviews {WriteLoad.Seconds(converged)} after the load stopped",
            $"the front end logged the lost gateway {(gatewayLost is { } lost ? WriteLoad.Seconds(lost - killedAt) + " after the kill" : "not yet")}"
            + $" and sent {await CallsSentAgainAsync("gateway-lost")} calls in flight again ({await CallsSentAgainAsync("rejected")} rejected calls in the whole test)");
        Assert.Equal(0, load.Count(WriteResult.ServerError));
        Assert.Equal(0, load.Count(WriteResult.OtherStatus));
        Assert.Equal(0, load.Ledger.Count(a => a.Result == WriteResult.Unavailable && !a.RetryAfter));
        Assert.True(load.LongestAnswered <= TimeSpan.FromSeconds(5), $"a request took {WriteLoad.Seconds(load.LongestAnswered)}");
        Assert.True(writable <= TimeSpan.FromSeconds(5), $"affected States writable again only after {WriteLoad.Seconds(writable)}");
        // Issue 6: no gap over 1 s. The client spreads review calls over every gateway ([SpreadOverGateways]), so the
        // surviving gateways already know where these States live; what remains is the short reactivation of those whose
        // directory entry died with the silo, at the death declaration (decision 0007). Asserted on the writers' wait plus
        // their pace, which is the gap when the writers run on time, and not a moment the test process itself stood still.
        Assert.True(unaffectedWait + WriteLoad.Pace <= TimeSpan.FromSeconds(1),
            $"an unaffected State waited {WriteLoad.Seconds(unaffectedWait)} for a write (longest gap {WriteLoad.Seconds(unaffectedGap)}; declared dead after {WriteLoad.Seconds(declaredDead)})");
    }

    [Fact]
    public async Task SigTerm_GrainsMoveAndNoRequestFails()
    {
        string[] all = [.. s_writers, .. s_patient];
        await using var load = WriteLoad.Start(_cluster.Front, all, s_patientTimeout);
        await load.WaitUntilAsync("every State written", l => WriteLoad.EveryoneAcknowledged(l, all, SteadyWrites, TimeSpan.Zero), TimeSpan.FromSeconds(60));

        var placement = await _cluster.WhereAsync(WriteLoad.Cycle, all);
        var victim = _cluster.Silos.MaxBy(s => placement.Values.Count(p => p == s))!;
        var moved = all.Where(c => placement[c] == victim).ToArray();
        var stoppingAt = load.Now;
        await victim.StopAsync();
        var stoppedAt = load.Now;

        await load.WaitUntilAsync("every State written after the silo stopped",
            l => WriteLoad.EveryoneAcknowledged(l, all, 5, stoppedAt), TimeSpan.FromSeconds(60));
        await load.StopAsync();
        var (checkedWrites, converged) = await load.VerifyAsync(all, TimeSpan.FromSeconds(10));
        var failed = load.Ledger.Count(a => a.Result != WriteResult.Acknowledged);
        Report("SIGTERM of one of three silos",
            $"States on the stopped silo: {string.Join(' ', moved)}; it took {WriteLoad.Seconds(stoppedAt - stoppingAt)} to exit",
            $"failed requests {failed}; longest gap of a moved State {WriteLoad.Seconds(moved.Select(c => load.LongestGap(c, stoppingAt, load.Now)).DefaultIfEmpty().Max())}",
            load.Summary(),
            $"acknowledged writes checked {checkedWrites}, lost 0; region equal to the reviews {WriteLoad.Seconds(converged)} after the load stopped");

        Assert.NotEmpty(moved);
        Assert.Equal(0, failed);
    }

    [Fact]
    public async Task PostgresDownTenSeconds_OnlySuccessesOr503_AndRecoversByItself()
    {
        string[] all = [.. s_writers, .. s_patient];
        await using var load = WriteLoad.Start(_cluster.Front, all, s_patientTimeout);
        await load.WaitUntilAsync("every State written", l => WriteLoad.EveryoneAcknowledged(l, all, SteadyWrites, TimeSpan.Zero), TimeSpan.FromSeconds(60));

        var downAt = load.Now;
        await _cluster.Postgres.StopServerAsync();
        // The outage lasts 10 s, and the writers must have been refused during it.
        await load.WaitUntilAsync("10 s of outage, with writes refused",
            l => load.Now - downAt >= TimeSpan.FromSeconds(10) && l.Any(a => a.Result == WriteResult.Unavailable && a.Start >= downAt),
            TimeSpan.FromSeconds(30));
        await _cluster.Postgres.StartServerAsync();
        var upAt = load.Now;

        await load.WaitUntilAsync("every State written after PostgreSQL came back",
            l => WriteLoad.EveryoneAcknowledged(l, all, 5, upAt), TimeSpan.FromSeconds(60));
        await load.StopAsync();
        var recovered = all.Max(c => load.WritableAgain(c, upAt));
        var (checkedWrites, converged) = await load.VerifyAsync(all, TimeSpan.FromSeconds(10));
        var during = load.Ledger.Where(a => a.Start >= downAt && a.Start < upAt).ToList();
        Report("PostgreSQL stopped for 10 s (pg_ctl stop -m fast, then started on the same port)",
            $"outage {WriteLoad.Seconds(upAt - downAt)}; during it: {during.Count} requests, {during.Count(a => a.Result == WriteResult.Unavailable)} × 503, "
            + $"{during.Count(a => a.Result == WriteResult.Acknowledged)} acknowledged",
            $"every State writable again {WriteLoad.Seconds(recovered)} after PostgreSQL was back, nothing restarted",
            load.Summary(),
            $"acknowledged writes checked {checkedWrites}, lost 0; region equal to the reviews {WriteLoad.Seconds(converged)} after the load stopped");

        Assert.Equal(0, load.Count(WriteResult.ServerError));
        Assert.Equal(0, load.Count(WriteResult.OtherStatus));
        Assert.Equal(0, load.Count(WriteResult.ClientTimeout));
        Assert.Equal(0, load.Count(WriteResult.TransportError));
        Assert.Equal(0, load.Ledger.Count(a => a.Result == WriteResult.Unavailable && !a.RetryAfter));
        Assert.True(load.LongestAnswered <= TimeSpan.FromSeconds(5), $"a request took {WriteLoad.Seconds(load.LongestAnswered)}");
    }

    /// <summary>The front end's count of grain calls sent again for <paramref name="reason"/> (gcm.calls.sent_again).</summary>
    private async Task<long> CallsSentAgainAsync(string reason)
    {
        using var admin = _cluster.Front.CreateClient(_cluster.Front.Token("admin"));
        return await Http.Api.CounterAsync(admin, "gcm_calls_sent_again_total", $"reason=\"{reason}\"");
    }

    /// <summary>The figures, in the test's output and on the console, so that ./test.sh shows them.</summary>
    private void Report(string fault, params string[] lines)
    {
        var text = $"[fault] {fault}" + string.Concat(lines.Select(l => Environment.NewLine + "[fault]   " + l));
        output.WriteLine(text);
        Console.WriteLine(text);
    }
}

/// <summary>The fault tests run one at a time and after the others, so that their times are their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "faults";
}
