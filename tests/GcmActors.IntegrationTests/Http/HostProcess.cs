using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using GcmActors.Host.Security;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// The real executable (<c>dotnet GcmActors.Host.dll</c>) on free loopback ports with its own data directory,
/// reached over real HTTP. It is ready when it logs that it listens, an explicit signal rather than a sleep.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _watches = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(string dataDirectory, IEnumerable<string> extraArguments)
    {
        DataDirectory = dataDirectory;
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        SiloPort = FreePort();
        GatewayPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(HostDll)!,
        };
        foreach (var argument in new[]
                 {
                     HostDll, "--urls", BaseAddress.ToString(),
                     $"--Gcm:DataDirectory={dataDirectory}",
                     $"--Gcm:SiloPort={SiloPort}",
                     $"--Gcm:GatewayPort={GatewayPort}",
                 }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("The host exited early:\n" + Output));
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    /// <summary>The Orleans ports (a silo's address in the membership table is 127.0.0.1:SiloPort).</summary>
    public int SiloPort { get; }

    public int GatewayPort { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The host's build output, next to this test assembly's configuration (Debug/Release).</summary>
    public static string HostDll { get; } = FindHostDll();

    public static async Task<HostProcess> StartAsync(string dataDirectory, params string[] extraArguments)
    {
        var host = new HostProcess(dataDirectory, extraArguments);
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        await host._ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
        return host;
    }

    public HttpClient CreateClient(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A token signed with this host's key, as the <c>token</c> command would print it.</summary>
    public string Token(string role, string? scope = null, DateTime? issuedAt = null) =>
        Tokens.LoadOrCreate(DataDirectory).Issue(role, scope, TimeSpan.FromHours(1), Tokens.Issuer, issuedAt: issuedAt);

    /// <summary><c>kill -9</c>: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it; waits for the graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource> seen;
        lock (_output)
        {
            _output.AppendLine(line);
            seen = [.. _watches.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).Select(w => w.Seen)];
            _watches.RemoveAll(w => seen.Contains(w.Seen));
        }

        seen.ForEach(s => s.TrySetResult());

        // Logged once the listening addresses are known and the read policy is decided (ApiSetup).
        if (line.Contains("Listening on", StringComparison.Ordinal) && line.Contains("reads", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>Completes once the host has logged a line containing <paramref name="text"/> (already, or later): a signal, not a poll.</summary>
    public Task LoggedAsync(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            _watches.Add((text, seen));
        }

        return seen.Task;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The folder of GcmActors.sln above this test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GcmActors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GcmActors.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindHostDll()
    {
        var directory = new DirectoryInfo(FindRepositoryRoot());

        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        var dll = Path.Combine(directory.FullName, "src", "GcmActors.Host", "bin", configuration, "net10.0", "GcmActors.Host.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first.", dll);
    }
}

/// <summary>One host shared by the API tests; each test works in its own cycle (or only reads the seed).</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "gcm-host-" + Guid.NewGuid().ToString("N"));

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HostProcess.StartAsync(
        DataDirectory,
        // The Orleans dashboard is opt-in; OperationsTests covers it on this host.
        [.. WebhookArguments, "--Gcm:Reviews:SyncPeriod=00:00:02", "--Gcm:Dashboard:Enabled=true"]);

    /// <summary>
    /// Webhook receivers in these tests are plain http on loopback, which only an operator's allowance lets through,
    /// and a failed delivery is retried within seconds (0.5 s, 1 s, 2 s, 2 s), not hours.
    /// </summary>
    public static readonly string[] WebhookArguments =
    [
        "--Gcm:Webhooks:AllowHttp=true",
        "--Gcm:Webhooks:AllowedNetworks:0=127.0.0.1/32",
        "--Gcm:Webhooks:MaxAttempts=5",
        "--Gcm:Webhooks:FirstRetryDelay=00:00:00.500",
        "--Gcm:Webhooks:BackoffFactor=2",
        "--Gcm:Webhooks:MaxRetryDelay=00:00:02",
        "--Gcm:Webhooks:AttemptTimeout=00:00:05",
        "--Gcm:Reviews:DeliveryRetryPeriod=00:00:01",
        "--Gcm:Reminders:MinimumReminderPeriod=00:00:01",
    ];

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "host";
}
