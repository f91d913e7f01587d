using System.Collections.Immutable;
using System.Text;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

/// <summary>Fully populated values of every persisted or wire type: every nullable member set, every list non-empty.</summary>
internal static class Samples
{
    private static readonly DateTimeOffset At = new(2020, 8, 13, 10, 30, 0, TimeSpan.FromHours(3));

    public static readonly Evidence Evidence = new(
        new CoordinationBody("National committee on migration", "Interior"),
        [
            new Stakeholder("Ministry of Labour", StakeholderKind.Ministry),
            new Stakeholder("Caritas", StakeholderKind.Ngo),
            new Stakeholder("Mohammed V University", StakeholderKind.Academia),
            new Stakeholder("Chamber of commerce", StakeholderKind.PrivateSector),
            new Stakeholder("IOM", StakeholderKind.UnAgency),
            new Stakeholder("Diaspora council", StakeholderKind.Other),
        ],
        [1, 5, 23],
        ["COVID-19", "Beirut explosion"]);

    public static readonly ImmutableSortedDictionary<Milestone, MilestoneRecord> Records =
        ImmutableSortedDictionary.CreateRange(new Dictionary<Milestone, MilestoneRecord>
        {
            [Milestone.CoordinationBodyAppointed] = new(MilestoneStatus.Completed, At, "focal points named", "reopened: no authority"),
            [Milestone.TemplateShared] = new(MilestoneStatus.Completed, At.AddDays(1), "sent to NGOs", "wrong template"),
            [Milestone.DataCollected] = new(MilestoneStatus.InProgress, At.AddDays(2), "Kurdistan regional government", "missing ministry"),
            [Milestone.Approved] = new(MilestoneStatus.NotStarted, At.AddDays(3), "cabinet", "cabinet reshuffle"),
            [Milestone.Submitted] = new(MilestoneStatus.NotStarted, At.AddDays(4), "to co-organizers", "late"),
        });

    public static readonly WebhookDelivery Delivery = new(
        DeliveryStatus.Pending, 3, At.AddDays(1).AddMinutes(3), At.AddDays(1).AddMinutes(2), 503, "answered 503", At.AddDays(1).AddMinutes(4));

    public static readonly Nudge Nudge = new("arab-1", "arab", "coorganizer:arab", "Please submit by 6 October", At.AddDays(1), At.AddDays(2), "ministry:LBN", Delivery);

    public static readonly WebhookEndpoint Endpoint = new(
        "https://mofa.example.lb/gcm/nudges",
        [new SigningSecret("CfDJ8-protected-new", At.AddDays(3), At.AddDays(90)), new SigningSecret("CfDJ8-protected-old", At, At.AddDays(4))],
        At, "ministry:LBN");

    public static readonly RegisterWebhook RegisterWebhook = new("https://mofa.example.lb/gcm/nudges", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", "ministry:LBN", true);

    public static readonly RotateWebhookSecret RotateWebhookSecret = new("whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0", "ministry:LBN", TimeSpan.FromHours(24), true);

    public static readonly WebhookResult WebhookResult = new(Outcome.Applied, Endpoint.ToView(At.AddDays(3)), "registered");

    public static readonly ResendResult ResendResult = new(Outcome.Applied, Nudge, "resent");

    public static readonly SendNudges SendNudges = new(["LBN", "SYR"], "Please submit by 6 October", "coorganizer:arab");

    public static readonly NudgeResult NudgeResult = new(Outcome.Applied,
    [
        new NudgeDelivery("LBN", NudgeOutcome.Throttled, "arab-1", At.AddDays(2)),
        new NudgeDelivery("SYR", NudgeOutcome.Delivered, "arab-2", At.AddDays(3)),
    ], "two States");

    public static readonly ReviewState ReviewState = new()
    {
        Version = 7,
        Participation = Participation.NotParticipating,
        Milestones = Records,
        Evidence = Evidence,
        History =
        [
            new HistoryEntry(1, At, "ministry:LBN", "milestones.coordination-body-appointed.status", "not-started", "completed", "focal points", 1, "\"completed\""),
            new HistoryEntry(2, At.AddMinutes(5), "ministry:LBN", "evidence.objectives", "1", "1,5,23", "coverage", 2, "[1,5,23]"),
            new HistoryEntry(7, At.AddDays(4), "co-organizer:escwa", "participation", "participating", "not-participating", "reservations", 3, "\"not-participating\""),
        ],
        Regions = ImmutableSortedSet.Create(StringComparer.Ordinal, "2020/arab", "2020/africa"),
        UpdatedAt = At.AddDays(4),
        Nudges = [Nudge],
        Webhook = new Webhook("https://mofa.example.lb/gcm/nudges", "0123456789abcdef0123"),
        PendingDeliveries = ["arab-1"],
        Endpoint = Endpoint,
        HistoryCount = 12,
        LastChange =
        [
            new HistoryEntry(7, At.AddDays(2), "ministry:LBN", "participation", "participating", "not-participating", "no capacity", 12, "\"not-participating\""),
        ],
    };

    public static readonly ImmutableSortedDictionary<Milestone, DateOnly> Deadlines =
        ImmutableSortedDictionary.CreateRange(new Dictionary<Milestone, DateOnly>
        {
            [Milestone.CoordinationBodyAppointed] = new(2020, 7, 1),
            [Milestone.TemplateShared] = new(2020, 8, 1),
            [Milestone.DataCollected] = new(2020, 9, 1),
            [Milestone.Approved] = new(2020, 10, 1),
            [Milestone.Submitted] = new(2020, 10, 31),
        });

    public static readonly RegionConfig RegionConfig = new(
        "Arab region, first round",
        ["ESCWA", "IOM", "LAS"],
        new Conference(new DateOnly(2021, 2, 24), new DateOnly(2021, 2, 25), ConferenceModality.InPerson),
        Deadlines,
        ["LBN", "IRQ", "PSE"],
        new NudgePolicy(true, 7, "Please send your report"),
        new DateOnly(2021, 2, 26),
        new LastReport(new DateOnly(2020, 8, 13), "Workshop report, 13 August 2020"));

    public static readonly ReviewSnapshot Snapshot = new(
        "LBN",
        Participation.NotParticipating,
        Records.ToImmutableSortedDictionary(r => r.Key, r => r.Value.Status),
        [2, 7],
        12,
        [new HistoryEntry(12, At.AddDays(2), "ministry:LBN", "participation", "participating", "not-participating", "no capacity", 12, "\"not-participating\"")]);

    /// <summary>What a round holds in memory for its members.</summary>
    public static readonly ImmutableSortedDictionary<string, ReviewSnapshot> Snapshots =
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, ReviewSnapshot>
        {
            ["LBN"] = Snapshot,
            ["IRQ"] = Snapshot with { Country = "IRQ", Participation = Participation.Participating, Objectives = [1], Version = 3 },
        });

    public static readonly RegionState RegionState = new()
    {
        Config = RegionConfig,
        Version = 9,
        LastAutomaticNudge = At.AddDays(6),
        TrailCount = 3,
        LastChange = [new HistoryEntry(9, At.AddDays(5), "co-organizer:escwa", "config", "2 members", "3 members", "moved", 3, "{}")],
    };

    public static readonly CatalogState CatalogState = new() { Rounds = ["2020/africa", "2020/arab", "2024/arab"] };

    public static readonly ReviewView ReviewView = ReviewState.ToView("2020", "LBN", "Lebanon");

    public static readonly MilestoneUpdate MilestoneUpdate = new(
        Milestone.DataCollected,
        MilestoneStatus.InProgress,
        "ministry:IRQ",
        "contributions from ministries",
        "a ministry was missing",
        new CoordinationBody("Focal points", "Foreign Affairs"),
        [new Stakeholder("UNHCR", StakeholderKind.UnAgency), new Stakeholder("Chamber of commerce", StakeholderKind.PrivateSector)],
        [1, 23],
        ["no coordinating body with authority"],
        4,
        At.AddDays(-1));

    public static readonly ParticipationUpdate ParticipationUpdate = new(Participation.NotParticipating, "co-organizer:escwa", "reservations", 2, At.AddDays(-2));

    public static readonly ConfigureRegion ConfigureRegion = new(RegionConfig, "co-organizer:escwa", 5, At.AddDays(-3));

    public static readonly ReviewResult ReviewResult = new(Outcome.RuleViolated, ReviewView, "'approved' needs 'data-collected' completed first");

    public static readonly RegionResult RegionResult = new(Outcome.VersionMismatch, 9, "the region is at version 9, not 8");

    public static readonly RegionDocument RegionDocument = new(Encoding.UTF8.GetBytes("{\"region\":\"arab\"}"), "\"9\"", 9);
}
