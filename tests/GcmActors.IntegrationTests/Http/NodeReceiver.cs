using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// tests/webhook-receiver/receiver.mjs in node: a ministry's receiver built on the npm <c>standardwebhooks</c>
/// reference library (pinned by its package-lock.json, installed with <c>npm ci</c> when missing). Every line it
/// prints is an event; tests wait for the events they need, with a deadline.
/// </summary>
public sealed class NodeReceiver : IAsyncDisposable
{
    private static readonly string Folder = Path.Combine(HostProcess.RepositoryRoot, "tests", "webhook-receiver");
    private static readonly SemaphoreSlim s_install = new(1, 1);

    private readonly Process _process;
    private readonly ConcurrentQueue<JsonObject> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private NodeReceiver(Process process) => _process = process;

    public IReadOnlyCollection<JsonObject> Events => _events;

    public IEnumerable<JsonObject> Attempts => _events.Where(e => (string?)e["event"] == "attempt");

    public string Url { get; private set; } = "";

    public static async Task<NodeReceiver> StartAsync()
    {
        await InstallAsync();
        var start = new ProcessStartInfo("node", "receiver.mjs")
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var receiver = new NodeReceiver(Process.Start(start)!);
        receiver._process.OutputDataReceived += (_, e) => receiver.Collect(e.Data);
        receiver._process.ErrorDataReceived += (_, e) => receiver.Collect(e.Data is null ? null : new JsonObject { ["event"] = "stderr", ["line"] = e.Data }.ToJsonString());
        receiver._process.BeginOutputReadLine();
        receiver._process.BeginErrorReadLine();
        var listening = await receiver.WaitForAsync(e => (string?)e["event"] == "listening", TimeSpan.FromSeconds(30));
        receiver.Url = $"http://127.0.0.1:{(int)listening["port"]!}/gcm/nudges";
        return receiver;
    }

    /// <summary>Gives the receiver its secret (as the ministry's operator would configure it) and waits for the acknowledgement.</summary>
    public Task UseSecretAsync(string secret) => CommandAsync($"secret {secret}");

    public Task RefuseNextAsync(int attempts) => CommandAsync($"refuse {attempts}");

    /// <summary>The first event (already printed or still to come) that matches; fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException("the receiver did not print the expected event; it printed:\n"
                    + string.Join('\n', _events.Select(e => e.ToJsonString())));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task CommandAsync(string line)
    {
        var acknowledged = _events.Count(e => (string?)e["event"] == "ok");
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
        await WaitForAsync(_ => _events.Count(e => (string?)e["event"] == "ok") > acknowledged, TimeSpan.FromSeconds(10));
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _events.Enqueue(JsonNode.Parse(line) as JsonObject ?? new JsonObject { ["event"] = "unparsed", ["line"] = line });
        _arrived.Release();
    }

    private static async Task InstallAsync()
    {
        await s_install.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(Folder, "node_modules", "standardwebhooks", "package.json")))
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = Folder, UseShellExecute = false })!;
            await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(npm.ExitCode == 0, "npm ci failed in tests/webhook-receiver");
        }
        finally
        {
            s_install.Release();
        }
    }
}
