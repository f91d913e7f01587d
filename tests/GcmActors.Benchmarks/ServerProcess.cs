using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace GcmActors.Benchmarks;

/// <summary>
/// A server under test in its own process (<c>dotnet some.dll ...</c>), listening on a free loopback port. It is
/// ready when it prints a line with "Listening on" and "reads", as the host does once its read policy is decided.
/// Everything it logs is scanned for Orleans' long-turn warning and counted by level.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private const int KeptLongTurns = 5;
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly List<string> _longTurns = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _longTurnCount;
    private long _warningCount;

    private ServerProcess(string name, string dll, IEnumerable<string> arguments, Uri baseAddress, IEnumerable<KeyValuePair<string, string>> environment)
    {
        Name = name;
        BaseAddress = baseAddress;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited early:\n{Output}"));
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>When the process was started (a <see cref="Stopwatch"/> timestamp).</summary>
    public long StartedAt { get; private set; }

    /// <summary>When it printed its readiness line (a <see cref="Stopwatch"/> timestamp), or 0.</summary>
    public long ReadyAt { get; private set; }

    /// <summary>User + system CPU the process has used so far, all threads.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Resident set size from /proc (VmRSS), in MiB; NaN where there is no /proc.</summary>
    public double RssMiB
    {
        get
        {
            var status = $"/proc/{Id}/status";
            if (!File.Exists(status))
            {
                return double.NaN;
            }

            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? double.NaN : long.Parse(Digits().Match(line).Value, CultureInfo.InvariantCulture) / 1024.0;
        }
    }

    /// <summary>Orleans' "Task ... took elapsed time ... which is longer than ..." warnings so far (a turn over the threshold).</summary>
    public long LongTurnWarnings => Interlocked.Read(ref _longTurnCount);

    /// <summary>Lines the console logger started with "warn:" or "fail:" so far.</summary>
    public long Warnings => Interlocked.Read(ref _warningCount);

    /// <summary>The first few long-turn warnings, as logged.</summary>
    public IReadOnlyList<string> LongTurnSamples
    {
        get
        {
            lock (_longTurns)
            {
                return [.. _longTurns];
            }
        }
    }

    /// <summary>The last lines the process wrote (stdout and stderr), for error messages.</summary>
    public string Output
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join(Environment.NewLine, _lastLines);
            }
        }
    }

    /// <summary>Starts <paramref name="dll"/> with <c>--urls http://127.0.0.1:{free port}</c> and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(string name, string dll, IEnumerable<string> arguments, TimeSpan timeout,
        IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var server = Launch(name, dll, arguments, environment);
        await server.WaitUntilReadyAsync(timeout);
        return server;
    }

    /// <summary>
    /// Starts the process and returns at once (the cold-start measurement polls it itself). <paramref name="environment"/>
    /// adds to (or overrides) the variables it inherits.
    /// </summary>
    public static ServerProcess Launch(string name, string dll, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var server = new ServerProcess(name, dll, [.. arguments, "--urls", baseAddress.ToString()], baseAddress, environment ?? []);
        server.StartedAt = Stopwatch.GetTimestamp();
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        try
        {
            await _ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await DisposeAsync();
            throw new TimeoutException($"{Name} did not report 'Listening on ... reads' within {timeout.TotalSeconds} s:\n{Output}");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM (the host shuts down gracefully), then SIGKILL if it has not exited within <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> StopGracefullyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!_process.HasExited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                await kill!.WaitForExitAsync();
            }

            try
            {
                await _process.WaitForExitAsync().WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        return clock.Elapsed;
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

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {Id}) at {BaseAddress}");

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines)
            {
                _lastLines.Dequeue();
            }
        }

        if (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal)
                                                               || line.StartsWith("crit:", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _warningCount);
        }

        // Orleans' WorkItemGroup: "Task {Task} in WorkGroup {GrainContext} took elapsed time {Duration} for execution,
        // which is longer than {TurnWarningLengthThreshold}. Running on thread {Thread}".
        if (line.Contains("took elapsed time", StringComparison.Ordinal) && line.Contains("longer than", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _longTurnCount);
            lock (_longTurns)
            {
                if (_longTurns.Count < KeptLongTurns)
                {
                    _longTurns.Add(line.Trim());
                }
            }
        }

        if (line.Contains("Listening on", StringComparison.Ordinal) && line.Contains("reads", StringComparison.Ordinal))
        {
            ReadyAt = Stopwatch.GetTimestamp();
            _ready.TrySetResult();
        }
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();
}
