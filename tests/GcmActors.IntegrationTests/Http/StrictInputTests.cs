using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// Input that is almost right is refused, not guessed at: each case is a 400 problem and changes nothing
/// (the review's or the round's version is what it was).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class StrictInputTests(HostFixture fixture)
{
    private static int s_cycle = 1500;

    private HostProcess Host => fixture.Host;

    private async Task<string> NewRoundAsync(params string[] members)
    {
        var cycle = Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, members))).StatusCode);
        return cycle;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<long> VersionAsync(HttpClient client, string url) =>
        (long)(await client.GetFromJsonAsync<JsonObject>(url))!["version"]!;

    [Theory]
    [InlineData("""{"status":"Completed"}""")]
    [InlineData("""{"status":" completed "}""")]
    [InlineData("""{"status":"COMPLETED"}""")]
    [InlineData("""{"status":2}""")]
    [InlineData("""{"status":"completed","status":"in-progress"}""")]
    [InlineData("""{"status":"completed","objectives":["3"]}""")]
    [InlineData("""{"status":"completed","stakeholders":[{"name":"IOM","kind":"UnAgency"}]}""")]
    [InlineData("""{"status":"completed","note":"all in\u0000"}""")]
    [InlineData("""{"status":"completed","note":"all \u202Ein"}""")]
    [InlineData("""{"status":"in-progress","reason":"late \u2066figures\u2069"}""")]
    [InlineData("""{"status":"completed","coordinationBody":{"name":"Body\u001b[31m"}}""")]
    [InlineData("""{"status":"completed","coordinationBody":{"name":"National body\nsecond line"}}""")]
    [InlineData("""{"status":"completed","challenges":["covid\u200F\u202B-19"]}""")]
    public async Task RecordMilestone_WithAlmostRightInput_IsABadRequestAndChangesNothing(string body)
    {
        var cycle = await NewRoundAsync("LBN");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        var review = $"/api/cycles/{cycle}/reviews/LBN";
        var before = await VersionAsync(ministry, review);

        var response = await ministry.PostAsync($"{review}/milestones/data-collected", Json(body));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await VersionAsync(ministry, review));
    }

    [Fact]
    public async Task RecordMilestone_NoteOnSeveralLines_IsAccepted()
    {
        var cycle = await NewRoundAsync("LBN");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));

        var response = await ministry.PostAsync($"/api/cycles/{cycle}/reviews/LBN/milestones/data-collected",
            Json("""{"status":"completed","note":"Labour: in\nHealth: in\tlate"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("name", "\"Arab\\u0000 round\"")]
    [InlineData("name", "\"Arab \\u202Eround\"")]
    [InlineData("coOrganizers", "[\"ESCWA\",\"I\\u0007OM\"]")]
    [InlineData("coOrganizers", "[\"A1\",\"A2\",\"A3\",\"A4\",\"A5\",\"A6\",\"A7\",\"A8\",\"A9\",\"A10\",\"A11\",\"A12\",\"A13\",\"A14\",\"A15\",\"A16\",\"A17\",\"A18\",\"A19\",\"A20\",\"A21\"]")]
    [InlineData("coOrganizers", "[\"an organization whose name is one character longer than the hundred characters that a co-organizer has\"]")]
    [InlineData("conference", """{"start":"0001-01-01","end":"9999-12-31","modality":"virtual"}""")]
    [InlineData("conference", """{"start":"CYCLE_PLUS_4-01-10","end":"CYCLE_PLUS_4-01-11","modality":"virtual"}""")]
    [InlineData("conference", """{"start":"CYCLE-12-01","end":"CYCLE-12-02","modality":"Virtual"}""")]
    [InlineData("deadlines", """{"approved":"CYCLE-09-29","Submitted":"CYCLE-10-06"}""")]
    [InlineData("deadlines", """{"approved":"0202-09-29"}""")]
    [InlineData("members", """["LBN",{"country":"LBN","country":"SYR"}]""")]
    public async Task PutRegion_WithAlmostRightInput_IsABadRequestAndChangesNothing(string field, string value)
    {
        var cycle = await NewRoundAsync("LBN", "SYR");
        using var admin = Host.CreateClient(Host.Token("admin"));
        var round = $"/api/cycles/{cycle}/regions/arab";
        var document = (await admin.GetFromJsonAsync<JsonObject>(round))!;
        var year = int.Parse(cycle, System.Globalization.CultureInfo.InvariantCulture);
        document[field] = JsonNode.Parse(value.Replace("CYCLE_PLUS_4", (year + 4).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("CYCLE", cycle, StringComparison.Ordinal));

        var response = await admin.PutAsync(round, Json(document.ToJsonString()));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal((long)document["version"]!, await VersionAsync(admin, round));
    }

    [Fact]
    public async Task PutRegion_TwentyCoOrganizersAndAConferenceThreeYearsOn_IsAccepted()
    {
        var cycle = await NewRoundAsync("LBN");
        using var admin = Host.CreateClient(Host.Token("admin"));
        var round = $"/api/cycles/{cycle}/regions/arab";
        var document = (await admin.GetFromJsonAsync<JsonObject>(round))!;
        var later = int.Parse(cycle, System.Globalization.CultureInfo.InvariantCulture) + 3;
        document["coOrganizers"] = new JsonArray([.. Enumerable.Range(1, 20).Select(i => (JsonNode)(i + new string('x', 98)))]);
        document["conference"] = new JsonObject { ["start"] = $"{later}-12-30", ["end"] = $"{later}-12-31", ["modality"] = "hybrid" };

        var response = await admin.PutAsync(round, Json(document.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SendNudge_WithABidiOverrideInTheMessage_IsABadRequestAndStoresNothing()
    {
        var cycle = await NewRoundAsync("LBN");
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));

        var response = await coOrganizer.PostAsync($"/api/cycles/{cycle}/regions/arab/nudges",
            Json("""{"message":"Please send \u202Eyour report","countries":["LBN"]}"""));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty((await ministry.GetFromJsonAsync<JsonArray>($"/api/cycles/{cycle}/reviews/LBN/nudges"))!);
    }

    [Theory]
    [InlineData("ministry", "lbn")]
    [InlineData("ministry", " LBN")]
    [InlineData("coorganizer", "Arab")]
    public async Task Write_WithAScopeInTheWrongCase_IsForbiddenAndChangesNothing(string role, string scope)
    {
        var cycle = await NewRoundAsync("LBN");
        using var admin = Host.CreateClient(Host.Token("admin"));
        using var client = Host.CreateClient(Host.Token(role, scope));
        var review = $"/api/cycles/{cycle}/reviews/LBN";
        var round = $"/api/cycles/{cycle}/regions/arab";
        var (reviewBefore, roundBefore) = (await VersionAsync(admin, review), await VersionAsync(admin, round));

        var response = role == "ministry"
            ? await Api.PostMilestoneAsync(client, cycle, "lbn", "data-collected", new { status = "completed" })
            : await Api.PutRegionAsync(client, cycle, "arab", Api.RoundFor(cycle, "LBN", "SYR"));

        await Api.AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(reviewBefore, await VersionAsync(admin, review));
        Assert.Equal(roundBefore, await VersionAsync(admin, round));
    }

    [Fact]
    public async Task Token_ExpiredLongerAgoThanTheClockSkew_IsUnauthorized_AndWithinIt_IsAccepted()
    {
        var cycle = await NewRoundAsync("LBN");
        var anHourAgo = DateTime.UtcNow - TimeSpan.FromHours(1);
        // Tokens live one hour: these expired 60 s ago (the library's default skew of 5 min would accept it) and 5 s ago.
        using var stale = Host.CreateClient(Host.Token("ministry", "LBN", issuedAt: anHourAgo - TimeSpan.FromSeconds(60)));
        using var recent = Host.CreateClient(Host.Token("ministry", "LBN", issuedAt: anHourAgo - TimeSpan.FromSeconds(5)));

        var refused = await Api.PostMilestoneAsync(stale, cycle, "LBN", "data-collected", new { status = "in-progress" });
        var accepted = await Api.PostMilestoneAsync(recent, cycle, "LBN", "data-collected", new { status = "in-progress" });

        await Api.AssertProblemAsync(refused, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
