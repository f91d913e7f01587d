using GcmActors.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>
/// The grains behind the routes, and the 404 of each. Route constraints guarantee a year, a lower-case slug and a
/// known ISO3 code (in any case); this is the one place the URL's code becomes the grain key's upper case.
/// </summary>
internal static class Resources
{
    public static IReviewGrain Review(IGrainFactory grains, string cycle, string country) =>
        grains.Review(Keys.Review(cycle, country.ToUpperInvariant()));

    public static IRegionGrain Round(IGrainFactory grains, string cycle, string region) =>
        grains.Region(Keys.Region(cycle, region));

    public static ProblemHttpResult NoReview(string cycle, string country) =>
        Problems.NotFound($"{country.ToUpperInvariant()} has no review in cycle {cycle} (it belongs to no regional round of that cycle)");

    public static ProblemHttpResult NoRound(string cycle, string region) => Problems.NotFound($"no regional round '{region}' in cycle {cycle}");
}
