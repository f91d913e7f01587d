using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;

namespace GcmActors.IntegrationTests.Http;

/// <summary>Small helpers for talking JSON to the host.</summary>
internal static class Api
{
    /// <summary>
    /// The sum of a counter's series on the host's Prometheus endpoint (admin), those with <paramref name="label"/>
    /// (<c>name="value"</c>) only when given; 0 before the counter first moved.
    /// </summary>
    public static async Task<long> CounterAsync(HttpClient admin, string name, string? label = null)
    {
        var text = await admin.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is ' ' or '{'))
            .Where(l => label is null || l.Contains(label, StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .Sum();
    }

    public static async Task<RegionProgress> RegionAsync(HttpClient client, string cycle, string region)
    {
        var response = await client.GetAsync($"/api/cycles/{cycle}/regions/{region}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RegionProgress>(GcmJson.Options))!;
    }

    public static Task<HttpResponseMessage> PostMilestoneAsync(HttpClient client, string cycle, string country, string milestone, object body) =>
        client.PostAsJsonAsync($"/api/cycles/{cycle}/reviews/{country}/milestones/{milestone}", body, GcmJson.Options);

    public static Task<HttpResponseMessage> PutRegionAsync(HttpClient client, string cycle, string region, object body) =>
        client.PutAsJsonAsync($"/api/cycles/{cycle}/regions/{region}", body, GcmJson.Options);

    /// <summary>A round like the seeded one, with the dates of the 2020 plan: for a cycle within three years of 2020.</summary>
    public static object Round(params string[] members) => RoundFor("2020", members);

    /// <summary>
    /// A round like the seeded one in a cycle of the test's own: the deadlines of the 2020 plan, moved to the cycle's
    /// year (a round's dates lie within three years of its cycle). Test cycles are years gone by, so deadlines
    /// have passed and the members lag, as the seeded States did. The conference has no dates yet: with dates in a
    /// year gone by the round would be concluded, and its members' changes only late updates (decision 0013).
    /// </summary>
    public static object RoundFor(string cycle, params string[] members)
    {
        var year = int.Parse(cycle, System.Globalization.CultureInfo.InvariantCulture);
        string On(int month, int day) => new DateOnly(year, month, day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return new
        {
            name = "Test round",
            coOrganizers = new[] { "ESCWA", "IOM", "LAS" },
            conference = new { modality = "undecided" },
            deadlines = new Dictionary<string, string>
            {
                ["coordination-body-appointed"] = On(8, 31),
                ["template-shared"] = On(8, 31),
                ["data-collected"] = On(9, 15),
                ["approved"] = On(9, 29),
                ["submitted"] = On(10, 6),
            },
            members,
        };
    }

    /// <summary>Every page of a paginated list, following <c>Link: &lt;...&gt;; rel="next"</c> from <paramref name="first"/>.</summary>
    public static async Task<List<JsonArray>> PagesAsync(HttpClient client, string first)
    {
        var pages = new List<JsonArray>();
        for (var next = first; next is not null;)
        {
            using var response = await client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            pages.Add((await response.Content.ReadFromJsonAsync<JsonArray>())!);
            next = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split(';')[0].Trim('<', '>', ' ') : null;
        }

        return pages;
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and returns its "type".</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        var type = problem.RootElement.GetProperty("type").GetString()!;
        Assert.StartsWith("urn:gcm-actors:problem:", type, StringComparison.Ordinal);
        return type;
    }
}
