using System.Collections.Immutable;
using System.Text;

namespace GcmActors.Contracts;

[GenerateSerializer, Alias("gcm.delivery-status")]
public enum DeliveryStatus
{
    /// <summary>Not accepted yet; see NextAttemptAt.</summary>
    Pending = 0,

    /// <summary>The ministry's endpoint answered 2xx.</summary>
    Delivered = 1,

    /// <summary>Every attempt failed (or the endpoint answered 410 Gone, or the webhook was removed); a resend starts over.</summary>
    Failed = 2,
}

/// <summary>How a nudge's webhook delivery is going, as the inbox shows it.</summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook-delivery")]
public sealed record WebhookDelivery(
    [property: Id(0)] DeliveryStatus Status,
    [property: Id(1)] int Attempts,
    [property: Id(2)] DateTimeOffset? NextAttemptAt,
    [property: Id(3)] DateTimeOffset? LastAttemptAt = null,
    [property: Id(4)] int? LastStatus = null,
    [property: Id(5)] string? LastError = null,
    [property: Id(6)] DateTimeOffset? DeliveredAt = null);

/// <summary>A ministry registers (or replaces) its webhook. <see cref="Secret"/> is a <c>whsec_</c> secret, already checked.</summary>
[GenerateSerializer, Immutable, Alias("gcm.register-webhook")]
public sealed record RegisterWebhook(
    [property: Id(0)] string Url,
    [property: Id(1)] string Secret,
    [property: Id(2)] string Actor,
    [property: Id(3)] bool SecretSupplied)
{
    // Records print every member; a secret must never reach a log line through ToString.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Url = ").Append(Url).Append(", Actor = ").Append(Actor).Append(", SecretSupplied = ").Append(SecretSupplied);
        return true;
    }
}

/// <summary>A ministry replaces its signing secret; the previous one keeps signing for <see cref="Grace"/>.</summary>
[GenerateSerializer, Immutable, Alias("gcm.rotate-webhook-secret")]
public sealed record RotateWebhookSecret(
    [property: Id(0)] string Secret,
    [property: Id(1)] string Actor,
    [property: Id(2)] TimeSpan Grace,
    [property: Id(3)] bool SecretSupplied)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Actor = ").Append(Actor).Append(", Grace = ").Append(Grace).Append(", SecretSupplied = ").Append(SecretSupplied);
        return true;
    }
}

/// <summary>One signing secret, as a GET shows it: when it was made and until when it signs. Never the secret itself.</summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook-secret-info")]
public sealed record WebhookSecretInfo(
    [property: Id(0)] DateTimeOffset CreatedAt,
    [property: Id(1)] DateTimeOffset? ExpiresAt);

/// <summary>A ministry's webhook as the API shows it: no secret, ever.</summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook-view")]
public sealed record WebhookView(
    [property: Id(0)] string Url,
    [property: Id(1)] DateTimeOffset RegisteredAt,
    [property: Id(2)] string RegisteredBy,
    [property: Id(3)] ImmutableArray<WebhookSecretInfo> Secrets);

/// <summary>What a webhook command did: the webhook after it, or why nothing changed.</summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook-result")]
public sealed record WebhookResult(
    [property: Id(0)] Outcome Outcome,
    [property: Id(1)] WebhookView? Webhook,
    [property: Id(2)] string? Detail = null);

/// <summary>What a resend did: the nudge with its delivery, or why not.</summary>
[GenerateSerializer, Immutable, Alias("gcm.resend-result")]
public sealed record ResendResult(
    [property: Id(0)] Outcome Outcome,
    [property: Id(1)] Nudge? Nudge,
    [property: Id(2)] string? Detail = null);

/// <summary>
/// The body of every webhook delivery (schema <c>gcm.nudge</c>, version 1), in the Standard Webhooks payload shape:
/// <c>{"type":"gcm.nudge","timestamp":...,"data":{...}}</c>. <see cref="Timestamp"/> is when the nudge was sent,
/// so the body is the same on every attempt; the attempt's time is the <c>webhook-timestamp</c> header.
/// </summary>
public sealed record NudgeEvent(string Type, DateTimeOffset Timestamp, NudgeEventData Data)
{
    public const string NudgeType = "gcm.nudge";

    public static NudgeEvent From(string cycle, string country, Nudge nudge) => new(
        NudgeType, nudge.SentAt, new NudgeEventData(nudge.Id, cycle, country, nudge.Region, nudge.From, nudge.Message, nudge.SentAt));
}

/// <summary>
/// The <c>data</c> of a <c>gcm.nudge</c> event. <see cref="Id"/> is also the <c>webhook-id</c> header: receivers
/// deduplicate on it (delivery is at least once).
/// </summary>
public sealed record NudgeEventData(
    string Id,
    string Cycle,
    string Country,
    string Region,
    string From,
    string Message,
    DateTimeOffset SentAt);
