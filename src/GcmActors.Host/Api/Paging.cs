namespace GcmActors.Host.Api;

/// <summary>The <c>?limit=</c> and <c>?after=</c> of a paginated list (decision 0010).</summary>
internal static class Paging
{
    /// <summary>
    /// Reads <c>?limit=</c> (1..<paramref name="max"/>, default <paramref name="defaultLimit"/>) and <c>?after=</c>
    /// (a sequence, default 0). False when either is not a plain number in range.
    /// </summary>
    public static bool TryQuery(string? limit, string? after, int defaultLimit, int max, out int take, out long from)
    {
        take = defaultLimit;
        from = 0;
        var style = System.Globalization.NumberStyles.None;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return (limit is null || (int.TryParse(limit, style, culture, out take) && take is >= 1 && take <= max))
            && (after is null || long.TryParse(after, style, culture, out from));
    }
}
