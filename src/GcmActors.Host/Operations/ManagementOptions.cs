namespace GcmActors.Host.Operations;

/// <summary>
/// <c>Gcm:Management:Port</c>: a second HTTP port, on the same interface as the API, that serves <c>/metrics</c>
/// without a token (for a Prometheus scraper on a private network) and the health checks. 0 (the default): none;
/// <c>/metrics</c> is then served on the API's port to admins only.
/// </summary>
public sealed class ManagementOptions
{
    public int Port { get; set; }

    /// <summary>
    /// Adds the management port to the server's addresses (<c>urls</c>), bound like the API's first address.
    /// Kestrel listens on all of them; <see cref="OperationsSetup"/> serves only metrics and health on this one.
    /// </summary>
    public void AddListener(WebApplicationBuilder builder)
    {
        if (Port <= 0)
        {
            return;
        }

        var api = ApiUrls(builder.Configuration);
        var first = new Uri(api[0].Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        if (first.Port == Port || api.Any(u => u.EndsWith($":{Port}", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"Gcm:Management:Port {Port} is also an API port; choose another one.");
        }

        builder.WebHost.UseUrls([.. api, $"http://{first.Host}:{Port}"]);
    }

    private string[] ApiUrls(IConfiguration configuration)
    {
        var urls = configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls) && configuration["http_ports"] is { Length: > 0 } ports)
        {
            urls = string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
        }

        return (urls ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(u => !u.EndsWith($":{Port}", StringComparison.Ordinal)).ToArray();
    }
}
