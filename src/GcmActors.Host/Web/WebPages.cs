using System.Collections.Frozen;
using System.Text.Json;

namespace GcmActors.Host.Web;

/// <summary>
/// The web app: the dashboard of a round (<c>/dashboard/{cycle}/{region}</c>), the co-organizers' console
/// (<c>/console/{cycle}/{region}</c>) and a ministry's page (<c>/ministry/{cycle}/{country}</c>). Static files shipped
/// inside this assembly, served under <c>/web/</c>; the pages read and write through the public API only, like any client.
/// </summary>
public static class WebPages
{
    // Only the app's own files, and only its own API (and the OpenID Connect authority, when one is configured, for its
    // discovery document and token endpoint): no inline script and no third-party code can run in a page.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{0}; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_assets = typeof(WebPages).Assembly
        .GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .ToFrozenDictionary(n => n[Prefix.Length..], n => (Load(n), ContentTypeOf(n)), StringComparer.Ordinal);

    private const string Prefix = "GcmActors.Host.Web.";

    public static IEndpointRouteBuilder MapWebPages(this IEndpointRouteBuilder app)
    {
        var sign = SignInOptions.From(app.ServiceProvider.GetRequiredService<IConfiguration>());
        var policy = string.Format(System.Globalization.CultureInfo.InvariantCulture, ContentSecurityPolicy,
            sign.Authority is { } authority ? " " + authority.GetLeftPart(UriPartial.Authority) : "");
        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            oidc = sign.Authority is null ? null : new { authority = sign.Authority.ToString().TrimEnd('/'), clientId = sign.ClientId },
        }, JsonSerializerOptions.Web);
        app.MapGet("/dashboard/{cycle:cycle}/{region:region}", (HttpContext context) => Serve(context, policy, "dashboard.html"))
            .ExcludeFromDescription();
        app.MapGet("/console/{cycle:cycle}/{region:region}", (HttpContext context) => Serve(context, policy, "console.html"))
            .ExcludeFromDescription();
        app.MapGet("/ministry/{cycle:cycle}/{country:iso3}", (HttpContext context) => Serve(context, policy, "ministry.html"))
            .ExcludeFromDescription();
        // Where an OpenID Connect authority sends the browser back with its authorization code.
        app.MapGet("/signin", (HttpContext context) => Serve(context, policy, "signin.html"))
            .ExcludeFromDescription();
        // What the pages need to know of the deployment: the authority and client id to sign in with, if any.
        app.MapGet("/web/config", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Bytes(config, "application/json");
        }).ExcludeFromDescription();
        app.MapGet("/web/{name}", (string name, HttpContext context) => Serve(context, policy, name))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string policy, string name)
    {
        if (!s_assets.TryGetValue(name, out var asset))
        {
            return Api.Problems.NotFound($"no web app file '{name}'");
        }

        context.Response.Headers.ContentSecurityPolicy = policy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        // A sign-in link's fragment never reaches the server; this keeps the page's address out of other sites' logs.
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static byte[] Load(string name)
    {
        using var stream = typeof(WebPages).Assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Gcm:Auth:Authority and Gcm:Auth:ClientId: with both, the pages sign in at that OpenID Connect authority with the
    /// authorization code flow and PKCE (a public client; its redirect URI is <c>{this host}/signin</c>).
    /// </summary>
    private sealed record SignInOptions(Uri? Authority, string? ClientId)
    {
        public static SignInOptions From(IConfiguration configuration) =>
            configuration["Gcm:Auth:Authority"] is { Length: > 0 } authority && configuration["Gcm:Auth:ClientId"] is { Length: > 0 } client
                ? new SignInOptions(new Uri(authority), client)
                : new SignInOptions(null, null);
    }
}
