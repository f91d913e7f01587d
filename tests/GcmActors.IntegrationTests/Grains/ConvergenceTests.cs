using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>
/// A change persisted just before its silo dies, whose push was lost with it, still reaches the round, and nobody
/// touches the review again. Two silos on one SQLite file; the review's silo is killed (no deactivation code runs).
/// </summary>
public sealed class ConvergenceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RegionOutage _outage = new();
    private SqliteSilos _silos = null!;

    private InProcessTestCluster _cluster => _silos.Cluster;

    public async Task InitializeAsync() => _silos = await SqliteSilos.StartAsync(2, silo => silo.AddIncomingGrainCallFilter(_outage.FilterAsync));

    public async Task DisposeAsync() => await _silos.DisposeAsync();

    [Fact]
    public async Task ChangeWhosePushDiedWithItsSilo_ReachesTheRound_WithoutAnyoneTouchingTheReview()
    {
        var members = CountryCatalog.Default.Codes.Take(16).ToArray();
        var deadlines = Milestones.All.ToDictionary(m => m, _ => new DateOnly(2021, 1, 1)).ToImmutableSortedDictionary();
        var regionKey = Keys.Region("2021", "converge");
        var region = _cluster.Client.GetGrain<IRegionGrain>(regionKey);
        Assert.Equal(Outcome.Applied, (await region.ConfigureAsync(new ConfigureRegion(
            new RegionConfig("Round", ["ESCWA"], new Conference(null, null, ConferenceModality.Undecided), deadlines, [.. members]), "test"))).Outcome);

        // Prefer a member whose review lives on another silo than the round: the round survives and must resync.
        // (When placement put every member with the round, the round dies too and rebuilds itself from the reviews.)
        var statistics = await _cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        SiloAddress SiloOf(string key) => statistics.Single(s => s.GrainId.Key.ToString() == key).SiloAddress;
        var regionSilo = SiloOf(regionKey);
        var victim = members.FirstOrDefault(c => !SiloOf(Keys.Review("2021", c)).Equals(regionSilo)) ?? members[0];
        var doomed = _cluster.Silos.Single(s => s.SiloAddress.Equals(SiloOf(Keys.Review("2021", victim))));
        output.WriteLine(doomed.SiloAddress.Equals(regionSilo)
            ? "the round lived with the review: it rebuilds from its members"
            : "the round survives the review's silo: it resyncs when that silo is declared dead");

        _outage.TakeDown(regionKey);
        var result = await _cluster.Client.GetGrain<IReviewGrain>(Keys.Review("2021", victim))
            .RecordMilestoneAsync(new MilestoneUpdate(Milestone.DataCollected, MilestoneStatus.Completed, "ministry:test"));
        Assert.Equal(Outcome.Applied, result.Outcome);

        await _cluster.KillSiloAsync(doomed);
        _outage.Restore(regionKey);

        // No signal exists for "the surviving silo learned of the death and resynced": poll with a deadline.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        MilestoneStatus status;
        while ((status = await StatusAsync(region, victim)) != MilestoneStatus.Completed && DateTime.UtcNow < deadline)
        {
            await poll.WaitForNextTickAsync();
        }

        Assert.Equal(MilestoneStatus.Completed, status);
    }

    private static async Task<MilestoneStatus> StatusAsync(IRegionGrain region, string country)
    {
        try
        {
            return (await ClusterFixture.ProgressAsync(region)).Members.Single(m => m.Country == country).Milestones[Milestone.DataCollected];
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException)
        {
            // The round was on the dead silo and is coming back elsewhere.
            return MilestoneStatus.NotStarted;
        }
    }
}
