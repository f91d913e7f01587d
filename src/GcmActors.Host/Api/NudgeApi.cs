using System.Collections.Immutable;
using System.Globalization;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>Body of POST .../regions/{region}/nudges. No countries: every State that lags today.</summary>
public sealed record NudgeRequest(string? Message, ImmutableArray<string>? Countries = null);

/// <summary>Co-organizers nudge States that lag; each ministry reads (and acknowledges) its own inbox.</summary>
public static class NudgeApi
{
    public static IEndpointRouteBuilder MapNudgeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/cycles/{cycle:cycle}/regions/{region:region}/nudges", SendAsync)
            .WithTags("Nudges")
            .WithName("SendNudges")
            .WithSummary("Nudges the named member States, or every lagging one (co-organizer of that region, or admin). "
                + "A region nudges a State at most once a day: a repeat is a duplicate, another message is throttled.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireAuthorization(Access.WriteRegion);

        var inbox = app.MapGroup("/api/cycles/{cycle:cycle}/reviews/{country:iso3}/nudges").WithTags("Nudges");
        inbox.MapGet("", GetInboxAsync)
            .WithName("GetNudges")
            .WithSummary("A ministry's nudge inbox, newest first (the ministry of that State, or admin).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Access.WriteReview);
        inbox.MapPost("/{id}/acknowledge", AcknowledgeAsync)
            .WithName("AcknowledgeNudge")
            .WithSummary("Marks a nudge as read (the ministry of that State, or admin).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Access.WriteReview);
        return app;
    }

    public static async Task<Results<Ok<NudgeResult>, ProblemHttpResult>> SendAsync(
        string cycle, string region, NudgeRequest? body, HttpContext context, IGrainFactory grains,
        [FromKeyedServices(GcmClock.Key)] TimeProvider time)
    {
        if (body?.Message is null)
        {
            return Problems.BadRequest("the body needs a message (and optionally countries; none means every lagging State)");
        }

        var countries = (body.Countries ?? []).Select(c => (c ?? "").Trim().ToUpperInvariant()).ToImmutableArray();
        var result = await grains.GetGrain<IRegionGrain>(Keys.Region(cycle, region))
            .SendNudgesAsync(new SendNudges(countries, body.Message, Access.Actor(context.User)));
        if (result.Outcome != Outcome.Applied)
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        if (!result.Deliveries.IsEmpty && result.Deliveries.All(d => d.Outcome == NudgeOutcome.Throttled))
        {
            var retryAfter = result.Deliveries.Min(d => d.RetryAfter!.Value) - time.GetUtcNow();
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests,
                "every State named was nudged by this region too recently; see Retry-After");
        }

        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<ImmutableArray<Nudge>>, ProblemHttpResult>> GetInboxAsync(
        string cycle, string country, IGrainFactory grains) =>
        await Review(grains, cycle, country).GetNudgesAsync() is { } nudges
            ? TypedResults.Ok(nudges)
            : Problems.NotFound($"{country.ToUpperInvariant()} has no review in cycle {cycle}");

    public static async Task<Results<Ok<Nudge>, ProblemHttpResult>> AcknowledgeAsync(
        string cycle, string country, string id, HttpContext context, IGrainFactory grains) =>
        await Review(grains, cycle, country).AcknowledgeNudgeAsync(id, Access.Actor(context.User)) is { } nudge
            ? TypedResults.Ok(nudge)
            : Problems.NotFound($"no nudge '{id}' in the inbox of {country.ToUpperInvariant()}");

    private static IReviewGrain Review(IGrainFactory grains, string cycle, string country) =>
        grains.GetGrain<IReviewGrain>(Keys.Review(cycle, country.ToUpperInvariant()));
}
