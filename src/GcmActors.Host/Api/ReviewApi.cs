using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>One State's review: read it, its history, and (as that State's ministry) advance its milestones.</summary>
public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cycles/{cycle:cycle}/reviews/{country:iso3}").WithTags("Reviews");

        group.MapRead("", GetAsync)
            .WithName("GetReview").WithSummary("Read one State's review")
            .WithDescription("Milestones, evidence, participation and regions of one State's review. The ETag is the version.")
            .Contract(new() { ConditionalRead = true }).RequireAuthorization(Access.Read);

        group.MapRead("/history", GetHistoryAsync)
            .WithName("GetReviewHistory").WithSummary("Read a review's audit trail")
            .WithDescription("Every accepted change of the review, oldest first, one page at a time: who made it, when, "
                + "from what to what. ?limit= (default 100, at most 1000) and ?after= a sequence; Link rel=\"next\" while there is more.")
            .Contract(new() { Paginated = PageCursor.Sequence })
            .RequireAuthorization(Access.Read);

        group.MapPost("/milestones/{milestone:milestone}", RecordMilestoneAsync)
            .WithName("RecordMilestone").WithSummary("Record a milestone status")
            .WithDescription("Records a milestone's status and, optionally, evidence. The ministry of that State, or admin. "
                + "409 when a workflow rule forbids it (approval before data collection, a reopening without a reason).")
            .Problems(StatusCodes.Status409Conflict)
            .Contract(new() { ConditionalWrite = true, Example = Examples.Milestone }).RequireAuthorization(Access.WriteReview);

        group.MapPut("/participation", SetParticipationAsync)
            .WithName("SetParticipation").WithSummary("Record whether the State takes part")
            .WithDescription("Records whether the State takes part in this cycle's review. The ministry of that State, or admin.")
            .Contract(new() { ConditionalWrite = true, Example = Examples.Participation }).RequireAuthorization(Access.WriteReview);

        return app;
    }

    public static async Task<Results<Ok<ReviewView>, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(
        string cycle, string country, HttpContext context, IGrainFactory grains)
    {
        var review = await Review(grains, cycle, country).GetAsync();
        if (review is null)
        {
            return NoReview(cycle, country);
        }

        var etag = ETag(review);
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        return Http.IfNoneMatch(context.Request, etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(review);
    }

    /// <summary>Entries per history page unless <c>?limit=</c> says otherwise, and the most it may say.</summary>
    public const int DefaultHistoryPage = 100;
    public const int MaxHistoryPage = 1000;

    public static async Task<Results<Ok<ImmutableArray<HistoryEntry>>, ProblemHttpResult>> GetHistoryAsync(
        string cycle, string country, HttpContext context, IGrainFactory grains, string? limit = null, string? after = null)
    {
        if (!Http.TryPageQuery(limit, after, DefaultHistoryPage, MaxHistoryPage, out var take, out var from))
        {
            return Problems.BadRequest($"limit must be a whole number from 1 to {MaxHistoryPage} and after a sequence number (0 or more)");
        }

        if (await Review(grains, cycle, country).GetHistoryAsync(from, take) is not { } page)
        {
            return NoReview(cycle, country);
        }

        if (page.HasMore)
        {
            // RFC 8288: the next page starts after the last entry of this one.
            var next = $"{context.Request.PathBase}{context.Request.Path}?after={page.Entries[^1].Sequence}&limit={take}";
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Entries);
    }

    public static async Task<Results<Ok<ReviewView>, ProblemHttpResult>> RecordMilestoneAsync(
        string cycle, string country, string milestone, MilestoneRequest? body, HttpContext context, IGrainFactory grains)
    {
        // The route constraint has already matched the slug.
        GcmJson.TryParseSlug<Milestone>(milestone, out var step);
        if (body?.Status is not { } status)
        {
            return Problems.BadRequest("the body needs a status: not-started, in-progress or completed");
        }

        if (!Http.TryExpectedVersion(context.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be the review's ETag (its version)");
        }

        var update = new MilestoneUpdate(
            step, status, Access.Actor(context.User), body.Note, body.Reason, body.CoordinationBody,
            body.Stakeholders, body.Objectives, body.Challenges, expected);
        return Reply(context, await Review(grains, cycle, country).RecordMilestoneAsync(update));
    }

    public static async Task<Results<Ok<ReviewView>, ProblemHttpResult>> SetParticipationAsync(
        string cycle, string country, ParticipationRequest? body, HttpContext context, IGrainFactory grains)
    {
        if (body?.Participation is not { } participation)
        {
            return Problems.BadRequest("the body needs participation: participating or not-participating");
        }

        if (!Http.TryExpectedVersion(context.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be the review's ETag (its version)");
        }

        var update = new ParticipationUpdate(participation, Access.Actor(context.User), body.Note, expected);
        return Reply(context, await Review(grains, cycle, country).SetParticipationAsync(update));
    }

    private static Results<Ok<ReviewView>, ProblemHttpResult> Reply(HttpContext context, ReviewResult result)
    {
        if (result.Outcome is not (Outcome.Applied or Outcome.Unchanged))
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        context.Response.Headers.ETag = ETag(result.Review!);
        return TypedResults.Ok(result.Review!);
    }

    /// <summary>Route constraints guarantee a year and a known ISO3 code (any case).</summary>
    internal static IReviewGrain Review(IGrainFactory grains, string cycle, string country) =>
        grains.GetGrain<IReviewGrain>(Keys.Review(cycle, country.ToUpperInvariant()));

    internal static ProblemHttpResult NoReview(string cycle, string country) =>
        Problems.NotFound($"{country.ToUpperInvariant()} has no review in cycle {cycle} (it belongs to no regional round of that cycle)");

    private static string ETag(ReviewView review) => $"\"{review.Version}\"";
}
