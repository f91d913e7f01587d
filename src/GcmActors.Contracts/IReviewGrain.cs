using System.Collections.Immutable;
using Orleans.Concurrency;

namespace GcmActors.Contracts;

/// <summary>One State's voluntary GCM review in one cycle. Key: <c>{cycle}/{ISO3}</c>.</summary>
[Alias("gcm.review")]
public interface IReviewGrain : IGrainWithStringKey
{
    /// <summary>The review, or null when the State belongs to no region of this cycle.</summary>
    [Alias("get"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<ReviewView?> GetAsync();

    /// <summary>
    /// Up to <paramref name="limit"/> entries of the audit trail with a sequence above <paramref name="after"/>,
    /// oldest first, or null when there is no such review.
    /// </summary>
    [Alias("history-page"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<HistoryPage?> GetHistoryAsync(long after, int limit);

    /// <summary>
    /// The committed snapshot, as the review pushes it, or null when there is no such review. A region calls it
    /// when it activates (it keeps its members' snapshots in memory only); it interleaves, since the review may
    /// itself be waiting on that region.
    /// </summary>
    [Alias("snapshot"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<ReviewSnapshot?> GetSnapshotAsync();

    /// <summary>Records a milestone status (and evidence) after checking the workflow rules.</summary>
    [Alias("record-milestone"), SpreadOverGateways]
    Task<ReviewResult> RecordMilestoneAsync(MilestoneUpdate update);

    /// <summary>Records whether the State takes part in this cycle's review.</summary>
    [Alias("set-participation"), SpreadOverGateways]
    Task<ReviewResult> SetParticipationAsync(ParticipationUpdate update);

    /// <summary>
    /// Called by a region that lists this State: from now on the review pushes its snapshots there.
    /// Interleaves so that a region may call it while this review waits on that region's push.
    /// </summary>
    /// <returns>The review's snapshot, or null when the State already belongs to as many rounds of this cycle as
    /// it may (the region then refuses the configuration).</returns>
    /// <remarks><paramref name="at"/> dates the join in the trail: when the round's configuration changed.</remarks>
    [Alias("join-region"), AlwaysInterleave, SpreadOverGateways]
    Task<ReviewSnapshot?> JoinRegionAsync(string regionKey, DateTimeOffset at);

    /// <summary>Called by a region that no longer lists this State.</summary>
    [Alias("leave-region"), AlwaysInterleave, SpreadOverGateways]
    Task LeaveRegionAsync(string regionKey, DateTimeOffset at);

    /// <summary>
    /// The review as it stood at the end of <paramref name="day"/> (UTC), rebuilt from its trail; null when it did not exist
    /// then (no round counted the State) or does not exist at all.
    /// </summary>
    [Alias("as-of"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<ReviewView?> GetAsOfAsync(DateOnly day);

    /// <summary>
    /// What a round keeps of this review: the committed snapshot (null when the review does not exist now), the trail
    /// entries a round counts (complete: the review makes sure its trail has every committed entry first) and when the
    /// round <paramref name="regionKey"/> nudged it. A round reads it when it activates or when a push skipped entries.
    /// </summary>
    [Alias("round-record"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<MemberRecord> GetRoundRecordAsync(string regionKey);

    /// <summary>The nudge inbox, newest first, or null when there is no such review.</summary>
    [Alias("nudges"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<ImmutableArray<Nudge>?> GetNudgesAsync();

    /// <summary>
    /// Called by a region: stores a nudge unless it duplicates a recent one or the State was nudged by that
    /// region too recently. Interleaves for the same reason as <see cref="JoinRegionAsync"/>.
    /// </summary>
    [Alias("receive-nudge"), AlwaysInterleave, SpreadOverGateways]
    Task<NudgeDelivery> ReceiveNudgeAsync(Nudge nudge);

    /// <summary>The ministry's webhook (never its secrets), or null when none is registered or there is no such review.</summary>
    [Alias("webhook"), ReadOnly, AlwaysInterleave, SpreadOverGateways]
    Task<WebhookView?> GetWebhookAsync();

    /// <summary>Registers or replaces the ministry's webhook; the secret is stored encrypted and the change is in the history.</summary>
    [Alias("register-webhook"), SpreadOverGateways]
    Task<WebhookResult> RegisterWebhookAsync(RegisterWebhook command);

    /// <summary>Replaces the signing secret; the previous one also signs until its grace period ends.</summary>
    [Alias("rotate-webhook-secret"), SpreadOverGateways]
    Task<WebhookResult> RotateWebhookSecretAsync(RotateWebhookSecret command);

    /// <summary>Removes the webhook and its secrets; deliveries still due end as failed. NotFound when none was registered.</summary>
    [Alias("remove-webhook"), SpreadOverGateways]
    Task<WebhookResult> RemoveWebhookAsync(string actor);

    /// <summary>Sends a nudge whose delivery failed again, with a fresh schedule of attempts (same webhook-id).</summary>
    [Alias("resend-nudge"), SpreadOverGateways]
    Task<ResendResult> ResendNudgeAsync(string nudgeId, string actor);

    /// <summary>The ministry marks a nudge as read; returns it, or null when there is no such nudge.</summary>
    [Alias("acknowledge-nudge"), SpreadOverGateways]
    Task<Nudge?> AcknowledgeNudgeAsync(string nudgeId, string actor);
}
