using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Host.Api;

/// <summary>A valid body for every request, shown in the OpenAPI document (the linters check them against the schemas).</summary>
internal static class Examples
{
    public static readonly MilestoneRequest Milestone = new(
        MilestoneStatus.Completed, Note: "Contributions received from all institutions.", Objectives: [1, 3, 7, 16, 23]);

    public static readonly ParticipationRequest Participation = new(Contracts.Participation.Participating);

    public static readonly NudgeRequest Nudge = new("Please send your voluntary review before 6 October.", ["LBN"]);

    public static readonly WebhookRequest Webhook = new("https://mofa.example.lb/gcm/nudges");

    public static readonly RotateSecretRequest RotateSecret = new(GraceHours: 24);

    public static readonly RegionRequest Region = new(
        "Arab region: first regional review of the GCM",
        ["ESCWA", "IOM", "LAS"],
        new Conference(new DateOnly(2021, 2, 24), new DateOnly(2021, 2, 25), ConferenceModality.Virtual),
        new Dictionary<Contracts.Milestone, DateOnly>
        {
            [Contracts.Milestone.CoordinationBodyAppointed] = new(2020, 11, 24),
            [Contracts.Milestone.TemplateShared] = new(2020, 11, 24),
            [Contracts.Milestone.DataCollected] = new(2020, 12, 9),
            [Contracts.Milestone.Approved] = new(2020, 12, 23),
            [Contracts.Milestone.Submitted] = new(2020, 12, 30),
        }.ToImmutableSortedDictionary(),
        [new("DZA"), new("EGY"), new("JOR"), new("LBN"), new("MAR")]);
}
