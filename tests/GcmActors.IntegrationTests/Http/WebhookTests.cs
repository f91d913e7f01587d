using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using GcmActors.Host.Hosting;

namespace GcmActors.IntegrationTests.Http;

/// <summary>Nudges reach a ministry's webhook, signed, and a refused delivery is retried with the same id.</summary>
[Collection(HostCollection.Name)]
public sealed class WebhookTests(HostFixture fixture)
{
    private const string Secret = "a-secret-of-lebanon-s-ministry";

    private HostProcess Host => fixture.Host;

    [Fact]
    public async Task Nudge_IsPostedToTheWebhook_Signed_AndRetriedAfterARefusal()
    {
        using var receiver = new WebhookReceiver(refuseFirst: 1);
        using var admin = Host.CreateClient(Host.Token("admin"));
        var cycle = "1900";
        Assert.Equal(HttpStatusCode.OK, (await Api.PutRegionAsync(admin, cycle, "arab", Api.RoundFor(cycle, "LBN"))).StatusCode);
        using var ministry = Host.CreateClient(Host.Token("ministry", "LBN"));
        using var syria = Host.CreateClient(Host.Token("ministry", "SYR"));
        var hook = $"/api/cycles/{cycle}/reviews/LBN/webhook";

        await Api.AssertProblemAsync(await syria.PutAsJsonAsync(hook, new { url = receiver.Url, secret = Secret }), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = "ftp://example.org/x", secret = Secret }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await ministry.PutAsJsonAsync(hook, new { url = receiver.Url, secret = "short" }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.NoContent, (await ministry.PutAsJsonAsync(hook, new { url = receiver.Url, secret = Secret })).StatusCode);

        using var coOrganizer = Host.CreateClient(Host.Token("coorganizer", "arab"));
        var sent = await coOrganizer.PostAsJsonAsync($"/api/cycles/{cycle}/regions/arab/nudges", new { message = "Please share the template", countries = new[] { "LBN" } });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        // The first attempt is refused (500); the delivery reminder retries until the receiver takes it.
        var accepted = await receiver.AcceptedAsync.WaitAsync(TimeSpan.FromSeconds(60));
        var attempts = receiver.Attempts.ToArray();
        Assert.Equal(2, attempts.Length);
        Assert.Equal(attempts[0].Delivery, attempts[1].Delivery);
        var signature = accepted.Signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(HttpWebhookSender.Sign(Secret, signature["t"], Encoding.UTF8.GetBytes(accepted.Body)), signature["v1"]);
        var body = JsonNode.Parse(accepted.Body)!;
        Assert.Equal(("gcm.nudge", "LBN", "Please share the template"),
            ((string)body["type"]!, (string)body["country"]!, (string)body["nudge"]!["message"]!));
        Assert.Equal((string)body["nudge"]!["id"]!, accepted.Delivery);
    }

    private sealed record Attempt(string Delivery, string Signature, string Body);

    /// <summary>A webhook endpoint on loopback that refuses its first requests, then accepts.</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly TaskCompletionSource<Attempt> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _refuse;

        public WebhookReceiver(int refuseFirst)
        {
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

        public Task<Attempt> AcceptedAsync => _accepted.Task;

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
                var attempt = new Attempt(
                    context.Request.Headers["Gcm-Delivery"] ?? "", context.Request.Headers["Gcm-Signature"] ?? "", await reader.ReadToEndAsync());
                Attempts.Enqueue(attempt);
                var refuse = Interlocked.Decrement(ref _refuse) >= 0;
                context.Response.StatusCode = refuse ? 500 : 204;
                context.Response.Close();
                if (!refuse)
                {
                    _accepted.TrySetResult(attempt);
                }
            }
        }
    }
}
