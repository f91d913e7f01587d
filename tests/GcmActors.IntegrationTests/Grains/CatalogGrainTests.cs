using System.Collections.Immutable;
using GcmActors.Contracts;
using Microsoft.Data.Sqlite;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>The catalog of rounds, in a real silo on the real SQLite provider. The catalog is one grain: tests look for their own cycles in it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CatalogGrainTests(ClusterFixture fixture)
{
    private static int s_cycle = 3500;

    private static string NewCycle() => Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static RegionConfig Round(params string[] members) => new(
        "Test round", ["ESCWA"], new Conference(null, null, ConferenceModality.Undecided),
        ImmutableSortedDictionary<Milestone, DateOnly>.Empty, [.. members]);

    private ICatalogGrain Catalog => fixture.Grains.GetGrain<ICatalogGrain>(Keys.Catalog);

    [Fact]
    public async Task ConfiguringARound_ListsItOnce_InOrder_AndSurvivesDeactivationInSqlite()
    {
        var cycle = NewCycle();
        await fixture.ConfigureRegionAsync(cycle, "europe", Round("FRA"));
        var arab = await fixture.ConfigureRegionAsync(cycle, "arab", Round("LBN"));
        await arab.ConfigureAsync(new ConfigureRegion(Round("LBN", "JOR"), "test"));
        await Catalog.RegisterRoundAsync(Keys.Region(cycle, "arab"));

        await fixture.Cluster.DeactivateAsync((Orleans.Runtime.IAddressable)Catalog);

        var rounds = await Catalog.GetRoundsAsync();
        Assert.Equal([$"{cycle}/arab", $"{cycle}/europe"], rounds.Where(k => k.StartsWith(cycle + "/", StringComparison.Ordinal)));
        Assert.Equal(rounds.Order(StringComparer.Ordinal), rounds);

        await using var connection = new SqliteConnection(Host.Hosting.SqliteStore.ConnectionString(fixture.DatabaseFile));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = $key";
        command.Parameters.AddWithValue("$key", Keys.Catalog);
        var json = System.Text.Encoding.UTF8.GetString((byte[])(await command.ExecuteScalarAsync())!);
        Assert.Contains($"\"{cycle}/europe\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("GcmActors", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedConfiguration_ListsNoRound()
    {
        var cycle = NewCycle();
        var region = fixture.Grains.GetGrain<IRegionGrain>(Keys.Region(cycle, "arab"));

        var result = await region.ConfigureAsync(new ConfigureRegion(Round("XYZ"), "test"));

        Assert.Equal(Outcome.Invalid, result.Outcome);
        Assert.DoesNotContain(await Catalog.GetRoundsAsync(), k => k.StartsWith(cycle + "/", StringComparison.Ordinal));
    }
}
