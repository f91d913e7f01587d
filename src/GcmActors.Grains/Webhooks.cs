using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>One nudge on its way to a ministry's webhook. <see cref="Id"/> is stable across retries.</summary>
public sealed record WebhookDelivery(string Id, string Cycle, string Country, Nudge Nudge);

/// <summary>Sends a delivery to a webhook; true only when the endpoint accepted it (2xx). The host implements it over HTTP.</summary>
public interface IWebhookSender
{
    Task<bool> SendAsync(Webhook webhook, WebhookDelivery delivery, CancellationToken cancellationToken);
}
