using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// The host exports OTLP traces and metrics when an endpoint is configured. A small OTLP/HTTP receiver on
/// loopback takes the place of a collector; the protobuf payloads carry names as plain UTF-8, which is
/// what the assertions look for.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-otel-" + Guid.NewGuid().ToString("N"));
    private readonly OtlpReceiver _receiver = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _receiver.Dispose();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Host_ExportsTracesAndMetrics_OverOtlp()
    {
        await using var host = await HostProcess.StartAsync(
            _data,
            $"--OTEL_EXPORTER_OTLP_ENDPOINT={_receiver.Endpoint}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=200",
            "--OTEL_METRIC_EXPORT_INTERVAL=500");
        using var ministry = host.CreateClient(host.Token("ministry", "LBN"));

        var response = await Api.PostMilestoneAsync(ministry, "2020", "LBN", "data-collected", new { status = "completed" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // A server span of the request, a span of the grain call it made, and the service's own counter.
        await _receiver.WaitForAsync("/v1/traces", "/milestones/").WaitAsync(TimeSpan.FromSeconds(30));
        await _receiver.WaitForAsync("/v1/traces", "RecordMilestone").WaitAsync(TimeSpan.FromSeconds(30));
        await _receiver.WaitForAsync("/v1/metrics", "gcm.review.commands").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(_receiver.Received("/v1/traces", "gcm-actors"));
    }

    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, string Body)> _payloads = new();
        private readonly ConcurrentDictionary<(string, string), TaskCompletionSource> _waiters = new();

        public OtlpReceiver()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Endpoint = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            }

            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ReceiveAsync);
        }

        public string Endpoint { get; }

        public bool Received(string path, string text) => _payloads.Any(p => p.Path == path && p.Body.Contains(text, StringComparison.Ordinal));

        public Task WaitForAsync(string path, string text)
        {
            var waiter = _waiters.GetOrAdd((path, text), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (Received(path, text))
            {
                waiter.TrySetResult();
            }

            return waiter.Task;
        }

        public void Dispose() => _listener.Close();

        private async Task ReceiveAsync()
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

                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                var body = Encoding.UTF8.GetString(buffer.ToArray());
                var path = context.Request.Url!.AbsolutePath;
                _payloads.Enqueue((path, body));
                context.Response.StatusCode = 200;
                context.Response.Close();
                foreach (var ((waitPath, text), waiter) in _waiters)
                {
                    if (waitPath == path && body.Contains(text, StringComparison.Ordinal))
                    {
                        waiter.TrySetResult();
                    }
                }
            }
        }
    }
}
