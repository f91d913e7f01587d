namespace GcmActors.Host.Operations;

/// <summary><c>Gcm:Logging:Format</c>: <c>simple</c> (ASP.NET Core's console lines, the default) or <c>json</c> (one JSON object per line).</summary>
public sealed class LoggingOptions
{
    public string Format { get; set; } = "simple";
}

public static class Logs
{
    /// <summary>
    /// The console log format. Whatever it is, values that can carry secrets are cut before they are logged (URLs by
    /// <c>WebhookRules.Redact</c>: scheme, host, port and path only).
    /// </summary>
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
