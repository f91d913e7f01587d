using Orleans.Concurrency;

namespace GcmActors.Contracts;

/// <summary>One regional review round. Key: <c>{cycle}/{region}</c>.</summary>
[Alias("gcm.region")]
public interface IRegionGrain : IGrainWithStringKey
{
    /// <summary>The dashboard document, or null when this round is not configured.</summary>
    [Alias("progress"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<RegionDocument?> GetProgressAsync();

    /// <summary>
    /// The document as it stood at the end of <paramref name="day"/> (UTC): the configuration then in force, each member's
    /// statuses from its trail, lagging against that day. Null when the round is not configured or did not exist yet.
    /// Today or later gives the current document.
    /// </summary>
    [Alias("progress-as-of"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<RegionDocument?> GetProgressAsOfAsync(DateOnly day);

    /// <summary>
    /// Progress over time, one point per step from <paramref name="from"/> (default: the round's first day) to
    /// <paramref name="to"/> (default: today), serialized with its entity tag. Null when the round is not configured.
    /// </summary>
    [Alias("timeline"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<TimelineResult?> GetTimelineAsync(DateOnly? from, DateOnly? to, TimelineStep step);

    /// <summary>The round's configuration, or null when it is not configured.</summary>
    [Alias("config"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<RegionConfig?> GetConfigAsync();

    /// <summary>Creates or changes the round; new members are attached, removed ones detached.</summary>
    [Alias("configure"), SpreadOverGateways]
    Task<RegionResult> ConfigureAsync(ConfigureRegion command);

    /// <summary>Nudges the named member States, or every lagging one when none are named.</summary>
    [Alias("send-nudges"), SpreadOverGateways]
    Task<NudgeResult> SendNudgesAsync(SendNudges command);

    /// <summary>
    /// Keeps the snapshot if it is newer than the one held (idempotent, order-insensitive). The dashboard document
    /// shows it at once, or, while pushes keep coming, with the next rebuild (at most one per 20 ms by default).
    /// </summary>
    [Alias("apply-snapshot"), AlwaysInterleave, SpreadOverGateways]
    Task<PushResult> ApplySnapshotAsync(ReviewSnapshot snapshot);

    /// <summary>
    /// Asks every member review for its committed snapshot and keeps the newer ones. The silo calls it on each
    /// active round when another silo dies, so that a change persisted just before the crash, whose push was
    /// lost with that silo, still reaches the round.
    /// </summary>
    [Alias("resync"), SpreadOverGateways]
    Task ResyncAsync();
}
