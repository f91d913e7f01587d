using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;
using StandardWebhooks;

namespace GcmActors.Host.Webhooks;

/// <summary>
/// Posts nudges to ministries' webhooks in the Standard Webhooks v1 form, so that a receiver verifies them with any
/// Standard Webhooks library: body <see cref="NudgeEvent"/> (JSON), <c>webhook-id</c> (the nudge id, the same on every
/// attempt: receivers deduplicate on it), <c>webhook-timestamp</c> (this attempt, unix seconds) and
/// <c>webhook-signature</c> (<c>v1,{base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")}</c>, one per valid secret,
/// space-separated during a rotation). Redirects are not followed; the client's connections go through
/// <see cref="WebhookAddressGuard"/>. Logs name the URL only as scheme, host and path.
/// </summary>
public sealed partial class HttpWebhookSender(
    IHttpClientFactory clients, IWebhookSecrets secrets, TimeProvider clock, ILogger<HttpWebhookSender> logger) : IWebhookSender
{
    public const string ClientName = "gcm-webhooks";

    public async Task<AttemptResult> SendAsync(WebhookEndpoint endpoint, WebhookMessage message, CancellationToken cancellationToken)
    {
        var body = Body(message);
        var now = clock.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("webhook-id", message.Id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Signatures(endpoint.SigningAt(now).Select(s => secrets.Unprotect(s.Protected)), message.Id, now, body));
        var url = WebhookRules.Redact(endpoint.Url);
        try
        {
            using var response = await clients.CreateClient(ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, message.Id, url, status);
            }

            return new AttemptResult(status, RetryAfter: RetryAfter(response, now));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException
                                       or Polly.Timeout.TimeoutRejectedException or WebhookAddressRefusedException or WebhookHostUnresolvedException)
        {
            var error = Describe(ex);
            LogUnreachable(logger, message.Id, url, error);
            return new AttemptResult(null, error);
        }
    }

    /// <summary>The exact bytes that are signed and sent (compact JSON, the API's conventions).</summary>
    public static string Body(WebhookMessage message) =>
        JsonSerializer.Serialize(NudgeEvent.From(message.Cycle, message.Country, message.Nudge), GcmJson.Options);

    /// <summary>The <c>webhook-signature</c> header: one <c>v1,</c> signature per secret, space-separated.</summary>
    public static string Signatures(IEnumerable<string> secrets, string id, DateTimeOffset timestamp, string body) =>
        string.Join(' ', secrets.Select(s => new StandardWebhook(s).Sign(id, timestamp, body)));

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now,
        _ => null,
    };

    /// <summary>What the inbox says of a failed attempt: the kind of failure, never a URL or a secret.</summary>
    private static string Describe(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case WebhookAddressRefusedException or WebhookHostUnresolvedException:
                    return "refused: " + e.Message;
                case System.Net.Sockets.SocketException socket:
                    return "connection failed: " + socket.SocketErrorCode;
                case System.Security.Authentication.AuthenticationException:
                    return "TLS handshake failed";
                case TimeoutException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException:
                    return "no answer within the attempt timeout";
            }
        }

        return ex is HttpRequestException { HttpRequestError: var kind } ? "request failed: " + kind : "request failed";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to {Url} was answered {Status}")]
    private static partial void LogRefused(ILogger logger, string delivery, string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to {Url} failed: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string delivery, string url, string error);
}
