using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GcmActors.Contracts;

/// <summary>
/// Enum values as their kebab-case slugs, read exactly as documented: <c>"completed"</c> is a status,
/// <c>"Completed"</c>, <c>" completed "</c> and <c>2</c> are not (the framework's converter accepts all three).
/// Also used for enum dictionary keys (deadlines, counts).
/// </summary>
public sealed class SlugEnumConverter : JsonConverterFactory
{
    /// <summary>How the message of a refused value starts (the only converter message the API shows a client).</summary>
    public const string Expected = "expected one of ";

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    /// <summary>Every slug of <typeparamref name="TEnum"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Slugs<TEnum>() where TEnum : struct, Enum => Converter<TEnum>.Names;

    /// <summary>Every slug of an enum type, in declaration order (for the OpenAPI document).</summary>
    public static IReadOnlyList<string> Slugs(Type enumType) =>
        [.. Enum.GetValues(enumType).Cast<Enum>().Select(v => JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()))];

    private sealed class Converter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private static readonly FrozenDictionary<string, TEnum> s_bySlug =
            Enum.GetValues<TEnum>().ToFrozenDictionary(GcmJson.Slug, v => v, StringComparer.Ordinal);

        private static readonly FrozenDictionary<TEnum, string> s_byValue =
            Enum.GetValues<TEnum>().ToFrozenDictionary(v => v, GcmJson.Slug);

        public static readonly IReadOnlyList<string> Names = [.. Enum.GetValues<TEnum>().Select(GcmJson.Slug)];

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? Parse(reader.GetString()) : throw Refused();

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Name(value));

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString());

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Name(value));

        private static TEnum Parse(string? slug) =>
            slug is not null && s_bySlug.TryGetValue(slug, out var value) ? value : throw Refused();

        private static string Name(TEnum value) =>
            s_byValue.TryGetValue(value, out var name) ? name : throw new JsonException($"{value} is not a {typeof(TEnum).Name}");

        private static JsonException Refused() => new($"{Expected}{string.Join(", ", Names)} (exactly, in lower case)");
    }
}
