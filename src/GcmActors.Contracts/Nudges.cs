using System.Collections.Immutable;

namespace GcmActors.Contracts;

/// <summary>A co-organizer's reminder to a State, as it sits in that State's inbox.</summary>
[GenerateSerializer, Immutable, Alias("gcm.nudge")]
public sealed record Nudge(
    [property: Id(0)] string Id,
    [property: Id(1)] string Region,
    [property: Id(2)] string From,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset SentAt,
    [property: Id(5)] DateTimeOffset? AcknowledgedAt = null,
    [property: Id(6)] string? AcknowledgedBy = null,
    [property: Id(7)] WebhookDelivery? Delivery = null);

/// <summary>
/// A webhook as releases before December 2026 stored it: the URL and the secret in plain text. Read only to move it
/// to the encrypted form when such a review activates (docs/decisions/0006-nudges-and-webhooks.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook")]
public sealed record Webhook(
    [property: Id(0)] string Url,
    [property: Id(1)] string Secret)
{
    public override string ToString() => $"Webhook {{ Url = {Url} }}";
}

/// <summary>A co-organizer's command: nudge these member States, or every lagging one when none are named.</summary>
[GenerateSerializer, Immutable, Alias("gcm.send-nudges")]
public sealed record SendNudges(
    [property: Id(0)] ImmutableArray<string> Countries,
    [property: Id(1)] string Message,
    [property: Id(2)] string Actor);

[GenerateSerializer, Alias("gcm.nudge-outcome")]
public enum NudgeOutcome
{
    /// <summary>Stored in the State's inbox.</summary>
    Delivered = 0,

    /// <summary>The same message from the same region is already in the inbox, recently: nothing new stored.</summary>
    Duplicate = 1,

    /// <summary>The State was nudged by this region too recently; see RetryAfter.</summary>
    Throttled = 2,
}

[GenerateSerializer, Immutable, Alias("gcm.nudge-delivery")]
public sealed record NudgeDelivery(
    [property: Id(0)] string Country,
    [property: Id(1)] NudgeOutcome Outcome,
    [property: Id(2)] string? NudgeId = null,
    [property: Id(3)] DateTimeOffset? RetryAfter = null);

[GenerateSerializer, Immutable, Alias("gcm.nudge-result")]
public sealed record NudgeResult(
    [property: Id(0)] Outcome Outcome,
    [property: Id(1)] ImmutableArray<NudgeDelivery> Deliveries,
    [property: Id(2)] string? Detail = null);
