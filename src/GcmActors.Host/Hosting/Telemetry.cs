using GcmActors.Grains;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GcmActors.Host.Hosting;

/// <summary>
/// OpenTelemetry traces and metrics from ASP.NET Core, Orleans and the service's own meter. They are exported
/// over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment or configuration), and collected
/// nowhere otherwise.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "gcm-actors";

    public static WebApplicationBuilder AddGcmTelemetry(this WebApplicationBuilder builder)
    {
        // Without an exporter, listening would still create and tag an activity per request, for nobody.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"))
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans", GcmMetrics.MeterName))
            .UseOtlpExporter();
        return builder;
    }
}
