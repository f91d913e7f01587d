using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GcmActors.Host.Api;

/// <summary>A review cycle and the regional rounds it has.</summary>
public sealed record CycleSummary(string Cycle, ImmutableArray<string> Regions);

/// <summary>A regional round with the figures a list shows; its full document is at <see cref="Href"/>.</summary>
public sealed record RoundSummary(
    string Cycle, string Region, string Name, Conference Conference, int? DaysToConference, int Members, int Participating,
    int Submitted, double SubmittedShare, int Lagging, long Version, string Href);

/// <summary>A State's review in a cycle: the rounds that count it and its version as they last saw it.</summary>
public sealed record ReviewSummary(string Cycle, string Country, string Name, ImmutableArray<string> Regions, long Version, string Href);

/// <summary>
/// An ISO 3166-1 alpha-3 code, the State's English short name and its alpha-2 code (which pages hand to
/// <c>Intl.DisplayNames</c> to name the State in the reader's language).
/// </summary>
public sealed record CountryEntry(string Code, string Name, string Alpha2);

/// <summary>
/// Discovery: which cycles, rounds and reviews exist (from the catalog grain and the rounds' documents), and the
/// country catalogue. Reads the same documents dashboards read, so a list costs one lookup per round.
/// </summary>
public static class DiscoveryApi
{
    /// <summary>Reviews per page unless <c>?limit=</c> says otherwise, and the most it may say.</summary>
    public const int DefaultReviewPage = 100;

    public const int MaxReviewPage = 1000;

    [EndpointDescription("Every review cycle that has a regional round, with the slugs of its rounds.")]
    public static async Task<Ok<ImmutableArray<CycleSummary>>> GetCyclesAsync(IGrainFactory grains)
    {
        var rounds = await grains.GetGrain<ICatalogGrain>(Keys.Catalog).GetRoundsAsync();
        return TypedResults.Ok(rounds.Select(Keys.Split).GroupBy(k => k.Cycle, StringComparer.Ordinal)
            .Select(g => new CycleSummary(g.Key, [.. g.Select(k => k.Part)])).ToImmutableArray());
    }

    [EndpointDescription(
        "The regional rounds of a cycle with their summary figures: members, participating, submitted, "
        + "lagging.")]
    public static async Task<Results<Ok<ImmutableArray<RoundSummary>>, ProblemHttpResult>> GetRoundsAsync(
        string cycle, IGrainFactory grains, RegionDocumentBoard board, [FromKeyedServices(GcmClock.Key)] TimeProvider time)
    {
        var rounds = await RoundsOfAsync(cycle, grains, board, time);
        return rounds.IsEmpty
            ? NoCycle(cycle)
            : TypedResults.Ok(rounds.Select(r => new RoundSummary(
                r.Cycle, r.Region, r.Name, r.Conference, r.DaysToConference, r.Members.Length, r.Participating, r.Submitted,
                r.SubmittedShare, r.Lagging.Length, r.Version, $"/api/cycles/{r.Cycle}/regions/{r.Region}")).ToImmutableArray());
    }

    [EndpointDescription(
        "The reviews of a cycle by ISO3 code, with the rounds that count each one and its version, one page "
        + "at a time: ?limit= (default 100, at most 1000) and ?after= an ISO3 code; Link rel=\"next\" while "
        + "there is more.")]
    public static async Task<Results<Ok<ImmutableArray<ReviewSummary>>, ProblemHttpResult>> GetReviewsAsync(
        string cycle, HttpContext context, IGrainFactory grains, RegionDocumentBoard board, [FromKeyedServices(GcmClock.Key)] TimeProvider time,
        string? limit = null, string? after = null)
    {
        if (!TryPage(limit, after, out var take, out var from))
        {
            return Problems.BadRequest($"limit must be a whole number from 1 to {MaxReviewPage} and after an ISO 3166-1 alpha-3 code");
        }

        var rounds = await RoundsOfAsync(cycle, grains, board, time);
        if (rounds.IsEmpty)
        {
            return NoCycle(cycle);
        }

        // A State in two rounds is one review: its version is the newest snapshot any of them holds.
        var reviews = rounds
            .SelectMany(r => r.Members.Select(m => (Round: r.Region, Member: m)))
            .GroupBy(x => x.Member.Country, StringComparer.Ordinal)
            .Where(g => from is null || string.CompareOrdinal(g.Key, from) > 0)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Take(take + 1)
            .Select(g => new ReviewSummary(cycle, g.Key, g.First().Member.Name, [.. g.Select(x => x.Round).Order(StringComparer.Ordinal)],
                g.Max(x => x.Member.Version), $"/api/cycles/{cycle}/reviews/{g.Key}"))
            .ToList();
        if (reviews.Count > take)
        {
            reviews.RemoveAt(take);
            context.Response.Headers.Link = $"<{context.Request.PathBase}{context.Request.Path}?after={reviews[^1].Country}&limit={take}>; rel=\"next\"";
        }

        return TypedResults.Ok(reviews.ToImmutableArray());
    }

    // The catalogue ships in the Grains assembly; it is not a service of the client role, so it is not injected.
    [EndpointDescription("The ISO 3166-1 alpha-3 codes the API accepts, with English short names and alpha-2 codes.")]
    public static Ok<ImmutableArray<CountryEntry>> GetCountries() =>
        TypedResults.Ok(CountryCatalog.Default.All
            .Select(c => new CountryEntry(c.Code, c.Name, CountryCatalog.Default.Alpha2Of(c.Code)!)).ToImmutableArray());

    private static bool TryPage(string? limit, string? after, out int take, out string? from)
    {
        from = after;
        return Paging.TryQuery(limit, null, DefaultReviewPage, MaxReviewPage, out take, out _)
            && (after is null || (Keys.IsCountryShape(after) && after == after.ToUpperInvariant()));
    }

    /// <summary>The documents of a cycle's rounds, by region; a round listed but not (or no longer) configured is left out.</summary>
    private static async Task<ImmutableArray<RegionProgress>> RoundsOfAsync(
        string cycle, IGrainFactory grains, RegionDocumentBoard board, TimeProvider time)
    {
        var keys = (await grains.GetGrain<ICatalogGrain>(Keys.Catalog).GetRoundsAsync())
            .Where(k => Keys.Split(k).Cycle == cycle).ToList();
        var today = time.Today();
        var documents = await Task.WhenAll(keys.Select(async k => board.Find(k, today) ?? await grains.Region(k).GetProgressAsync()));
        return [.. documents.OfType<RegionDocument>().Select(d => JsonSerializer.Deserialize<RegionProgress>(d.Json, GcmJson.Options)!)];
    }

    private static ProblemHttpResult NoCycle(string cycle) => Problems.NotFound($"cycle {cycle} has no regional round");
}
