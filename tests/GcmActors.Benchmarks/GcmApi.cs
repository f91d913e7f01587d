using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GcmActors.Host.Security;

namespace GcmActors.Benchmarks;

/// <summary>
/// The harness as a user of the HTTP API: an admin configures rounds, ministries post milestones with their own
/// tokens. Tokens are minted with the host's signing key from its data directory (what the host's <c>token</c>
/// command does), so thousands of them cost no process each.
/// </summary>
internal sealed class GcmApi(Tokens tokens) : IDisposable
{
    public const string Milestone = "coordination-body-appointed";

    private readonly ConcurrentDictionary<string, string> _ministries = new(StringComparer.Ordinal);
    private readonly string _admin = "Bearer " + tokens.Issue(Roles.Admin, null, TimeSpan.FromHours(12), Tokens.Issuer);

    /// <summary>Keep-alive connections for sequential and setup calls (the load loops have their own client).</summary>
    public HttpClient Client { get; } = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
    {
        Timeout = TimeSpan.FromSeconds(120),
    };

    /// <summary>The host's own country catalogue (ISO3 codes), from the assembly that validates them.</summary>
    public static IReadOnlyList<string> Countries { get; } = LoadCountries();

    public string MinistryAuthorization(string country) =>
        _ministries.GetOrAdd(country, c => "Bearer " + tokens.Issue(Roles.Ministry, c, TimeSpan.FromHours(12), Tokens.Issuer));

    /// <summary>PUT a round (admin), members as ISO3 codes; anything but 200 stops the run.</summary>
    public async Task ConfigureRoundAsync(Uri host, string cycle, string region, IEnumerable<string> members)
    {
        var round = new
        {
            name = $"Benchmark round {cycle}/{region}",
            coOrganizers = new[] { "benchmark" },
            conference = new { start = $"{cycle}-12-01", end = $"{cycle}-12-02", modality = "virtual" },
            deadlines = new Dictionary<string, string>
            {
                ["coordination-body-appointed"] = $"{cycle}-08-31",
                ["template-shared"] = $"{cycle}-08-31",
                ["data-collected"] = $"{cycle}-09-15",
                ["approved"] = $"{cycle}-09-29",
                ["submitted"] = $"{cycle}-10-06",
            },
            members = members.ToArray(),
        };
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(host, $"/api/cycles/{cycle}/regions/{region}"));
        put.Headers.TryAddWithoutValidation("Authorization", _admin);
        put.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(round));
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Client.SendAsync(put);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new UnexpectedResponseException($"PUT round {cycle}/{region} ({round.members.Length} members): "
                                                  + $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A milestone POST request as the State's ministry sends it.</summary>
    public HttpRequestMessage MilestoneRequest(Uri host, string cycle, string country, byte[] body, string milestone = Milestone)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host, $"/api/cycles/{cycle}/reviews/{country}/milestones/{milestone}"));
        request.Headers.TryAddWithoutValidation("Authorization", MinistryAuthorization(country));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    /// <summary>One milestone POST; returns its latency in ms. Anything but 200 stops the run.</summary>
    public async Task<double> PostMilestoneAsync(Uri host, string cycle, string country, byte[] body)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = MilestoneRequest(host, cycle, country, body);
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsByteArrayAsync();
        var elapsed = Latency.Milliseconds(started);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new UnexpectedResponseException(
                $"POST milestone {cycle}/{country}: {(int)response.StatusCode} {Encoding.UTF8.GetString(text)}");
        }

        return elapsed;
    }

    /// <summary>The review's version (its ETag): the number of accepted changes.</summary>
    public async Task<long> ReviewVersionAsync(Uri host, string cycle, string country)
    {
        using var response = await Client.GetAsync(new Uri(host, $"/api/cycles/{cycle}/reviews/{country}"));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return json.RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>
    /// The host's activations: the sum of the <c>orleans_catalog_activations</c> series of <c>/metrics</c> (admin),
    /// or null when the host exports none. A scrape walks every activation: never call it while CPU is measured.
    /// </summary>
    public async Task<long?> ActivationsAsync(Uri host)
    {
        const string name = "orleans_catalog_activations";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host, "/metrics"));
        request.Headers.TryAddWithoutValidation("Authorization", _admin);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        double? sum = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            // name{labels} value [timestamp], or name value [timestamp]
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not (' ' or '{'))
            {
                continue;
            }

            var rest = line[name.Length] == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[name.Length..];
            sum = (sum ?? 0) + double.Parse(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        }

        return sum is null ? null : (long)sum.Value;
    }

    public static byte[] Status(string status, string? note = null) => JsonSerializer.SerializeToUtf8Bytes(
        note is null ? new Dictionary<string, string> { ["status"] = status } : new Dictionary<string, string> { ["status"] = status, ["note"] = note });

    public void Dispose() => Client.Dispose();

    private static string[] LoadCountries()
    {
        using var stream = typeof(GcmActors.Grains.CountryCatalog).Assembly.GetManifestResourceStream("GcmActors.Grains.countries.json")
                           ?? throw new InvalidOperationException("countries.json is missing from the GcmActors.Grains assembly");
        using var json = JsonDocument.Parse(stream);
        return [.. json.RootElement.EnumerateArray().Select(e => e.GetProperty("code").GetString()!).Order(StringComparer.Ordinal)];
    }
}
