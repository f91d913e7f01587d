using System.Globalization;

namespace GcmActors.Benchmarks;

/// <summary>The closing table: one line per figure the issue asks for, with its goal. It reports; it never fails the run.</summary>
internal sealed class Summary
{
    private readonly List<Row> _rows = [];

    /// <summary>A figure with a goal: <paramref name="met"/> null when the figure is only informative.</summary>
    public void Add(string section, string measure, string value, string goal = "", bool? met = null) =>
        _rows.Add(new Row(section, measure, value, goal, met));

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("SUMMARY (one run; the harness measures, it does not judge: 'met' only compares with the issue's goals)");
        if (_rows.Count == 0)
        {
            output.WriteLine("  (no section ran)");
            return;
        }

        var sectionWidth = Math.Max(8, _rows.Max(r => r.Section.Length));
        var measureWidth = Math.Max(8, _rows.Max(r => r.Measure.Length));
        var valueWidth = Math.Max(6, _rows.Max(r => r.Value.Length));
        var goalWidth = Math.Max(4, _rows.Max(r => r.Goal.Length));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"section".PadRight(sectionWidth)}  {"measure".PadRight(measureWidth)}  {"value".PadRight(valueWidth)}  {"goal".PadRight(goalWidth)}  verdict"));
        foreach (var row in _rows)
        {
            var verdict = row.Met switch
            {
                true => "met",
                false => "NOT met",
                null => "",
            };
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {row.Section.PadRight(sectionWidth)}  {row.Measure.PadRight(measureWidth)}  {row.Value.PadRight(valueWidth)}  {row.Goal.PadRight(goalWidth)}  {verdict}"));
        }
    }

    private sealed record Row(string Section, string Measure, string Value, string Goal, bool? Met);
}
