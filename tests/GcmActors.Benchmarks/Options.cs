using System.Globalization;

namespace GcmActors.Benchmarks;

/// <summary>Command-line options of the harness. <c>--quick</c> picks short defaults; explicit values still win.</summary>
internal sealed record Options
{
    public double Seconds { get; init; } = 5;

    public int Rounds { get; init; } = 5;

    public int Connections { get; init; } = 16;

    public double WarmupSeconds { get; init; } = 5;

    public bool Wrk { get; init; }

    public bool Quick { get; init; }

    public const string Usage = """
        usage: dotnet run -c Release --project tests/GcmActors.Benchmarks -- [options]
          --seconds <s>      length of one measured round per target (default 5)
          --rounds <n>       measured rounds per target, interleaved (default 5)
          --connections <n>  concurrent connections, one request in flight on each (default 16)
          --warmup <s>       warm-up per target before the first round (default 5)
          --quick            smoke run of about 10 s of load: 2 rounds of 1 s, 0.5 s warm-up
          --wrk              load the GET targets with wrk (must be on PATH) instead of the built-in .NET client
        """;

    /// <summary>Null when the arguments ask for help; throws <see cref="ArgumentException"/> on bad input.</summary>
    public static Options? Parse(string[] args)
    {
        if (args.Any(a => a is "-h" or "--help" or "-?"))
        {
            return null;
        }

        var options = args.Contains("--quick")
            ? new Options { Quick = true, Seconds = 1, Rounds = 2, WarmupSeconds = 0.5 }
            : new Options();
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--quick" => options,
                "--wrk" => options with { Wrk = true },
                "--seconds" => options with { Seconds = Number(args, ++i, min: 0.2) },
                "--warmup" => options with { WarmupSeconds = Number(args, ++i, min: 0) },
                "--rounds" => options with { Rounds = (int)Number(args, ++i, min: 1) },
                "--connections" => options with { Connections = (int)Number(args, ++i, min: 1) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        return options;
    }

    private static double Number(string[] args, int index, double min)
    {
        if (index >= args.Length || !double.TryParse(args[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"{args[index - 1]} needs a number >= {min.ToString(CultureInfo.InvariantCulture)}");
        }

        return value;
    }
}
