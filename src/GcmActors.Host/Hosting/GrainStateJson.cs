using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Serialization;
using Orleans.Storage;

namespace GcmActors.Host.Hosting;

/// <summary>
/// Grain state is stored as plain JSON by Orleans' own <see cref="SystemTextJsonGrainStorageSerializer"/>: no CLR
/// type names, property names in camelCase, enums by their kebab-case names. A renamed class or namespace still reads
/// its old rows; rows written by earlier releases (the project's own serializer, the same settings) read unchanged.
/// See docs/decisions/0002-storage-serializer.md.
/// </summary>
public static class GrainStateJson
{
    /// <summary>Owned here, not shared with the HTTP API, so that a change of API conventions never changes stored rows.</summary>
    public static IGrainStorageSerializer Serializer { get; } = Create();

    /// <summary>The settings rows have always been written with: System.Text.Json's web defaults, enums by kebab-case name.</summary>
    internal static void Configure(JsonSerializerOptions options)
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.PropertyNamingPolicy = web.PropertyNamingPolicy;
        options.PropertyNameCaseInsensitive = web.PropertyNameCaseInsensitive;
        options.NumberHandling = web.NumberHandling;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
    }

    private static SystemTextJsonGrainStorageSerializer Create()
    {
        var settings = new SystemTextJsonGrainStorageSerializerOptions();
        Configure(settings.JsonSerializerOptions);
        return new SystemTextJsonGrainStorageSerializer(Microsoft.Extensions.Options.Options.Create(settings));
    }
}
