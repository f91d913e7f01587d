using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;

namespace GcmActors.IntegrationTests.Http;

/// <summary>
/// Acknowledged writes survive a graceful restart and a <c>kill -9</c> of the real executable, and the seed
/// is not applied twice. Runs its own host on its own data directory.
/// </summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gcm-durable-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AcknowledgedMilestones_SurviveARestartAndAKill9()
    {
        // Tokens required for reads here, to check that switch too.
        string[] options = ["--Gcm:Auth:RequireTokenForReads=true"];
        var host = await HostProcess.StartAsync(_data, options);
        try
        {
            using (var anonymous = host.CreateClient())
            {
                var refused = await anonymous.GetAsync("/api/cycles/2020/regions/arab");
                await Api.AssertProblemAsync(refused, HttpStatusCode.Unauthorized);
            }

            // The dashboard page then offers to sign in instead of showing data.
            var page = await Browser.RenderAsync(new Uri(host.BaseAddress, "/dashboard/2020/arab"));
            Assert.Contains("<form id=\"token-form\"", page, StringComparison.Ordinal);
            Assert.Contains("<main id=\"content\" hidden=\"\">", page, StringComparison.Ordinal);

            using var ministry = host.CreateClient(host.Token("ministry", "LBN"));
            var first = await Api.PostMilestoneAsync(ministry, "2020", "LBN", "data-collected", new { status = "completed", note = "all in" });
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(MilestoneStatus.Completed, await LbnAsync(host, Milestone.DataCollected));
            var historyLength = await HistoryLengthAsync(host);

            await host.StopAsync();
            await host.DisposeAsync();
            host = await HostProcess.StartAsync(_data, options);

            Assert.Equal(MilestoneStatus.Completed, await LbnAsync(host, Milestone.DataCollected));
            Assert.Equal(historyLength, await HistoryLengthAsync(host));

            using var ministryAgain = host.CreateClient(host.Token("ministry", "LBN"));
            var second = await Api.PostMilestoneAsync(ministryAgain, "2020", "LBN", "approved", new { status = "completed" });
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);

            await host.KillAsync();
            await host.DisposeAsync();
            host = await HostProcess.StartAsync(_data, options);

            Assert.Equal(MilestoneStatus.Completed, await LbnAsync(host, Milestone.Approved));
            Assert.Equal(MilestoneStatus.Completed, await LbnAsync(host, Milestone.DataCollected));
            Assert.Equal(historyLength + 1, await HistoryLengthAsync(host));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>Lebanon's review as a GET shows it (the seeded round is concluded: its document shows these as late updates).</summary>
    private static async Task<MilestoneStatus> LbnAsync(HostProcess host, Milestone milestone)
    {
        using var viewer = host.CreateClient(host.Token("viewer"));
        var review = await viewer.GetFromJsonAsync<ReviewView>("/api/cycles/2020/reviews/LBN", GcmJson.Options);
        return review!.Milestones[milestone].Status;
    }

    private static async Task<int> HistoryLengthAsync(HostProcess host)
    {
        using var viewer = host.CreateClient(host.Token("viewer"));
        return (await viewer.GetFromJsonAsync<JsonArray>("/api/cycles/2020/reviews/LBN/history"))!.Count;
    }
}
