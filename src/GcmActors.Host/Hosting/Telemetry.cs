using GcmActors.Grains;
using GcmActors.Host.Operations;
using GcmActors.Host.Security;
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
    /// <c>/metrics</c> for admins on the API's port, and without a token on the management port when one is
    /// configured (<c>Gcm:Management:Port</c>: a port that only the scraper should reach).
    /// </summary>
    public static WebApplication MapGcmMetrics(this WebApplication app)
    {
        var management = app.Services.GetRequiredService<GcmOptions>().Management;
        var api = app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Access.Admin);
        if (management.Port is > 0 and var port)
        {
            api.RequireHost(management.ApiHostPatterns(app.Configuration));
            app.MapPrometheusScrapingEndpoint(MetricsPath).RequireHost($"*:{port}").WithDisplayName("metrics (management port)");
        }

        return app;
    }
}
