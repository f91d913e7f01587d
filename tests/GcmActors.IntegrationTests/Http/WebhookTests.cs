using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using GcmActors.Host.Webhooks;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// Nudges reach a ministry's webhook signed by Standard Webhooks v1, are retried with the same webhook-id on a short
/// schedule (the shared host's: 5 attempts, 0.5 s to 2 s apart), end as failed, can be sent again, and never follow
/// a redirect.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class WebhookTests(HostFixture fixture)
{
    private HostProcess Host => fixture.Host;

    private string DatabaseFile => Path.Combine(fixture.DataDirectory, "gcm.db");

    [Fact]
    public async Task Nudge_IsSignedByStandardWebhooks_RetriedWithTheSameId_AndSignedWithBothSecretsDuringARotation()
    {
        using var receiver = new WebhookReceiver(_ => 204, refuseFirst: 1);
        const string cycle = "1900";
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        using var syria = Host.CreateClient(Host.Token("ministry", "SYR"));
        var hook = Webhooks.Hook(cycle, "LBN");

        await Api.AssertProblemAsync(await syria.PutAsJsonAsync(hook, new { url = receiver.Url }), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = "ftp://example.org/x" }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = receiver.Url, secret = "at-least-16-characters" }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = receiver.Url.Replace("http://", "http://gcm:password@", StringComparison.Ordinal) }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = receiver.Url + new string('a', 2049) }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NotFound, (await ministry.GetAsync(hook)).StatusCode);

        // Supplied secrets are accepted in the whsec_ form and never shown back.
        var supplied = "whsec_" + Convert.ToBase64String(Encoding.ASCII.GetBytes("lebanon-ministry-secret-of-32-b!"));
        var answer = await ministry.PutAsJsonAsync(hook, new { url = receiver.Url, secret = supplied });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Null(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["secret"]);

        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        var id = await Webhooks.NudgeAsync(coOrganizer, cycle, "arab", "LBN", "Please share the template");

        // The first attempt is refused (500); the next one, half a second later, is accepted.
        var inbox = await Webhooks.InboxUntilAsync(ministry, cycle, "LBN", i => (string?)Webhooks.DeliveryOf(i, id)!["status"] == "delivered", TimeSpan.FromSeconds(30));
        Assert.Equal(2, (int)Webhooks.DeliveryOf(inbox, id)!["attempts"]!);
        var attempts = receiver.Attempts.ToArray();
        Assert.Equal([id, id], attempts.Select(a => a.Id));
        var accepted = attempts[1];
        new StandardWebhook(supplied).Verify(accepted.Body, accepted.Headers);
        var body = JsonNode.Parse(accepted.Body)!;
        Assert.Equal(("gcm.nudge", "LBN", "Please share the template", id),
            ((string)body["type"]!, (string)body["data"]!["country"]!, (string)body["data"]!["message"]!, (string)body["data"]!["id"]!));
        Assert.Equal(attempts[0].Body, attempts[1].Body);

        // A rotation: the next delivery carries two signatures, one per secret, each valid on its own.
        var rotated = await ministry.PostAsJsonAsync(hook + "/rotate", new { graceHours = 2 });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var fresh = (string)JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["secret"]!;
        var view = await ministry.GetStringAsync(hook);
        Assert.Equal(2, JsonNode.Parse(view)!["secrets"]!.AsArray().Count);
        Assert.DoesNotContain("whsec_", view, StringComparison.Ordinal);

        using var africa = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "africa", Api.RoundFor(cycle, "LBN"))).StatusCode);
        var next = await Webhooks.NudgeAsync(africa, cycle, "africa", "LBN", "Please appoint the coordination body");
        await Webhooks.InboxUntilAsync(ministry, cycle, "LBN", i => (string?)Webhooks.DeliveryOf(i, next)!["status"] == "delivered", TimeSpan.FromSeconds(30));
        var both = receiver.Attempts.Last();
        var signatures = both.Headers["webhook-signature"].ToString().Split(' ');
        Assert.Equal(2, signatures.Length);
        // Each signature verifies with its own secret. (StandardWebhooks 1.1.2 for .NET only ever tries the first signature
        // of the header, so each is checked on its own here; the npm reference library tries them all.)
        foreach (var (secret, signature) in new[] { fresh, supplied }.Zip(signatures))
        {
            var single = new HeaderDictionary(both.Headers.ToDictionary(h => h.Key, h => h.Value)) { ["webhook-signature"] = signature };
            new StandardWebhook(secret).Verify(both.Body, single);
        }

        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() =>
            new StandardWebhook(WebhookRulesSecret()).Verify(both.Body, both.Headers));
        Assert.Equal(HttpWebhookSender.Signatures([fresh, supplied], next, DateTimeOffset.FromUnixTimeSeconds(long.Parse(both.Headers["webhook-timestamp"]!, System.Globalization.CultureInfo.InvariantCulture)), both.Body),
            both.Headers["webhook-signature"].ToString());

        var history = JsonNode.Parse(await ministry.GetStringAsync($"/api/cycles/{cycle}/reviews/LBN/history"))!.AsArray();
        Assert.Equal(["regions", "webhook", "webhook.secret", "regions"], history.Select(e => (string?)e!["field"])); // the last: joining africa
        Assert.All(history, e => Assert.Equal(0, (long)e!["version"]!));
        Assert.Equal(HttpStatusCode.NoContent, (await ministry.DeleteAsync(hook)).StatusCode);
    }

    [Fact]
    public async Task Receiver_ThatNeverAccepts_EndsFailed_NothingWakesTheReview_AndAResendDeliversIt()
    {
        var accept = false;
        using var receiver = new WebhookReceiver(_ => Volatile.Read(ref accept) ? 204 : 503);
        const string cycle = "1901";
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        await Webhooks.RegisterAsync(ministry, cycle, "LBN", receiver.Url);
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        var id = await Webhooks.NudgeAsync(coOrganizer, cycle, "arab", "LBN", "Please share the template");
        var resend = $"/api/cycles/{cycle}/reviews/LBN/nudges/{id}/resend";
        await Api.AssertProblemAsync(await ministry.PostAsync($"/api/cycles/{cycle}/reviews/LBN/nudges/nope/resend", null), HttpStatusCode.NotFound);

        var inbox = await Webhooks.InboxUntilAsync(ministry, cycle, "LBN", i => (string?)Webhooks.DeliveryOf(i, id)!["status"] == "failed", TimeSpan.FromSeconds(30));
        var failed = Webhooks.DeliveryOf(inbox, id)!;
        Assert.Equal((5, 503, (string?)null), ((int)failed["attempts"]!, (int)failed["lastStatus"]!, (string?)failed["nextAttemptAt"]));
        Assert.Equal(5, receiver.Attempts.Count);
        Assert.Equal(0, await Webhooks.RemindersOnceSettledAsync(DatabaseFile, $"{cycle}/LBN"));

        // The ministry fixes its receiver and asks again: same webhook-id, a fresh schedule.
        Volatile.Write(ref accept, true);
        var resent = await ministry.PostAsync(resend, null);
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        inbox = await Webhooks.InboxUntilAsync(ministry, cycle, "LBN", i => (string?)Webhooks.DeliveryOf(i, id)!["status"] == "delivered", TimeSpan.FromSeconds(30));
        Assert.Equal(1, (int)Webhooks.DeliveryOf(inbox, id)!["attempts"]!);
        Assert.Equal(Enumerable.Repeat(id, 6), receiver.Attempts.Select(a => a.Id));
        Assert.Equal(0, await Webhooks.RemindersOnceSettledAsync(DatabaseFile, $"{cycle}/LBN"));
        await Api.AssertProblemAsync(await ministry.PostAsync(resend, null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Redirect_IsNotFollowed()
    {
        using var target = new WebhookReceiver(_ => 204);
        using var redirecting = new WebhookReceiver(response =>
        {
            response.RedirectLocation = target.Url;
            return 307;
        });
        const string cycle = "1902";
        using var admin = Host.CreateClient(Host.Token("admin"));
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        await Webhooks.RegisterAsync(ministry, cycle, "LBN", redirecting.Url);
        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        var id = await Webhooks.NudgeAsync(coOrganizer, cycle, "arab", "LBN", "Please share the template");

        var inbox = await Webhooks.InboxUntilAsync(ministry, cycle, "LBN", i => (int?)Webhooks.DeliveryOf(i, id)!["attempts"] >= 2, TimeSpan.FromSeconds(30));
        var delivery = Webhooks.DeliveryOf(inbox, id)!;
        Assert.Equal(307, (int)delivery["lastStatus"]!);
        Assert.Contains("redirects are not followed", (string?)delivery["lastError"], StringComparison.Ordinal);
        Assert.Empty(target.Attempts);
        Assert.Equal(HttpStatusCode.NoContent, (await ministry.DeleteAsync(Webhooks.Hook(cycle, "LBN"))).StatusCode);
        inbox = await Webhooks.InboxAsync(ministry, cycle, "LBN");
        Assert.Equal(("failed", "the webhook was removed"), ((string?)Webhooks.DeliveryOf(inbox, id)!["status"], (string?)Webhooks.DeliveryOf(inbox, id)!["lastError"]));
        Assert.Empty(target.Attempts);
    }

    private static string WebhookRulesSecret() => GcmActors.Grains.WebhookRules.NewSecret();

    private sealed record Attempt(string Id, HeaderDictionary Headers, string Body);

    /// <summary>A webhook endpoint on loopback: answers each request with what <c>answer</c> says (after refusing the first ones with 500).</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Func<HttpListenerResponse, int> _answer;
        private int _refuse;

        public WebhookReceiver(Func<HttpListenerResponse, int> answer, int refuseFirst = 0)
        {
            _answer = answer;
            _refuse = refuseFirst;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/hooks/gcm/";
            }

            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public ConcurrentQueue<Attempt> Attempts { get; } = new();

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var headers = new HeaderDictionary();
                foreach (var name in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
                {
                    headers[name] = context.Request.Headers[name] ?? "";
                }

                Attempts.Enqueue(new Attempt(headers["webhook-id"].ToString(), headers, await reader.ReadToEndAsync()));
                context.Response.StatusCode = Interlocked.Decrement(ref _refuse) >= 0 ? 500 : _answer(context.Response);
                context.Response.Close();
            }
        }
    }
}
