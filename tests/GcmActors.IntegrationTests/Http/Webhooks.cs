using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace GcmActors.IntegrationTests.Http;

/// <summary>What the webhook tests share: registering, nudging, reading the inbox until it says something, the raw files.</summary>
internal static class Webhooks
{
    public static string Hook(string cycle, string country) => $"/api/cycles/{cycle}/reviews/{country}/webhook";

    /// <summary>Registers <paramref name="url"/> and returns the answer (with the generated secret, shown this once).</summary>
    public static async Task<JsonObject> RegisterAsync(HttpClient ministry, string cycle, string country, string url)
    {
        var response = await ministry.PutAsJsonAsync(Hook(cycle, country), new { url });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"registration answered {(int)response.StatusCode}: {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return (JsonObject)JsonNode.Parse(text)!;
    }

    public static async Task<JsonArray> InboxAsync(HttpClient ministry, string cycle, string country)
    {
        var response = await ministry.GetAsync($"/api/cycles/{cycle}/reviews/{country}/nudges");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (JsonArray)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>Polls the inbox (every 200 ms, at most <paramref name="timeout"/>) until <paramref name="done"/> holds.</summary>
    public static async Task<JsonArray> InboxUntilAsync(HttpClient ministry, string cycle, string country, Func<JsonArray, bool> done, TimeSpan timeout)
    {
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var inbox = await InboxAsync(ministry, cycle, country);
            if (done(inbox))
            {
                return inbox;
            }

            Assert.True(DateTime.UtcNow < deadline, "the inbox did not get there in time: " + inbox.ToJsonString());
            await poll.WaitForNextTickAsync();
        }
    }

    public static async Task<string> NudgeAsync(HttpClient coOrganizer, string cycle, string region, string country, string message)
    {
        var sent = await coOrganizer.PostAsJsonAsync($"/api/cycles/{cycle}/regions/{region}/nudges", new { message, countries = new[] { country } });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var delivery = JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["deliveries"]![0]!;
        Assert.Equal("delivered", (string?)delivery["outcome"]);
        return (string)delivery["nudgeId"]!;
    }

    public static JsonNode? DeliveryOf(JsonArray inbox, string nudgeId) => inbox.Single(n => (string?)n!["id"] == nudgeId)!["delivery"];

    /// <summary>Reminder rows of one review (the grain id ends with its key).</summary>
    public static long Reminders(string databaseFile, string reviewKey) => Scalar(databaseFile,
        "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId LIKE $key", ("$key", "%" + reviewKey));

    /// <summary>
    /// Polls (every 100 ms, at most 10 s) until the review has no reminder row; returns how many it has at the end.
    /// The review lets its reminder go right after the write that left nothing due, so the inbox may say so first.
    /// </summary>
    public static async Task<long> RemindersOnceSettledAsync(string databaseFile, string reviewKey)
    {
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Reminders(databaseFile, reviewKey) is var count && count > 0 && DateTime.UtcNow < deadline)
        {
            await poll.WaitForNextTickAsync();
        }

        return Reminders(databaseFile, reviewKey);
    }

    public static long Scalar(string databaseFile, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Which of the database's files (gcm.db, -wal, -shm) hold <paramref name="needle"/>, byte for byte.</summary>
    public static string[] FilesContaining(string databaseFile, string needle)
    {
        var bytes = Encoding.UTF8.GetBytes(needle);
        return [.. new[] { databaseFile, databaseFile + "-wal", databaseFile + "-shm" }
            .Where(f => File.Exists(f) && Read(f).AsSpan().IndexOf(bytes) >= 0)
            .Select(Path.GetFileName)!];
    }

    private static byte[] Read(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
