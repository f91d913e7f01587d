using System.Text.Json;
using System.Text.Json.Serialization;

namespace GcmActors.Contracts;

/// <summary>
/// The one set of JSON conventions of the HTTP API: camelCase members, kebab-case enum values read exactly,
/// numbers as JSON numbers only, and no property twice in one object (a client's duplicate is refused, not
/// silently resolved to the last value).
/// </summary>
public static class GcmJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the API conventions to options owned by someone else (ASP.NET Core's, for instance).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Web defaults read "7" as 7; the contract says integer, so the document and the reader agree on integer.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new SlugEnumConverter());
        return options;
    }

    public static string Slug<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParseSlug<TEnum>(string? slug, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Slug(candidate), slug, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
