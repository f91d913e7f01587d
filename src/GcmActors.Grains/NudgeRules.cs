using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Every rule of nudges, as pure functions: the message rules, the inbox (duplicate, throttled, inbox size,
/// acknowledgement, resend) and the 429 decision. The webhook's URL, address, secret and delivery rules are
/// <see cref="WebhookRules"/>'s.
/// </summary>
public static class NudgeRules
{
    /// <summary>Longest nudge message.</summary>
    public const int MaxMessageLength = MaxNudgeLength;

    public static readonly string MessageRule =
        $"a message of 1 to {MaxMessageLength} characters without control characters or bidirectional overrides";

    /// <summary>Null when <paramref name="message"/> may be sent; otherwise why not.</summary>
    public static string? ValidateMessage(string? message) =>
        string.IsNullOrWhiteSpace(message) || message.Length > MaxMessageLength || !TextRules.IsCleanText(message)
            ? $"a nudge needs {MessageRule}"
            : null;

    /// <summary>
    /// The 429 decision: when every State named was throttled, how long until the first of them can be nudged again
    /// (at least one second); null when at least one nudge was delivered or was a duplicate.
    /// </summary>
    public static TimeSpan? RetryAfter(NudgeResult result, DateTimeOffset now)
    {
        if (result.Deliveries.IsDefaultOrEmpty || !result.Deliveries.All(d => d.Outcome == NudgeOutcome.Throttled && d.RetryAfter is not null))
        {
            return null;
        }

        var wait = result.Deliveries.Min(d => d.RetryAfter!.Value) - now;
        return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
    }

    /// <summary>Longest nudge message accepted.</summary>
    public const int MaxNudgeLength = 1000;

    /// <summary>Nudges kept in an inbox; the oldest acknowledged ones go first when it is full.</summary>
    public const int MaxInbox = 200;

    public static Nudge? FindNudge(ReviewState state, string nudgeId) => state.Nudges.FirstOrDefault(n => n.Id == nudgeId);

    /// <summary>
    /// Nudge inbox rules: a region nudges a State at most once per <paramref name="minInterval"/>; the same
    /// message again within that interval is a duplicate (a co-organizer's retry), another one is throttled.
    /// Returns the next state, or null when nothing is stored.
    /// </summary>
    public static (ReviewState? Next, NudgeDelivery Delivery) ReceiveNudge(
        ReviewState state, string country, Nudge nudge, TimeSpan minInterval, DateTimeOffset? deliverFrom = null)
    {
        var last = state.Nudges.LastOrDefault(n => n.Region == nudge.Region);
        if (last is not null && nudge.SentAt - last.SentAt < minInterval)
        {
            return last.Message == nudge.Message
                ? (null, new NudgeDelivery(country, NudgeOutcome.Duplicate, last.Id))
                : (null, new NudgeDelivery(country, NudgeOutcome.Throttled, RetryAfter: last.SentAt + minInterval));
        }

        // A registered webhook gets it too: its delivery is queued in the same write, attempted (and retried) after it.
        var stored = state.Endpoint is null ? nudge with { Delivery = null } : nudge with { Delivery = WebhookRules.NewDelivery(deliverFrom ?? nudge.SentAt) };
        var inbox = state.Nudges.Add(stored);
        while (inbox.Count > MaxInbox)
        {
            var oldest = inbox.FirstOrDefault(n => n.AcknowledgedAt is not null) ?? inbox[0];
            inbox = inbox.Remove(oldest);
        }

        return (state with { Nudges = inbox }, new NudgeDelivery(country, NudgeOutcome.Delivered, nudge.Id));
    }

    /// <summary>Asks for a failed delivery again (same nudge, same webhook-id, fresh schedule).</summary>
    public static (ReviewState? Next, Nudge? Nudge, string? Refusal) ResendNudge(ReviewState state, string nudgeId, DateTimeOffset opsNow)
    {
        var nudge = state.Nudges.FirstOrDefault(n => n.Id == nudgeId);
        if (nudge is null)
        {
            return (null, null, null);
        }

        var (delivery, refusal) = WebhookRules.Resend(nudge.Delivery, state.Endpoint is not null, opsNow);
        if (delivery is null)
        {
            return (null, nudge, refusal);
        }

        var resent = nudge with { Delivery = delivery };
        return (state with { Nudges = state.Nudges.Replace(nudge, resent) }, resent, null);
    }

    /// <summary>Marks a nudge as read. Acknowledging twice keeps the first acknowledgement.</summary>
    public static (ReviewState? Next, Nudge? Nudge) AcknowledgeNudge(ReviewState state, string nudgeId, string actor, DateTimeOffset now)
    {
        var nudge = state.Nudges.FirstOrDefault(n => n.Id == nudgeId);
        if (nudge is null || nudge.AcknowledgedAt is not null)
        {
            return (null, nudge);
        }

        var acknowledged = nudge with { AcknowledgedAt = now, AcknowledgedBy = actor };
        return (state with { Nudges = state.Nudges.Replace(nudge, acknowledged) }, acknowledged);
    }
}
