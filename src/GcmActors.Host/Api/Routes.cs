using GcmActors.Host.Security;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace GcmActors.Host.Api;

/// <summary>
/// Every route of the API on one screen: one group per resource; each endpoint with its handler, name, summary,
/// policy and the problems it returns beyond those the OpenAPI contract derives (401/403 from the policy,
/// 400/413/415 from a body, 404 from a key in the path, 503 everywhere; see <see cref="OpenApiContract"/>).
/// Handlers are beside this file, one class per resource; decisions are in the rules files of GcmActors.Grains.
/// </summary>
public static class Routes
{
    public static IEndpointRouteBuilder MapGcmRoutes(this IEndpointRouteBuilder app)
    {
        var cycles = app.MapGroup("/api/cycles").WithTags("Discovery").RequireAuthorization(Access.Read);
        cycles.MapRead("", DiscoveryApi.GetCyclesAsync).Named("ListCycles", "List the review cycles");
        cycles.MapRead("/{cycle:cycle}/regions", DiscoveryApi.GetRoundsAsync).Named("ListRegions", "List a cycle's rounds");
        cycles.MapRead("/{cycle:cycle}/reviews", DiscoveryApi.GetReviewsAsync).Named("ListReviews", "List a cycle's reviews")
            .Contract(new() { Paginated = PageCursor.Country });
        app.MapRead("/api/countries", DiscoveryApi.GetCountries).Named("ListCountries", "List the countries")
            .WithTags("Discovery").RequireAuthorization(Access.Read);

        var region = app.MapGroup("/api/cycles/{cycle:cycle}/regions/{region:region}").WithTags("Regions");
        // The hottest read skips the middleware; its handler checks the read policy itself (decision 0005).
        region.MapRead("", RegionApi.GetProgressAsync).Named("GetRegionProgress", "Read a round's progress")
            .Contract(new() { ConditionalRead = true, Policy = Access.Read }).ShortCircuit();
        region.MapRead("/events", RegionEvents.StreamAsync).Named("StreamRegionProgress", "Follow a round's progress live")
            .RequireAuthorization(Access.Read).DisableRequestTimeout();
        region.MapRead("/timeline", RegionApi.GetTimelineAsync).Named("GetRegionTimeline", "Read a round's progress over time")
            .Contract(new() { ConditionalRead = true }).RequireAuthorization(Access.Read);
        region.MapPut("", RegionApi.ConfigureAsync).Named("ConfigureRegion", "Create or change a round")
            .Contract(new() { ConditionalWrite = true, Example = Examples.Region }).RequireAuthorization(Access.WriteRegion);
        region.MapPost("/nudges", NudgeApi.SendAsync).Named("SendNudges", "Nudge States").WithTags("Nudges")
            .Problems(Status429TooManyRequests).Contract(new() { Example = Examples.Nudge }).RequireAuthorization(Access.WriteRegion);

        var review = app.MapGroup("/api/cycles/{cycle:cycle}/reviews/{country:iso3}").WithTags("Reviews");
        review.MapRead("", ReviewApi.GetAsync).Named("GetReview", "Read one State's review")
            .Contract(new() { ConditionalRead = true }).RequireAuthorization(Access.Read);
        review.MapRead("/history", ReviewApi.GetHistoryAsync).Named("GetReviewHistory", "Read a review's audit trail")
            .Contract(new() { Paginated = PageCursor.Sequence }).RequireAuthorization(Access.Read);
        review.MapPost("/milestones/{milestone:milestone}", ReviewApi.RecordMilestoneAsync).Named("RecordMilestone", "Record a milestone status")
            .Problems(Status409Conflict).Contract(new() { ConditionalWrite = true, Example = Examples.Milestone }).RequireAuthorization(Access.WriteReview);
        review.MapPut("/participation", ReviewApi.SetParticipationAsync).Named("SetParticipation", "Record whether the State takes part")
            .Contract(new() { ConditionalWrite = true, Example = Examples.Participation }).RequireAuthorization(Access.WriteReview);

        var inbox = review.MapGroup("").WithTags("Nudges").RequireAuthorization(Access.WriteReview);
        inbox.MapRead("/nudges", NudgeApi.GetInboxAsync).Named("GetNudges", "Read a ministry's nudge inbox");
        inbox.MapPost("/nudges/{id}/acknowledge", NudgeApi.AcknowledgeAsync).Named("AcknowledgeNudge", "Mark a nudge as read");
        inbox.MapPost("/nudges/{id}/resend", NudgeApi.ResendAsync).Named("ResendNudge", "Send a failed nudge delivery again")
            .Problems(Status409Conflict);
        inbox.MapRead("/webhook", NudgeApi.GetWebhookAsync).Named("GetWebhook", "Read the nudge webhook (never its secret)");
        inbox.MapPut("/webhook", NudgeApi.SetWebhookAsync).Named("SetWebhook", "Register the nudge webhook")
            .Contract(new() { Example = Examples.Webhook });
        inbox.MapPost("/webhook/rotate", NudgeApi.RotateWebhookSecretAsync).Named("RotateWebhookSecret", "Rotate the webhook's signing secret")
            .Contract(new() { Example = Examples.RotateSecret });
        inbox.MapDelete("/webhook", NudgeApi.DeleteWebhookAsync).Named("DeleteWebhook", "Remove the nudge webhook");
        return app;
    }
}
