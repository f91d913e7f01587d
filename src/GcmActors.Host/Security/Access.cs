using System.Security.Claims;
using GcmActors.Host.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GcmActors.Host.Security;

/// <summary>Who may call what. One policy per kind of caller; the scope is checked against the route.</summary>
public static class Access
{
    public const string Read = "read";
    public const string WriteReview = "write-review";
    public const string WriteRegion = "write-region";

    public static void AddPolicies(AuthorizationOptions options)
    {
        options.AddPolicy(Read, p => p.AddRequirements(new ReadRequirement()));
        options.AddPolicy(WriteReview, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Roles.Ministry, "country")));
        options.AddPolicy(WriteRegion, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Roles.CoOrganizer, "region")));
    }

    /// <summary>The name recorded in history entries.</summary>
    public static string Actor(ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? user.FindFirstValue(Tokens.RoleClaim) ?? "anonymous";

    public static bool IsAdmin(ClaimsPrincipal user) => user.HasClaim(Tokens.RoleClaim, Roles.Admin);

    /// <summary>The 401 answer: a problem, and the scheme to use.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Of(StatusCodes.Status401Unauthorized, "send 'Authorization: Bearer <token>'; the host's 'token' command mints one");
    }
}

/// <summary>A role whose scope must equal a route value: a ministry writes its own State only.</summary>
public sealed record ScopeRequirement(string Role, string RouteKey) : IAuthorizationRequirement;

public sealed class ScopeHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var user = context.User;
        // The route matched a key in any case (lbn names LBN); the scope must be the canonical key exactly:
        // ISO3 in upper case, a region slug in lower case (the route constraint admits only lower case).
        var target = (context.Resource as HttpContext)?.GetRouteValue(requirement.RouteKey) as string;
        var canonical = requirement.Role == Roles.Ministry ? target?.ToUpperInvariant() : target;
        if (Access.IsAdmin(user)
            || (user.HasClaim(Tokens.RoleClaim, requirement.Role) && canonical is not null
                && string.Equals(user.FindFirstValue(Tokens.ScopeClaim), canonical, StringComparison.Ordinal)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Reads are open while the host listens on loopback only, unless configured otherwise.</summary>
public sealed record ReadRequirement : IAuthorizationRequirement;

public sealed class ReadAccess
{
    // Until the listening addresses are known, be strict.
    public bool RequireToken { get; private set; } = true;

    public string Mode { get; init; } = "auto";

    public void Decide(IEnumerable<string> listeningOn)
    {
        RequireToken = Mode.ToLowerInvariant() switch
        {
            "true" or "yes" => true,
            "false" or "no" => false,
            _ => !listeningOn.All(IsLoopback),
        };
    }

    /// <summary>True for localhost, 127.0.0.0/8 and [::1]; false for wildcards (+, *, 0.0.0.0, [::]) and anything else.</summary>
    public static bool IsLoopback(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute, out var uri) && uri.IsLoopback;
}

public sealed class ReadHandler(ReadAccess reads) : AuthorizationHandler<ReadRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ReadRequirement requirement)
    {
        if (!reads.RequireToken || context.User.Identity?.IsAuthenticated == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Turns authorization failures into problem details: 401 without a valid token, 403 with the wrong one.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            await Access.Unauthorized(context).ExecuteAsync(context);
            return;
        }

        if (result.Forbidden)
        {
            await Problems.Of(StatusCodes.Status403Forbidden,
                "a ministry may change only its own State's review, a co-organizer only its own region").ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, result);
    }
}
