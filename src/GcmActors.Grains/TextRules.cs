namespace GcmActors.Grains;

/// <summary>
/// What free text may contain. Names, notes and messages end up on dashboards, in CSV exports and in other
/// States' inboxes, so they carry no control characters (a NUL, an escape) and no bidirectional overrides or
/// isolates (U+202A-U+202E, U+2066-U+2069), which can make a text read differently from what it holds.
/// Notes and messages may span lines (line feed, carriage return, tab); names and tags may not.
/// </summary>
public static class TextRules
{
    /// <summary>True when <paramref name="text"/> is a single line of printable text.</summary>
    public static bool IsCleanLine(string? text) => text is null || !text.Any(c => char.IsControl(c) || IsBidiControl(c));

    /// <summary>True when <paramref name="text"/> is printable text, possibly of several lines.</summary>
    public static bool IsCleanText(string? text) =>
        text is null || !text.Any(c => (char.IsControl(c) && c is not ('\n' or '\r' or '\t')) || IsBidiControl(c));

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    /// <summary>The sentence a refusal carries, naming the field.</summary>
    public static string Refusal(string field) =>
        $"{field} contains a control character or a bidirectional override (U+202A-U+202E, U+2066-U+2069)";
}
