using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// When a nudge, or a webhook for nudges, is refused: the message rules and the 429 decision; the webhook's
/// URL, address and secret rules are <see cref="WebhookRules"/>'s. The inbox rules (duplicate, throttled, inbox size) are in <see cref="ReviewWorkflow.ReceiveNudge"/>.
/// </summary>
public static class NudgeRules
{
    /// <summary>Longest nudge message.</summary>
    public const int MaxMessageLength = ReviewWorkflow.MaxNudgeLength;

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
}
