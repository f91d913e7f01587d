using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// The OpenAPI document as tools take it, from a real host of its own: Redocly (recommended rules) and Spectral
/// (<c>spectral:oas</c>) lint it with no error and no warning, and a TypeScript client generated from it by
/// @hey-api/openapi-ts type-checks and drives the host (tests/contract/client-test.ts). The tools are pinned in
/// tests/contract/package-lock.json and installed by <c>npm ci</c> (test.sh does it).
/// </summary>
public sealed class ContractTests : IAsyncLifetime
{
    private static readonly string s_tools = FindTools();

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "gcm-contract-" + Guid.NewGuid().ToString("N"));
    private HostProcess _host = null!;

    private static string Tools => s_tools;

    public async Task InitializeAsync() => _host = await HostProcess.StartAsync(_dataDirectory);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task OpenApiDocument_PassesBothLinters_AndAGeneratedClientDrivesTheHost()
    {
        Assert.True(File.Exists(Path.Combine(Tools, "node_modules", ".package-lock.json")),
            $"the contract tools are not installed: run 'npm ci' in {Tools} (test.sh does)");
        using var client = _host.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json");
        await File.WriteAllTextAsync(Path.Combine(Tools, "openapi.json"), document);

        var redocly = await RunAsync("node_modules/.bin/redocly", "lint", "openapi.json", "--config", "redocly.yaml", "--format=json");
        using (var report = JsonDocument.Parse(redocly.Stdout))
        {
            var totals = report.RootElement.GetProperty("totals");
            Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, redocly.Output);
        }

        // --fail-severity=hint: a warning (or less) fails too.
        var spectral = await RunAsync("node_modules/.bin/spectral", "lint", "openapi.json", "--ruleset", ".spectral.yaml", "--fail-severity=hint");
        Assert.True(spectral.ExitCode == 0, spectral.Output);

        var generate = await RunAsync("node_modules/.bin/openapi-ts", "-i", "openapi.json", "-o", "generated", "-c", "@hey-api/client-fetch", "--no-log-file", "-s");
        Assert.True(generate.ExitCode == 0, generate.Output);
        var typecheck = await RunAsync("node_modules/.bin/tsc", "-p", "tsconfig.json");
        Assert.True(typecheck.ExitCode == 0, typecheck.Output);

        var run = await RunAsync("node", ["dist/client-test.js"], new Dictionary<string, string>
        {
            ["GCM_BASE_URL"] = _host.BaseAddress.ToString().TrimEnd('/'),
            ["GCM_HOST_DLL"] = HostProcess.HostDll,
            ["GCM_DATA_DIR"] = _dataDirectory,
        });
        Assert.True(run.ExitCode == 0, run.Output + "\n--- host ---\n" + _host.Output);
    }

    private static string FindTools()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GcmActors.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("GcmActors.sln not found"), "tests", "contract");
    }

    private static Task<(int ExitCode, string Stdout, string Output)> RunAsync(string program, params string[] arguments) =>
        RunAsync(program, arguments, new Dictionary<string, string>());

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program.StartsWith("node_modules", StringComparison.Ordinal) ? Path.Combine(Tools, program) : program)
        {
            WorkingDirectory = Tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, await stdout, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}");
    }
}
