using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace GcmActors.Contracts;

/// <summary>
/// Grain keys: review <c>{cycle}/{ISO3}</c> (e.g. <c>2020/LBN</c>), region <c>{cycle}/{region}</c>
/// (e.g. <c>2020/arab</c>). Changing this format orphans stored state (docs/decisions/0001-grain-keys-and-state-names.md).
/// </summary>
public static partial class Keys
{
    /// <summary>The key of the one catalog grain.</summary>
    public const string Catalog = "all";

    public static string Review(string cycle, string country) => $"{cycle}/{country}";

    public static string Region(string cycle, string region) => $"{cycle}/{region}";

    public static (string Cycle, string Part) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (key, "") : (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>A review cycle is the year its regional round starts, e.g. <c>2020</c>.</summary>
    public static bool IsCycle([NotNullWhen(true)] string? value) => value is not null && CycleRegex().IsMatch(value);

    /// <summary>Region slugs are short lowercase names such as <c>arab</c> or <c>africa</c>.</summary>
    public static bool IsRegion([NotNullWhen(true)] string? value) => value is not null && RegionRegex().IsMatch(value);

    /// <summary>ISO 3166-1 alpha-3 shape (three letters). Whether the code exists is the catalog's business.</summary>
    public static bool IsCountryShape([NotNullWhen(true)] string? value) => value is not null && CountryRegex().IsMatch(value);

    [GeneratedRegex("^[0-9]{4}$")]
    private static partial Regex CycleRegex();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex RegionRegex();

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CountryRegex();
}
