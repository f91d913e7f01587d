using System.Globalization;

namespace GcmActors.Benchmarks;

/// <summary>Command-line options of the harness. <c>--quick</c> picks short defaults; explicit values still win.</summary>
internal sealed record Options
{
    /// <summary>Every section, in the order a run measures them.</summary>
    public static readonly string[] AllSections = ["reads", "sqlite", "history", "members", "streams", "postgres", "replay", "idle", "coldstart"];

    public double Seconds { get; init; } = 5;

    public int Rounds { get; init; } = 5;

    public int Connections { get; init; } = 16;

    public double WarmupSeconds { get; init; } = 5;

    public bool Wrk { get; init; }

    public bool Quick { get; init; }

    /// <summary>Concurrent writers of the SQLite and PostgreSQL write sections, one State each.</summary>
    public int Writers { get; init; } = 32;

    /// <summary>The long history of the history section (the short one is 10).</summary>
    public int History { get; init; } = 1000;

    /// <summary>Sequential writes measured per side in the history and members sections.</summary>
    public int Samples { get; init; } = 100;

    /// <summary>The large round of the members section (the small one has 22, like the seeded Arab round).</summary>
    public int Members { get; init; } = 200;

    public int IdleReviews { get; init; } = 10_000;

    /// <summary>Concurrent Server-Sent Events streams of the streams section, all on one round.</summary>
    public int Streams { get; init; } = 1000;

    public double IdleSeconds { get; init; } = 30;

    /// <summary>
    /// PRAGMA synchronous for the raw SQLite comparator. FULL by default: each commit is on disk when it returns, which
    /// is what the host promises of an acknowledged write (it commits with NORMAL and syncs the log for a group of commits).
    /// </summary>
    public string SqliteSynchronous { get; init; } = "FULL";

    /// <summary>Extra arguments for every host process (to try a setting, e.g. --Gcm:Reviews:PushWait=00:00:00.050).</summary>
    public IReadOnlyList<string> HostArguments { get; init; } = [];

    /// <summary>Extra environment variables for every host process (to try a runtime setting, e.g. DOTNET_TieredPGO=0).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> HostEnvironment { get; init; } = [];

    public IReadOnlySet<string> Sections { get; init; } = new HashSet<string>(AllSections, StringComparer.Ordinal);

    public bool Runs(string section) => Sections.Contains(section);

    public const string Usage = """
        usage: dotnet run -c Release --project tests/GcmActors.Benchmarks -- [options]
          --only <a,b,...>   sections to run (default all): reads, sqlite, history, members, streams, postgres, replay, idle,
                             coldstart
          --seconds <s>      length of one measured round per target (default 5)
          --rounds <n>       measured rounds per target, interleaved (default 5)
          --connections <n>  concurrent connections of the read section, one request in flight on each (default 16)
          --warmup <s>       warm-up per target before the first round (default 5)
          --writers <n>      concurrent writers of the sqlite and postgres sections, one State each (default 32)
          --history <n>      the long history of the history section (default 1000; the short one is 10)
          --samples <n>      sequential writes measured per side in the history and members sections (default 100)
          --members <n>      members of the large round of the members section (default 200; the small one has 22)
          --idle-reviews <n> reviews written once and left idle in the idle section (default 10000)
          --idle-seconds <s> length of the idle CPU measurements (default 30)
          --streams <n>      concurrent event streams (SSE) on one round in the streams section (default 1000)
          --sqlite-synchronous <OFF|NORMAL|FULL|EXTRA>
                             PRAGMA synchronous of the raw SQLite comparator (default FULL: every commit on disk
                             when it returns, the host's promise for an acknowledged write)
          --host-arg <arg>   pass one more argument to every host process (repeatable), e.g. --host-arg --Gcm:Reviews:PushWait=00:00:00.050
          --host-env <n=v>   set one more environment variable for every host process (repeatable), e.g. --host-env DOTNET_TieredPGO=0
          --quick            smoke run of about a minute: 2 rounds of 1 s, 0.5 s warm-up, small sizes
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
            ? new Options
            {
                Quick = true, Seconds = 1, Rounds = 2, WarmupSeconds = 0.5, History = 100, Samples = 20, IdleReviews = 300, IdleSeconds = 3,
                Streams = 200,
            }
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
                "--writers" => options with { Writers = (int)Number(args, ++i, min: 1) },
                "--history" => options with { History = (int)Number(args, ++i, min: 20) },
                "--samples" => options with { Samples = (int)Number(args, ++i, min: 5) },
                "--members" => options with { Members = (int)Number(args, ++i, min: 23) },
                "--idle-reviews" => options with { IdleReviews = (int)Number(args, ++i, min: 1) },
                "--idle-seconds" => options with { IdleSeconds = Number(args, ++i, min: 1) },
                "--streams" => options with { Streams = (int)Number(args, ++i, min: 1) },
                "--sqlite-synchronous" => options with { SqliteSynchronous = Synchronous(args, ++i) },
                "--only" => options with { Sections = SectionList(args, ++i) },
                "--host-arg" => options with { HostArguments = [.. options.HostArguments, Argument(args, ++i)] },
                "--host-env" => options with { HostEnvironment = [.. options.HostEnvironment, Variable(args, ++i)] },
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

    private static string Argument(string[] args, int index) =>
        index < args.Length ? args[index] : throw new ArgumentException($"{args[index - 1]} needs a value");

    private static KeyValuePair<string, string> Variable(string[] args, int index) =>
        Argument(args, index).Split('=', 2) is [{ Length: > 0 } name, var value]
            ? new(name, value)
            : throw new ArgumentException("--host-env needs NAME=VALUE");

    private static string Synchronous(string[] args, int index) =>
        index < args.Length && args[index].ToUpperInvariant() is "OFF" or "NORMAL" or "FULL" or "EXTRA" ? args[index].ToUpperInvariant()
            : throw new ArgumentException("--sqlite-synchronous needs OFF, NORMAL, FULL or EXTRA");

    private static HashSet<string> SectionList(string[] args, int index)
    {
        if (index >= args.Length)
        {
            throw new ArgumentException("--only needs a comma-separated list of sections: " + string.Join(",", AllSections));
        }

        var sections = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in args[index].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            sections.Add(AllSections.Contains(name.ToLowerInvariant())
                ? name.ToLowerInvariant()
                : throw new ArgumentException($"--only: unknown section '{name}' (sections: {string.Join(",", AllSections)})"));
        }

        return sections;
    }
}
