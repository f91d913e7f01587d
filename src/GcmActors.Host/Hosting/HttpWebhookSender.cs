using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.Host.Hosting;

/// <summary>
/// Posts nudges to ministries' webhooks as JSON, signed so the receiver can check who sent it and when:
/// <c>Gcm-Signature: t={unix seconds},v1={hex HMAC-SHA256(secret, "{t}.{body}")}</c>, and
/// <c>Gcm-Delivery: {id}</c>, the same on every retry of one delivery.
/// </summary>
public sealed partial class HttpWebhookSender(IHttpClientFactory clients, TimeProvider time, ILogger<HttpWebhookSender> logger) : IWebhookSender
{
    public const string ClientName = "gcm-webhooks";

    public async Task<bool> SendAsync(Webhook webhook, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new { type = "gcm.nudge", delivery.Cycle, delivery.Country, delivery.Nudge }, GcmJson.Options);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("Gcm-Delivery", delivery.Id);
        request.Headers.Add("Gcm-Signature", $"t={timestamp},v1={Sign(webhook.Secret, timestamp, body)}");
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(logger, delivery.Id, webhook.Url, (int)response.StatusCode);
            }

            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            LogUnreachable(logger, ex, delivery.Id, webhook.Url);
            return false;
        }
    }

    /// <summary>The v1 signature: lowercase hex HMAC-SHA256 of "{timestamp}.{body}" keyed with the secret.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp + ".", signed);
        body.CopyTo(signed.AsSpan(timestamp.Length + 1));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to {Url} was refused with {Status}; it will be retried")]
    private static partial void LogRefused(ILogger logger, string delivery, string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} to {Url} failed; it will be retried")]
    private static partial void LogUnreachable(ILogger logger, Exception ex, string delivery, string url);
}
