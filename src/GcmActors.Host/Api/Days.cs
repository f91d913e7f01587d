using System.Globalization;

namespace GcmActors.Host.Api;

/// <summary>The days of the query string (<c>?asOf=</c>, <c>?from=</c>, <c>?to=</c>): ISO 8601 calendar dates, read once here.</summary>
internal static class Days
{
    /// <summary>
    /// True when <paramref name="text"/> is absent (<paramref name="day"/> null) or a real date written YYYY-MM-DD that is
    /// not after <paramref name="today"/>; otherwise false with the problem's detail.
    /// </summary>
    public static bool TryRead(string name, string? text, DateOnly today, out DateOnly? day, out string? problem)
    {
        day = null;
        problem = null;
        if (text is null)
        {
            return true;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            problem = $"{name} must be a date written YYYY-MM-DD (for example 2020-08-13), not '{text}'";
            return false;
        }

        if (parsed > today)
        {
            problem = $"{name} is {parsed:yyyy-MM-dd}, after today ({today:yyyy-MM-dd}): only days that have come can be replayed";
            return false;
        }

        day = parsed;
        return true;
    }
}
