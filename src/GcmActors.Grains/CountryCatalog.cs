using System.Collections.Frozen;
using System.Text.Json;

namespace GcmActors.Grains;

/// <summary>
/// ISO 3166-1 alpha-3 codes, their alpha-2 codes and English short names. The list ships inside this assembly
/// (countries.json) so that validation does not depend on the machine's ICU data. The alpha-2 codes are there for
/// display: pages name a State in the reader's language with <c>Intl.DisplayNames</c>, which takes alpha-2.
/// </summary>
public sealed class CountryCatalog
{
    private readonly FrozenDictionary<string, string> _names;
    private readonly FrozenDictionary<string, string> _alpha2;

    private CountryCatalog(IReadOnlyCollection<Entry> entries)
    {
        _names = entries.ToFrozenDictionary(e => e.Code, e => e.Name, StringComparer.Ordinal);
        _alpha2 = entries.ToFrozenDictionary(e => e.Code, e => e.Alpha2, StringComparer.Ordinal);
        All = [.. entries.OrderBy(e => e.Code, StringComparer.Ordinal).Select(e => (e.Code, e.Name))];
    }

    public static CountryCatalog Default { get; } = Load();

    /// <summary>Every code with its name, by code.</summary>
    public IReadOnlyList<(string Code, string Name)> All { get; }

    /// <summary>Every code, in alphabetical order.</summary>
    public IEnumerable<string> Codes => _names.Keys.Order(StringComparer.Ordinal);

    public bool Contains(string code) => _names.ContainsKey(code);

    public string NameOf(string code) => _names.GetValueOrDefault(code, code);

    /// <summary>The ISO 3166-1 alpha-2 code of an alpha-3 code of the catalogue (e.g. LBN: LB), or null.</summary>
    public string? Alpha2Of(string code) => _alpha2.GetValueOrDefault(code);

    private static CountryCatalog Load()
    {
        using var stream = typeof(CountryCatalog).Assembly.GetManifestResourceStream("GcmActors.Grains.countries.json")
            ?? throw new InvalidOperationException("countries.json is missing from the GcmActors.Grains assembly.");
        var entries = JsonSerializer.Deserialize<Entry[]>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("countries.json is empty.");
        return new CountryCatalog(entries);
    }

    private sealed record Entry(string Code, string Alpha2, string Name);
}
