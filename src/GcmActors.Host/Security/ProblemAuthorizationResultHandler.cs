using GcmActors.Host.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace GcmActors.Host.Security;

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
