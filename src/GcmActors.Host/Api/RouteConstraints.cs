using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.Host.Api;

/// <summary>
/// Route constraints: a URL naming no real cycle, region slug, State or milestone matches no endpoint,
/// so it is a 404 before any authorization runs (a ministry asking for XXX learns "no such State", not "forbidden").
/// </summary>
public static class RouteConstraints
{
    public static void Register(RouteOptions options)
    {
        options.SetParameterPolicy<CycleConstraint>("cycle");
        options.SetParameterPolicy<RegionConstraint>("region");
        options.SetParameterPolicy<CountryConstraint>("iso3");
        options.SetParameterPolicy<MilestoneConstraint>("milestone");
    }

    public const string NotFoundHint =
        "no such resource: a cycle is a year (2020), a region a lowercase slug (arab), a State an ISO 3166-1 alpha-3 code (LBN), "
        + "a milestone one of coordination-body-appointed, template-shared, data-collected, approved, submitted";

    private abstract class ValueConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && value is string text && IsValid(text);

        protected abstract bool IsValid(string value);
    }

    private sealed class CycleConstraint : ValueConstraint
    {
        protected override bool IsValid(string value) => Keys.IsCycle(value);
    }

    private sealed class RegionConstraint : ValueConstraint
    {
        protected override bool IsValid(string value) => Keys.IsRegion(value);
    }

    private sealed class CountryConstraint : ValueConstraint
    {
        protected override bool IsValid(string value) =>
            Keys.IsCountryShape(value) && CountryCatalog.Default.Contains(value.ToUpperInvariant());
    }

    private sealed class MilestoneConstraint : ValueConstraint
    {
        protected override bool IsValid(string value) => GcmJson.TryParseSlug<Milestone>(value, out _);
    }
}
