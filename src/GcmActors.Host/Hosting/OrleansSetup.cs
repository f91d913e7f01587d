using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using GcmActors.Grains;
using GcmActors.Host.Faults;
using GcmActors.Host.Operations;
using GcmActors.Host.Webhooks;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace GcmActors.Host.Hosting;

public static class OrleansSetup
{
    /// <summary>
    /// Role <c>silo</c>: grains and API in one process. Role <c>client</c>: API only, reaching the silos' gateways.
    /// Storage <c>sqlite</c>: one silo on localhost. Storage <c>postgres</c>: a cluster whose membership is in PostgreSQL.
    /// </summary>
    public static WebApplicationBuilder AddGcmOrleans(this WebApplicationBuilder builder, GcmOptions options)
    {
        var store = Store.From(options, builder.Configuration);
        builder.Services.AddSingleton(store);

        // Both roles: the domain clock, and the board a local region grain posts its dashboard document to
        // (always empty in the client role, where every read asks the grain).
        builder.Services.TryAddKeyedSingleton(GcmClock.Key, TimeProvider.System);
        builder.Services.TryAddSingleton<RegionDocumentBoard>();
        builder.Services.AddHttpContextAccessor();

        switch (options.Role.ToLowerInvariant())
        {
            case "silo":
                builder.Services.AddHostedService<SchemaMigrator>();
                builder.UseOrleans(silo =>
                {
                    if (store.IsCluster)
                    {
                        silo.Configure<ClusterOptions>(o =>
                        {
                            o.ClusterId = options.ClusterId;
                            o.ServiceId = options.ServiceId;
                        });
                        silo.ConfigureEndpoints(options.AdvertisedIp, options.SiloPort, options.GatewayPort,
                            listenOnAnyHostAddress: options.ListenOnAnyAddress);
                        silo.UseAdoNetClustering(o =>
                        {
                            o.Invariant = store.Invariant;
                            o.ConnectionString = store.ConnectionString;
                        });
                        silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Gcm:Membership"));
                        silo.Configure<SiloMessagingOptions>(builder.Configuration.GetSection("Gcm:Messaging"));
                        // Spread activations over the silos whoever calls (the seeding silo, a region fanning out),
                        // so that one dead silo takes only its share of the States with it (decision 0007).
                        silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
                    }
                    else
                    {
                        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort,
                            serviceId: options.ServiceId, clusterId: options.ClusterId);
                    }

                    silo.AddGcmGrains(store.Invariant, store.ConnectionString);
                    silo.Services.Configure<ReviewOptions>(builder.Configuration.GetSection("Gcm:Reviews"));
                    silo.Services.Configure<RegionOptions>(builder.Configuration.GetSection("Gcm:Regions"));
                    silo.Services.Configure<ReminderOptions>(builder.Configuration.GetSection("Gcm:Reminders"));
                    // How long an idle review or round stays activated (Orleans' default: 15 min, looked at every minute).
                    // The idle benchmark shortens it to see a host whose reviews have all been collected.
                    silo.Services.Configure<GrainCollectionOptions>(builder.Configuration.GetSection("Gcm:GrainCollection"));
                    silo.AddActivityPropagation();
                    silo.Services.AddSingleton<GatewayLosses>();
                    silo.AddOutgoingGrainCallFilter<RequestDeadlineFilter>();
                    silo.AddGcmOperations(options);
                });
                builder.Services.AddHostedService<Seeding.Seeder>();
                break;
            case "client":
                builder.UseOrleansClient(client =>
                {
                    client.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = options.ClusterId;
                        o.ServiceId = options.ServiceId;
                    });
                    if (store.IsCluster)
                    {
                        client.UseAdoNetClustering(o =>
                        {
                            o.Invariant = store.Invariant;
                            o.ConnectionString = store.ConnectionString;
                        });
                        client.Configure<GatewayOptions>(builder.Configuration.GetSection("Gcm:Gateway"));
                        client.Configure<ClientMessagingOptions>(builder.Configuration.GetSection("Gcm:Messaging"));
                    }
                    else
                    {
                        client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, options.GatewayPort));
                    }

                    client.AddActivityPropagation();
                    client.Services.AddSingleton<GatewayLosses>();
                    client.AddOutgoingGrainCallFilter<RequestDeadlineFilter>();
                    client.Services.AddSingleton<IClusterConnectionStatusObserver, Operations.GatewayWatch>();
                    client.AddGcmOperations(options);
                });
                break;
            default:
                throw new InvalidOperationException($"Gcm:Role must be 'silo' or 'client', not '{options.Role}'.");
        }

        return builder;
    }

    /// <summary>
    /// What every silo of this service needs, whatever hosts it (the executable or the test cluster):
    /// ADO.NET grain storage with the JSON state serializer, ADO.NET reminders, the reviews' history table, all with
    /// their writes through one <see cref="WriteGate"/> (exclusive on SQLite); the domain's clock and catalog; and
    /// storage failures turned into <see cref="GcmActors.Contracts.StorageUnavailableException"/> at the grain boundary.
    /// </summary>
    public static ISiloBuilder AddGcmGrains(this ISiloBuilder silo, string invariant, string connectionString)
    {
        var gate = WriteGate.For(invariant, connectionString);
        silo.Services.AddSingleton(gate);

        // The provider itself is registered under an inner name; grains reach it through the gate under GcmStorage.Name.
        silo.AddAdoNetGrainStorage(InnerStorageName, o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = GrainStateJson.Serializer;
        });
        // On PostgreSQL, state writes are committed in groups (PostgresStateWriter); on SQLite, one at a time through
        // the gate, whose log syncs group them. A driver failure leaves the storage as StorageUnavailableException,
        // which every process can decode.
        var groupCommit = invariant == Store.PostgresInvariant;
        if (groupCommit)
        {
            silo.Services.AddSingleton(services => new PostgresStateWriter(
                connectionString, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        }

        silo.Services.AddKeyedSingleton<IGrainStorage>(GcmStorage.Name, (services, _) =>
        {
            var inner = services.GetRequiredKeyedService<IGrainStorage>(InnerStorageName);
            return new StorageFaultGrainStorage(groupCommit && inner is AdoNetGrainStorage provider
                ? new GroupCommitGrainStorage(provider, InnerStorageName, services.GetRequiredService<PostgresStateWriter>())
                : new GatedGrainStorage(inner, gate));
        });
        silo.AddIncomingGrainCallFilter<StorageFaultFilter>();

        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        });
        var reminders = silo.Services.Last(d => d.ServiceType == typeof(IReminderTable));
        silo.Services.Remove(reminders);
        silo.Services.AddSingleton<IReminderTable>(services => new GatedReminderTable((IReminderTable)Create(services, reminders), gate));

        silo.Services.AddSingleton<IReviewHistory>(services => new AdoNetReviewHistory(
            invariant, connectionString, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, gate,
            services.GetRequiredService<ILogger<AdoNetReviewHistory>>()));
        silo.Services.AddHostedService<RegionResync>();

        silo.Services.TryAddKeyedSingleton(GcmClock.Key, TimeProvider.System);
        silo.Services.TryAddSingleton(CountryCatalog.Default);
        silo.Services.TryAddSingleton<RegionDocumentBoard>();
        silo.Services.AddWebhookDelivery(invariant == SqliteStore.Invariant ? () => SqliteStore.CheckpointAsync(connectionString, gate) : null);
        return silo;
    }

    private const string InnerStorageName = "gcm-adonet";

    private static object Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}
