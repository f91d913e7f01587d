using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GcmActors.Benchmarks;

/// <summary>
/// A server under test in its own process (<c>dotnet some.dll ...</c>), listening on a free loopback port. It is
/// ready when it prints a line with "Listening on" and "reads", as the host does once its read policy is decided.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(string name, string dll, IEnumerable<string> arguments, Uri baseAddress)
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
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited early:\n{Output}"));
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>User + system CPU the process has used so far, all threads.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
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
    public static async Task<ServerProcess> StartAsync(string name, string dll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var server = new ServerProcess(name, dll, [.. arguments, "--urls", baseAddress.ToString()], baseAddress);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server._ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"{name} did not report 'Listening on ... reads' within {timeout.TotalSeconds} s:\n{server.Output}");
        }

        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

        if (line.Contains("Listening on", StringComparison.Ordinal) && line.Contains("reads", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
