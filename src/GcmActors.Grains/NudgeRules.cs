using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// When a nudge, or a webhook for nudges, is refused: the message rules, the 429 decision and the webhook's
/// URL and secret rules. The inbox rules (duplicate, throttled, inbox size) are in <see cref="ReviewWorkflow.ReceiveNudge"/>.
/// </summary>
public static class NudgeRules
{
    /// <summary>Longest nudge message.</summary>
    public const int MaxMessageLength = ReviewWorkflow.MaxNudgeLength;

    /// <summary>Webhook secrets: long enough to resist guessing, short enough to store.</summary>
    public const int MinSecretLength = 16;

    public const int MaxSecretLength = 256;

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

    /// <summary>
    /// Checks a webhook registration: an absolute https URL (http too when <paramref name="allowHttp"/>, for local
    /// testing) without credentials in it, and a secret of <see cref="MinSecretLength"/> to <see cref="MaxSecretLength"/>
    /// characters. Returns the webhook to store, or why it is refused.
    /// </summary>
    public static (Webhook? Webhook, string? Refusal) ValidateWebhook(string? url, string? secret, bool allowHttp)
    {
        if (url is null || secret is null
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp)))
        {
            return (null, allowHttp ? "the body needs an absolute http(s) url and a secret" : "the body needs an absolute https url and a secret");
        }

        if (uri.UserInfo.Length > 0)
        {
            return (null, "the url may not carry credentials; the secret signs every delivery");
        }

        if (secret.Length is < MinSecretLength or > MaxSecretLength)
        {
            return (null, $"the secret has {MinSecretLength} to {MaxSecretLength} characters");
        }

        return (new Webhook(uri.ToString(), secret), null);
    }
}
