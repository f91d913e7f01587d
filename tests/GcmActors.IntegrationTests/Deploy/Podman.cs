using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GcmActors.IntegrationTests.Deploy;

/// <summary>
/// The container engine of the deploy tests: Debian's podman as root. Builds use chroot isolation and runs use
/// runc with cgroupfs, which is what works inside this kind of sandboxed machine (crun and systemd cgroups do not).
/// Resource limits are set explicitly: podman's defaults (1048576 files, 32768 processes) are above what the
/// sandbox lets runc set. All of it goes in a containers.conf of the tests' own (CONTAINERS_CONF), so that
/// podman-compose's podman commands get it too.
/// </summary>
internal static class Podman
{
    public const string Image = "localhost/gcm-actors:test";

    private static readonly Lazy<Task<string>> s_image = new(BuildImageAsync);

    public static string RepositoryRoot { get; } = FindRoot();

    private static readonly Lazy<string> s_containersConf = new(WriteContainersConf);

    /// <summary>This process's hard limit of open files (a container may not get more).</summary>
    public static long OpenFilesLimit { get; } = File.ReadLines("/proc/self/limits")
        .Where(l => l.StartsWith("Max open files", StringComparison.Ordinal))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4])
        .Select(v => v == "unlimited" ? 1048576 : long.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
        .DefaultIfEmpty(1024).First();

    /// <summary>
    /// Builds deploy/Dockerfile once per test run (after the base-image stand-ins, and those compose needs) and
    /// returns what it cost.
    /// </summary>
    public static Task<string> EnsureImageAsync() => s_image.Value;

    public static void RequireInstalled(params string[] more)
    {
        foreach (var tool in new[] { "podman", "runc", "debootstrap" }.Concat(more))
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                throw new InvalidOperationException($"'{tool}' is not installed: ./test.sh installs podman, runc and debootstrap (Debian packages).");
            }
        }
    }

    /// <summary>Runs a command to its end, within <paramref name="timeout"/>, and returns its output; throws on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CONTAINERS_CONF"] = s_containersConf.Value;
        start.Environment["BUILDAH_ISOLATION"] = "chroot";
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

    private static async Task<string> BuildImageAsync()
    {
        RequireInstalled();
        var clock = Stopwatch.StartNew();
        await RunAsync("bash", [Path.Combine(RepositoryRoot, "deploy", "image", "build-base-images.sh"), "--with-compose"], TimeSpan.FromMinutes(10));
        var bases = clock.Elapsed;
        // Old build layers of earlier runs go; those of the last day stay as the build cache.
        await RunAsync("podman", ["image", "prune", "--force", "--filter", "until=24h"], TimeSpan.FromMinutes(2));
        clock.Restart();
        await RunAsync("podman", ["build", "--isolation=chroot", "--network", "host", "--file", "deploy/Dockerfile", "--tag", Image, "."],
            TimeSpan.FromMinutes(8));
        return $"base images {bases.TotalSeconds:F0} s (kept when present), image build {clock.Elapsed.TotalSeconds:F0} s";
    }

    private static string WriteContainersConf()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gcm-containers-{Environment.ProcessId}.conf");
        File.WriteAllText(path, $"""
            [containers]
            default_ulimits = ["nofile={OpenFilesLimit}:{OpenFilesLimit}", "nproc=16384:16384"]
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"

            """);
        return path;
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
