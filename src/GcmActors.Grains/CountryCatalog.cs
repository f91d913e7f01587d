using System.Collections.Frozen;
using System.Text.Json;

namespace GcmActors.Grains;

/// <summary>
/// ISO 3166-1 alpha-3 codes and English short names. The list ships inside this assembly
/// (countries.json) so that validation does not depend on the machine's ICU data.
/// </summary>
public sealed class CountryCatalog
{
    private readonly FrozenDictionary<string, string> _names;

    private CountryCatalog(FrozenDictionary<string, string> names)
    {
        _names = names;
        All = [.. names.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => (n.Key, n.Value))];
    }

    public static CountryCatalog Default { get; } = Load();

    /// <summary>Every code with its name, by code.</summary>
    public IReadOnlyList<(string Code, string Name)> All { get; }

    /// <summary>Every code, in alphabetical order.</summary>
    public IEnumerable<string> Codes => _names.Keys.Order(StringComparer.Ordinal);

    public bool Contains(string code) => _names.ContainsKey(code);

    public string NameOf(string code) => _names.GetValueOrDefault(code, code);

    private static CountryCatalog Load()
    {
        using var stream = typeof(CountryCatalog).Assembly.GetManifestResourceStream("GcmActors.Grains.countries.json")
            ?? throw new InvalidOperationException("countries.json is missing from the GcmActors.Grains assembly.");
        var entries = JsonSerializer.Deserialize<Entry[]>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("countries.json is empty.");
        return new CountryCatalog(entries.ToFrozenDictionary(e => e.Code, e => e.Name, StringComparer.Ordinal));
    }

    private sealed record Entry(string Code, string Name);
}
