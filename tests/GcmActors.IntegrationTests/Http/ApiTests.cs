using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;

namespace GcmActors.IntegrationTests.Http;

/// <summary>The HTTP API end to end against the real executable. Tests that write use a cycle of their own.</summary>
[Collection(HostCollection.Name)]
public sealed class ApiTests(HostFixture fixture)
{
    private static int s_cycle = 1000;

    private HostProcess Host => fixture.Host;

    private static string NewCycle() => Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> NewRoundAsync(params string[] members)
    {
        var cycle = NewCycle();
        using var admin = Host.CreateClient(Host.Token("admin"));
        var response = await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, members));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return cycle;
    }

    [Fact]
    public async Task FirstStart_SeedsTheArabRoundAsTheWorkshopReportedIt()
    {
        using var client = Host.CreateClient();

        var progress = await Api.RegionAsync(client, "2020", "arab");

        Assert.Equal(22, progress.Members.Length);
        Assert.Equal<string>(["ESCWA", "IOM", "LAS"], progress.CoOrganizers);
        // Today the round is concluded, after its conference was moved; it shows the States as of its conclusion, which
        // is what the report said (the seed knows nothing later).
        Assert.Equal(new Conference(new DateOnly(2021, 2, 24), new DateOnly(2021, 2, 25), ConferenceModality.Virtual), progress.Conference);
        Assert.Equal((RoundPhase.Concluded, (DateOnly?)new DateOnly(2021, 2, 25)), (progress.Phase, progress.ConcludedOn));
        Assert.Equal(new StatusCounts(15, 3, 4), progress.Counts[Milestone.CoordinationBodyAppointed]);
        Assert.Equal(new StatusCounts(19, 1, 2), progress.Counts[Milestone.TemplateShared]);
        Assert.Equal(new StatusCounts(18, 2, 2), progress.Counts[Milestone.DataCollected]);
        Assert.Equal(new StatusCounts(21, 0, 1), progress.Counts[Milestone.Approved]);
        Assert.Equal(new StatusCounts(22, 0, 0), progress.Counts[Milestone.Submitted]);
        var iraq = progress.Members.Single(m => m.Country == "IRQ");
        Assert.Equal(MilestoneStatus.Completed, iraq.Milestones[Milestone.DataCollected]);
        Assert.Equal(MilestoneStatus.InProgress, iraq.Milestones[Milestone.CoordinationBodyAppointed]);
        Assert.Equal(MilestoneStatus.Completed, progress.Members.Single(m => m.Country == "SYR").Milestones[Milestone.Approved]);
        Assert.Equal("State of Palestine", progress.Members.Single(m => m.Country == "PSE").Name);
    }

    [Fact]
    public async Task RecordMilestone_AsTheStatesMinistry_ShowsInTheNextRegionGet()
    {
        var cycle = await NewRoundAsync("LBN", "SYR");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));

        var response = await Api.PostMilestoneAsync(ministry, cycle, "LBN", "data-collected", new { status = "completed", note = "all in" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        var progress = await Api.RegionAsync(ministry, cycle, "arab");
        Assert.Equal(MilestoneStatus.Completed, progress.Members.Single(m => m.Country == "LBN").Milestones[Milestone.DataCollected]);
        var history = await ministry.GetFromJsonAsync<HistoryEntry[]>($"/api/cycles/{cycle}/reviews/LBN/history", GcmJson.Options);
        Assert.Equal(2, history!.Length); // joining the round, then the change
        var entry = history[^1];
        Assert.Equal(("ministry:LBN", "milestones.data-collected.status", "not-started", "completed", "all in"),
            (entry.Actor, entry.Field, entry.From, entry.To, entry.Note));
    }

    [Fact]
    public async Task RecordMilestone_ApprovedBeforeDataCollected_Is409AndChangesNothing()
    {
        var cycle = await NewRoundAsync("LBN");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));

        var response = await Api.PostMilestoneAsync(ministry, cycle, "LBN", "approved", new { status = "completed" });

        Assert.Equal("urn:gcm-actors:problem:workflow-rule", await Api.AssertProblemAsync(response, HttpStatusCode.Conflict));
        var review = await ministry.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/reviews/LBN");
        Assert.Equal(0, (long)review!["version"]!);
    }

    public static TheoryData<string, string?, HttpStatusCode> ReviewWriters => new()
    {
        { "none", null, HttpStatusCode.Unauthorized },
        { "garbage", "not-a-jwt", HttpStatusCode.Unauthorized },
        { "expired", "expired", HttpStatusCode.Unauthorized },
        { "foreign-key", "foreign-key", HttpStatusCode.Unauthorized },
        { "ministry", "SYR", HttpStatusCode.Forbidden },
        { "viewer", null, HttpStatusCode.Forbidden },
        { "coorganizer", "arab", HttpStatusCode.Forbidden },
        { "coorganizer", "lbn", HttpStatusCode.Forbidden },
        { "ministry", "LBN", HttpStatusCode.OK },
        // A scope is the canonical key exactly (ISO3 upper case); the route may name the State in any case.
        { "ministry", "lbn", HttpStatusCode.Forbidden },
        { "admin", null, HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(ReviewWriters))]
    public async Task RecordMilestone_OnlyTheStatesMinistryOrAnAdminMayWrite(string role, string? scope, HttpStatusCode expected)
    {
        var cycle = await NewRoundAsync("LBN");
        using var client = ClientFor(role, scope);

        var response = await Api.PostMilestoneAsync(client, cycle, "LBN", "template-shared", new { status = "in-progress" });

        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        await Api.AssertProblemAsync(response, expected);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var reader = Host.CreateClient();
        Assert.Equal(0, (long)(await reader.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/reviews/LBN"))!["version"]!);
    }

    public static TheoryData<string, string?, HttpStatusCode> RegionWriters => new()
    {
        { "none", null, HttpStatusCode.Unauthorized },
        { "ministry", "LBN", HttpStatusCode.Forbidden },
        { "viewer", null, HttpStatusCode.Forbidden },
        { "coorganizer", "africa", HttpStatusCode.Forbidden },
        { "coorganizer", "arab", HttpStatusCode.OK },
        { "admin", null, HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(RegionWriters))]
    public async Task PutRegion_OnlyThatRegionsCoOrganizerOrAnAdminMayWrite(string role, string? scope, HttpStatusCode expected)
    {
        var cycle = NewCycle();
        using var client = ClientFor(role, scope);

        var response = await Api.PutRegionAsync(client, cycle, "arab", Api.RoundFor(cycle, "LBN", "JOR"));

        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        await Api.AssertProblemAsync(response, expected);
        using var reader = Host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/api/cycles/{cycle}/regions/arab")).StatusCode);
    }

    public static TheoryData<string, string, string, string, HttpStatusCode> BadRequests => new()
    {
        { "malformed JSON", "LBN", "approved", "{\"status\":", HttpStatusCode.BadRequest },
        { "unknown status", "LBN", "approved", "{\"status\":\"done\"}", HttpStatusCode.BadRequest },
        { "status as a number", "LBN", "approved", "{\"status\":2}", HttpStatusCode.BadRequest },
        { "no status", "LBN", "approved", "{\"note\":\"hello\"}", HttpStatusCode.BadRequest },
        { "empty body", "LBN", "approved", "", HttpStatusCode.BadRequest },
        { "JSON array", "LBN", "approved", "[]", HttpStatusCode.BadRequest },
        { "objective 24", "LBN", "data-collected", "{\"status\":\"in-progress\",\"objectives\":[1,24]}", HttpStatusCode.BadRequest },
        { "unknown stakeholder kind", "LBN", "template-shared", "{\"status\":\"in-progress\",\"stakeholders\":[{\"name\":\"x\",\"kind\":\"church\"}]}", HttpStatusCode.BadRequest },
        { "unknown milestone", "LBN", "drafted", "{\"status\":\"completed\"}", HttpStatusCode.NotFound },
        { "unknown State", "XXX", "approved", "{\"status\":\"completed\"}", HttpStatusCode.NotFound },
        { "not a code", "LEBANON", "approved", "{\"status\":\"completed\"}", HttpStatusCode.NotFound },
        { "State outside every round", "FRA", "approved", "{\"status\":\"completed\"}", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task RecordMilestone_BadInput_IsAProblemAndChangesNothing(string what, string country, string milestone, string body, HttpStatusCode expected)
    {
        var cycle = await NewRoundAsync("LBN");
        using var admin = Host.CreateClient(Host.Token("admin"));

        var response = await admin.PostAsync($"/api/cycles/{cycle}/reviews/{country}/milestones/{milestone}",
            new StringContent(body, Encoding.UTF8, "application/json"));

        var type = await Api.AssertProblemAsync(response, expected);
        Assert.False(type.EndsWith(":internal", StringComparison.Ordinal), what);
        Assert.DoesNotContain("GcmActors.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (long)(await admin.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/reviews/LBN"))!["version"]!);
    }

    [Fact]
    public async Task RecordMilestone_TooLargeOrNotJson_IsAProblem()
    {
        var cycle = await NewRoundAsync("LBN");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        var url = $"/api/cycles/{cycle}/reviews/LBN/milestones/template-shared";

        var huge = await ministry.PostAsync(url, new StringContent(
            "{\"status\":\"in-progress\",\"note\":\"" + new string('x', 100_000) + "\"}", Encoding.UTF8, "application/json"));
        var text = await ministry.PostAsync(url, new StringContent("status=completed", Encoding.UTF8, "text/plain"));

        Assert.Equal("urn:gcm-actors:problem:too-large", await Api.AssertProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge));
        await Api.AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task RegionGet_AnswersIfNoneMatchWith304_UntilSomethingChanges()
    {
        var cycle = await NewRoundAsync("TUN");
        using var client = Host.CreateClient();
        var first = await client.GetAsync($"/api/cycles/{cycle}/regions/arab");
        var etag = first.Headers.ETag!;

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/cycles/{cycle}/regions/arab");
        conditional.Headers.IfNoneMatch.Add(etag);
        var notModified = await client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var ministry = Host.CreateClient(Host.Token("ministry", "TUN"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, cycle, "TUN", "template-shared", new { status = "in-progress" })).StatusCode);
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/cycles/{cycle}/regions/arab");
        again.Headers.IfNoneMatch.Add(etag);
        var changed = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
    }

    [Fact]
    public async Task RecordMilestone_WithAStaleIfMatch_Is412_AndWithTheCurrentOneSucceeds()
    {
        var cycle = await NewRoundAsync("EGY");
        using var ministry = Host.CreateClient(Host.Token("ministry", "EGY"));
        var review = await ministry.GetAsync($"/api/cycles/{cycle}/reviews/EGY");
        Assert.Equal("\"0\"", review.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, cycle, "EGY", "template-shared", new { status = "in-progress" })).StatusCode);

        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/cycles/{cycle}/reviews/EGY/milestones/data-collected")
        {
            Content = JsonContent.Create(new { status = "in-progress" }),
        };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"0\""));
        var current = new HttpRequestMessage(HttpMethod.Post, $"/api/cycles/{cycle}/reviews/EGY/milestones/data-collected")
        {
            Content = JsonContent.Create(new { status = "in-progress" }),
        };
        current.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        Assert.Equal("urn:gcm-actors:problem:version-mismatch", await Api.AssertProblemAsync(await ministry.SendAsync(stale), HttpStatusCode.PreconditionFailed));
        var ok = await ministry.SendAsync(current);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("\"2\"", ok.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task MovingTheDeadlines_By85Days_ShiftsEveryLaggingStatesDaysBehind_AndPastConferenceDatesConcludeTheRound()
    {
        var cycle = await NewRoundAsync("LBN", "SYR", "IRQ");
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        var before = await coOrganizer.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/regions/arab");

        // GET, edit, PUT back the very document (computed fields and member objects included).
        var edited = before!.DeepClone().AsObject();
        string Later(JsonNode? date) => DateOnly.Parse((string)date!, System.Globalization.CultureInfo.InvariantCulture).AddDays(85).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        edited["conference"] = new JsonObject { ["modality"] = "virtual" };
        foreach (var (milestone, date) in before["deadlines"]!.AsObject())
        {
            edited["deadlines"]![milestone] = Later(date);
        }

        var put = await coOrganizer.PutAsJsonAsync($"/api/cycles/{cycle}/regions/arab", edited);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var after = await Api.RegionAsync(coOrganizer, cycle, "arab");
        var earlier = before.Deserialize<RegionProgress>(GcmJson.Options)!;

        Assert.Equal((RoundPhase.Preparing, RoundPhase.Preparing), (earlier.Phase, after.Phase));
        Assert.Equal(ConferenceModality.Virtual, after.Conference.Modality);
        Assert.Equal(3, after.Lagging.Length);
        foreach (var member in after.Members)
        {
            Assert.Equal(earlier.Members.Single(m => m.Country == member.Country).DaysBehind - 85, member.DaysBehind);
        }

        // A conference whose days are gone concludes the round: lagging is frozen at its last day.
        var end = new DateOnly(int.Parse(cycle, System.Globalization.CultureInfo.InvariantCulture), 12, 2);
        edited["conference"] = new JsonObject { ["start"] = end.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["end"] = end.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ["modality"] = "virtual" };
        Assert.Equal(HttpStatusCode.OK, (await coOrganizer.PutAsJsonAsync($"/api/cycles/{cycle}/regions/arab", edited)).StatusCode);
        var concluded = await Api.RegionAsync(coOrganizer, cycle, "arab");
        var firstDeadline = after.Deadlines.Values.Min();
        Assert.Equal((RoundPhase.Concluded, (DateOnly?)end), (concluded.Phase, concluded.ConcludedOn));
        Assert.All(concluded.Members, m => Assert.Equal(end.DayNumber - firstDeadline.DayNumber, m.DaysBehind));
    }

    [Fact]
    public async Task PutRegion_WithBadInput_IsAProblem()
    {
        var cycle = NewCycle();
        using var admin = Host.CreateClient(Host.Token("admin"));

        var unknownMember = await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN", "XYZ"));
        var noMembers = await admin.PutAsync($"/api/cycles/{cycle}/regions/arab",
            new StringContent("{\"name\":\"x\",\"conference\":{\"modality\":\"virtual\"},\"deadlines\":{}}", Encoding.UTF8, "application/json"));
        var badModality = await admin.PutAsync($"/api/cycles/{cycle}/regions/arab",
            new StringContent("{\"name\":\"x\",\"conference\":{\"modality\":\"zoom\"},\"deadlines\":{},\"members\":[]}", Encoding.UTF8, "application/json"));
        var badRegion = await Api.PutRegionAsync(admin, cycle, "Arab Region", Api.RoundFor(cycle, "LBN"));

        await Api.AssertProblemAsync(unknownMember, HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(noMembers, HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(badModality, HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(badRegion, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/cycles/{cycle}/regions/arab")).StatusCode);
    }

    [Fact]
    public async Task RecordMilestone_WhenStorageIsDown_Is503AndNothingIsAcknowledged()
    {
        var cycle = await NewRoundAsync("KWT");
        using var ministry = Host.CreateClient(Host.Token("ministry", "KWT"));
        var database = Path.Combine(fixture.DataDirectory, "gcm.db");

        // Take the grain-state table away under the running host, as a broken disk or a dropped schema would.
        await SqlAsync(database, "ALTER TABLE OrleansStorage RENAME TO OrleansStorageAway");
        HttpResponseMessage failed;
        try
        {
            failed = await Api.PostMilestoneAsync(ministry, cycle, "KWT", "template-shared", new { status = "in-progress" });
        }
        finally
        {
            await SqlAsync(database, "ALTER TABLE OrleansStorageAway RENAME TO OrleansStorage");
        }

        Assert.Equal("urn:gcm-actors:problem:unavailable", await Api.AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(TimeSpan.FromSeconds(GcmActors.Host.Faults.Fault.RetryAfterSeconds), failed.Headers.RetryAfter?.Delta);
        var review = await ministry.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/reviews/KWT");
        Assert.Equal(0, (long)review!["version"]!);
        Assert.Equal("not-started", (string)review["milestones"]!["template-shared"]!["status"]!);

        var retried = await Api.PostMilestoneAsync(ministry, cycle, "KWT", "template-shared", new { status = "in-progress" });
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("\"1\"", retried.Headers.ETag!.Tag);
    }

    private static async Task SqlAsync(string database, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(GcmActors.Host.Hosting.SqliteStore.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Nudges_CoOrganizerSends_OnlyThatStatesMinistryReadsAndAcknowledges()
    {
        var cycle = await NewRoundAsync("LBN", "SYR");
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        using var otherCoOrganizer = Host.CreateClient(Host.Token("coorganizer", "africa"));
        using var lebanon = Host.CreateClient(Host.Token("ministry", "LBN"));
        using var syria = Host.CreateClient(Host.Token("ministry", "SYR"));
        using var anonymous = Host.CreateClient();
        var url = $"/api/cycles/{cycle}/regions/arab/nudges";

        await Api.AssertProblemAsync(await otherCoOrganizer.PostAsJsonAsync(url, new { message = "hi", countries = new[] { "LBN" } }), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await lebanon.PostAsJsonAsync(url, new { message = "hi", countries = new[] { "SYR" } }), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await coOrganizer.PostAsJsonAsync(url, new { countries = new[] { "LBN" } }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await coOrganizer.PostAsJsonAsync(url, new { message = "hi", countries = new[] { "FRA" } }), HttpStatusCode.BadRequest);
        var sent = await coOrganizer.PostAsJsonAsync(url, new { message = "Please share the template", countries = new[] { "LBN" } });
        var throttled = await coOrganizer.PostAsJsonAsync(url, new { message = "Another reminder", countries = new[] { "LBN" } });

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var delivery = (await sent.Content.ReadFromJsonAsync<JsonObject>())!["deliveries"]![0]!;
        Assert.Equal("delivered", (string)delivery["outcome"]!);
        await Api.AssertProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromHours(23), TimeSpan.FromHours(24));

        var inbox = $"/api/cycles/{cycle}/reviews/LBN/nudges";
        await Api.AssertProblemAsync(await anonymous.GetAsync(inbox), HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(await syria.GetAsync(inbox), HttpStatusCode.Forbidden);
        var nudges = await lebanon.GetFromJsonAsync<JsonArray>(inbox);
        var nudge = Assert.Single(nudges!)!;
        Assert.Equal(("Please share the template", "coorganizer:arab"), ((string)nudge["message"]!, (string)nudge["from"]!));

        await Api.AssertProblemAsync(await syria.PostAsync($"{inbox}/{nudge["id"]}/acknowledge", null), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await lebanon.PostAsync($"{inbox}/no-such-nudge/acknowledge", null), HttpStatusCode.NotFound);
        var acknowledged = await lebanon.PostAsync($"{inbox}/{nudge["id"]}/acknowledge", null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal("ministry:LBN", (string)(await acknowledged.Content.ReadFromJsonAsync<JsonObject>())!["acknowledgedBy"]!);
    }

    [Fact]
    public async Task DashboardPage_InAHeadlessBrowser_ShowsTheRoundAsTheApiHasIt()
    {
        var cycle = await NewRoundAsync("LBN", "SYR", "JOR");
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, cycle, "LBN", "data-collected", new { status = "completed" })).StatusCode);

        var dom = await Browser.RenderAsync(new Uri(Host.BaseAddress, $"/dashboard/{cycle}/arab"));

        Assert.Contains("<h1 id=\"title\" data-i18n=\"dash.title\">Test round</h1>", dom, StringComparison.Ordinal);
        Assert.Contains("<main id=\"content\">", dom, StringComparison.Ordinal);          // shown: no longer hidden
        Assert.Contains("<span id=\"lagging-count\" class=\"figure\" data-value=\"3\">3</span>", dom, StringComparison.Ordinal);
        var lebanon = Browser.Element(dom, "<tr data-country=\"LBN\"", "</tr>");
        Assert.Contains("Lebanon (LBN)", lebanon, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(lebanon, "status completed"));
        Assert.Equal(4, CountOf(lebanon, "status not-started"));
        var data = Browser.Element(dom, "<tr data-milestone=\"data-collected\"", "</tr>");
        Assert.Contains("<td class=\"completed\" data-label=\"Completed\" data-value=\"1\">1</td>", data, StringComparison.Ordinal);
        Assert.Contains("<td class=\"not-started\" data-label=\"Not started\" data-value=\"2\">2</td>", data, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task TokenCommand_PrintsATokenTheHostAccepts()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { HostProcess.HostDll, "token", "--role", "ministry", "--scope", "LBN", "--expires", "2h", $"--Gcm:DataDirectory={fixture.DataDirectory}" },
        };
        using var process = Process.Start(start)!;
        var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);

        var cycle = await NewRoundAsync("LBN");
        using var ministry = Host.CreateClient(token);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, cycle, "LBN", "template-shared", new { status = "completed" })).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint_AndTheReferencePageIsServed()
    {
        using var client = Host.CreateClient();

        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var reference = await client.GetAsync("/scalar");

        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/cycles/{cycle}/regions/{region}", paths);
        Assert.Contains("/api/cycles/{cycle}/reviews/{country}", paths);
        Assert.Contains("/api/cycles/{cycle}/reviews/{country}/history", paths);
        Assert.Contains("/api/cycles/{cycle}/reviews/{country}/milestones/{milestone}", paths);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
    }

    private HttpClient ClientFor(string role, string? scope) => role switch
    {
        "none" => Host.CreateClient(),
        "garbage" => Host.CreateClient("not-a-jwt"),
        "expired" => Host.CreateClient(Host.Token("ministry", "LBN", issuedAt: DateTime.UtcNow.AddHours(-2))),
        "foreign-key" => Host.CreateClient(ForeignToken()),
        _ => Host.CreateClient(Host.Token(role, scope)),
    };

    /// <summary>An admin token signed with a key of another data directory, which is deleted again.</summary>
    private static string ForeignToken()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gcm-foreign-" + Guid.NewGuid().ToString("N"));
        try
        {
            return GcmActors.Host.Security.Tokens.LoadOrCreate(directory)
                .Issue("admin", null, TimeSpan.FromHours(1), GcmActors.Host.Security.Tokens.Issuer);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
