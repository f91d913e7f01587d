using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace GcmActors.Host.Hosting;

/// <summary>
/// Grain state is stored as plain JSON: no CLR type names, enums by name. A renamed class or namespace
/// still reads its old rows; see docs/decisions/0002-storage-serializer.md.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    // Owned here, not shared with the HTTP API, so that a change of API conventions never changes stored rows.
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, s_options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, s_options)
        ?? throw new JsonException($"Stored state of type {typeof(T).Name} is null.");
}
