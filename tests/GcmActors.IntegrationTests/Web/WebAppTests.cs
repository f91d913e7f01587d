using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GcmActors.IntegrationTests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GcmActors.IntegrationTests.Web;

/// <summary>
/// The web app in headless Chromium, as its users meet it: real clicks and typing, the real host, live updates over
/// Server-Sent Events. Waits are Playwright's (on the DOM reaching a state), never sleeps.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class WebAppTests(WebFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.CloseContextsAsync();

    private HostProcess Host => fixture.Host;

    /// <summary>The sign-in link the host's token command prints (<c>token ... --link</c>).</summary>
    private async Task<string> SignInLinkAsync(string role, string scope, string cycle)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                HostProcess.HostDll, "token", "--role", role, "--scope", scope, "--expires", "2h", "--link",
                "--base", Host.BaseAddress.ToString(), "--cycle", cycle, $"--Gcm:DataDirectory={fixture.DataDirectory}",
            },
        };
        using var process = Process.Start(start)!;
        var link = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return link;
    }

    private static async Task WaitLiveAsync(IPage page) =>
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-live", "live");

    [Theory]
    [InlineData("ar", "rtl", "لبنان", "جمع البيانات")]
    [InlineData("fr", "ltr", "Liban", "Données recueillies")]
    public async Task Dashboard_SwitchingLanguage_TranslatesNamesAndLabels_AndMirrorsTheCardsForArabic(
        string language, string direction, string lebanon, string dataCollected)
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR", "JOR");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/dashboard/{cycle}/arab?lang=en");
        await Expect(page.Locator("#members tr[data-country=LBN] th")).ToContainTextAsync("Lebanon (LBN)");
        var englishFirst = await page.Locator("[data-card=days]").BoundingBoxAsync();
        var englishSecond = await page.Locator("[data-card=submitted]").BoundingBoxAsync();
        Assert.True(englishFirst!.X < englishSecond!.X, "in English the first card is on the left");

        await page.ClickAsync($"button[data-lang={language}]");

        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", direction);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await Expect(page.Locator("#members tr[data-country=LBN] th")).ToContainTextAsync($"{lebanon} (LBN)");
        await Expect(page.Locator("#counts tr[data-milestone=data-collected] th")).ToHaveTextAsync(dataCollected);
        var first = await page.Locator("[data-card=days]").BoundingBoxAsync();
        var second = await page.Locator("[data-card=submitted]").BoundingBoxAsync();
        Assert.Equal(direction == "rtl", first!.X > second!.X);
        Assert.Contains($"lang={language}", page.Url, StringComparison.Ordinal);   // a link to share this view

        // Remembered: the same page without ?lang= opens in the chosen language.
        await page.GotoAsync($"/dashboard/{cycle}/arab");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await Expect(page.Locator("#members tr[data-country=LBN] th")).ToContainTextAsync(lebanon);
        Assert.Empty(fixture.Errors);
    }

    [Fact]
    public async Task Ministry_SignsInWithALink_RecordsDataCollected_AndAnOpenDashboardShowsItLive()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR");
        var dashboard = await fixture.NewPageAsync();
        await dashboard.GotoAsync($"/dashboard/{cycle}/arab?lang=en");
        await WaitLiveAsync(dashboard);
        var cell = dashboard.Locator("#members tr[data-country=LBN] td").Nth(2);
        await Expect(cell).ToHaveClassAsync("status not-started");
        await dashboard.EvaluateAsync("() => { window.notReloaded = true; }");

        var link = await SignInLinkAsync("ministry", "LBN", cycle);
        Assert.StartsWith($"{Host.BaseAddress}ministry/{cycle}/LBN#token=", link, StringComparison.Ordinal);
        var ministry = await fixture.NewPageAsync();
        await ministry.GotoAsync(link);
        await Expect(ministry.Locator("#signed-in")).ToHaveTextAsync("Signed in as ministry of Lebanon");
        Assert.DoesNotContain("#", ministry.Url, StringComparison.Ordinal);   // the token left the address bar
        Assert.StartsWith("ey", await ministry.EvaluateAsync<string>("() => sessionStorage.getItem('gcm-token')"), StringComparison.Ordinal);

        // The workflow rules refuse approval before the data are collected: the 409 is shown at the form.
        await ministry.SelectOptionAsync("#milestone", "approved");
        await ministry.SelectOptionAsync("#status", "completed");
        await ministry.ClickAsync("#record-form button[type=submit]");
        await Expect(ministry.Locator("#record-error")).ToHaveAttributeAsync("data-status", "409");
        await Expect(ministry.Locator("#record-error")).ToContainTextAsync("data-collected");

        await ministry.SelectOptionAsync("#milestone", "data-collected");
        await ministry.SelectOptionAsync("#status", "completed");
        await ministry.FillAsync("#note", "Contributions from every institution are in");
        await ministry.CheckAsync("#objective-3");
        await ministry.ClickAsync("#record-form button[type=submit]");
        await Expect(ministry.Locator("#record-result")).ToContainTextAsync("Data collected is Completed");
        await Expect(ministry.Locator("#milestones tr[data-milestone=data-collected] td").First).ToHaveClassAsync("status completed");
        await Expect(ministry.Locator("#record-error")).ToBeHiddenAsync();

        // Reopening a completed milestone takes a reason: refused at the form without one, recorded with one.
        await ministry.SelectOptionAsync("#milestone", "data-collected");
        await ministry.SelectOptionAsync("#status", "in-progress");
        await ministry.ClickAsync("#record-form button[type=submit]");
        await Expect(ministry.Locator("#record-error")).ToContainTextAsync("needs a reason");
        await ministry.FillAsync("#reason", "Late figures from the Ministry of Labour");
        await ministry.ClickAsync("#record-form button[type=submit]");
        await Expect(ministry.Locator("#milestones tr[data-milestone=data-collected]")).ToContainTextAsync("reopened: Late figures from the Ministry of Labour");
        await ministry.SelectOptionAsync("#status", "completed");
        await ministry.ClickAsync("#record-form button[type=submit]");
        await Expect(ministry.Locator("#milestones tr[data-milestone=data-collected] td").First).ToHaveClassAsync("status completed");

        // The open dashboard hears it over its event stream, without a reload.
        await Expect(cell).ToHaveClassAsync("status completed", new() { Timeout = 2000 });
        await Expect(dashboard.Locator("#objectives li[data-objective='3']")).ToHaveAttributeAsync("data-value", "1");
        Assert.True(await dashboard.EvaluateAsync<bool>("() => window.notReloaded === true"));

        await ministry.ClickAsync("#sign-out");
        await Expect(ministry.Locator("#signed-in")).ToHaveTextAsync("Not signed in");
        Assert.Null(await ministry.EvaluateAsync<string?>("() => sessionStorage.getItem('gcm-token')"));
        Assert.Empty(fixture.Errors);
    }

    [Fact]
    public async Task Dashboard_WithoutTheEventStream_PollsWithIfNoneMatch_AndStillShowsTheChange()
    {
        var cycle = await fixture.NewRoundAsync("LBN");
        var page = await fixture.NewPageAsync();
        await page.RouteAsync("**/events", route => route.AbortAsync());   // a proxy that drops the stream
        var conditional = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith($"/api/cycles/{cycle}/regions/arab", StringComparison.Ordinal) && request.Headers.ContainsKey("if-none-match"))
            {
                conditional.TrySetResult();
            }
        };
        await page.GotoAsync($"/dashboard/{cycle}/arab?lang=en");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-live", "polling");
        var cell = page.Locator("#members tr[data-country=LBN] td").Nth(1);
        await Expect(cell).ToHaveClassAsync("status not-started");

        using (var lebanon = Host.CreateClient(Host.Token("ministry", "LBN")))
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(lebanon, cycle, "LBN", "template-shared", new { status = "completed" })).StatusCode);
        }

        // The next poll (every 15 s) is conditional and brings the change.
        await Expect(cell).ToHaveClassAsync("status completed", new() { Timeout = 20000 });
        await conditional.Task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AnotherStatesToken_CannotWriteThisStatesForm_TheApiRefusesAndThePageSaysSo()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(await SignInLinkAsync("ministry", "SYR", cycle));
        await page.GotoAsync($"/ministry/{cycle}/LBN?lang=en");

        await Expect(page.Locator("#access")).ToHaveAttributeAsync("data-reason", "other-state");
        await Expect(page.Locator("#access")).ToContainTextAsync("signed in for Syria, not Lebanon");
        await page.SelectOptionAsync("#milestone", "template-shared");
        await page.SelectOptionAsync("#status", "in-progress");
        await page.ClickAsync("#record-form button[type=submit]");

        await Expect(page.Locator("#record-error")).ToHaveAttributeAsync("data-status", "403");
        await Expect(page.Locator("#record-error")).ToContainTextAsync("Your sign-in does not allow this");
        using var client = Host.CreateClient();
        var progress = await Api.RegionAsync(client, cycle, "arab");
        Assert.Equal(GcmActors.Contracts.MilestoneStatus.NotStarted,
            progress.Members.Single(m => m.Country == "LBN").Milestones[GcmActors.Contracts.Milestone.TemplateShared]);
    }

    [Fact]
    public async Task CoOrganizer_NudgesTheLaggingStatesAndMovesTheConference_TheMinistrySeesTheNudge_AndTheDashboardFollows()
    {
        // A round of this year's cycle whose deadlines have passed: every member lags.
        var year = DateTime.UtcNow.Year;
        var round = (JsonObject)JsonSerializer.SerializeToNode(Api.RoundFor(year.ToString(System.Globalization.CultureInfo.InvariantCulture), "LBN", "SYR", "JOR"))!;
        var past = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-60);
        foreach (var slug in new[] { "coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted" })
        {
            round["deadlines"]![slug] = past.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        var cycle = year.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await fixture.PutRoundAsync(cycle, round);

        var dashboard = await fixture.NewPageAsync();
        await dashboard.GotoAsync($"/dashboard/{cycle}/arab?lang=en");
        await WaitLiveAsync(dashboard);
        await Expect(dashboard.Locator("#lagging-count")).ToHaveAttributeAsync("data-value", "3");

        var console = await fixture.NewPageAsync();
        await console.GotoAsync(await SignInLinkAsync("coorganizer", "arab", cycle));
        await Expect(console.Locator("#signed-in")).ToHaveTextAsync("Signed in as co-organizer of arab");
        await console.FillAsync("#nudge-message", "Please send your report before the conference");
        await console.ClickAsync("#nudge-preview-button");
        await Expect(console.Locator("#preview-gets")).ToHaveAttributeAsync("data-count", "3");
        await console.ClickAsync("#nudge-form button[type=submit]");
        await Expect(console.Locator("#nudge-result li[data-country=LBN]")).ToHaveAttributeAsync("data-outcome", "delivered");
        await Expect(console.Locator("#nudge-result li[data-outcome=delivered]")).ToHaveCountAsync(3);
        // A second nudge today would be throttled, and the preview says so; the dashboard shows the nudge, live.
        await console.ClickAsync("#nudge-preview-button");
        await Expect(console.Locator("#preview-throttled")).ToHaveAttributeAsync("data-count", "3");
        await Expect(console.Locator("#preview-gets")).ToHaveAttributeAsync("data-count", "0");
        await Expect(dashboard.Locator("#lagging-list li[data-country=LBN] .last-nudge")).ToContainTextAsync("last nudge", new() { Timeout = 2000 });

        var ministry = await fixture.NewPageAsync();
        await ministry.GotoAsync(await SignInLinkAsync("ministry", "LBN", cycle));
        await Expect(ministry.Locator("#inbox article.nudge")).ToContainTextAsync("Please send your report before the conference");
        await ministry.ClickAsync("#inbox article.nudge button");
        await Expect(ministry.Locator("#inbox article.nudge")).ToContainTextAsync("by ministry:LBN");

        // The conference moves to next spring, and the deadlines with it: nobody lags any more.
        var start = new DateOnly(year + 1, 3, 1);
        await console.FillAsync("#conf-start", start.ToString("yyyy-MM-dd"));
        await console.FillAsync("#conf-end", start.AddDays(1).ToString("yyyy-MM-dd"));
        await console.SelectOptionAsync("#conf-modality", "virtual");
        string[] slugs = ["coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted"];
        for (var i = 0; i < slugs.Length; i++)
        {
            await console.FillAsync($"#deadline-{slugs[i]}", new DateOnly(year + 1, 1, 10 + (i * 5)).ToString("yyyy-MM-dd"));
        }

        await console.ClickAsync("#round-form button[type=submit]");
        await Expect(console.Locator("#round-result")).ToContainTextAsync("Saved");

        await Expect(dashboard.Locator("#lagging-count")).ToHaveAttributeAsync("data-value", "0", new() { Timeout = 2000 });
        await Expect(dashboard.Locator("#conference")).ToContainTextAsync("virtual");
        await Expect(dashboard.Locator("#lagging-list")).ToContainTextAsync("No State lags.");
        Assert.Empty(fixture.Errors);
    }

    [Fact]
    public async Task Console_ShowsTheApisValidationErrorAtTheFieldItNames()
    {
        var cycle = await fixture.NewRoundAsync("LBN");
        var console = await fixture.NewPageAsync();
        await console.GotoAsync(await SignInLinkAsync("coorganizer", "arab", cycle));
        await Expect(console.Locator("#round-name")).ToHaveValueAsync("Test round");

        // The approval deadline before the data deadline: the API refuses, and says which deadline.
        await console.FillAsync("#deadline-approved", $"{cycle}-09-01");
        await console.ClickAsync("#round-form button[type=submit]");

        var field = console.Locator("[data-field=deadline-approved]");
        await Expect(field).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("invalid"));
        await Expect(field.Locator(".field-error")).ToContainTextAsync("deadline");
        await Expect(console.Locator("#deadline-approved")).ToHaveAttributeAsync("aria-invalid", "true");
    }

    [Fact]
    public async Task Console_SavingTheForm_KeepsWhatItDoesNotEdit_ConclusionAndLastReport()
    {
        var cycle = WebFixture.NewCycle();
        var round = (JsonObject)JsonSerializer.SerializeToNode(Api.RoundFor(cycle, "LBN", "SYR"))!;
        round["conference"] = new JsonObject { ["start"] = $"{cycle}-12-01", ["end"] = $"{cycle}-12-02", ["modality"] = "virtual" };
        round["conclusion"] = $"{cycle}-12-10";
        round["lastReport"] = new JsonObject { ["date"] = $"{cycle}-08-13", ["source"] = "workshop report" };
        await fixture.PutRoundAsync(cycle, round);
        var console = await fixture.NewPageAsync();
        await console.GotoAsync(await SignInLinkAsync("coorganizer", "arab", cycle));
        await Expect(console.Locator("#round-conclusion")).ToHaveValueAsync($"{cycle}-12-10");

        await console.FillAsync("#round-name", "Renamed round");
        await console.ClickAsync("#round-form button[type=submit]");
        await Expect(console.Locator("#round-result")).ToContainTextAsync("Saved");

        using var client = Host.CreateClient();
        var saved = (await client.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/regions/arab"))!;
        Assert.Equal("Renamed round", (string)saved["name"]!);
        Assert.Equal($"{cycle}-12-10", (string)saved["conclusion"]!);
        Assert.Equal("workshop report", (string)saved["lastReport"]!["source"]!);
        Assert.Equal("virtual", (string)saved["conference"]!["modality"]!);
    }

    public static TheoryData<string, string> PagesAndLanguages
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var page in new[] { "dashboard", "ministry", "console" })
            {
                foreach (var language in new[] { "ar", "en", "fr" })
                {
                    data.Add(page, language);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PagesAndLanguages))]
    public async Task EveryPage_InEveryLanguage_HasNoSeriousAccessibilityViolation_AndFitsAPhone(string name, string language)
    {
        var path = name switch
        {
            "dashboard" => "/dashboard/2020/arab",
            "ministry" => "/ministry/2020/LBN",
            _ => "/console/2020/arab",
        };
        var (role, scope) = name == "ministry" ? ("ministry", "LBN") : ("coorganizer", "arab");
        // axe is injected as a script tag, which the pages' own CSP would refuse: only these contexts bypass it.
        var page = await fixture.NewPageAsync(bypassCsp: true);
        await page.GotoAsync($"{path}?lang={language}#token={Host.Token(role, scope)}");
        await Expect(page.Locator("#content")).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language);
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.Artefacts, $"{name}-{language}.png"), FullPage = true });

        await page.AddScriptTagAsync(new() { Path = WebFixture.AxeScript });
        var violations = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document)).violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
            + ".map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)");
        Assert.Equal("[]", violations.GetRawText());

        await page.SetViewportSizeAsync(375, 812);
        await Expect(page.Locator("#content")).ToBeVisibleAsync();
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{name} in {language} scrolls sideways at 375 px: {widths[0]} > {widths[1]}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.Artefacts, $"{name}-{language}-375px.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_MemberTable_SortsAndFilters()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR", "JOR");
        using (var syria = Host.CreateClient(Host.Token("ministry", "SYR")))
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(syria, cycle, "SYR", "data-collected", new { status = "completed" })).StatusCode);
        }

        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/dashboard/{cycle}/arab?lang=en");
        var rows = page.Locator("#members tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        Assert.Equal(["JOR", "LBN", "SYR"], await CountriesAsync(rows));   // Jordan, Lebanon, Syria

        await page.ClickAsync("button[data-sort=data-collected]");   // most advanced first
        await Expect(page.Locator("th:has(button[data-sort=data-collected])")).ToHaveAttributeAsync("aria-sort", "descending");
        Assert.Equal("SYR", (await CountriesAsync(rows))[0]);

        await page.FillAsync("#member-filter", "leb");
        await Expect(rows).ToHaveCountAsync(1);
        Assert.Equal(["LBN"], await CountriesAsync(rows));
        await page.FillAsync("#member-filter", "");
        await page.SelectOptionAsync("#member-show", "lagging");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.Locator("#members-shown")).ToHaveTextAsync("3 of 3 States shown");
    }

    [Fact]
    public async Task Dashboard_OffersEveryRoundOfTheDiscoveryEndpoints_AndPrintsAOnePageSummary()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"/dashboard/{cycle}/arab?lang=fr");
        await Expect(page.Locator("#round-picker option[selected]")).ToHaveAttributeAsync("value", $"/dashboard/{cycle}/arab");
        await Expect(page.Locator("#round-picker option[value='/dashboard/2020/arab']")).ToHaveCountAsync(1);

        // Once in CI this navigation never came within 30 s; the page's own account of what happened goes into the
        // failure, so that the next time says why.
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Note(string what) => seen.Enqueue($"{clock.ElapsedMilliseconds} ms {what}");
        page.Request += (_, r) => Note($"request {r.Method} {r.Url}");
        page.Response += (_, r) => Note($"response {r.Status} {r.Url}");
        page.RequestFailed += (_, r) => Note($"failed {r.Url}: {r.Failure}");
        page.FrameNavigated += (_, f) => Note($"navigated {f.Url}");
        page.Console += (_, m) => Note($"console {m.Type}: {m.Text}");
        await page.SelectOptionAsync("#round-picker", "/dashboard/2020/arab");
        Note("selected"); // nothing may ask the page anything here: the navigation destroys its context
        try
        {
            await page.WaitForURLAsync("**/dashboard/2020/arab?lang=fr", new() { WaitUntil = WaitUntilState.Commit });
        }
        catch (Exception waiting) when (waiting is TimeoutException or PlaywrightException)
        {
            Assert.Fail($"choosing the 2020 round did not navigate to it; the page is at {page.Url}; it saw:\n{string.Join("\n", seen)}");
        }

        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(22);

        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.Locator("#members-section")).ToBeHiddenAsync();
        await Expect(page.Locator(".toolbar")).ToBeHiddenAsync();
        await Expect(page.Locator("#lagging-list")).ToBeVisibleAsync();
        await page.SetViewportSizeAsync(703, 1031);   // A4 at 96 dpi, less the print margins
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.Artefacts, "dashboard-print.png"), FullPage = true });
        var pdf = System.Text.Encoding.Latin1.GetString(await page.PdfAsync(new() { Format = "A4", Path = Path.Combine(WebFixture.Artefacts, "dashboard-print.pdf") }));
        var height = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        Assert.True(System.Text.RegularExpressions.Regex.Count(pdf, @"/Type\s*/Page[^s]") == 1, $"the print summary takes more than one page ({height} px high at A4's width)");
    }

    [Fact]
    public async Task Dashboard_ReplayPickerOn13August2020_ShowsTheWorkshopReportsCounts()
    {
        using var client = Host.CreateClient();
        var report = (await client.GetFromJsonAsync<JsonObject>("/api/cycles/2020/regions/arab?asOf=2020-08-13"))!;
        var page = await fixture.NewPageAsync();
        var timelineUrl = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/regions/arab/timeline", StringComparison.Ordinal)) timelineUrl.TrySetResult(request.Url);
        };
        await page.GotoAsync("/dashboard/2020/arab?lang=en");
        await WaitLiveAsync(page);

        // The burn-up: one line per milestone, one vertex per point of the timeline the page asked the API for.
        var timeline = (await client.GetFromJsonAsync<JsonObject>(await timelineUrl.Task.WaitAsync(TimeSpan.FromSeconds(10))))!;
        var points = timeline["points"]!.AsArray();
        Assert.True(points.Count > 2, "the seeded round has a history to draw");
        await Expect(page.Locator("#burnup polyline[data-series]")).ToHaveCountAsync(5);
        var vertices = await page.Locator("#burnup polyline[data-series=coordination-body-appointed]").GetAttributeAsync("points");
        Assert.Equal(points.Count, vertices!.Split(' ').Length);

        await page.FillAsync("#as-of-picker", "2020-08-13");

        await Expect(page.Locator("#replaying")).ToContainTextAsync("13 August 2020");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-live", "off");
        Assert.Contains("asOf=2020-08-13", page.Url, StringComparison.Ordinal);
        // The report's table: e.g. data collected by Iraq and Syria, in progress in Morocco and Lebanon.
        await Expect(page.Locator("#counts tr[data-milestone=data-collected] td.completed")).ToHaveAttributeAsync("data-value", "2");
        await Expect(page.Locator("#counts tr[data-milestone=data-collected] td.in-progress")).ToHaveAttributeAsync("data-value", "2");
        foreach (var milestone in new[] { "coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted" })
        {
            foreach (var status in new[] { "completed", "in-progress", "not-started" })
            {
                await Expect(page.Locator($"#counts tr[data-milestone={milestone}] td.{status}"))
                    .ToHaveAttributeAsync("data-value", ((int)report["counts"]![milestone]![status]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await page.ClickAsync("#today");
        await WaitLiveAsync(page);
        Assert.DoesNotContain("asOf", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_DrawsTheForecastBand_WhenTheDocumentHasOne()
    {
        // The seeded round is concluded, so its forecast has no figures; this page gets one with figures instead.
        var page = await fixture.NewPageAsync();
        await page.RouteAsync("**/api/cycles/2020/regions/arab/events", route => route.AbortAsync());
        await page.RouteAsync("**/api/cycles/2020/regions/arab", async route =>
        {
            var response = await route.FetchAsync();
            var document = JsonNode.Parse(await response.TextAsync())!;
            document["forecast"] = new JsonObject
            {
                ["deadline"] = "2021-03-01", ["paceDays"] = 30.0, ["expected"] = 3.5, ["low"] = 2, ["high"] = 6, ["members"] = new JsonArray(),
            };
            await route.FulfillAsync(new() { Response = response, Body = document.ToJsonString() });
        });
        await page.GotoAsync("/dashboard/2020/arab?lang=fr");

        await Expect(page.Locator("#forecast")).ToHaveTextAsync("Prévision des soumissions : 3,5 attendues à l'échéance (2 à 6)");
        var band = page.Locator("#burnup rect[data-series=forecast]");
        await Expect(band).ToHaveCountAsync(1);
        var height = double.Parse((await band.GetAttributeAsync("height"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(height > 2, $"the band spans low to high ({height})");
    }

    private static async Task<string[]> CountriesAsync(ILocator rows) =>
        [.. (await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.country)"))];

    [Fact]
    public async Task RegionCsv_EqualsTheApisMembers_ByAcceptOrFormat()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR", "PSE");
        using var client = Host.CreateClient();
        using (var lebanon = Host.CreateClient(Host.Token("ministry", "LBN")))
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(lebanon, cycle, "LBN", "template-shared", new { status = "in-progress" })).StatusCode);
        }

        var json = (await client.GetFromJsonAsync<JsonObject>($"/api/cycles/{cycle}/regions/arab"))!;
        using var byAccept = new HttpRequestMessage(HttpMethod.Get, $"/api/cycles/{cycle}/regions/arab");
        byAccept.Headers.Accept.ParseAdd("text/csv");
        var accepted = await client.SendAsync(byAccept);
        var formatted = await client.GetAsync($"/api/cycles/{cycle}/regions/arab?format=csv");

        Assert.Equal("text/csv", accepted.Content.Headers.ContentType?.MediaType);
        var csv = await accepted.Content.ReadAsStringAsync();
        Assert.Equal(csv, await formatted.Content.ReadAsStringAsync());
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("country,name,participation,coordination-body-appointed,template-shared,data-collected,approved,submitted,lagging,daysBehind,lastNudge", lines[0]);
        var members = json["members"]!.AsArray();
        Assert.Equal(members.Count, lines.Length - 1);
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i]!;
            var milestones = m["milestones"]!;
            string[] expected =
            [
                (string)m["country"]!, (string)m["name"]!, (string)m["participation"]!,
                (string)milestones["coordination-body-appointed"]!, (string)milestones["template-shared"]!,
                (string)milestones["data-collected"]!, (string)milestones["approved"]!, (string)milestones["submitted"]!,
                (bool)m["lagging"]! ? "true" : "false", ((int)m["daysBehind"]!).ToString(System.Globalization.CultureInfo.InvariantCulture),
                m["lastNudge"]?.GetValue<string>() ?? "",
            ];
            Assert.Equal(string.Join(',', expected), lines[i + 1]);
        }

        // Its own entity tag: a CSV tag answers 304 for the CSV, and JSON stays the default.
        var tag = accepted.Headers.ETag!.Tag;
        Assert.EndsWith(".csv\"", tag, StringComparison.Ordinal);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/cycles/{cycle}/regions/arab?format=csv");
        conditional.Headers.IfNoneMatch.ParseAdd(tag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional)).StatusCode);
        Assert.Equal("application/json", (await client.GetAsync($"/api/cycles/{cycle}/regions/arab")).Content.Headers.ContentType?.MediaType);
        await Api.AssertProblemAsync(await client.GetAsync($"/api/cycles/{cycle}/regions/arab?format=xml"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RegionEvents_SendTheDocumentAtOnce_ThenOneMessagePerChange()
    {
        var cycle = await fixture.NewRoundAsync("LBN", "SYR");
        using var client = Host.CreateClient();
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await client.GetAsync($"/api/cycles/{cycle}/regions/arab/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await NextEventAsync(reader);
        Assert.Equal("progress", first.Type);
        var current = await client.GetAsync($"/api/cycles/{cycle}/regions/arab");
        Assert.Equal(current.Headers.ETag!.Tag, first.Id);
        Assert.Equal(first.Id, (string)first.Data["etag"]!);
        Assert.Equal(JsonNode.Parse(await current.Content.ReadAsStringAsync())!.ToJsonString(), first.Data["document"]!.ToJsonString());

        using var lebanon = Host.CreateClient(Host.Token("ministry", "LBN"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(lebanon, cycle, "LBN", "data-collected", new { status = "completed" })).StatusCode);
        var second = await NextEventAsync(reader);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal("completed", (string)second.Data["document"]!["members"]!.AsArray().Single(m => (string)m!["country"]! == "LBN")!["milestones"]!["data-collected"]!);

        // A repeated update changes nothing, so it sends nothing; the next real change is the very next message.
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(lebanon, cycle, "LBN", "data-collected", new { status = "completed" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(lebanon, cycle, "LBN", "template-shared", new { status = "completed" })).StatusCode);
        var third = await NextEventAsync(reader);
        Assert.Equal("completed", (string)third.Data["document"]!["members"]!.AsArray().Single(m => (string)m!["country"]! == "LBN")!["milestones"]!["template-shared"]!);

        await Api.AssertProblemAsync(await client.GetAsync("/api/cycles/1499/regions/nowhere/events"), HttpStatusCode.NotFound);
    }

    private static async Task<(string Type, string Id, JsonNode Data)> NextEventAsync(StreamReader reader)
    {
        string? type = null, id = null, data = null;
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) is { } line)
        {
            if (line.Length == 0 && data is not null)
            {
                return (type!, id!, JsonNode.Parse(data)!);
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }

        throw new InvalidOperationException("the event stream ended");
    }
}
