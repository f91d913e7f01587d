using GcmActors.Grains;
using GcmActors.Host.Operations;
using GcmActors.Host.Security;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GcmActors.Host.Hosting;

/// <summary>
/// OpenTelemetry metrics from ASP.NET Core, Kestrel, the .NET runtime, Orleans and the service's own meter,
/// always scrapeable at <c>/metrics</c> (Prometheus text format). Traces, and a push of the same metrics, go
/// over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment or configuration).
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "gcm-actors";

    public const string MetricsPath = "/metrics";

    /// <summary>Meters exported: every one has bounded tags (routes, commands, outcomes; never a State or a region).</summary>
    public static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans", GcmMetrics.MeterName];

    public static WebApplicationBuilder AddGcmTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                .AddMeter(Meters)
                .AddPrometheusExporter());
        if (otlp)
        {
            // Without an exporter, listening would still create and tag an activity per request, for nobody.
            telemetry
                .WithTracing(tracing => tracing
                    .AddAspNetCoreInstrumentation()
                    .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"))
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> for admins, and without a token on the management port when one is configured
    /// (<c>Gcm:Management:Port</c>: a port that only the scraper should reach). The port is the one the connection
    /// arrived on, not the Host header's, so a proxy in front of the API port cannot open it.
    /// </summary>
    public static WebApplication MapGcmMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(MetricsPolicy).ExcludeFromDescription();
        return app;
    }

    public const string MetricsPolicy = "metrics";

    /// <summary>Who may scrape: the policy of <see cref="MapGcmMetrics"/>.</summary>
    public static IServiceCollection AddMetricsAccess(this IServiceCollection services, ManagementOptions management)
    {
        services.AddSingleton<IAuthorizationHandler, MetricsHandler>();
        return services.Configure<AuthorizationOptions>(
            o => o.AddPolicy(MetricsPolicy, p => p.AddRequirements(new MetricsRequirement(management.Port))));
    }
}

/// <summary>An admin, or any caller on the management port.</summary>
public sealed record MetricsRequirement(int ManagementPort) : IAuthorizationRequirement;

public sealed class MetricsHandler : AuthorizationHandler<MetricsRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsRequirement requirement)
    {
        if (Access.IsAdmin(context.User)
            || (requirement.ManagementPort > 0 && context.Resource is HttpContext http && http.Connection.LocalPort == requirement.ManagementPort))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
