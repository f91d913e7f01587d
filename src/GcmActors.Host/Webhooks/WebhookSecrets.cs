using GcmActors.Grains;
using Microsoft.AspNetCore.DataProtection;

namespace GcmActors.Host.Webhooks;

/// <summary>
/// Webhook secrets encrypted with ASP.NET Core Data Protection (authenticated encryption; keys rotate every 90 days
/// and old ones stay for reading). The key ring is in the data directory for the embedded store and in PostgreSQL for
/// a cluster, so every silo reads what another wrote (<see cref="DataProtectionSetup"/>).
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider, Func<Task>? scrub) : IWebhookSecrets
{
    /// <summary>The purpose string isolates these payloads from anything else protected with the same key ring.</summary>
    public const string Purpose = "GcmActors.Webhooks.SigningSecret.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    public Task ScrubAsync() => scrub?.Invoke() ?? Task.CompletedTask;
}
