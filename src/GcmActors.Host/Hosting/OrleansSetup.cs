using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using GcmActors.Grains;
using Orleans.Configuration;

namespace GcmActors.Host.Hosting;

public static class OrleansSetup
{
    /// <summary>Role <c>silo</c>: grains and API in one process. Role <c>client</c>: API only, reaching a silo's gateway.</summary>
    public static WebApplicationBuilder AddGcmOrleans(this WebApplicationBuilder builder, GcmOptions options)
    {
        if (!string.Equals(options.Storage, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Gcm:Storage '{options.Storage}' is not supported by this build; the embedded 'sqlite' store is.");
        }

        // Both roles: the domain clock, and the board a local region grain posts its dashboard document to
        // (always empty in the client role, where every read asks the grain).
        builder.Services.TryAddKeyedSingleton(GcmClock.Key, TimeProvider.System);
        builder.Services.TryAddSingleton<RegionDocumentBoard>();

        switch (options.Role.ToLowerInvariant())
        {
            case "silo":
                builder.Services.AddHostedService<SchemaMigrator>();
                builder.UseOrleans(silo =>
                {
                    // Reminder rows are keyed by ServiceId: keep it stable across restarts and versions.
                    silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "gcm-actors", clusterId: "gcm");
                    silo.AddGcmGrains(SqliteStore.Invariant, SqliteStore.ConnectionString(options.SqliteFile));
                    silo.Services.Configure<ReviewSyncOptions>(builder.Configuration.GetSection("Gcm:Sync"));
                    silo.AddActivityPropagation();
                });
                builder.Services.AddHostedService<Seeding.Seeder>();
                break;
            case "client":
                builder.UseOrleansClient(client =>
                    client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, options.GatewayPort))
                        .AddActivityPropagation()
                        .Configure<ClusterOptions>(o =>
                        {
                            o.ServiceId = "gcm-actors";
                            o.ClusterId = "gcm";
                        }));
                break;
            default:
                throw new InvalidOperationException($"Gcm:Role must be 'silo' or 'client', not '{options.Role}'.");
        }

        return builder;
    }

    /// <summary>
    /// What every silo of this service needs, whatever hosts it (the executable or the test cluster):
    /// ADO.NET grain storage with the JSON state serializer, ADO.NET reminders, the domain's clock and catalog.
    /// </summary>
    public static ISiloBuilder AddGcmGrains(this ISiloBuilder silo, string invariant, string connectionString)
    {
        silo.AddAdoNetGrainStorage(GcmStorage.Name, o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new JsonGrainStateSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.TryAddKeyedSingleton(GcmClock.Key, TimeProvider.System);
        silo.Services.TryAddSingleton(CountryCatalog.Default);
        silo.Services.TryAddSingleton<RegionDocumentBoard>();
        return silo;
    }
}
