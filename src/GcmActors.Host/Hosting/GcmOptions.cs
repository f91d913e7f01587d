using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace GcmActors.Host.Hosting;

/// <summary>The "Gcm" configuration section (env: Gcm__Name, command line: --Gcm:Name=value).</summary>
public sealed class GcmOptions
{
    public const string Section = "Gcm";

    /// <summary><c>silo</c> (grains + HTTP API, the default) or <c>client</c> (HTTP front end of a running silo).</summary>
    public string Role { get; set; } = "silo";

    /// <summary>
    /// <c>sqlite</c>: an embedded file under <see cref="DataDirectory"/>, single node. <c>postgres</c>: the
    /// connection string <c>ConnectionStrings:gcm</c>, for a cluster of silos (persistence, reminders, membership).
    /// </summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>Cluster identity. Reminder and state rows are keyed by ServiceId: never change it for live data.</summary>
    public string ClusterId { get; set; } = "gcm";

    public string ServiceId { get; set; } = "gcm-actors";

    /// <summary>
    /// The address other silos and clients use to reach this silo (cluster mode): an IP, or <c>auto</c> for
    /// this machine's first non-loopback IPv4 address (what a container or pod usually wants).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    public IPAddress AdvertisedIp => AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase)
        ? NetworkInterface.GetAllNetworkInterfaces()
              .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
              .SelectMany(n => n.GetIPProperties().UnicastAddresses)
              .Select(a => a.Address)
              .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
          ?? throw new InvalidOperationException("Gcm:AdvertisedAddress=auto found no non-loopback IPv4 address; set it explicitly.")
        : IPAddress.TryParse(AdvertisedAddress, out var ip)
            ? ip
            : throw new InvalidOperationException($"Gcm:AdvertisedAddress '{AdvertisedAddress}' is not an IP address (or 'auto').");

    /// <summary>Cluster mode: listen on every interface rather than only on <see cref="AdvertisedAddress"/>.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>Where the SQLite file and the token signing key live. Relative paths start at the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Seed file applied to an empty store (relative paths start at the application folder), or <c>none</c>.</summary>
    public string Seed { get; set; } = "seed/arab-2020.json";

    /// <summary>
    /// The longest an HTTP request may wait for the cluster: past it the request is answered 503 with Retry-After (its
    /// grain call may still complete). Below 5 s so that, with the answer's own time, no request exceeds 5 s.
    /// Endpoints that stream opt out with <c>DisableRequestTimeout()</c>.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(4);

    public int SiloPort { get; set; } = 11111;

    /// <summary>A second HTTP port for metrics scrapers and probes (<c>Gcm:Management:Port</c>).</summary>
    public Operations.ManagementOptions Management { get; set; } = new();

    /// <summary>The Orleans dashboard at <c>/orleans</c> (admins only): <c>Gcm:Dashboard:Enabled</c>.</summary>
    public Operations.DashboardOptions Dashboard { get; set; } = new();

    /// <summary>Run under Kubernetes with <c>Microsoft.Orleans.Hosting.Kubernetes</c>: <c>Gcm:Kubernetes:Enabled</c>.</summary>
    public Operations.KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>Console log format: <c>Gcm:Logging:Format</c> = <c>simple</c> (default) or <c>json</c>.</summary>
    public Operations.LoggingOptions Logging { get; set; } = new();

    public int GatewayPort { get; set; } = 30000;

    public string DataPath => Path.GetFullPath(DataDirectory);

    public string SqliteFile => Path.Combine(DataPath, "gcm.db");

    public string? SeedPath => string.Equals(Seed, "none", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(Seed)
        ? null
        : Path.IsPathRooted(Seed) ? Seed : Path.Combine(AppContext.BaseDirectory, Seed);

    public static GcmOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<GcmOptions>() ?? new GcmOptions();
}
