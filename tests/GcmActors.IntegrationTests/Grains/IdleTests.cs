using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>
/// Idle reviews cost nothing: once written and pushed, a review holds no timer and no reminder, and it deactivates
/// when the collection age has passed (shortened here to seconds). Its own silo on its own SQLite file.
/// </summary>
public sealed class IdleTests : IAsyncLifetime
{
    private SqliteSilos _silos = null!;

    private InProcessTestCluster _cluster => _silos.Cluster;

    private string DatabaseFile => _silos.DatabaseFile;

    public async Task InitializeAsync() => _silos = await SqliteSilos.StartAsync(1, silo =>
        silo.Services.Configure<GrainCollectionOptions>(o =>
        {
            o.CollectionQuantum = TimeSpan.FromSeconds(1);
            o.CollectionAge = TimeSpan.FromSeconds(3);
        }));

    public async Task DisposeAsync() => await _silos.DisposeAsync();

    [Fact]
    public async Task WrittenReviews_HoldNoReminder_AndDeactivateOnceTheCollectionAgeHasPassed()
    {
        var members = CountryCatalog.Default.Codes.Take(40).ToArray();
        var deadlines = Milestones.All.ToDictionary(m => m, _ => new DateOnly(2021, 1, 1)).ToImmutableSortedDictionary();
        var region = _cluster.Client.GetGrain<IRegionGrain>(Keys.Region("2021", "idle"));
        var configured = await region.ConfigureAsync(new ConfigureRegion(
            new RegionConfig("Idle round", ["ESCWA"], new Conference(null, null, ConferenceModality.Undecided), deadlines, [.. members]), "test"));
        Assert.Equal(Outcome.Applied, configured.Outcome);
        foreach (var country in members)
        {
            var result = await _cluster.Client.GetGrain<IReviewGrain>(Keys.Review("2021", country))
                .RecordMilestoneAsync(new MilestoneUpdate(Milestone.TemplateShared, MilestoneStatus.InProgress, "ministry:test", "sent"));
            Assert.Equal(Outcome.Applied, result.Outcome);
        }

        Assert.Equal(members.Length, (await ClusterFixture.ProgressAsync(region)).Counts[Milestone.TemplateShared].InProgress);
        Assert.Equal(members.Length, await ActivationsAsync(nameof(ReviewGrain)));
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM OrleansRemindersTable"));

        // Nothing is pending, so nothing keeps them: every review goes once the collection age has passed.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ActivationsAsync(nameof(ReviewGrain)) > 0 && DateTime.UtcNow < deadline)
        {
            await poll.WaitForNextTickAsync();
        }

        Assert.Equal(0, await ActivationsAsync(nameof(ReviewGrain)));
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM OrleansRemindersTable"));

        // And the round, asked again, still shows every member's progress (it rebuilt itself from the reviews).
        Assert.Equal(members.Length, (await ClusterFixture.ProgressAsync(region)).Counts[Milestone.TemplateShared].InProgress);
    }

    private async Task<int> ActivationsAsync(string grainClass)
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(grainClass, StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
