using System.Collections.Concurrent;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>
/// One in-process Orleans silo on the real ADO.NET providers over a real SQLite file, configured with the
/// host's own <see cref="OrleansSetup.AddGcmGrains"/>. The domain's clock is fake; Orleans' own is not.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gcm-cluster-" + Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2020, 8, 13, 9, 0, 0, TimeSpan.Zero));

    public RegionOutage Outage { get; } = new();

    public NudgeWatch Nudges { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public string DatabaseFile => Path.Combine(_directory, "gcm.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var connectionString = SqliteStore.ConnectionString(DatabaseFile);
        await SqliteStore.ApplySchemaAsync(connectionString, Path.Combine(AppContext.BaseDirectory, "sql", "sqlite"), default);

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<TimeProvider>(GcmClock.Key, Time);
            silo.AddGcmGrains(SqliteStore.Invariant, connectionString);
            silo.Services.Configure<ReviewOptions>(o =>
            {
                o.SyncPeriod = TimeSpan.FromSeconds(2);
                o.DeliveryRetryPeriod = TimeSpan.FromSeconds(2);
                o.PushRetryMin = TimeSpan.FromMilliseconds(200);
            });
            silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.Configure<RegionOptions>(o => o.AutoNudgeCheckPeriod = TimeSpan.FromSeconds(1));
            silo.AddIncomingGrainCallFilter(Outage.FilterAsync);
            silo.AddIncomingGrainCallFilter(Nudges.FilterAsync);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Configures a round through the grain (as the seed or a co-organizer would).</summary>
    public async Task<IRegionGrain> ConfigureRegionAsync(string cycle, string region, RegionConfig config)
    {
        var grain = Grains.GetGrain<IRegionGrain>(Keys.Region(cycle, region));
        var result = await grain.ConfigureAsync(new ConfigureRegion(config, "test"));
        Assert.Equal(Outcome.Applied, result.Outcome);
        return grain;
    }

    public IReviewGrain Review(string cycle, string country) => Grains.GetGrain<IReviewGrain>(Keys.Review(cycle, country));

    public static async Task<RegionProgress> ProgressAsync(IRegionGrain region)
    {
        var document = await region.GetProgressAsync();
        Assert.NotNull(document);
        return System.Text.Json.JsonSerializer.Deserialize<RegionProgress>(document.Json, GcmJson.Options)!;
    }
}

/// <summary>
/// Fault injection: while a region is "down", every snapshot pushed to it fails as a network timeout would.
/// Tests wait on <see cref="DeliveredAsync"/>, an explicit signal, rather than sleeping.
/// </summary>
public sealed class RegionOutage
{
    private readonly ConcurrentDictionary<string, bool> _down = new();
    private readonly ConcurrentDictionary<(string Region, string Country, long Version), TaskCompletionSource> _deliveries = new();

    public void TakeDown(string regionKey) => _down[regionKey] = true;

    public void Restore(string regionKey) => _down.TryRemove(regionKey, out _);

    /// <summary>Completes when <paramref name="regionKey"/> has accepted a push of that review version.</summary>
    public Task DeliveredAsync(string regionKey, string country, long version) =>
        _deliveries.GetOrAdd((regionKey, country, version), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal async Task FilterAsync(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod.Name != nameof(IRegionGrain.ApplySnapshotAsync))
        {
            await context.Invoke();
            return;
        }

        var region = context.TargetId.Key.ToString()!;
        if (_down.ContainsKey(region))
        {
            throw new TimeoutException($"injected outage of region {region}");
        }

        await context.Invoke();
        var snapshot = (ReviewSnapshot)context.Request.GetArgument(0)!;
        _deliveries.GetOrAdd((region, snapshot.Country, snapshot.Version), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            .TrySetResult();
    }
}

/// <summary>Signals each nudge a review stores, so tests of automatic nudges wait on an event, not a clock.</summary>
public sealed class NudgeWatch
{
    private readonly ConcurrentDictionary<(string Review, int Count), TaskCompletionSource<Nudge>> _stored = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    /// <summary>Completes with the <paramref name="count"/>-th nudge stored by review <paramref name="reviewKey"/>.</summary>
    public Task<Nudge> StoredAsync(string reviewKey, int count) =>
        _stored.GetOrAdd((reviewKey, count), _ => new TaskCompletionSource<Nudge>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal async Task FilterAsync(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        if (context.InterfaceMethod.Name == nameof(IReviewGrain.ReceiveNudgeAsync)
            && context.Result is NudgeDelivery { Outcome: NudgeOutcome.Delivered })
        {
            var review = context.TargetId.Key.ToString()!;
            var count = _counts.AddOrUpdate(review, 1, (_, n) => n + 1);
            _stored.GetOrAdd((review, count), _ => new TaskCompletionSource<Nudge>(TaskCreationOptions.RunContinuationsAsynchronously))
                .TrySetResult((Nudge)context.Request.GetArgument(0)!);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
