using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using GcmActors.IntegrationTests.Http;

namespace GcmActors.IntegrationTests.Operations;

/// <summary>Health checks, Prometheus metrics and the Orleans dashboard of the real host (embedded store).</summary>
[Collection(HostCollection.Name)]
public sealed class OperationsTests(HostFixture fixture)
{
    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Health_LiveAndReady_AnswerWithoutAToken()
    {
        using var anonymous = Host.CreateClient();

        var live = await anonymous.GetAsync("/health/live");
        var ready = await anonymous.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode); // the old path, kept as an alias
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("silo is active", checks.GetProperty("orleans").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Metrics_NeedAnAdminToken_AndShowOrleansAndServiceSeries()
    {
        using var admin = Host.CreateClient(Host.Token("admin"));
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        const string cycle = "2471";
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostMilestoneAsync(ministry, cycle, "LBN", "coordination-body-appointed",
            new { status = "in-progress", note = "metrics test" })).StatusCode);

        using var anonymous = Host.CreateClient();
        using var viewer = Host.CreateClient(Host.Token("viewer"));
        await Api.AssertProblemAsync(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(await viewer.GetAsync("/metrics"), HttpStatusCode.Forbidden);

        var response = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var series = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();
        Assert.Contains(series, l => l.StartsWith("gcm_review_commands_total{", StringComparison.Ordinal)
                                     && l.Contains("command=\"record-milestone\"", StringComparison.Ordinal));
        Assert.Contains(series, l => l.StartsWith("orleans_", StringComparison.Ordinal));
        // Bounded tags: no series names a State.
        Assert.DoesNotContain(series, l => l.Contains("LBN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OrleansDashboard_RefusesNonAdmins_AndServesAdmins_WithTheBearerHeaderOrTheSignInCookie()
    {
        using var anonymous = Host.CreateClient();
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        using var admin = Host.CreateClient(Host.Token("admin"));

        await Api.AssertProblemAsync(await anonymous.GetAsync("/orleans/"), HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(await coOrganizer.GetAsync("/orleans/"), HttpStatusCode.Forbidden);
        var page = await admin.GetAsync("/orleans/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Orleans Dashboard", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A browser: sign in once with the token, then the page and its API calls carry the cookie.
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress };
        var signIn = await browser.PostAsync("/orleans/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = Host.Token("admin") }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("httponly", string.Join(';', signIn.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/orleans/")).StatusCode);
        // A sign-in that is not the form is a client's mistake, answered as such.
        await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync("/orleans/sign-in", new { token = "x" }), HttpStatusCode.BadRequest);
        // The cookie is a dashboard credential only: it does not authenticate the API.
        Assert.Empty(cookies.GetCookies(new Uri(Host.BaseAddress, "/api/cycles")));
    }
}

/// <summary>
/// A host with JSON console logs and a management port, whose whole log is searched for secrets it saw; otherwise
/// at the defaults, so it also shows what an operator gets without asking (no Orleans dashboard).
/// </summary>
public sealed class LogsAndManagementPortTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-logs-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task JsonLogs_NeverCarryTokensWebhookSecretsOrUrlCredentials_AndTheManagementPortServesMetricsWithoutAToken()
    {
        var management = FreePort();
        await using var host = await HostProcess.StartAsync(
            _data,
            [
            "--Gcm:Logging:Format=json",
            $"--Gcm:Management:Port={management}",
            .. HostFixture.WebhookArguments,
            // Everything ASP.NET Core says about requests and authentication is logged, to be searched.
            "--Logging:LogLevel:Default=Information",
            "--Logging:LogLevel:Microsoft.AspNetCore=Debug",
            ]);
        var admin = host.Token("admin");
        var ministryToken = host.Token("ministry", "LBN");
        var forged = ministryToken[..^6] + "AAAAAA";
        var secret = "whsec_" + Convert.ToBase64String("secret-of-lebanon-ministry-0815!"u8);
        const string password = "url-password-4711";
        const string querySecret = "query-signature-0815";
        var deadPort = FreePort(); // nothing listens there: the delivery fails and is logged
        var hook = $"http://127.0.0.1:{deadPort}/hooks/lbn?sig={querySecret}";

        using var ministry = host.CreateClient(ministryToken);
        using var bad = host.CreateClient(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.PostAsJsonAsync("/api/cycles/2020/reviews/LBN/milestones/approved", new { status = "completed" })).StatusCode);
        var cycle = "2470";
        using var adminClient = host.CreateClient(admin);
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(adminClient, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        // A URL with credentials is refused (and its password must not be logged either); one with a query is taken.
        Assert.Equal(HttpStatusCode.BadRequest, (await ministry.PutAsJsonAsync($"/api/cycles/{cycle}/reviews/LBN/webhook",
            new { url = $"http://gcm:{password}@127.0.0.1:{deadPort}/hooks/lbn", secret })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ministry.PutAsJsonAsync($"/api/cycles/{cycle}/reviews/LBN/webhook", new { url = hook, secret })).StatusCode);
        using var coOrganizer = host.CreateClient(host.Token("coorganizer", "arab"));
        Assert.Equal(HttpStatusCode.OK, (await coOrganizer.PostAsJsonAsync($"/api/cycles/{cycle}/regions/arab/nudges",
            new { message = "Please share the template", countries = new[] { "LBN" } })).StatusCode);

        // The failed delivery is logged with the receiver's address, cut to scheme://host/path.
        await host.LoggedAsync("Webhook delivery").WaitAsync(TimeSpan.FromSeconds(60));

        // The management port: metrics without a token; the API port still wants an admin.
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}") };
        var scraped = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("gcm_", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/api/cycles")).StatusCode);
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        // What opens the management port is the port a connection arrives on, never a Host header naming it.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = $"127.0.0.1:{management}" } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(spoofed)).StatusCode);
        // Behind a proxy that sends its own Host header, an admin still reads the API port's /metrics.
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = "gcm.example.org" } };
        proxied.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", admin);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(proxied)).StatusCode);
        // The Orleans dashboard, whose collectors cost CPU every second, runs only when Gcm:Dashboard:Enabled asks for it.
        Assert.Equal(HttpStatusCode.NotFound, (await adminClient.GetAsync("/orleans/")).StatusCode);

        await host.StopAsync();
        var lines = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Every attempt that failed is logged with the receiver's address cut to scheme://host:port/path.
        var webhookLines = lines.Where(l => l.Contains("Webhook delivery", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(webhookLines);
        Assert.All(webhookLines, l => Assert.Contains($"http://127.0.0.1:{deadPort}/hooks/lbn", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Bearer", StringComparison.Ordinal) && l.Contains("was not authenticated", StringComparison.Ordinal));
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line); // every line is one JSON object
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
        }

        foreach (var leaked in new[] { admin, ministryToken, forged, ministryToken.Split('.')[2], secret, password, querySecret })
        {
            Assert.DoesNotContain(leaked, host.Output, StringComparison.Ordinal);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
