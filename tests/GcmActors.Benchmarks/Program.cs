using System.Globalization;

namespace GcmActors.Benchmarks;

/// <summary>
/// Entry point. <c>bare ...</c> runs the bare comparison server and <c>peer ...</c> the EF Core peer (the harness
/// starts both as child processes); anything else is the harness itself.
/// </summary>
internal static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        // Figures print the same on every machine: 1234.5, not 1.234,5.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.FirstOrDefault() == BareServer.Command)
        {
            return await BareServer.RunAsync(args);
        }

        if (args.FirstOrDefault() == PeerServer.Command)
        {
            return await PeerServer.RunAsync(args);
        }

        Options? options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + Options.Usage);
            return 2;
        }

        if (options is null)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        try
        {
            await using var benchmark = new Benchmark(options, Console.Out);
            await benchmark.RunAsync();
            return 0;
        }
#pragma warning disable CA1031 // Any failure ends the run with a message and a non-zero exit code.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"benchmark FAILED: {e.Message}");
            return 1;
        }
    }
}
