using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace GcmActors.Host.Security;

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
