using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using GcmActors.Host.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GcmActors.Host.Operations;

/// <summary>
/// <c>/health/live</c>: the process serves HTTP (no check runs). <c>/health/ready</c>: the store answers a query,
/// and this process is part of the cluster (silo: Active in the membership; client: connected to a gateway).
/// Both answer 200 or 503, with one line per check, and never need a token (orchestrators probe them).
/// </summary>
public static class Health
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>The liveness path of earlier releases, kept as an alias so that existing probes go on working.</summary>
    public const string LegacyLivePath = "/healthz";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddGcmHealth(this IServiceCollection services)
    {
        services.AddSingleton<ClusterConnection>();
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag])
            .AddCheck<OrleansHealthCheck>("orleans", tags: [ReadyTag]);
        return services;
    }

    public static WebApplication MapGcmHealth(this WebApplication app)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync };
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync };
        app.MapHealthChecks(LivePath, live).ShortCircuit().ExcludeFromDescription();
        app.MapHealthChecks(LegacyLivePath, live).ShortCircuit().ExcludeFromDescription();
        app.MapHealthChecks(ReadyPath, ready).ShortCircuit().ExcludeFromDescription();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        if (report.Status != HealthStatus.Healthy)
        {
            context.Response.Headers.RetryAfter = Faults.Fault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
            }),
        }, cancellationToken: context.RequestAborted);
    }
}

/// <summary>One cheap query against the store every grain persists to, bounded by a short timeout.</summary>
internal sealed class StorageHealthCheck(Store store) : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            await using System.Data.Common.DbConnection connection = store.IsCluster
                ? new NpgsqlConnection(store.ConnectionString)
                : new SqliteConnection(store.ConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{store.Kind} answers");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException or TimeoutException)
        {
            // Only the kind of failure is reported: the answer is public, the store's address is not.
            return HealthCheckResult.Unhealthy($"{store.Kind} is unreachable ({ex.GetType().Name})");
        }
    }
}

/// <summary>Silo role: this silo is Active in the cluster membership. Client role: at least one gateway is connected.</summary>
internal sealed class OrleansHealthCheck(IServiceProvider services, GcmOptions options, ClusterConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (string.Equals(options.Role, "client", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(connection.IsConnected
                ? HealthCheckResult.Healthy($"connected to {connection.Gateways} gateway(s)")
                : HealthCheckResult.Unhealthy("not connected to any gateway"));
        }

        var membership = services.GetService<IClusterMembershipService>();
        var local = services.GetService<ILocalSiloDetails>();
        if (membership is null || local is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the silo is not started"));
        }

        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo is active")
            : HealthCheckResult.Unhealthy($"silo is {status.ToString().ToLowerInvariant()}"));
    }
}

/// <summary>
/// What the Orleans client knows of its gateways. The client's hosted service connects before the web server
/// starts, so once the application has started it holds at least one gateway until Orleans says otherwise.
/// </summary>
public sealed class ClusterConnection : IClusterConnectionStatusObserver
{
    private int _gateways = -1; // unknown: connected if the application started (the client connects first)
    private volatile bool _started;

    public ClusterConnection(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.Register(() => _started = true);

    public int Gateways => Math.Max(Volatile.Read(ref _gateways), 0);

    public bool IsConnected => _started && Volatile.Read(ref _gateways) != 0;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        Volatile.Write(ref _gateways, currentNumberOfGateways);

    public void NotifyClusterConnectionLost() => Volatile.Write(ref _gateways, 0);
}
