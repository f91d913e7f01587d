using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>One State's review: read it, its history, and (as that State's ministry) advance its milestones.</summary>
public static class ReviewApi
{
    [EndpointDescription(
        "Milestones, evidence, participation and regions of one State's review. The ETag is the version. "
        + "?asOf=YYYY-MM-DD replays the review as it stood at the end of that day.")]
    public static async Task<Results<Ok<ReviewView>, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(
        string cycle, string country, HttpContext context, IGrainFactory grains, [FromKeyedServices(GcmClock.Key)] TimeProvider time,
        string? asOf = null)
    {
        var today = time.Today();
        if (!Days.TryRead("asOf", asOf, today, out var day, out var problem))
        {
            return Problems.BadRequest(problem!);
        }

        var grain = Resources.Review(grains, cycle, country);
        var review = day is { } past && past < today ? await grain.GetAsOfAsync(past) : await grain.GetAsync();
        if (review is null)
        {
            return day is { } before
                ? Problems.NotFound($"{country.ToUpperInvariant()} had no review in cycle {cycle} on {before:yyyy-MM-dd}")
                : Resources.NoReview(cycle, country);
        }

        var etag = ETag(review);
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        return Preconditions.IfNoneMatch(context.Request, etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(review);
    }

    /// <summary>Entries per history page unless <c>?limit=</c> says otherwise, and the most it may say.</summary>
    public const int DefaultHistoryPage = 100;
    public const int MaxHistoryPage = 1000;

    [EndpointDescription(
        "Every accepted change of the review, oldest first, one page at a time: who made it, when, from what "
        + "to what. ?limit= (default 100, at most 1000) and ?after= a sequence; Link rel=\"next\" while there "
        + "is more.")]
    public static async Task<Results<Ok<ImmutableArray<HistoryEntry>>, ProblemHttpResult>> GetHistoryAsync(
        string cycle, string country, HttpContext context, IGrainFactory grains, string? limit = null, string? after = null)
    {
        if (!Paging.TryQuery(limit, after, DefaultHistoryPage, MaxHistoryPage, out var take, out var from))
        {
            return Problems.BadRequest($"limit must be a whole number from 1 to {MaxHistoryPage} and after a sequence number (0 or more)");
        }

        if (await Resources.Review(grains, cycle, country).GetHistoryAsync(from, take) is not { } page)
        {
            return Resources.NoReview(cycle, country);
        }

        if (page.HasMore)
        {
            // RFC 8288: the next page starts after the last entry of this one.
            var next = $"{context.Request.PathBase}{context.Request.Path}?after={page.Entries[^1].Sequence}&limit={take}";
            context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Entries);
    }

    [EndpointDescription(
        "Records a milestone's status and, optionally, evidence. The ministry of that State, or admin. 409 "
        + "when a workflow rule forbids it (approval before data collection, a reopening without a reason).")]
    public static async Task<Results<Ok<ReviewView>, ProblemHttpResult>> RecordMilestoneAsync(
        string cycle, string country, string milestone, MilestoneRequest? body, HttpContext context, IGrainFactory grains)
    {
        // The route constraint has already matched the slug.
        GcmJson.TryParseSlug<Milestone>(milestone, out var step);
        if (body?.Status is not { } status)
        {
            return Problems.BadRequest("the body needs a status: not-started, in-progress or completed");
        }

        if (!Preconditions.TryExpectedVersion(context.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be the review's ETag (its version)");
        }

        var update = new MilestoneUpdate(
            step, status, Access.Actor(context.User), body.Note, body.Reason, body.CoordinationBody,
            body.Stakeholders, body.Objectives, body.Challenges, expected);
        return Reply(context, await Resources.Review(grains, cycle, country).RecordMilestoneAsync(update));
    }

    [EndpointDescription("Records whether the State takes part in this cycle's review. The ministry of that State, or admin.")]
    public static async Task<Results<Ok<ReviewView>, ProblemHttpResult>> SetParticipationAsync(
        string cycle, string country, ParticipationRequest? body, HttpContext context, IGrainFactory grains)
    {
        if (body?.Participation is not { } participation)
        {
            return Problems.BadRequest("the body needs participation: participating or not-participating");
        }

        if (!Preconditions.TryExpectedVersion(context.Request, out var expected))
        {
            return Problems.BadRequest("If-Match must be the review's ETag (its version)");
        }

        var update = new ParticipationUpdate(participation, Access.Actor(context.User), body.Note, expected);
        return Reply(context, await Resources.Review(grains, cycle, country).SetParticipationAsync(update));
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

    private static string ETag(ReviewView review) => $"\"{review.Version}\"";
}
