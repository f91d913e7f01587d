using System.Net;
using GcmActors.IntegrationTests.Http;
using static Microsoft.Playwright.Assertions;

namespace GcmActors.IntegrationTests.Web;

/// <summary>A host whose reads need a token (Gcm:Auth:RequireTokenForReads=true): the event stream follows the same rule.</summary>
[Collection(WebCollection.Name)]
public sealed class TokenReadsTests(WebFixture fixture) : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-reads-" + Guid.NewGuid().ToString("N"));
    private HostProcess _host = null!;

    public async Task InitializeAsync() => _host = await HostProcess.StartAsync(_data, "--Gcm:Auth:RequireTokenForReads=true");

    public async Task DisposeAsync()
    {
        await fixture.CloseContextsAsync();
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task EventStream_NeedsAToken_WhereReadsDo_AndTheDashboardSendsItsOwn()
    {
        using (var anonymous = _host.CreateClient())
        {
            await Api.AssertProblemAsync(
                await anonymous.GetAsync("/api/cycles/2020/regions/arab/events", HttpCompletionOption.ResponseHeadersRead), HttpStatusCode.Unauthorized);
        }

        using (var viewer = _host.CreateClient(_host.Token("viewer")))
        using (var stream = await viewer.GetAsync("/api/cycles/2020/regions/arab/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        }

        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = _host.BaseAddress.ToString(), Locale = "en-GB" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard/2020/arab?lang=en");
        await Expect(page.Locator("#error")).ToHaveTextAsync("Sign in to do this.");
        await Expect(page.Locator("#content")).ToBeHiddenAsync();

        await page.GotoAsync($"/dashboard/2020/arab?lang=en#token={_host.Token("viewer")}");
        await Expect(page.Locator("#signed-in")).ToHaveTextAsync("Signed in as viewer");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-live", "live");
        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(22);
        await Expect(page.Locator("#members tr[data-country=LBN] th")).ToContainTextAsync("Lebanon (LBN)");
    }
}
