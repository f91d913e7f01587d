using GcmActors.Grains;
using GcmActors.Host.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace GcmActors.Host.Webhooks;

public static class WebhookSetup
{
    /// <summary>
    /// Both roles: the "Gcm:Webhooks" settings and the address guard that registrations go through. Silos also get the
    /// Data Protection key ring that encrypts the secrets (the sender and the grains come with <see cref="AddWebhookDelivery"/>).
    /// </summary>
    public static WebApplicationBuilder AddGcmWebhooks(this WebApplicationBuilder builder, GcmOptions options)
    {
        builder.Services.Configure<WebhookOptions>(builder.Configuration.GetSection(WebhookOptions.Section));
        builder.Services.TryAddSingleton<WebhookAddressGuard>();
        builder.Services.AddHostedService<ObsoleteWebhookSettings>();
        if (options.Role.Equals("silo", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddGcmDataProtection(options, Store.From(options, builder.Configuration), builder.Configuration);
        }

        return builder;
    }

    /// <summary>
    /// What a silo needs to deliver webhooks: the secrets' protector, the sender and its HTTP client. The client follows
    /// no redirect, uses no proxy (a proxy would resolve names where the guard cannot check them), connects only through
    /// <see cref="WebhookAddressGuard.ConnectAsync"/>, and gives each attempt <see cref="WebhookOptions.AttemptTimeout"/>
    /// (a resilience pipeline; the retries are the review's own, durable, schedule).
    /// </summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, Func<Task>? scrub)
    {
        services.AddOptions<WebhookOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookAddressGuard>();
        services.AddDataProtection();
        services.TryAddSingleton<IWebhookSecrets>(s => new WebhookSecrets(s.GetRequiredService<IDataProtectionProvider>(), scrub));
        services.TryAddSingleton<IWebhookSender, HttpWebhookSender>();
        services.AddHttpClient(HttpWebhookSender.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(s => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectCallback = s.GetRequiredService<WebhookAddressGuard>().ConnectAsync,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // Connections are re-made (and their address checked again) at least this often.
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = 4,
                MaxResponseHeadersLength = 16,
            })
            .AddResilienceHandler("webhook-attempt", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.AttemptTimeout));
        return services;
    }
}

/// <summary>Says so at start when a setting of an earlier release is set that no longer does anything.</summary>
internal sealed partial class ObsoleteWebhookSettings(IOptions<WebhookOptions> options, ILogger<ObsoleteWebhookSettings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowInsecure)
        {
            LogAllowInsecure(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gcm:Webhooks:AllowInsecure no longer does anything: webhooks are https to public addresses; "
        + "for a local receiver set Gcm:Webhooks:AllowedNetworks (or AllowedHosts) and Gcm:Webhooks:AllowHttp")]
    private static partial void LogAllowInsecure(ILogger logger);
}
