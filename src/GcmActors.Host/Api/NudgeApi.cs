using System.Collections.Immutable;
using System.Globalization;
using GcmActors.Contracts;
using GcmActors.Grains;
using GcmActors.Host.Security;
using GcmActors.Host.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GcmActors.Host.Api;

/// <summary>Body of POST .../regions/{region}/nudges. No countries: every State that lags today.</summary>
public sealed record NudgeRequest(string? Message, ImmutableArray<string>? Countries = null);

/// <summary>
/// Body of PUT .../reviews/{country}/webhook: where to post nudges (https, a public address) and, optionally, the
/// <c>whsec_</c> secret that signs them; without one the service generates it and shows it once, in the answer.
/// </summary>
public sealed record WebhookRequest(string? Url, string? Secret = null);

/// <summary>Body of POST .../webhook/rotate: optionally the new secret, and how long the previous one keeps signing (default 24 h).</summary>
public sealed record RotateSecretRequest(string? Secret = null, int? GraceHours = null);

/// <summary>The webhook as registered or rotated: <see cref="Secret"/> is there only when the service generated it, this once.</summary>
public sealed record RegisteredWebhook(
    string Url, DateTimeOffset RegisteredAt, string RegisteredBy, ImmutableArray<WebhookSecretInfo> Secrets, string? Secret)
{
    public static RegisteredWebhook From(WebhookView view, string? generated) =>
        new(view.Url, view.RegisteredAt, view.RegisteredBy, view.Secrets, generated);
}


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
        "Sends a nudge whose webhook delivery failed again, with a fresh schedule and the same webhook-id. The ministry "
        + "of that State, or admin. 409 when it was delivered or no webhook is registered.")]
    public static async Task<Results<Ok<Nudge>, ProblemHttpResult>> ResendAsync(
        string cycle, string country, string id, HttpContext context, IGrainFactory grains)
    {
        var result = await Resources.Review(grains, cycle, country).ResendNudgeAsync(id, Access.Actor(context.User));
        return result.Outcome is Outcome.Applied or Outcome.Unchanged
            ? TypedResults.Ok(result.Nudge!)
            : Problems.From(result.Outcome, result.Detail);
    }

    [EndpointDescription(
        "The registered webhook: its url and when its secrets were made and expire, never a secret. The ministry of "
        + "that State, or admin.")]
    public static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> GetWebhookAsync(string cycle, string country, IGrainFactory grains) =>
        await Resources.Review(grains, cycle, country).GetWebhookAsync() is { } view
            ? TypedResults.Ok(view)
            : Problems.NotFound($"{country.ToUpperInvariant()} has no webhook registered in cycle {cycle}");

    [EndpointDescription(
        "Registers (or replaces) the https endpoint that receives this State's nudges, signed by Standard Webhooks v1 "
        + "(webhook-id, webhook-timestamp, webhook-signature). The url must lead to a public address; without a whsec_ "
        + "secret in the body one is generated and shown in this answer only. The ministry of that State, or admin.")]
    public static async Task<Results<Ok<RegisteredWebhook>, ProblemHttpResult>> SetWebhookAsync(
        string cycle, string country, WebhookRequest? body, HttpContext context, IGrainFactory grains, WebhookAddressGuard guard)
    {
        if (body?.Secret is { } supplied && WebhookRules.SecretRefusal(supplied) is { } badSecret)
        {
            return Problems.BadRequest(badSecret);
        }

        var (url, refusal) = await guard.CheckAsync(body?.Url, context.RequestAborted);
        if (url is null)
        {
            return Problems.BadRequest(refusal!);
        }

        var secret = body!.Secret ?? WebhookRules.NewSecret();
        var result = await Resources.Review(grains, cycle, country)
            .RegisterWebhookAsync(new RegisterWebhook(url, secret, Access.Actor(context.User), body.Secret is not null));
        if (result is not { Outcome: Outcome.Applied, Webhook: { } view })
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(RegisteredWebhook.From(view, body.Secret is null ? secret : null));
    }

    [EndpointDescription(
        "Replaces the signing secret; the previous one also signs for graceHours (default 24, at most 168, 0 stops it "
        + "at once). The ministry of that State, or admin.")]
    public static async Task<Results<Ok<RegisteredWebhook>, ProblemHttpResult>> RotateWebhookSecretAsync(
        string cycle, string country, RotateSecretRequest? body, HttpContext context, IGrainFactory grains, IOptions<WebhookOptions> options)
    {
        if (body?.Secret is { } supplied && WebhookRules.SecretRefusal(supplied) is { } badSecret)
        {
            return Problems.BadRequest(badSecret);
        }

        var maxHours = (int)WebhookRules.MaxRotationGrace.TotalHours;
        if (body?.GraceHours is < 0 || body?.GraceHours > maxHours)
        {
            return Problems.BadRequest($"graceHours is 0 to {maxHours}");
        }

        var grace = body?.GraceHours is { } hours ? TimeSpan.FromHours(hours) : options.Value.RotationGrace;
        var secret = body?.Secret ?? WebhookRules.NewSecret();
        var result = await Resources.Review(grains, cycle, country)
            .RotateWebhookSecretAsync(new RotateWebhookSecret(secret, Access.Actor(context.User), grace, body?.Secret is not null));
        if (result is not { Outcome: Outcome.Applied, Webhook: { } view })
        {
            return Problems.From(result.Outcome, result.Detail);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(RegisteredWebhook.From(view, body?.Secret is null ? secret : null));
    }

    [EndpointDescription("Stops webhook deliveries of nudges and forgets the secrets. The ministry of that State, or admin.")]
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhookAsync(
        string cycle, string country, HttpContext context, IGrainFactory grains)
    {
        var result = await Resources.Review(grains, cycle, country).RemoveWebhookAsync(Access.Actor(context.User));
        return result.Outcome == Outcome.Applied ? TypedResults.NoContent() : Problems.From(result.Outcome, result.Detail);
    }
}
