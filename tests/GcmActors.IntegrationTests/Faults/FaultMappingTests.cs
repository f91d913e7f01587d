using GcmActors.Contracts;
using GcmActors.Host.Api;
using GcmActors.Host.Faults;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;
using Orleans.Storage;

namespace GcmActors.IntegrationTests.Faults;

/// <summary>Which failures are answered 503 (and retried by clients) and which are bugs (500). Pure: no process.</summary>
public sealed class FaultMappingTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    public static TheoryData<string, Exception> Unavailable => new()
    {
        { "our own, from a silo", new StorageUnavailableException("connection refused") },
        { "the storage bridge's wrapper", new OrleansException("Error from storage provider", new StorageUnavailableException("refused")) },
        { "Npgsql, in the silo that holds the grain", new NpgsqlException("Failed to connect to 127.0.0.1:5432") },
        { "SQLite", new SqliteException("database is locked", 5) },
        { "a driver error the bridge wrapped", new OrleansException("Error from storage provider", new NpgsqlException("refused")) },
        { "a grain call out of time", new TimeoutException("Response did not arrive on time") },
        { "the target silo died", new SiloUnavailableException("The target silo became unavailable") },
        { "no gateway reachable (client role)", new ConnectionFailedException("There are no available gateways.") },
        { "a gateway shedding load", new GatewayTooBusyException() },
        { "a concurrency conflict that survived the re-read", new InconsistentStateException("etag mismatch") },
        { "one of several", new AggregateException(new InvalidOperationException("bug?"), new TimeoutException()) },
    };

    public static TheoryData<string, Exception> Bugs => new()
    {
        { "a plain bug", new InvalidOperationException("bug") },
        { "a null dereference", new NullReferenceException() },
        { "an Orleans error with no infrastructure cause", new OrleansException("Unexpected error.", new ArgumentException("bad")) },
        { "a codec missing (a type we forgot to mark)", new CodecNotFoundException("Could not find a codec for type Npgsql.NpgsqlException.") },
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void StatusFor_InfrastructureFault_Is503(string because, Exception exception)
    {
        Assert.True(ApiSetup.StatusFor(exception) == StatusCodes.Status503ServiceUnavailable, because);
    }

    [Theory]
    [MemberData(nameof(Bugs))]
    public void StatusFor_Bug_Is500(string because, Exception exception)
    {
        Assert.True(ApiSetup.StatusFor(exception) == StatusCodes.Status500InternalServerError, because);
    }

    [Fact]
    public void StatusFor_BadRequest_KeepsItsStatus()
    {
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, ApiSetup.StatusFor(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge)));
    }

    [Fact]
    public void Translate_DriverException_BecomesOneEveryProcessCanDecode()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var driver = new OrleansException("Error from storage provider", new NpgsqlException("Failed to connect to 127.0.0.1:5432"));

        // Why the translation exists: the driver's exception cannot leave the silo.
        Assert.ThrowsAny<CodecNotFoundException>(() => serializer.SerializeToArray<Exception>(driver));

        var translated = Fault.Translate(driver, "IReviewGrain.RecordMilestoneAsync");
        var copy = Assert.IsType<StorageUnavailableException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(translated)));
        Assert.Equal(
            "storage unavailable during IReviewGrain.RecordMilestoneAsync: Failed to connect to 127.0.0.1:5432", copy.Message);
        Assert.Null(copy.InnerException);
    }
}
