using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace GcmActors.UnitTests;

/// <summary>Round trips through the Orleans serializer that carries grain calls, built without a silo.</summary>
public sealed class OrleansCodecTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    public void Dispose() => _services.Dispose();

    private T RoundTrip<T>(T value) where T : class
    {
        Populated.Assert(value);
        var copy = Serializer.Deserialize<T>(Serializer.SerializeToArray(value));

        Assert.NotNull(copy);
        Assert.NotSame(value, copy);
        DeepAssert.Equal(value, copy);
        return copy;
    }

    [Fact]
    public void MilestoneUpdate_RoundTripsThroughOrleans() => RoundTrip(Samples.MilestoneUpdate);

    [Fact]
    public void ParticipationUpdate_RoundTripsThroughOrleans() => RoundTrip(Samples.ParticipationUpdate);

    [Fact]
    public void ReviewView_RoundTripsThroughOrleans() => RoundTrip(Samples.ReviewView);

    [Fact]
    public void ReviewSnapshot_RoundTripsThroughOrleans() => RoundTrip(Samples.Snapshot);

    [Fact]
    public void RegionConfig_RoundTripsThroughOrleans() => RoundTrip(Samples.RegionConfig);

    [Fact]
    public void ConfigureRegion_RoundTripsThroughOrleans() => RoundTrip(Samples.ConfigureRegion);

    [Fact]
    public void RegionDocument_RoundTripsThroughOrleans()
    {
        var copy = RoundTrip(Samples.RegionDocument);

        Assert.Equal("{\"region\":\"arab\"}"u8.ToArray(), copy.Json);
    }

    [Fact]
    public void ReviewResult_RoundTripsThroughOrleans() => RoundTrip(Samples.ReviewResult);

    [Fact]
    public void Nudge_RoundTripsThroughOrleans() => RoundTrip(Samples.Nudge);

    [Fact]
    public void SendNudges_RoundTripsThroughOrleans() => RoundTrip(Samples.SendNudges);

    [Fact]
    public void RegisterWebhook_RoundTripsThroughOrleans() => RoundTrip(Samples.RegisterWebhook);

    [Fact]
    public void RotateWebhookSecret_RoundTripsThroughOrleans() => RoundTrip(Samples.RotateWebhookSecret);

    [Fact]
    public void WebhookResult_RoundTripsThroughOrleans() => RoundTrip(Samples.WebhookResult);

    [Fact]
    public void ResendResult_RoundTripsThroughOrleans() => RoundTrip(Samples.ResendResult);

    [Fact]
    public void WebhookCommands_NeverPrintTheirSecret()
    {
        Assert.DoesNotContain("whsec_", Samples.RegisterWebhook.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", Samples.RotateWebhookSecret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("protected", Samples.Endpoint.ToString(), StringComparison.Ordinal);
        Assert.Contains("mofa.example.lb", Samples.RegisterWebhook.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NudgeResult_RoundTripsThroughOrleans() => RoundTrip(Samples.NudgeResult);

    [Fact]
    public void RegionResult_RoundTripsThroughOrleans() => RoundTrip(Samples.RegionResult);

    [Fact]
    public void ReviewState_RoundTripsThroughOrleans() => RoundTrip(Samples.ReviewState);

    [Fact]
    public void RegionState_RoundTripsThroughOrleans() => RoundTrip(Samples.RegionState);

    [Fact]
    public void CatalogState_RoundTripsThroughOrleans() => RoundTrip(Samples.CatalogState);

    [Theory]
    [InlineData(PushResult.Stored)]
    [InlineData(PushResult.AlreadyCurrent)]
    [InlineData(PushResult.NotMember)]
    public void PushResult_RoundTripsThroughOrleans(PushResult result)
    {
        Assert.Equal(result, Serializer.Deserialize<PushResult>(Serializer.SerializeToArray(result)));
    }

    [Fact]
    public void EmptyReviewState_KeepsItsDefaults()
    {
        var copy = Serializer.Deserialize<ReviewState>(Serializer.SerializeToArray(new ReviewState()));

        Assert.NotNull(copy);
        Assert.Equal(0, copy.Version);
        Assert.Empty(copy.Regions);
        Assert.Empty(copy.History);
        Assert.Equal(MilestoneRecord.NotStarted, copy[Milestone.Approved]);
    }

    [Fact]
    public void StorageUnavailableException_RoundTripsThroughOrleans()
    {
        // What a silo throws instead of the driver's exception: it must reach another silo or a client-role front end.
        var thrown = Thrown(new StorageUnavailableException("storage unavailable during IReviewGrain.RecordMilestoneAsync: connection refused"));

        var copy = Assert.IsType<StorageUnavailableException>(Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(thrown)));

        Assert.Equal(thrown.Message, copy.Message);
        Assert.StartsWith(thrown.StackTrace!, copy.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageUnavailableException_InsideAnOrleansException_RoundTripsThroughOrleans()
    {
        // The storage bridge wraps what the storage provider throws into an OrleansException: the inner one crosses too.
        var thrown = new Orleans.Runtime.OrleansException("Error from storage provider", new StorageUnavailableException("connection refused"));

        var copy = Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(thrown));

        Assert.IsType<Orleans.Runtime.OrleansException>(copy);
        Assert.Equal("connection refused", Assert.IsType<StorageUnavailableException>(copy.InnerException).Message);
    }

    private static T Thrown<T>(T exception) where T : Exception
    {
        try
        {
            throw exception;
        }
        catch (T caught)
        {
            return caught;
        }
    }
}
