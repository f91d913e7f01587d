using GcmActors.Host.Hosting;

namespace GcmActors.Host.Operations;

/// <summary>
/// What an operator uses: health checks, Prometheus metrics, the Orleans dashboard, the log format, the
/// management port and Kubernetes hosting. Wired here so that Program.cs names it in one line each way.
/// </summary>
public static class OperationsSetup
{
    public static WebApplicationBuilder AddGcmOperations(this WebApplicationBuilder builder, GcmOptions options)
    {
        builder.AddGcmLogging(options.Logging);
        options.Management.AddListener(builder);
        builder.Services.AddGcmHealth();
        builder.Services.AddDashboardSignIn();
        builder.Services.AddMetricsAccess(options.Management);
        builder.AddGcmTelemetry();
        return builder;
    }

    /// <summary>Silo-role additions: the dashboard's collectors and, in a pod, Kubernetes hosting.</summary>
    public static ISiloBuilder AddGcmOperations(this ISiloBuilder silo, GcmOptions options)
    {
        if (options.Dashboard.Enabled)
        {
            OrleansDashboard.AddTo(silo);
        }

        KubernetesOptions.Configure(silo, options.Kubernetes);
        return silo;
    }

    /// <summary>Client-role additions: the gateway count the readiness check reads, and the dashboard's client side.</summary>
    public static IClientBuilder AddGcmOperations(this IClientBuilder client, GcmOptions options)
    {
        client.Services.AddSingleton<IClusterConnectionStatusObserver>(services => services.GetRequiredService<ClusterConnection>());
        if (options.Dashboard.Enabled)
        {
            OrleansDashboard.AddTo(client);
        }

        return client;
    }

    public static WebApplication MapGcmOperations(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<GcmOptions>();
        if (options.Management.Port is > 0 and var port)
        {
            // The management port serves the scraper and the probes, nothing of the API.
            app.UseWhen(context => context.Connection.LocalPort == port, only => only.Use((context, next) =>
                context.Request.Path.StartsWithSegments(Telemetry.MetricsPath) || context.Request.Path.StartsWithSegments("/health")
                    ? next(context)
                    : Results.NotFound().ExecuteAsync(context)));
        }

        app.MapGcmHealth();
        app.MapGcmMetrics();
        if (options.Dashboard.Enabled)
        {
            app.MapOrleansDashboardForAdmins();
        }

        return app;
    }
}
