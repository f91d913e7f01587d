using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.Host.Hosting;

/// <summary>
/// When another silo dies, every round active here asks its members for their snapshots again. A review on the
/// dead silo may have persisted a change whose push died with it; nothing else would bring that change to a round
/// that lives on (a round that died with the silo rebuilds itself from its members when it comes back).
/// See docs/decisions/0003-pushes-and-convergence.md.
/// </summary>
internal sealed partial class RegionResync(
    IClusterMembershipService membership, IGrainFactory grains, RegionDocumentBoard board, ILogger<RegionResync> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? dead = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var nowDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToList();
                // The first snapshot is the baseline: silos that died before this one started are long resynced.
                var newlyDead = dead is null ? [] : nowDead.Where(s => !dead.Contains(s)).ToList();
                dead = [.. nowDead];
                if (newlyDead.Count == 0)
                {
                    continue;
                }

                var regions = board.Regions;
                LogResync(logger, string.Join(", ", newlyDead), regions.Count);
                foreach (var region in regions)
                {
                    _ = ResyncAsync(region);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ResyncAsync(string region)
    {
        try
        {
            await grains.GetGrain<IRegionGrain>(region).ResyncAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The round fails its own calls until the dead silo's grains are reachable again; its members' next
            // pushes and retries still bring it up to date.
            LogResyncFailed(logger, ex, region);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo(s) {Silos} died: resyncing {Count} round(s) active here")]
    private static partial void LogResync(ILogger logger, string silos, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Region} could not resync after a silo died")]
    private static partial void LogResyncFailed(ILogger logger, Exception ex, string region);
}
