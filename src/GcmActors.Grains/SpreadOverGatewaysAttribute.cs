using Orleans.Metadata;

namespace GcmActors.Grains;

/// <summary>
/// Marks a grain type whose calls need no ordering between them (each HTTP request is its own call), so that an
/// Orleans client spreads them over every gateway in turn instead of pinning each grain to one gateway. Then every
/// gateway has looked up, and caches, where each review and round lives: when a silo dies, the surviving gateways
/// route calls to grains on surviving silos from their caches, without waiting on a directory partition that died
/// with it (decision 0007). It sets the same grain property that Orleans sets for stateless workers.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SpreadOverGatewaysAttribute : Attribute, IGrainPropertiesProviderAttribute
{
    public void Populate(IServiceProvider services, Type grainClass, GrainType grainType, Dictionary<string, string> properties) =>
        properties[WellKnownGrainTypeProperties.Unordered] = "true";
}
