namespace GcmActors.Benchmarks;

/// <summary>
/// The yardstick: a plain ASP.NET Core app (same host builder, Kestrel and GC settings as the real host) with one
/// endpoint that returns the bytes the real host served, with the same Content-Type, ETag and Cache-Control, and
/// 304 on a matching If-None-Match. No authentication, no problem details, no board, no Orleans.
/// Run by the harness as <c>dotnet GcmActors.Benchmarks.dll bare &lt;bytes file&gt; &lt;etag&gt; &lt;path&gt; --urls ...</c>.
/// </summary>
internal static class BareServer
{
    public const string Command = "bare";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 4)
        {
            await Console.Error.WriteLineAsync("usage: bare <bytes file> <etag> <path> --urls http://127.0.0.1:<port> [host options]");
            return 2;
        }

        var bytes = await File.ReadAllBytesAsync(args[1]);
        var etag = args[2];
        var path = args[3];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args[4..],
            // Its own folder: no appsettings.json is picked up from the harness's output (it holds the host's).
            ContentRootPath = Path.GetDirectoryName(Path.GetFullPath(args[1])),
        });
        var app = builder.Build();
        app.MapGet(path, (HttpContext context) =>
        {
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = "no-cache";
            return context.Request.Headers.IfNoneMatch == etag
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(bytes, "application/json");
        });

        await app.StartAsync();
        // The readiness line the harness waits for, worded like the host's.
        Console.WriteLine($"Listening on {string.Join(", ", app.Urls)}; reads are served by the bare endpoint");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
