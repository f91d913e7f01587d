using System.Text.Encodings.Web;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Orleans.Dashboard;

namespace GcmActors.Host.Operations;

/// <summary>
/// <c>Gcm:Dashboard:Enabled</c>: the Orleans dashboard at <c>/orleans</c>, for admins. Off unless set, whatever the
/// store: its collectors run every second in every silo whether or not anyone has the page open. An OpenTelemetry
/// reader of its own reads the Orleans meter each second (the activation and directory gauges walk every
/// activation), a statistics call goes to every silo each second, and a profiler wraps every grain call. With 10,000
/// idle reviews they cost 1.2 % of a core on their own, more than the idle goal of issue 5 allows for the whole host,
/// and in cluster mode they lengthened the pauses that a <c>kill -9</c> of one silo causes to States on the other
/// silos from 0.7 s to 3 s. An operator turns it on while looking (docs/decisions/0012).
/// </summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; }
}

/// <summary>
/// The Orleans dashboard (<c>Microsoft.Orleans.Dashboard</c>): grains, silos, calls and reminders of the cluster,
/// at <c>/orleans</c>, in both roles (a client-role front end shows the silos' figures). Admins only. Its page
/// calls its own API without an Authorization header, so a browser signs in once at <c>/orleans/sign-in</c> with an
/// admin token, which is kept in an HTTP-only cookie sent to <c>/orleans</c> alone; tools may send the bearer header.
/// </summary>
public static class OrleansDashboard
{
    public const string Path = "/orleans";
    public const string SignInPath = "/orleans/sign-in";
    private const string Cookie = "gcm-admin";

    public static void AddTo(ISiloBuilder silo) => silo.AddDashboard();

    public static void AddTo(IClientBuilder client) => client.AddDashboard();

    /// <summary>Accepts the dashboard cookie as a bearer token, on dashboard paths only.</summary>
    public static IServiceCollection AddDashboardSignIn(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var inner = o.Events.OnMessageReceived;
            o.Events.OnMessageReceived = async context =>
            {
                await inner(context);
                if (context.Token is null && !context.Request.Headers.Authorization.Any()
                    && context.Request.Path.StartsWithSegments(Path)
                    && context.Request.Cookies.TryGetValue(Cookie, out var token))
                {
                    context.Token = token;
                }
            };
        });

    public static WebApplication MapOrleansDashboardForAdmins(this WebApplication app)
    {
        app.MapGet(SignInPath, () => TypedResults.Content(Form(null), "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapPost(SignInPath, (Delegate)SignInAsync).ExcludeFromDescription();
        // The dashboard's live log view is a stream; its other calls are bounded by Orleans' own response timeout.
        app.MapOrleansDashboard(routePrefix: Path).RequireAuthorization(Access.Admin).DisableRequestTimeout().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SignInAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return Api.Problems.BadRequest("sign in with the form: application/x-www-form-urlencoded, field 'token'");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString().Trim();
        if (token.Length == 0)
        {
            return TypedResults.Content(Form("Paste an admin token."), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        // The token is checked where it is used (the dashboard's own endpoints answer 401 or 403).
        context.Response.Cookies.Append(Cookie, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = Path,
            MaxAge = TimeSpan.FromHours(8),
        });
        return TypedResults.Redirect(Path + "/");
    }

    private static string Form(string? error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Orleans dashboard: sign in</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto">
        <h1>Orleans dashboard</h1>
        <p>For administrators. Paste an admin token (<code>GcmActors.Host token --role admin</code>).</p>
        {{(error is null ? "" : $"<p role=\"alert\">{HtmlEncoder.Default.Encode(error)}</p>")}}
        <form method="post" action="{{SignInPath}}">
        <label>Token <input name="token" type="password" autocomplete="off" required style="width: 100%"></label>
        <p><button type="submit">Sign in</button></p>
        </form></body></html>
        """;
}
