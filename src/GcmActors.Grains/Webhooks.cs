using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// A ministry's webhook as the review stores it (state member "endpoint"): the URL and its signing secrets, each
/// encrypted by <see cref="IWebhookSecrets"/>. Several secrets only during a rotation's grace period, newest first.
/// </summary>
[GenerateSerializer, Immutable, Alias("gcm.webhook-endpoint")]
public sealed record WebhookEndpoint(
    [property: Id(0)] string Url,
    [property: Id(1)] ImmutableList<SigningSecret> Secrets,
    [property: Id(2)] DateTimeOffset RegisteredAt,
    [property: Id(3)] string RegisteredBy)
{
    /// <summary>The secrets that sign at <paramref name="now"/>: the current one, and a previous one still in its grace period.</summary>
    public IEnumerable<SigningSecret> SigningAt(DateTimeOffset now) => Secrets.Where(s => s.ExpiresAt is null || s.ExpiresAt > now);

    public WebhookView ToView(DateTimeOffset now) =>
        new(Url, RegisteredAt, RegisteredBy, [.. SigningAt(now).Select(s => new WebhookSecretInfo(s.CreatedAt, s.ExpiresAt))]);
}

/// <summary>One signing secret, encrypted (<see cref="Protected"/>); it signs until <see cref="ExpiresAt"/>, if set.</summary>
[GenerateSerializer, Immutable, Alias("gcm.signing-secret")]
public sealed record SigningSecret(
    [property: Id(0)] string Protected,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] DateTimeOffset? ExpiresAt = null)
{
    public override string ToString() => $"SigningSecret {{ CreatedAt = {CreatedAt:O}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>One nudge on its way to a ministry's webhook. <see cref="Id"/> is the webhook-id, the same on every attempt.</summary>
public sealed record WebhookMessage(string Id, string Cycle, string Country, Nudge Nudge);

/// <summary>Makes one attempt to deliver a message to a webhook. The host implements it over HTTP (Standard Webhooks v1).</summary>
public interface IWebhookSender
{
    /// <summary>Never throws for what the endpoint or the network did: that is the result's status or error.</summary>
    Task<AttemptResult> SendAsync(WebhookEndpoint endpoint, WebhookMessage message, CancellationToken cancellationToken);
}

/// <summary>Encrypts webhook secrets at rest. The host implements it with ASP.NET Core Data Protection.</summary>
public interface IWebhookSecrets
{
    string Protect(string secret);

    string Unprotect(string protectedSecret);

    /// <summary>
    /// Called after a write that dropped secrets from a review's state: makes the storage forget the bytes it freed
    /// (on SQLite, a checkpoint that moves the zeroed pages into the database file and empties the write-ahead log).
    /// </summary>
    Task ScrubAsync();
}
