using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GcmActors.IntegrationTests.Deploy;

/// <summary>
/// The container engine of the deploy tests: Debian's podman as root. Builds use chroot isolation and runs use
/// runc with cgroupfs, which is what works inside this kind of sandboxed machine (crun and systemd cgroups do not).
/// Resource limits are passed explicitly: podman's defaults (1048576 files, 32768 processes) are above what the
/// sandbox lets runc set.
/// </summary>
internal static class Podman
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Global options for every podman command that runs a container.</summary>
    public static string[] RuntimeOptions => ["--runtime", "runc", "--cgroup-manager=cgroupfs"];

    public static string[] LimitOptions => ["--ulimit", $"nofile={OpenFilesLimit}:{OpenFilesLimit}", "--ulimit", "nproc=16384:16384"];

    /// <summary>This process's hard limit of open files (a container may not get more).</summary>
    public static long OpenFilesLimit { get; } = File.ReadLines("/proc/self/limits")
        .Where(l => l.StartsWith("Max open files", StringComparison.Ordinal))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4])
        .Select(v => v == "unlimited" ? 1048576 : long.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
        .DefaultIfEmpty(1024).First();

    public static void RequireInstalled()
    {
        foreach (var tool in new[] { "podman", "runc", "debootstrap" })
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                throw new InvalidOperationException($"'{tool}' is not installed: ./test.sh installs podman, runc and debootstrap (Debian packages).");
            }
        }
    }

    /// <summary>Runs a command to its end, within <paramref name="timeout"/>, and returns its output; throws on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} took longer than {timeout}:\n{Tail(output)}");
        }

        await Task.WhenAll(stdout, stderr);
        return process.ExitCode == 0
            ? output.ToString()
            : throw new InvalidOperationException($"{file} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{Tail(output)}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString();
            return text.Length > 6000 ? text[^6000..] : text;
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GcmActors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GcmActors.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The deploy tests build and run images: they run alone, so their CPU use does not skew timing tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeployCollection
{
    public const string Name = "deploy";
}
