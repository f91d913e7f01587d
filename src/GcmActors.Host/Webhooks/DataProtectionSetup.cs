using System.Xml.Linq;
using GcmActors.Host.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace GcmActors.Host.Webhooks;

/// <summary>
/// Where the Data Protection key ring lives. Every process of one service must read the same ring, or a secret one
/// silo encrypted cannot be read by another:
/// <list type="bullet">
/// <item><c>Gcm:DataProtection:KeysDirectory</c> when set: a directory (a volume every process mounts);</item>
/// <item>else PostgreSQL with <c>Gcm:Storage=postgres</c>: the table GcmDataProtectionKeys (deploy/sql/postgresql/dataprotection.sql);</item>
/// <item>else the embedded default: <c>{data directory}/keys</c>, created 0700.</item>
/// </list>
/// The application name is the ServiceId, so a ring shared by two services keeps their payloads apart.
/// </summary>
public static class DataProtectionSetup
{
    public static IServiceCollection AddGcmDataProtection(this IServiceCollection services, GcmOptions options, Store store, IConfiguration configuration)
    {
        var builder = services.AddDataProtection().SetApplicationName(options.ServiceId);
        if (configuration["Gcm:DataProtection:KeysDirectory"] is { Length: > 0 } directory)
        {
            DataDirectory.CreatePrivate(Path.GetFullPath(directory));
            builder.PersistKeysToFileSystem(new DirectoryInfo(directory));
        }
        else if (store.IsCluster)
        {
            services.Configure<KeyManagementOptions>(o => o.XmlRepository = new PostgresXmlRepository(store.ConnectionString, options.ServiceId));
        }
        else
        {
            var keys = Path.Combine(options.DataPath, "keys");
            DataDirectory.CreatePrivate(options.DataPath);
            DataDirectory.CreatePrivate(keys);
            builder.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        return services;
    }
}

/// <summary>The key ring in PostgreSQL, one row per key, shared by every silo and front end of the service.</summary>
internal sealed class PostgresXmlRepository(string connectionString, string serviceId) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var source = NpgsqlDataSource.Create(connectionString);
        using var command = source.CreateCommand("SELECT xml FROM GcmDataProtectionKeys WHERE serviceid = $1 ORDER BY friendlyname");
        command.Parameters.AddWithValue(serviceId);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var source = NpgsqlDataSource.Create(connectionString);
        using var command = source.CreateCommand(
            "INSERT INTO GcmDataProtectionKeys (serviceid, friendlyname, xml) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue(serviceId);
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
