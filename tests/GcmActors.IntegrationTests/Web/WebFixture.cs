using System.Net;
using GcmActors.IntegrationTests.Http;
using Microsoft.Playwright;

namespace GcmActors.IntegrationTests.Web;

/// <summary>
/// One host and one headless Chromium (Debian's, driven by Playwright: no browser is downloaded) shared by the web app's
/// tests. Each test works in a cycle of its own and its own browser context (own storage, own viewport).
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    private static int s_cycle = 1500;

    private IPlaywright? _playwright;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "gcm-web-" + Guid.NewGuid().ToString("N"));

    public HostProcess Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots of the pages, kept after the run: the test output folder's <c>web-artefacts</c>.</summary>
    public static string Artefacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "web-artefacts")).FullName;

    /// <summary>axe-core from npm (tests/web, pinned by its lock file; test.sh runs npm ci there).</summary>
    public static string AxeScript { get; } = Path.Combine(HostProcess.RepositoryRoot, "tests", "web", "node_modules", "axe-core", "axe.min.js");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Http.Browser.Executable))
        {
            throw new InvalidOperationException($"{Http.Browser.Executable} not found: install Debian's 'chromium' package (test.sh does).");
        }

        Host = await HostProcess.StartAsync(DataDirectory, [.. HostFixture.WebhookArguments]);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Http.Browser.Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    public static string NewCycle() => Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A round of the test's own (cycle and members), created by an admin, in the shape the seed has.</summary>
    public async Task<string> NewRoundAsync(params string[] members)
    {
        var cycle = NewCycle();
        await PutRoundAsync(cycle, Api.RoundFor(cycle, members));
        return cycle;
    }

    public async Task PutRoundAsync(string cycle, object round)
    {
        using var admin = Host.CreateClient(Host.Token("admin"));
        var response = await Api.PutRegionAsync(admin, cycle, "arab", round);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A fresh context (own session storage) and page, at a viewport wide enough for a desktop.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            BaseURL = Host.BaseAddress.ToString(),
            BypassCSP = bypassCsp,
            Locale = "en-GB",
        });
        _contexts.Enqueue(context);
        var page = await context.NewPageAsync();
        // A script error in a page fails the test that loaded it.
        page.PageError += (_, error) => Errors.Add(error);
        return page;
    }

    public List<string> Errors { get; } = [];

    private readonly System.Collections.Concurrent.ConcurrentQueue<IBrowserContext> _contexts = new();

    /// <summary>
    /// Closes every context the test opened. A dashboard left open keeps its event stream, and Chromium holds at most six
    /// connections to one host: enough pages left open from earlier tests would make a later page's requests wait.
    /// </summary>
    public async Task CloseContextsAsync()
    {
        while (_contexts.TryDequeue(out var context))
        {
            await context.CloseAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
