using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GcmActors.IntegrationTests.Http;

/// <summary>What a client can find without knowing the keys: cycles, rounds, reviews, countries; and HEAD on every GET.</summary>
[Collection(HostCollection.Name)]
public sealed class DiscoveryTests(HostFixture fixture)
{
    private static int s_cycle = 1700;

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Cycles_ListTheSeededRound_AndTheRoundsOfACycle()
    {
        using var client = Host.CreateClient();

        var cycles = (await client.GetFromJsonAsync<JsonArray>("/api/cycles"))!;
        var rounds = (await client.GetFromJsonAsync<JsonArray>("/api/cycles/2020/regions"))!;
        var document = (await client.GetFromJsonAsync<JsonObject>("/api/cycles/2020/regions/arab"))!;

        var seeded = cycles.Single(c => (string)c!["cycle"]! == "2020")!;
        Assert.Contains("arab", seeded["regions"]!.AsArray().Select(r => (string)r!));
        var arab = rounds.Single(r => (string)r!["region"]! == "arab")!;
        Assert.Equal(22, (int)arab["members"]!);
        Assert.Equal((string)document["name"]!, (string)arab["name"]!);
        Assert.Equal(document["lagging"]!.AsArray().Count, (int)arab["lagging"]!);
        Assert.Equal((int)document["submitted"]!, (int)arab["submitted"]!);
        Assert.Equal((long)document["version"]!, (long)arab["version"]!);
        Assert.Equal("/api/cycles/2020/regions/arab", (string)arab["href"]!);
    }

    [Fact]
    public async Task Reviews_ArePagedByIso3Code_WithALinkToTheNextPage_UntilTheLast()
    {
        using var client = Host.CreateClient();

        var pages = await Api.PagesAsync(client, "/api/cycles/2020/reviews?limit=5");

        var countries = pages.SelectMany(p => p.Select(r => (string)r!["country"]!)).ToList();
        Assert.Equal(5, pages.Count);
        Assert.Equal(22, countries.Count);
        Assert.Equal(countries.Order(StringComparer.Ordinal), countries);
        Assert.Contains("LBN", countries);
    }

    [Fact]
    public async Task Reviews_OfAStateInTwoRounds_NameBothRounds_AndItsVersion()
    {
        var cycle = Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "MAR", "TUN"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "africa", Api.RoundFor(cycle, "MAR", "NGA"))).StatusCode);
        using var morocco = Host.CreateClient(Host.Token("ministry", "MAR"));
        var recorded = await Api.PostMilestoneAsync(morocco, cycle, "MAR", "template-shared", new { status = "completed" });
        var version = (long)(await recorded.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;

        var reviews = (await admin.GetFromJsonAsync<JsonArray>($"/api/cycles/{cycle}/reviews"))!;
        var cycles = (await admin.GetFromJsonAsync<JsonArray>("/api/cycles"))!;

        Assert.Equal(["MAR", "NGA", "TUN"], reviews.Select(r => (string)r!["country"]!));
        var mar = reviews[0]!;
        Assert.Equal(["africa", "arab"], mar["regions"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(version, (long)mar["version"]!);
        Assert.Equal("Morocco", (string)mar["name"]!);
        Assert.Equal(["africa", "arab"], cycles.Single(c => (string)c!["cycle"]! == cycle)!["regions"]!.AsArray().Select(r => (string)r!));
    }

    [Theory]
    [InlineData("/api/cycles/2020/reviews?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/cycles/2020/reviews?limit=1001", HttpStatusCode.BadRequest)]
    [InlineData("/api/cycles/2020/reviews?after=lbn", HttpStatusCode.BadRequest)]
    [InlineData("/api/cycles/2099/reviews", HttpStatusCode.NotFound)]
    [InlineData("/api/cycles/2099/regions", HttpStatusCode.NotFound)]
    [InlineData("/api/cycles/20x0/regions", HttpStatusCode.NotFound)]
    public async Task Lists_WithABadPageOrAnUnknownCycle_AreProblems(string url, HttpStatusCode status)
    {
        using var client = Host.CreateClient();

        await Api.AssertProblemAsync(await client.GetAsync(url), status);
    }

    [Fact]
    public async Task Countries_ListEveryIso3CodeTheApiAccepts()
    {
        using var client = Host.CreateClient();

        var countries = (await client.GetFromJsonAsync<JsonArray>("/api/countries"))!;

        Assert.Equal(GcmActors.Grains.CountryCatalog.Default.All.Count, countries.Count);
        Assert.Equal("Lebanon", (string)countries.Single(c => (string)c!["code"]! == "LBN")!["name"]!);
        Assert.Equal("LB", (string)countries.Single(c => (string)c!["code"]! == "LBN")!["alpha2"]!);
        var codes = countries.Select(c => (string)c!["code"]!).ToList();
        Assert.Equal(codes.Order(StringComparer.Ordinal), codes);
    }

    [Fact]
    public async Task HttpFile_HasARequestForEveryOperationOfTheDocument()
    {
        using var client = Host.CreateClient();
        var document = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var file = Path.Combine(Path.GetDirectoryName(HostProcess.HostDll)!, "..", "..", "..", "GcmActors.Host.http");
        var requests = File.ReadAllLines(file)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^(GET|HEAD|POST|PUT|DELETE) \{\{host\}\}([^?\s]+)"))
            .Where(m => m.Success).Select(m => (Method: m.Groups[1].Value, Path: m.Groups[2].Value)).ToList();

        var missing = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Method: o.Key.ToUpperInvariant(), Template: p.Key)))
            .Where(o => !requests.Any(r => r.Method == o.Method
                && System.Text.RegularExpressions.Regex.IsMatch(r.Path, "^" + System.Text.RegularExpressions.Regex.Replace(o.Template, @"\{[^}]+\}", "[^/]+") + "$")))
            .ToList();

        Assert.True(missing.Count == 0, "not in GcmActors.Host.http: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Head_OnEveryGetOfTheDocument_AnswersTheSameStatusAndHeadersWithoutABody()
    {
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        var document = (await ministry.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var gets = document["paths"]!.AsObject().Where(p => p.Value!.AsObject().ContainsKey("get")).Select(p => p.Key).ToList();
        Assert.True(gets.Count >= 8, string.Join(", ", gets));

        foreach (var template in gets)
        {
            var url = template.Replace("{cycle}", "2020", StringComparison.Ordinal).Replace("{region}", "arab", StringComparison.Ordinal)
                .Replace("{country}", "LBN", StringComparison.Ordinal);
            // Headers only: the event stream (.../events) answers at once but never ends.
            using var get = await ministry.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            using var head = await ministry.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));

            // A sub-resource that may not exist yet (Lebanon's webhook, unless another test registered one) may be 404.
            var expected = url.EndsWith("/webhook", StringComparison.Ordinal) && get.StatusCode == HttpStatusCode.NotFound
                ? HttpStatusCode.NotFound
                : HttpStatusCode.OK;
            Assert.True(get.StatusCode == expected, $"GET {url}: {get.StatusCode}");
            Assert.True(head.StatusCode == expected, $"HEAD {url}: {head.StatusCode}");
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        }
    }
}

/// <summary>A store written before rounds were catalogued: the seeded round is listed once the host starts on it.</summary>
public sealed class DiscoveryOfAnOlderStoreTests
{
    [Fact]
    public async Task AStoreWithoutACatalog_ListsItsSeededRoundAfterARestart()
    {
        var data = Path.Combine(Path.GetTempPath(), "gcm-discovery-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await HostProcess.StartAsync(data))
            {
                await first.StopAsync();
            }

            // What an older release left: the round and its reviews, no catalog row.
            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(GcmActors.Host.Hosting.SqliteStore.ConnectionString(Path.Combine(data, "gcm.db"))))
            {
                await connection.OpenAsync();
                await using var delete = connection.CreateCommand();
                delete.CommandText = "DELETE FROM OrleansStorage WHERE GrainIdExtensionString = 'all'";
                Assert.Equal(1, await delete.ExecuteNonQueryAsync());
            }

            await using var second = await HostProcess.StartAsync(data);
            using var client = second.CreateClient();

            Assert.Equal("""[{"cycle":"2020","regions":["arab"]}]""", await client.GetStringAsync("/api/cycles"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
