using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// A ministry's receiver in node, verifying with the npm <c>standardwebhooks</c> reference library and deduplicating
/// on webhook-id, against the real host on its own data directory, restarted while deliveries are still due.
/// </summary>
public sealed class StandardWebhooksTests : IAsyncLifetime
{
    private const string Cycle = "1910";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-stdwh-" + Guid.NewGuid().ToString("N"));

    private string DatabaseFile => Path.Combine(_data, "gcm.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task NodeReceiver_VerifiesEveryDelivery_AcrossARestart_AndGetsEachNudgeOnce()
    {
        var output = new List<string>();
        var tokens = new List<string>();
        await using var receiver = await NodeReceiver.StartAsync();
        var host = await HostProcess.StartAsync(_data, HostFixture.WebhookArguments);
        string secret, first, second;
        try
        {
            using var admin = Client(host, tokens, "admin");
            Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, Cycle, "arab", Api.RoundFor(Cycle, "LBN"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, Cycle, "africa", Api.RoundFor(Cycle, "LBN"))).StatusCode);
            using var ministry = Client(host, tokens, "ministry", "LBN");

            // The service generates the secret and shows it once; the ministry configures its receiver with it.
            var registered = await Webhooks.RegisterAsync(ministry, Cycle, "LBN", receiver.Url);
            secret = (string)registered["secret"]!;
            Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
            await receiver.UseSecretAsync(secret);
            await receiver.RefuseNextAsync(3);

            // Two rounds nudge Lebanon; the receiver refuses the first three verified attempts.
            using var arab = Client(host, tokens, "coorganizer", "arab");
            using var africa = Client(host, tokens, "coorganizer", "africa");
            first = await Webhooks.NudgeAsync(arab, Cycle, "arab", "LBN", "Please share the template");
            second = await Webhooks.NudgeAsync(africa, Cycle, "africa", "LBN", "Please appoint the coordination body");

            // After two refused attempts, the host goes down (SIGTERM) with both deliveries due, and comes back.
            await receiver.WaitForAsync(_ => receiver.Attempts.Count() >= 2, TimeSpan.FromSeconds(30));
            await host.StopAsync();
            output.Add(host.Output);
            await host.DisposeAsync();
            host = await HostProcess.StartAsync(_data, HostFixture.WebhookArguments);
            using var again = Client(host, tokens, "ministry", "LBN");

            var inbox = await Webhooks.InboxUntilAsync(again, Cycle, "LBN",
                i => i.All(n => (string?)n!["delivery"]!["status"] == "delivered"), TimeSpan.FromSeconds(60));

            // Every attempt the receiver saw verified with the reference library, and each nudge was accepted exactly once.
            var attempts = receiver.Attempts.ToList();
            Assert.All(attempts, a => Assert.True((bool)a["valid"]!, a.ToJsonString()));
            Assert.Equal(3, attempts.Count(a => (int)a["status"]! == 503));
            foreach (var id in new[] { first, second })
            {
                var accepted = attempts.Where(a => (string?)a["id"] == id && (int)a["status"]! == 204 && !(bool)a["duplicate"]!).ToList();
                var single = Assert.Single(accepted);
                Assert.Equal(("gcm.nudge", id), ((string?)single["type"], (string?)single["nudge"]));
                var delivery = Webhooks.DeliveryOf(inbox, id)!;
                Assert.Equal(attempts.Count(a => (string?)a["id"] == id), (int)delivery["attempts"]!);
                Assert.Equal(204, (int)delivery["lastStatus"]!);
                Assert.NotNull(delivery["deliveredAt"]);
                Assert.Null(delivery["nextAttemptAt"]);
            }

            Assert.Equal(5, attempts.Count);

            // A tampered body and an old timestamp fail the reference library's verification.
            var tamper = await receiver.WaitForAsync(e => (string?)e["event"] == "tamper", TimeSpan.Zero);
            Assert.Equal("No matching signature found", (string?)tamper["tamperedBody"]);
            Assert.Equal("Message timestamp too old", (string?)tamper["oldTimestamp"]);

            // Nothing is due: nothing keeps the review awake.
            Assert.Equal(0, await Webhooks.RemindersOnceSettledAsync(DatabaseFile, $"{Cycle}/LBN"));

            // The secret is never in the database files, nor returned by a GET; removing the webhook forgets its encrypted form too.
            var stored = StoredSecrets(DatabaseFile, $"{Cycle}/LBN");
            Assert.NotEmpty(stored);
            AssertNowhere(secret);
            var webhook = await again.GetStringAsync(Webhooks.Hook(Cycle, "LBN"));
            Assert.DoesNotContain("whsec_", webhook, StringComparison.Ordinal);
            Assert.DoesNotContain(stored[0], webhook, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync(Webhooks.Hook(Cycle, "LBN"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync(Webhooks.Hook(Cycle, "LBN"))).StatusCode);
            AssertNowhere(secret);
            Assert.All(stored, AssertNowhere);

            // The history says who registered and removed the webhook, without any secret.
            var history = await again.GetStringAsync($"/api/cycles/{Cycle}/reviews/LBN/history");
            var entries = JsonNode.Parse(history)!.AsArray().Select(e => (string?)e!["field"]).ToList();
            Assert.Equal(["regions", "regions", "webhook", "webhook"], entries); // joining two rounds, then the webhook
            Assert.DoesNotContain("whsec_", history, StringComparison.Ordinal);

            // The data directory is private.
            AssertModes();

            await host.StopAsync();
            output.Add(host.Output);
        }
        finally
        {
            await host.DisposeAsync();
        }

        // The logs of both runs carry no secret and no token.
        var logs = string.Join('\n', output);
        Assert.Contains("Webhook delivery", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], logs, StringComparison.Ordinal);
        Assert.All(tokens, t => Assert.DoesNotContain(t, logs, StringComparison.Ordinal));
        Assert.DoesNotContain("whsec_", string.Join('\n', receiver.Events.Select(e => e.ToJsonString())), StringComparison.Ordinal);
    }

    private void AssertNowhere(string needle) => Assert.Empty(Webhooks.FilesContaining(DatabaseFile, needle));

    private void AssertModes()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_data));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_data, "keys")));
        foreach (var file in new[] { "gcm.db", "gcm.db-wal", "gcm.db-shm", "jwt-signing.key" })
        {
            Assert.Equal((file, UnixFileMode.UserRead | UnixFileMode.UserWrite), (file, File.GetUnixFileMode(Path.Combine(_data, file))));
        }
    }

    private static HttpClient Client(HostProcess host, List<string> tokens, string role, string? scope = null)
    {
        var token = host.Token(role, scope);
        tokens.Add(token);
        return host.CreateClient(token);
    }

    /// <summary>The encrypted secrets in the review's state row, as the storage holds them.</summary>
    private static List<string> StoredSecrets(string databaseFile, string reviewKey)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = $key";
        command.Parameters.AddWithValue("$key", reviewKey);
        var json = JsonNode.Parse(System.Text.Encoding.UTF8.GetString((byte[])command.ExecuteScalar()!))!;
        return [.. json["endpoint"]!["secrets"]!.AsArray().Select(s => (string)s!["protected"]!)];
    }
}
