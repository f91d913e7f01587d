using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GcmActors.Contracts;

namespace GcmActors.IntegrationTests.Http;

/// <summary>Small helpers for talking JSON to the host.</summary>
internal static class Api
{
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

    /// <summary>A round like the seeded one (dates of the 2020 plan) in a cycle of the test's own.</summary>
    public static object Round(params string[] members) => new
    {
        name = "Test round",
        coOrganizers = new[] { "ESCWA", "IOM", "LAS" },
        conference = new { start = "2020-12-01", end = "2020-12-02", modality = "undecided" },
        deadlines = new Dictionary<string, string>
        {
            ["coordination-body-appointed"] = "2020-08-31",
            ["template-shared"] = "2020-08-31",
            ["data-collected"] = "2020-09-15",
            ["approved"] = "2020-09-29",
            ["submitted"] = "2020-10-06",
        },
        members,
    };

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
