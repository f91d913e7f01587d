using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>The persisted state of one review grain (state name "review").</summary>
[GenerateSerializer, Immutable, Alias("gcm.review-state")]
public sealed record ReviewState
{
    /// <summary>Bumped by every accepted change; the ETag of the review and the order of its snapshots.</summary>
    [Id(0)] public long Version { get; init; }

    [Id(1)] public Participation Participation { get; init; }

    /// <summary>Only milestones that ever changed are stored; a missing one is not started.</summary>
    [Id(2)] public ImmutableSortedDictionary<Milestone, MilestoneRecord> Milestones { get; init; } =
        ImmutableSortedDictionary<Milestone, MilestoneRecord>.Empty;

    [Id(3)] public Evidence Evidence { get; init; } = Evidence.None;

    /// <summary>
    /// The whole audit trail, as releases before December 2026 kept it in this row. Always empty now: the trail
    /// lives in its own append-only table (<see cref="IReviewHistory"/>), and a review that still has entries here
    /// moves them there when it activates. Kept for that upgrade only (docs/decisions/0008-the-write-path.md).
    /// </summary>
    [Id(4)] public ImmutableList<HistoryEntry> History { get; init; } = [];

    /// <summary>Region grain keys this review pushes its snapshots to. Empty: the review does not exist.</summary>
    [Id(5)] public ImmutableSortedSet<string> Regions { get; init; } = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    [Id(6)] public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Nudges received from co-organizers, oldest first. Not part of the review's version.</summary>
    [Id(7)] public ImmutableList<Nudge> Nudges { get; init; } = [];

    /// <summary>
    /// The webhook as releases before December 2026 stored it, secret in plain text. Always null now: a review that
    /// still has one moves it to <see cref="Endpoint"/> (encrypted) when it activates.
    /// </summary>
    [Id(8)] public Webhook? Webhook { get; init; }

    /// <summary>
    /// Ids of nudges still to deliver, as releases before December 2026 kept them. Always empty now: each nudge carries
    /// its own <see cref="Nudge.Delivery"/>; a review that still has ids here moves them there when it activates.
    /// </summary>
    [Id(9)] public ImmutableList<string> PendingDeliveries { get; init; } = [];

    /// <summary>How many entries the audit trail has: the sequence of its newest entry.</summary>
    [Id(10)] public long HistoryCount { get; init; }

    /// <summary>
    /// The entries of the latest accepted change, and of earlier ones the trail may not have yet. They are appended to
    /// the trail right after this row is written, in the background; if the process dies first, the next activation
    /// appends them from here. A write drops only entries the trail is known to have, so the row and the trail never
    /// disagree, and a write never waits for the trail.
    /// </summary>
    [Id(11)] public ImmutableList<HistoryEntry> LastChange { get; init; } = [];

    /// <summary>The ministry's webhook for nudges (secrets encrypted), if it registered one. Not part of the review's version.</summary>
    [Id(12)] public WebhookEndpoint? Endpoint { get; init; }

    public MilestoneRecord this[Milestone milestone] => Milestones.GetValueOrDefault(milestone, MilestoneRecord.NotStarted);

    public ReviewSnapshot ToSnapshot(string country) => new(
        country,
        Participation,
        Contracts.Milestones.All.ToImmutableSortedDictionary(m => m, m => this[m].Status),
        Evidence.Objectives,
        Version,
        [.. LastChange]);

    public ReviewView ToView(string cycle, string country, string name) => new(
        cycle,
        country,
        name,
        Participation,
        Contracts.Milestones.All.ToImmutableSortedDictionary(m => m, m => this[m]),
        Evidence,
        [.. Regions.Select(r => Keys.Split(r).Part)],
        Version,
        UpdatedAt);
}
