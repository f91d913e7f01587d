using System.Security.Claims;
using GcmActors.Host.Api;
using Microsoft.AspNetCore.Authorization;

namespace GcmActors.Host.Security;

/// <summary>Who may call what. One policy per kind of caller; the scope is checked against the route.</summary>
public static class Access
{
    public const string Read = "read";
    public const string WriteReview = "write-review";
    public const string WriteRegion = "write-region";
    public const string Admin = "admin";

    public static void AddPolicies(AuthorizationOptions options)
    {
        options.AddPolicy(Read, p => p.AddRequirements(new ReadRequirement()));
        options.AddPolicy(WriteReview, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Roles.Ministry, "country")));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireClaim(Tokens.RoleClaim, Roles.Admin));
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
