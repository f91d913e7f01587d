using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// The seeded Arab round of 2020 in time, through the real executable on today's date: concluded on 25 February 2021,
/// replayed on the days of the workshop report, and over time.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class RoundsInTimeTests(HostFixture fixture)
{
    private const string Round = "/api/cycles/2020/regions/arab";

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Today_TheSeededRoundIsConcluded_AndSaysWhereTheSeedsKnowledgeEnds()
    {
        using var client = Host.CreateClient();

        var document = (await client.GetFromJsonAsync<JsonObject>(Round))!;

        Assert.Equal("concluded", (string)document["phase"]!);
        Assert.Equal("2021-02-25", (string)document["concludedOn"]!);
        Assert.Equal("2020-08-13", (string)document["lastReport"]!["date"]!);
        Assert.Contains("13 August 2020", (string)document["lastReport"]!["source"]!);
        Assert.Null(document["daysToConference"]);
        Assert.Null(document["forecast"]);
        // Lagging is frozen at the conclusion: at most the days from the first deadline (31 August 2020) to 25 February 2021.
        var behind = document["members"]!.AsArray().Select(m => (int)m!["daysBehind"]!).ToList();
        Assert.Equal(178, behind.Max());
        Assert.Equal("virtual", (string)document["conference"]!["modality"]!);
    }

    [Fact]
    public async Task AsOfTheReportsDay_GivesTheReportsTable_AndAnEarlierDayLess()
    {
        using var client = Host.CreateClient();

        var report = (await client.GetFromJsonAsync<JsonObject>($"{Round}?asOf=2020-08-13"))!;
        var june = (await client.GetFromJsonAsync<JsonObject>($"{Round}?asOf=2020-06-01"))!;

        // DOMAIN.md's table as of 13 August 2020: (not started, in progress, completed) per milestone.
        Assert.Equal(
            new[] { (15, 3, 4), (19, 1, 2), (18, 2, 2), (21, 0, 1), (22, 0, 0) },
            Counts(report));
        Assert.Equal("preparing", (string)report["phase"]!);
        Assert.Equal("2020-12-01", (string)report["conference"]!["start"]!); // the conference had not moved yet
        Assert.Equal(110, (int)report["daysToConference"]!);
        Assert.Equal("2020-08-13", (string)report["asOf"]!);
        var syr = report["members"]!.AsArray().Single(m => (string)m!["country"]! == "SYR")!;
        Assert.Equal("completed", (string)syr["milestones"]!["approved"]!);
        Assert.True(Counts(june).Sum(c => c.Item3) < Counts(report).Sum(c => c.Item3));
        Assert.Equal(0, Counts(june).Sum(c => c.Item3));
    }

    [Theory]
    [InlineData("2020-02-30", HttpStatusCode.BadRequest)]
    [InlineData("13-08-2020", HttpStatusCode.BadRequest)]
    [InlineData("2999-01-01", HttpStatusCode.BadRequest)]
    [InlineData("2020-05-31", HttpStatusCode.NotFound)]
    public async Task AsOf_ABadOrFutureDayIsAProblem_AndADayBeforeTheRoundNotFound(string day, HttpStatusCode status)
    {
        using var client = Host.CreateClient();

        var response = await client.GetAsync($"{Round}?asOf={day}");

        await Api.AssertProblemAsync(response, status);
        Assert.Contains(day, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReviewAsOf_ShowsSyriasApprovalFromItsDay()
    {
        using var client = Host.CreateClient();

        var before = (await client.GetFromJsonAsync<JsonObject>("/api/cycles/2020/reviews/SYR?asOf=2020-06-12"))!;
        var after = (await client.GetFromJsonAsync<JsonObject>("/api/cycles/2020/reviews/SYR?asOf=2020-06-13"))!;

        Assert.Equal("not-started", (string)before["milestones"]!["approved"]!["status"]!);
        Assert.Equal(0, (int)before["version"]!);
        Assert.Equal("completed", (string)after["milestones"]!["approved"]!["status"]!);
        Assert.Equal("2020-06-13T12:00:00+00:00", (string)after["milestones"]!["approved"]!["updatedAt"]!);
        Assert.Equal(["arab"], before["regions"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Timeline_OfTheSeededRound_GrowsInCompletedCountsOver2020_AndAnswers304WhileUnchanged()
    {
        using var client = Host.CreateClient();

        var response = await client.GetAsync($"{Round}/timeline?from=2020-06-01&to=2020-12-31&step=week");
        var timeline = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        var points = timeline["points"]!.AsArray();
        Assert.Equal("2020-06-01", (string)points[0]!["date"]!);
        Assert.Equal("2020-12-31", (string)points[^1]!["date"]!);
        var completed = points.Select(p => p!["counts"]!.AsObject().Sum(c => (int)c.Value!["completed"]!)).ToList();
        Assert.Equal(completed.Order(), completed);
        Assert.Equal(0, completed[0]);
        Assert.Equal(4 + 2 + 2 + 1, completed[^1]); // the completed column of the report's table
        Assert.True((int)points[^1]!["lagging"]! > 0);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"{Round}/timeline?from=2020-06-01&to=2020-12-31&step=week");
        again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);

        await Api.AssertProblemAsync(await client.GetAsync($"{Round}/timeline?step=fortnight"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.GetAsync($"{Round}/timeline?from=2020-09-01&to=2020-08-01"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.GetAsync($"{Round}/timeline?from=2017-01-01&step=day"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CoOrganizers_PostponeOrConcludeARound_AndBadLifecycleChangesAreProblems()
    {
        const string cycle = "2025";
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "lifecycle", Api.RoundFor(cycle, "LBN", "JOR"))).StatusCode);
        var path = $"/api/cycles/{cycle}/regions/lifecycle";
        var round = (await admin.GetFromJsonAsync<JsonObject>(path))!;
        Assert.Equal("preparing", (string)round["phase"]!);

        round["conference"] = new JsonObject { ["start"] = "2025-12-01", ["modality"] = "virtual", ["postponed"] = true };
        await Api.AssertProblemAsync(await admin.PutAsJsonAsync(path, round), HttpStatusCode.BadRequest);
        round["conclusion"] = "2027-01-15";
        round["conference"] = new JsonObject { ["modality"] = "undecided" };
        await Api.AssertProblemAsync(await admin.PutAsJsonAsync(path, round), HttpStatusCode.BadRequest);

        round["conclusion"] = null;
        round["conference"] = new JsonObject { ["modality"] = "undecided", ["postponed"] = true };
        var postponed = await (await admin.PutAsJsonAsync(path, round)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("postponed", (string)postponed!["phase"]!);

        postponed["conclusion"] = "2026-01-15";
        var concluded = await (await admin.PutAsJsonAsync(path, postponed)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(("concluded", "2026-01-15", "2026-01-15"), ((string)concluded!["phase"]!, (string)concluded["concludedOn"]!, (string)concluded["conclusion"]!));

        // The document, sent back as it is, changes nothing.
        var again = await admin.PutAsJsonAsync(path, concluded);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((long)concluded["version"]!, (long)(await again.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);
    }

    private static (int, int, int)[] Counts(JsonObject document) =>
    [
        .. new[] { "coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted" }
            .Select(m => document["counts"]![m]!)
            .Select(c => ((int)c["not-started"]!, (int)c["in-progress"]!, (int)c["completed"]!)),
    ];
}
