using System.Net;
using System.Text.Json.Nodes;
using GcmActors.IntegrationTests.Http;

namespace GcmActors.IntegrationTests.Upgrade;

/// <summary>
/// A data directory written by the release of 29 November 2026 (the trail inside each review's state row, every
/// member's snapshot inside the region's row, a sync reminder per review) opens in this one with every review,
/// history entry, nudge and region as that release answered them. <c>expected/</c> holds those answers, taken
/// from the old release on the same files; the release-2026-11-29 folder must never be regenerated.
/// </summary>
public sealed class UpgradeTests : IAsyncLifetime
{
    private static readonly string Release = Path.Combine(AppContext.BaseDirectory, "Upgrade", "release-2026-11-29");
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-upgrade-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        foreach (var file in Directory.GetFiles(Path.Combine(Release, "store")))
        {
            File.Copy(file, Path.Combine(_data, Path.GetFileName(file)));
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DataOfTheNovember2026Release_OpensWithEveryReviewHistoryNudgeAndRegionIntact()
    {
        await using var host = await HostProcess.StartAsync(_data);
        using var admin = host.CreateClient(host.Token("admin"));
        var expectedRegion = Expected("region-arab.json").AsObject();
        var countries = expectedRegion["members"]!.AsArray().Select(m => m!["country"]!.GetValue<string>()).ToList();
        Assert.Equal(22, countries.Count);

        var region = await GetAsync(admin, "/api/cycles/2020/regions/arab");
        foreach (var field in new[] { "name", "coOrganizers", "conference", "deadlines" })
        {
            AssertContains(expectedRegion[field], region[field], $"region.{field}");
        }

        // Today that round is concluded (its conference ended on 25 February 2021): it shows its members as they were
        // then and every change recorded since as a late update (decision 0013). The old release's changes were all
        // made after that day, so its members are the conclusion day's plus the late updates.
        Assert.Equal("concluded", region["phase"]!.GetValue<string>());
        AssertJson(Members(expectedRegion), Members(region, region["lateUpdates"]!.AsArray()), "region.members");

        var entries = 0;
        foreach (var country in countries)
        {
            AssertContains(Expected($"review-{country}.json"), await GetAsync(admin, $"/api/cycles/2020/reviews/{country}"), $"review {country}");
            AssertContains(Expected($"nudges-{country}.json"), await GetAsync(admin, $"/api/cycles/2020/reviews/{country}/nudges"), $"nudges {country}");

            var expectedTrail = Expected($"history-{country}.json").AsArray();
            var trail = (await GetAsync(admin, $"/api/cycles/2020/reviews/{country}/history")).AsArray();
            AssertContains(expectedTrail, trail, $"history {country}");
            Assert.Equal(Enumerable.Range(1, trail.Count).Select(i => (long)i), trail.Select(e => e!["sequence"]!.GetValue<long>()));
            entries += trail.Count;
        }

        Assert.Equal(32, entries);
    }

    private static JsonNode Expected(string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(Release, "expected", file)))!;

    private static async Task<JsonNode> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>
    /// What a member is, independent of the day it is read (lagging and days behind follow the date): as the document
    /// shows it, with <paramref name="lateUpdates"/> (of a concluded round) applied.
    /// </summary>
    private static JsonArray Members(JsonNode region, JsonArray? lateUpdates = null) => [.. region["members"]!.AsArray().Select(m =>
    {
        var member = new JsonObject
        {
            ["country"] = m!["country"]!.DeepClone(),
            ["participation"] = m["participation"]!.DeepClone(),
            ["milestones"] = m["milestones"]!.DeepClone(),
        };
        foreach (var update in (lateUpdates ?? []).Where(u => u!["country"]!.GetValue<string>() == member["country"]!.GetValue<string>()))
        {
            var field = update!["field"]!.GetValue<string>();
            var now = update["now"]!.GetValue<string>();
            if (field == "participation")
            {
                member["participation"] = now;
            }
            else
            {
                member["milestones"]![field] = now;
            }
        }

        return (JsonNode)member;
    })];

    private static void AssertJson(JsonNode? expected, JsonNode? actual, string where) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{where}: expected {expected?.ToJsonString()} but got {actual?.ToJsonString()}");

    /// <summary>Every property the old release answered is answered the same (a newer release may add properties).</summary>
    private static void AssertContains(JsonNode? expected, JsonNode? actual, string where)
    {
        switch (expected)
        {
            case JsonObject o:
                var a = Assert.IsType<JsonObject>(actual);
                foreach (var (name, value) in o)
                {
                    Assert.True(a.ContainsKey(name), $"{where}: '{name}' is missing");
                    AssertContains(value, a[name], $"{where}.{name}");
                }

                break;
            case JsonArray array:
                var items = Assert.IsType<JsonArray>(actual);
                Assert.True(array.Count == items.Count, $"{where}: {array.Count} items expected, {items.Count} found");
                for (var i = 0; i < array.Count; i++)
                {
                    AssertContains(array[i], items[i], $"{where}[{i}]");
                }

                break;
            default:
                AssertJson(expected, actual, where);
                break;
        }
    }
}
