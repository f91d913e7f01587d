using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace GcmActors.Host.Api;

/// <summary>
/// The member table of a round as CSV (RFC 4180): the region resource with <c>Accept: text/csv</c> or <c>?format=csv</c>.
/// JSON stays the default. Built from the very document the JSON answer sends, so the two cannot disagree.
/// </summary>
public static class RegionCsv
{
    public const string MediaType = "text/csv";

    private static readonly string[] s_milestones =
        ["coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted"];

    /// <summary>What the request asks for: CSV, JSON, or neither (a format this resource does not have).</summary>
    public static Format Negotiate(string? format, HttpRequest request)
    {
        if (format is not null)
        {
            return format switch
            {
                "csv" => Format.Csv,
                "json" => Format.Json,
                _ => Format.Unknown,
            };
        }

        // Only an Accept that names CSV and not JSON picks CSV; browsers' "*/*" and anything else get JSON. Dashboards
        // poll this read from many screens: an Accept that does not even mention csv is answered without parsing it.
        var header = request.Headers.Accept;
        if (header.Count == 0 || !header.ToString().Contains("csv", StringComparison.OrdinalIgnoreCase))
        {
            return Format.Json;
        }

        var accept = MediaTypeHeaderValue.ParseList(header);
        return accept.Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            ? Format.Csv
            : Format.Json;
    }

    /// <summary>The CSV representation has its own entity tag: the JSON one with <c>.csv</c> inside the quotes.</summary>
    public static string ETagOf(string jsonETag) => jsonETag.Insert(jsonETag.Length - 1, ".csv");

    /// <summary>One header line, then one line per member in the document's order.</summary>
    public static byte[] Write(byte[] documentJson)
    {
        using var document = JsonDocument.Parse(documentJson);
        var text = new StringBuilder();
        Line(text, ["country", "name", "participation", .. s_milestones, "lagging", "daysBehind", "lastNudge"]);
        foreach (var member in document.RootElement.GetProperty("members").EnumerateArray())
        {
            var milestones = member.GetProperty("milestones");
            Line(text,
            [
                member.GetProperty("country").GetString(),
                member.GetProperty("name").GetString(),
                member.GetProperty("participation").GetString(),
                .. s_milestones.Select(m => milestones.TryGetProperty(m, out var status) ? status.GetString() : ""),
                member.GetProperty("lagging").GetBoolean() ? "true" : "false",
                member.GetProperty("daysBehind").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                member.TryGetProperty("lastNudge", out var nudge) && nudge.ValueKind == JsonValueKind.String ? nudge.GetString() : "",
            ]);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Line(StringBuilder text, IEnumerable<string?> fields)
    {
        text.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
    }

    private static string Quote(string? field) =>
        field is null ? ""
        : field.AsSpan().IndexOfAny("\",\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : field;

    public enum Format
    {
        Json,
        Csv,
        Unknown,
    }
}
