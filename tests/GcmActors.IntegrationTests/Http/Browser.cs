using System.Diagnostics;

namespace GcmActors.IntegrationTests.Http;

/// <summary>Headless Chromium (Debian's package; test.sh installs it) loading a page and returning the DOM its scripts built.</summary>
internal static class Browser
{
    public const string Executable = "/usr/bin/chromium";

    public static async Task<string> RenderAsync(Uri page)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} not found: install Debian's 'chromium' package (test.sh does).");
        }

        var profile = Path.Combine(Path.GetTempPath(), "gcm-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     $"--user-data-dir={profile}",
                     // Lets the page's fetch finish and render before the DOM is taken.
                     "--virtual-time-budget=10000",
                     "--dump-dom", page.ToString(),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var dom = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            return process.ExitCode == 0
                ? await dom
                : throw new InvalidOperationException($"chromium failed ({process.ExitCode}): {await errors}");
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>The HTML of the first element that opens with <paramref name="openingTag"/>, up to <paramref name="closingTag"/>.</summary>
    public static string Element(string dom, string openingTag, string closingTag)
    {
        var start = dom.IndexOf(openingTag, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{openingTag}' is not in the page");
        var end = dom.IndexOf(closingTag, start, StringComparison.Ordinal);
        return dom[start..(end + closingTag.Length)];
    }
}
