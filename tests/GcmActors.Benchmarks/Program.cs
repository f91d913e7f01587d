namespace GcmActors.Benchmarks;

/// <summary>
/// Entry point. <c>bare ...</c> runs the comparison server (the harness starts it as a child process);
/// anything else is the harness itself.
/// </summary>
internal static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == BareServer.Command)
        {
            return await BareServer.RunAsync(args);
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
            await new Benchmark(options, Console.Out).RunAsync();
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
