using Orleans.Concurrency;

namespace GcmActors.Contracts;

/// <summary>One regional review round. Key: <c>{cycle}/{region}</c>.</summary>
[Alias("gcm.region")]
public interface IRegionGrain : IGrainWithStringKey
{
    /// <summary>The dashboard document, or null when this round is not configured.</summary>
    [Alias("progress"), ReadOnly, AlwaysInterleave]
    Task<RegionDocument?> GetProgressAsync();

    /// <summary>The round's configuration, or null when it is not configured.</summary>
    [Alias("config"), ReadOnly, AlwaysInterleave]
    Task<RegionConfig?> GetConfigAsync();

    /// <summary>Creates or changes the round; new members are attached, removed ones detached.</summary>
    [Alias("configure")]
    Task<RegionResult> ConfigureAsync(ConfigureRegion command);

    /// <summary>Nudges the named member States, or every lagging one when none are named.</summary>
    [Alias("send-nudges")]
    Task<NudgeResult> SendNudgesAsync(SendNudges command);

    /// <summary>
    /// Keeps the snapshot if it is newer than the one held (idempotent, order-insensitive). The dashboard document
    /// shows it at once, or, while pushes keep coming, with the next rebuild (at most one per 20 ms by default).
    /// </summary>
    [Alias("apply-snapshot"), AlwaysInterleave]
    Task<PushResult> ApplySnapshotAsync(ReviewSnapshot snapshot);

    /// <summary>
    /// Asks every member review for its committed snapshot and keeps the newer ones. The silo calls it on each
    /// active round when another silo dies, so that a change persisted just before the crash, whose push was
    /// lost with that silo, still reaches the round.
    /// </summary>
    [Alias("resync")]
    Task ResyncAsync();
}
