using System.Collections.Immutable;
using System.Globalization;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>Body of POST .../regions/{region}/nudges. No countries: every State that lags today.</summary>
public sealed record NudgeRequest(string? Message, ImmutableArray<string>? Countries = null);

/// <summary>Body of PUT .../reviews/{country}/webhook: where to post nudges, and the secret that signs them.</summary>
public sealed record WebhookRequest(string? Url, string? Secret);

/// <summary>Co-organizers nudge States that lag; each ministry reads (and acknowledges) its own inbox.</summary>
public static class NudgeApi
{
    [EndpointDescription(
        "Nudges the named member States, or every lagging one when none are named. The co-organizer of that "
        + "region, or admin. A region nudges a State at most once a day: a repeat is a duplicate, another "
        + "message is throttled, and 429 with Retry-After when every State named is throttled.")]
    public static async Task<Results<Ok<NudgeResult>, ProblemHttpResult>> SendAsync(
        string cycle, string region, NudgeRequest? body, HttpContext context, IGrainFactory grains,
        [FromKeyedServices(GcmClock.Key)] TimeProvider time)
    {
        if (NudgeRules.ValidateMessage(body?.Message) is { } refusal)
        {
            return Problems.BadRequest(refusal + " (and optionally countries; none means every lagging State)");
        }

        var countries = (body!.Countries ?? []).Select(c => (c ?? "").Trim().ToUpperInvariant()).ToImmutableArray();
        var result = await Resources.Round(grains, cycle, region)
            .SendNudgesAsync(new SendNudges(countries, body.Message!, Access.Actor(context.User)));
        if (result.Outcome != Outcome.Applied)
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        if (NudgeRules.RetryAfter(result, time.GetUtcNow()) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((long)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Problems.Of(StatusCodes.Status429TooManyRequests,
                "every State named was nudged by this region too recently; see Retry-After");
        }

        return TypedResults.Ok(result);
    }

    [EndpointDescription("The State's nudges, newest first. The ministry of that State, or admin.")]
    public static async Task<Results<Ok<ImmutableArray<Nudge>>, ProblemHttpResult>> GetInboxAsync(
        string cycle, string country, IGrainFactory grains) =>
        await Resources.Review(grains, cycle, country).GetNudgesAsync() is { } nudges
            ? TypedResults.Ok(nudges)
            : Resources.NoReview(cycle, country);

    [EndpointDescription("Marks a nudge of the inbox as read. The ministry of that State, or admin.")]
    public static async Task<Results<Ok<Nudge>, ProblemHttpResult>> AcknowledgeAsync(
        string cycle, string country, string id, HttpContext context, IGrainFactory grains) =>
        await Resources.Review(grains, cycle, country).AcknowledgeNudgeAsync(id, Access.Actor(context.User)) is { } nudge
            ? TypedResults.Ok(nudge)
            : Problems.NotFound($"no nudge '{id}' in the inbox of {country.ToUpperInvariant()}");

    [EndpointDescription(
        "Registers the HTTPS endpoint that receives this State's nudges, signed with the given secret (Gcm-"
        + "Signature: t=..,v1=hex HMAC-SHA256 of \"{t}.{body}\"). The ministry of that State, or admin.")]
    public static async Task<Results<NoContent, ProblemHttpResult>> SetWebhookAsync(
        string cycle, string country, WebhookRequest? body, IGrainFactory grains, IConfiguration configuration)
    {
        var (webhook, refusal) = NudgeRules.ValidateWebhook(body?.Url, body?.Secret, configuration.GetValue<bool>("Gcm:Webhooks:AllowInsecure"));
        if (webhook is null)
        {
            return Problems.BadRequest(refusal!);
        }

        return await Resources.Review(grains, cycle, country).SetWebhookAsync(webhook)
            ? TypedResults.NoContent()
            : Resources.NoReview(cycle, country);
    }

    [EndpointDescription("Stops webhook deliveries of nudges. The ministry of that State, or admin.")]
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhookAsync(string cycle, string country, IGrainFactory grains) =>
        await Resources.Review(grains, cycle, country).SetWebhookAsync(null)
            ? TypedResults.NoContent()
            : Resources.NoReview(cycle, country);
}
