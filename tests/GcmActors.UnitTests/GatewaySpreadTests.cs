using GcmActors.Contracts;
using Orleans.CodeGeneration;

namespace GcmActors.UnitTests;

/// <summary>
/// The option that makes an Orleans client spread a grain's calls over every gateway must be on each request the
/// generated code builds (decision 0007): a grain-type property is not enough, since Orleans 10 never copies it onto a
/// message. Checked on the generated requests themselves, for every method of the interfaces the front end calls.
/// </summary>
public class GatewaySpreadTests
{
    public static TheoryData<Type> Interfaces => new() { typeof(IReviewGrain), typeof(IRegionGrain), typeof(ICatalogGrain) };

    [Theory]
    [MemberData(nameof(Interfaces))]
    public void EveryMethod_SendsUnorderedRequests(Type grainInterface)
    {
        var requests = GeneratedRequests(grainInterface);

        Assert.Equal(
            grainInterface.GetMethods().Select(m => m.Name).Order(StringComparer.Ordinal),
            requests.Keys.Order(StringComparer.Ordinal));
        Assert.All(requests, r => Assert.True(r.Value.Options.HasFlag(InvokeMethodOptions.Unordered), $"{grainInterface.Name}.{r.Key}"));
    }

    [Fact]
    public void TheOtherOptions_AreKept()
    {
        var requests = GeneratedRequests(typeof(IReviewGrain));

        Assert.True(requests[nameof(IReviewGrain.GetAsync)].Options.HasFlag(InvokeMethodOptions.ReadOnly));
        Assert.True(requests[nameof(IReviewGrain.GetAsync)].Options.HasFlag(InvokeMethodOptions.AlwaysInterleave));
        Assert.False(requests[nameof(IReviewGrain.RecordMilestoneAsync)].Options.HasFlag(InvokeMethodOptions.ReadOnly));
    }

    /// <summary>One new instance of each request type Orleans' code generator emitted for the interface, by method name.</summary>
    private static Dictionary<string, IRequest> GeneratedRequests(Type grainInterface) =>
        grainInterface.Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IRequest).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IRequest)Activator.CreateInstance(t)!)
            .Where(r => r.GetInterfaceType() == grainInterface)
            .ToDictionary(r => r.GetMethod().Name);
}
