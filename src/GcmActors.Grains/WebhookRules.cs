using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>The "Gcm:Webhooks" settings: the delivery schedule, the per-attempt timeout and what operators allow.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Gcm:Webhooks";

    /// <summary>Attempts of one delivery before it is <c>failed</c> (the first one included).</summary>
    public int MaxAttempts { get; set; } = 9;

    /// <summary>Wait after the first failed attempt; each further failure multiplies it by <see cref="BackoffFactor"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public double BackoffFactor { get; set; } = 5;

    /// <summary>Longest wait between two attempts. With the defaults: 5 s, 25 s, 2 min, 10 min, 52 min, 4.3 h, 8 h, 8 h (about 21 h).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Each wait is drawn uniformly within ± this share of itself, so that retries of many reviews do not bunch up.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>One attempt (connect, send, response headers) gives up after this long.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the previous secret keeps signing after a rotation, unless the rotation says otherwise.</summary>
    public TimeSpan RotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Host names (or IP literals) exempt from the internal-address rule, e.g. a receiver on the operator's own network.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Address ranges (CIDR) exempt from the internal-address rule, e.g. <c>127.0.0.1/32</c> for a receiver on this machine.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Plain http for URLs whose host is allowed by <see cref="AllowedHosts"/> or <see cref="AllowedNetworks"/> (local testing). Never for others.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// A file of "address name..." lines, as /etc/hosts, consulted before DNS at registration and at connect time, read
    /// afresh each time. For pinned receivers and for tests that prove refusals without sending traffic anywhere.
    /// </summary>
    public string? HostsFile { get; set; }

    /// <summary>Releases before December 2026 knew only this switch (any http URL). It no longer does anything.</summary>
    public bool AllowInsecure { get; set; }
}

/// <summary>What the ministry's endpoint made of one attempt: a status, or an error before any status.</summary>
public sealed record AttemptResult(int? Status, string? Error = null, TimeSpan? RetryAfter = null)
{
    public bool Accepted => Status is >= 200 and <= 299;
}

/// <summary>
/// Every decision about webhooks that is not I/O: which URLs and addresses may receive deliveries (no way into internal
/// networks), what a secret is, and when a delivery is tried again or given up (Standard Webhooks v1).
/// </summary>
public static class WebhookRules
{
    public const int MaxUrlLength = 2048;

    public const string SecretPrefix = "whsec_";

    /// <summary>Standard Webhooks: a symmetric secret has at least 24 bytes, at most 64 (512 bits).</summary>
    public const int MinSecretBytes = 24;

    public const int MaxSecretBytes = 64;

    public const int GeneratedSecretBytes = 32;

    public static readonly TimeSpan MaxRotationGrace = TimeSpan.FromDays(7);

    /// <summary>An attempt that the reminder or timer brings a little early still counts as due.</summary>
    public static readonly TimeSpan DueTolerance = TimeSpan.FromMilliseconds(500);

    /// <summary>Checks what can be checked of a URL without resolving it. Returns the parsed URL, or why it is refused.</summary>
    public static (Uri? Url, string? Refusal) CheckUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return (null, "the body needs a url");
        }

        if (url.Length > MaxUrlLength)
        {
            return (null, $"the url has more than {MaxUrlLength} characters");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            return (null, "the url must be an absolute https url");
        }

        if (uri.UserInfo.Length > 0 || url.AsSpan(uri.Scheme.Length).StartsWith("://@"))
        {
            return (null, "the url may not carry a user name or password; every delivery is signed instead");
        }

        if (uri.Fragment.Length > 0)
        {
            return (null, "the url may not have a #fragment");
        }

        if (IsLocalName(uri.IdnHost))
        {
            return (null, $"the url's host '{uri.IdnHost}' is this machine");
        }

        return (uri, null);
    }

    /// <summary>https always; http only where the operator allowed the host (for local testing).</summary>
    public static string? SchemeRefusal(Uri url, bool hostAllowed, bool allowHttp) =>
        url.Scheme == Uri.UriSchemeHttps || (allowHttp && hostAllowed)
            ? null
            : "the url must be an absolute https url";

    /// <summary><c>localhost</c> and names under it (RFC 6761) are this machine whatever DNS says.</summary>
    public static bool IsLocalName(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Why deliveries may not go to <paramref name="address"/> (loopback, private, link-local, CGNAT, unique-local,
    /// unspecified, multicast, broadcast or reserved, also when written as IPv4-mapped, IPv4-compatible, NAT64 or 6to4
    /// IPv6), or null when it is a public address.
    /// </summary>
    public static string? InternalKind(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } embedded)
        {
            return InternalKind(embedded);
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IPv4Kind(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IPv6Kind(address),
            _ => "not an IP address",
        };
    }

    private static string? IPv4Kind(byte[] b) => (b[0], b[1]) switch
    {
        (0, _) => "unspecified",
        (10, _) => "private",
        (100, >= 64 and <= 127) => "carrier-grade NAT",
        (127, _) => "loopback",
        (169, 254) => "link-local",
        (172, >= 16 and <= 31) => "private",
        (192, 0) when b[2] is 0 or 2 => "reserved",
        (192, 168) => "private",
        (198, 18 or 19) => "reserved",
        (198, 51) when b[2] == 100 => "reserved",
        (203, 0) when b[2] == 113 => "reserved",
        (>= 224 and <= 239, _) => "multicast",
        (255, 255) when b[2] == 255 && b[3] == 255 => "broadcast",
        (>= 240, _) => "reserved",
        _ => null,
    };

    private static string? IPv6Kind(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None))
        {
            return "unspecified";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }

        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0xff => "multicast",
            0xfc or 0xfd => "unique-local",
            0xfe when (b[1] & 0xc0) == 0x80 => "link-local",
            0xfe when (b[1] & 0xc0) == 0xc0 => "site-local",
            0x20 when b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => "reserved",
            0x00 => "reserved",
            _ => null,
        };
    }

    /// <summary>The IPv4 address an IPv6 one carries (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d, 2002:aabb:ccdd::), if any.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        var zeroPrefix = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        if (zeroPrefix && (b[12] | b[13]) != 0)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }

        if (b is [0x00, 0x64, 0xff, 0x9b, ..] && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }

        return b is [0x20, 0x02, ..] ? new IPAddress(b.AsSpan(2, 4)) : null;
    }

    /// <summary>The operator's exemptions, parsed once.</summary>
    public sealed record AddressPolicy(ImmutableArray<string> Hosts, ImmutableArray<IPNetwork> Networks)
    {
        public static AddressPolicy From(WebhookOptions options) => new(
            [.. options.AllowedHosts.Select(h => h.Trim().TrimEnd('.'))],
            [.. options.AllowedNetworks.Select(n => IPNetwork.Parse(n.Trim()))]);

        public bool AllowsHost(string host) => Hosts.Contains(host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase);

        public bool AllowsAddress(IPAddress address) =>
            Networks.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4())));
    }

    /// <summary>Why <paramref name="host"/> at <paramref name="address"/> may not receive deliveries, or null when it may.</summary>
    public static string? AddressRefusal(string host, IPAddress address, AddressPolicy policy)
    {
        if (policy.AllowsHost(host) || policy.AllowsAddress(address))
        {
            return null;
        }

        return InternalKind(address) is { } kind
            ? $"the url's host '{host}' is or resolves to {address} ({kind} address); webhooks go to public addresses only"
            : null;
    }

    /// <summary>A fresh secret in the Standard Webhooks form: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(GeneratedSecretBytes));

    /// <summary>Null when <paramref name="secret"/> is a usable <c>whsec_</c> secret; otherwise why not.</summary>
    public static string? SecretRefusal(string secret)
    {
        var bytes = new byte[MaxSecretBytes + 3];
        return secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
               && Convert.TryFromBase64String(secret[SecretPrefix.Length..], bytes, out var written)
               && written is >= MinSecretBytes and <= MaxSecretBytes
            ? null
            : $"a secret is '{SecretPrefix}' followed by the base64 of {MinSecretBytes} to {MaxSecretBytes} random bytes; leave it out to have one generated";
    }

    /// <summary>The key bytes of a <c>whsec_</c> secret.</summary>
    public static byte[] SecretKey(string secret) => Convert.FromBase64String(secret[SecretPrefix.Length..]);

    /// <summary>A secret registered before December 2026 (any text) as the whsec_ form of its UTF-8 bytes, so it keeps signing.</summary>
    public static string FromLegacySecret(string legacy) => SecretPrefix + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(legacy));

    /// <summary>What may be shown or logged of a URL: scheme, host, port and path; never credentials, query or fragment.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(not a url)";

    /// <summary>A new delivery, due now.</summary>
    public static WebhookDelivery NewDelivery(DateTimeOffset now) => new(DeliveryStatus.Pending, 0, now);

    public static bool IsDue(WebhookDelivery? delivery, DateTimeOffset now) =>
        delivery is { Status: DeliveryStatus.Pending, NextAttemptAt: { } next } && next - DueTolerance <= now;

    /// <summary>
    /// The wait after <paramref name="failures"/> failed attempts: <see cref="WebhookOptions.FirstRetryDelay"/> times
    /// <see cref="WebhookOptions.BackoffFactor"/>^(failures-1), at most <see cref="WebhookOptions.MaxRetryDelay"/>, spread by the
    /// jitter (<paramref name="sample"/> is uniform in [0, 1)).
    /// </summary>
    public static TimeSpan RetryDelay(int failures, WebhookOptions options, double sample)
    {
        var seconds = options.FirstRetryDelay.TotalSeconds * Math.Pow(options.BackoffFactor, Math.Max(0, failures - 1));
        seconds = Math.Min(seconds, options.MaxRetryDelay.TotalSeconds);
        seconds *= 1 + (options.Jitter * ((2 * sample) - 1));
        return TimeSpan.FromSeconds(Math.Max(seconds, 0));
    }

    /// <summary>
    /// The delivery after an attempt: delivered on 2xx; failed after <see cref="WebhookOptions.MaxAttempts"/> attempts or on
    /// 410 Gone (the receiver asks for no more); otherwise pending until the next attempt, later if the receiver's
    /// Retry-After asks for it (never beyond the longest wait).
    /// </summary>
    public static WebhookDelivery AfterAttempt(WebhookDelivery delivery, AttemptResult result, DateTimeOffset now, WebhookOptions options, double sample)
    {
        var attempts = delivery.Attempts + 1;
        var error = result.Error is { Length: > 200 } e ? e[..200] : result.Error;
        if (result.Accepted)
        {
            return new WebhookDelivery(DeliveryStatus.Delivered, attempts, null, now, result.Status, null, now);
        }

        if (attempts >= options.MaxAttempts || result.Status == 410)
        {
            return new WebhookDelivery(DeliveryStatus.Failed, attempts, null, now, result.Status, error ?? Describe(result.Status));
        }

        var wait = RetryDelay(attempts, options, sample);
        if (result.RetryAfter is { } asked && asked > wait)
        {
            wait = asked < options.MaxRetryDelay ? asked : options.MaxRetryDelay;
        }

        return new WebhookDelivery(DeliveryStatus.Pending, attempts, now + wait, now, result.Status, error ?? Describe(result.Status));
    }

    /// <summary>A resend: the same nudge (same webhook-id), a fresh schedule. Only a failed delivery is sent again.</summary>
    public static (WebhookDelivery? Next, string? Refusal) Resend(WebhookDelivery? delivery, bool hasWebhook, DateTimeOffset now) => delivery switch
    {
        _ when !hasWebhook => (null, "no webhook is registered; register one, then resend"),
        { Status: DeliveryStatus.Failed } failed => (failed with { Status = DeliveryStatus.Pending, Attempts = 0, NextAttemptAt = now }, null),
        { Status: DeliveryStatus.Pending } => (null, null),
        { Status: DeliveryStatus.Delivered } => (null, "this nudge was delivered (the endpoint answered 2xx); receivers deduplicate on webhook-id"),
        _ => (NewDelivery(now), null),
    };

    /// <summary>A delivery that will not be attempted because the webhook went away.</summary>
    public static WebhookDelivery Abandoned(WebhookDelivery delivery) =>
        delivery with { Status = DeliveryStatus.Failed, NextAttemptAt = null, LastError = "the webhook was removed" };

    private static string? Describe(int? status) => status switch
    {
        null => null,
        >= 300 and < 400 => $"answered {status.Value.ToString(CultureInfo.InvariantCulture)}: redirects are not followed; register the final url",
        410 => "answered 410 Gone: the receiver wants no more deliveries",
        _ => $"answered {status.Value.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>Records an attempt's outcome on the nudge's delivery; null when the nudge left the inbox or is no longer pending.</summary>
    public static ReviewState? RecordAttempt(ReviewState state, string nudgeId, Func<WebhookDelivery, WebhookDelivery> after)
    {
        var nudge = state.Nudges.FirstOrDefault(n => n.Id == nudgeId);
        return nudge?.Delivery is { Status: DeliveryStatus.Pending } delivery
            ? state with { Nudges = state.Nudges.Replace(nudge, nudge with { Delivery = after(delivery) }) }
            : null;
    }

    /// <summary>The earliest attempt due, or null when nothing waits to be delivered (then nothing may keep the review awake).</summary>
    public static DateTimeOffset? NextAttemptAt(ReviewState state) => state.Endpoint is null
        ? null
        : state.Nudges.Select(n => n.Delivery).Where(d => d is { Status: DeliveryStatus.Pending }).Min(d => d!.NextAttemptAt);

    /// <summary>
    /// Registers or replaces the webhook (its URL and secret). Webhook changes are in the history but do not bump the
    /// version: the version orders the review's content (ETag, If-Match, snapshots to the regions), and the webhook,
    /// like the inbox, is how the ministry is reached, not what it reported. Deliveries still due go to the new URL.
    /// </summary>
    public static ReviewState RegisterWebhook(ReviewState state, WebhookEndpoint endpoint, bool secretSupplied, string actor, DateTimeOffset now) =>
        ReviewWorkflow.Record(
            state with { Endpoint = endpoint },
            [new Change("webhook", state.Endpoint is { } old ? WebhookRules.Redact(old.Url) : null, WebhookRules.Redact(endpoint.Url),
                secretSupplied ? "registered with a secret supplied by the ministry" : "registered with a generated secret")],
            actor, now);

    /// <summary>Removes the webhook and every secret; what was still due ends as failed (a resend works once one is registered).</summary>
    public static ReviewState? RemoveWebhook(ReviewState state, string actor, DateTimeOffset now)
    {
        if (state.Endpoint is not { } endpoint)
        {
            return null;
        }

        var nudges = state.Nudges.Select(n => n.Delivery is { Status: DeliveryStatus.Pending } d ? n with { Delivery = WebhookRules.Abandoned(d) } : n);
        return ReviewWorkflow.Record(
            state with { Endpoint = null, Webhook = null, Nudges = [.. nudges] },
            [new Change("webhook", WebhookRules.Redact(endpoint.Url), null, "removed with its secrets")],
            actor, now);
    }

    /// <summary>
    /// Moves a webhook stored by a release before December 2026 (secret in plain text, pending ids in a list) to the
    /// encrypted endpoint and per-nudge deliveries. Null when there is nothing to move.
    /// </summary>
    public static ReviewState? MoveLegacyWebhook(ReviewState state, Func<string, string> protect, DateTimeOffset opsNow)
    {
        if (state.Webhook is null && state.PendingDeliveries.IsEmpty)
        {
            return null;
        }

        var endpoint = state.Webhook is { } legacy
            ? new WebhookEndpoint(legacy.Url, [new SigningSecret(protect(WebhookRules.FromLegacySecret(legacy.Secret)), opsNow)], opsNow, "migration")
            : state.Endpoint;
        var pending = state.PendingDeliveries.ToHashSet(StringComparer.Ordinal);
        var nudges = state.Nudges.Select(n => endpoint is not null && pending.Contains(n.Id) && n.Delivery is null
            ? n with { Delivery = WebhookRules.NewDelivery(opsNow) }
            : n);
        return state with { Endpoint = endpoint, Webhook = null, PendingDeliveries = [], Nudges = [.. nudges] };
    }

    /// <summary>
    /// A new signing secret first; the current one keeps signing until <paramref name="expiresAt"/> (none left when that
    /// is already past). Secrets whose grace period is over leave the state.
    /// </summary>
    public static (ReviewState? Next, string? Refusal) RotateWebhookSecret(
        ReviewState state, SigningSecret fresh, DateTimeOffset expiresAt, DateTimeOffset opsNow, string actor, DateTimeOffset now)
    {
        if (state.Endpoint is not { } endpoint)
        {
            return (null, "no webhook is registered");
        }

        var previous = endpoint.SigningAt(opsNow).Take(1)
            .Where(_ => expiresAt > opsNow)
            .Select(s => s with { ExpiresAt = s.ExpiresAt is { } e && e < expiresAt ? e : expiresAt });
        var next = state with { Endpoint = endpoint with { Secrets = [fresh, .. previous] } };
        var note = expiresAt > opsNow
            ? $"secret rotated; the previous one also signs until {expiresAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
            : "secret rotated; the previous one no longer signs";
        return (ReviewWorkflow.Record(next, [new Change("webhook.secret", null, null, note)], actor, now), null);
    }
}
