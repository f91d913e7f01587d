using Microsoft.Net.Http.Headers;

namespace GcmActors.Host.Api;

/// <summary>Conditional requests: If-None-Match on reads, If-Match on writes (tag formats: decision 0010).</summary>
internal static class Preconditions
{
    /// <summary>True when the request's If-None-Match names <paramref name="etag"/> (or is <c>*</c>).</summary>
    public static bool IfNoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }

        foreach (var value in header)
        {
            foreach (var candidate in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (candidate == "*" || candidate == etag || candidate == "W/" + etag)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The version an If-Match header expects: <c>"7"</c>, <c>7</c> or a region tag <c>"7.130-20420"</c> all mean 7.
    /// A region tag is the configuration's version, the members' versions and the day: a round's If-Match compares
    /// the configuration only, so that ministries' progress never makes a co-organizer's edit stale.
    /// Null when there is no header (or <c>*</c>); false when it cannot be read.
    /// </summary>
    public static bool TryExpectedVersion(HttpRequest request, out long? version)
    {
        version = null;
        var raw = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        if (raw.Length == 0 || raw == "*")
        {
            return true;
        }

        var text = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
        text = text.Trim('"');
        var dash = text.IndexOfAny(['.', '-']);
        if (dash > 0)
        {
            text = text[..dash];
        }

        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
            return true;
        }

        return false;
    }
}
