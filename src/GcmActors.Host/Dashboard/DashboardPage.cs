using System.Collections.Frozen;

namespace GcmActors.Host.Dashboard;

/// <summary>
/// The dashboard page of a regional round (<c>/dashboard/{cycle}/{region}</c>): three static files shipped
/// inside this assembly. The page reads the same API as any dashboard, polling with If-None-Match.
/// </summary>
public static class DashboardPage
{
    // Only this page's own files, and only its own API: no third-party script can run in it.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_assets = new Dictionary<string, (byte[], string)>
    {
        ["dashboard.html"] = (Load("dashboard.html"), "text/html; charset=utf-8"),
        ["dashboard.js"] = (Load("dashboard.js"), "text/javascript; charset=utf-8"),
        ["dashboard.css"] = (Load("dashboard.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard/{cycle:cycle}/{region:region}", (HttpContext context) => Serve(context, "dashboard.html"))
            .ExcludeFromDescription();
        app.MapGet("/dashboard/assets/{name}", (string name, HttpContext context) => Serve(context, name))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (!s_assets.TryGetValue(name, out var asset))
        {
            return Api.Problems.NotFound($"no dashboard file '{name}'");
        }

        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("GcmActors.Host.Dashboard." + name)
            ?? throw new InvalidOperationException($"{name} is missing from the GcmActors.Host assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
