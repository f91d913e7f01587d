namespace GcmActors.Host.Operations;

/// <summary><c>Gcm:Logging:Format</c>: <c>simple</c> (ASP.NET Core's console lines, the default) or <c>json</c> (one JSON object per line).</summary>
public sealed class LoggingOptions
{
    public string Format { get; set; } = "simple";
}

public static class Logs
{
    /// <summary>The console log format. Whatever it is, what the service logs goes through <see cref="Redact"/> first where it could carry secrets.</summary>
    public static WebApplicationBuilder AddGcmLogging(this WebApplicationBuilder builder, LoggingOptions options)
    {
        switch (options.Format.ToLowerInvariant())
        {
            case "json":
                builder.Logging.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
                break;
            case "simple":
                break;
            default:
                throw new InvalidOperationException($"Gcm:Logging:Format must be 'simple' or 'json', not '{options.Format}'.");
        }

        return builder;
    }
}

/// <summary>What may be logged of a value that can carry a secret.</summary>
public static class Redact
{
    /// <summary>
    /// <c>scheme://host[:port]/path</c> of a URL: no user name or password, no query (tokens and signatures travel
    /// there), no fragment. Something that is not an absolute URL is not logged at all.
    /// </summary>
    public static string Url(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(not an http url)";
}
