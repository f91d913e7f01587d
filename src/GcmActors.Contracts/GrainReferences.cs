namespace GcmActors.Contracts;

/// <summary>
/// References to the service's string-keyed grains, made without the cost of <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c>,
/// which resolves the interface's grain type anew on every call (reflection over its attributes and a type-name format):
/// under the dashboards' polling and the ministries' writes that was most of a request's own CPU (measured with perf).
/// The first reference is made the usual way; its grain type and interface type are kept, and later references are made
/// from them and the key. The result is the reference Orleans would have made.
/// </summary>
public static class GrainReferences
{
    public static IReviewGrain Review(this IGrainFactory grains, string key) => Of<IReviewGrain>.Get(grains, key);

    public static IRegionGrain Region(this IGrainFactory grains, string key) => Of<IRegionGrain>.Get(grains, key);

    private static class Of<T> where T : IGrainWithStringKey
    {
        private static (GrainType Grain, GrainInterfaceType Interface)? s_types;

        public static T Get(IGrainFactory grains, string key)
        {
            if (s_types is not { } types)
            {
                var first = grains.GetGrain<T>(key);
                var reference = (object)first as GrainReference
                    ?? throw new InvalidOperationException($"{typeof(T).Name} did not give a grain reference");
                s_types = (reference.GrainId.Type, reference.InterfaceType);
                return first;
            }

            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }
    }
}
