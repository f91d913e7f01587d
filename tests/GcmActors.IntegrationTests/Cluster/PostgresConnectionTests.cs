using GcmActors.Host.Hosting;
using Npgsql;

namespace GcmActors.IntegrationTests.Cluster;

/// <summary>What the service adds to a PostgreSQL connection string, and what it leaves to the operator.</summary>
public sealed class PostgresConnectionTests
{
    [Fact]
    public void StatementsArePreparedAndPlannedOnce_UnlessTheConnectionStringSaysOtherwise()
    {
        var plain = new NpgsqlConnectionStringBuilder(Store.WithPreparedStatements("Host=db;Username=gcm;Password=secret"));
        Assert.Equal(32, plain.MaxAutoPrepare);
        Assert.Equal(2, plain.AutoPrepareMinUsages);
        Assert.Equal("-c plan_cache_mode=force_generic_plan", plain.Options);
        Assert.Equal("secret", plain.Password);

        // An operator's own choice stays, whichever spelling of the key it uses.
        var off = new NpgsqlConnectionStringBuilder(Store.WithPreparedStatements("Host=db;Max Auto Prepare=0;Options=-c search_path=gcm"));
        Assert.Equal(0, off.MaxAutoPrepare);
        Assert.Equal("-c search_path=gcm", off.Options);
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(Store.WithPreparedStatements("Host=db;MaxAutoPrepare=0")).MaxAutoPrepare);
    }
}
