namespace GcmActors.Contracts;

// The enums below cross the wire and are persisted by name (see docs/decisions/0002-storage-serializer.md):
// never renumber a member, and never rename one without a migration of stored state.

/// <summary>The five steps of preparing a voluntary GCM review, in their usual order.</summary>
[GenerateSerializer, Alias("gcm.milestone")]
public enum Milestone
{
    CoordinationBodyAppointed = 0,
    TemplateShared = 1,
    DataCollected = 2,
    Approved = 3,
    Submitted = 4,
}

[GenerateSerializer, Alias("gcm.milestone-status")]
public enum MilestoneStatus
{
    NotStarted = 0,
    InProgress = 1,
    Completed = 2,
}

[GenerateSerializer, Alias("gcm.participation")]
public enum Participation
{
    Participating = 0,
    NotParticipating = 1,
}

[GenerateSerializer, Alias("gcm.stakeholder-kind")]
public enum StakeholderKind
{
    Ministry = 0,
    Ngo = 1,
    Academia = 2,
    PrivateSector = 3,
    UnAgency = 4,
    Other = 5,
}

[GenerateSerializer, Alias("gcm.conference-modality")]
public enum ConferenceModality
{
    Undecided = 0,
    InPerson = 1,
    Virtual = 2,
    Hybrid = 3,
}

/// <summary>Where a regional round stands in time (docs/decisions/0013-rounds-in-time.md).</summary>
[GenerateSerializer, Alias("gcm.round-phase")]
public enum RoundPhase
{
    /// <summary>Until the conference starts (or while its dates are not decided).</summary>
    Preparing = 0,

    /// <summary>From the first to the last day of the conference.</summary>
    InConference = 1,

    /// <summary>After the conference's last day, or since the day a co-organizer concluded the round.</summary>
    Concluded = 2,

    /// <summary>The conference is postponed with no date yet.</summary>
    Postponed = 3,
}

[GenerateSerializer, Alias("gcm.timeline-step")]
public enum TimelineStep
{
    Day = 0,
    Week = 1,
    Month = 2,
}

/// <summary>Outcome of a command sent to a grain. Business outcomes are values, not exceptions.</summary>
[GenerateSerializer, Alias("gcm.outcome")]
public enum Outcome
{
    /// <summary>The change was accepted and persisted.</summary>
    Applied = 0,

    /// <summary>The change was already in effect; nothing was written.</summary>
    Unchanged = 1,

    /// <summary>The grain has no such review or region (nothing configured for that key).</summary>
    NotFound = 2,

    /// <summary>A workflow rule forbids the change.</summary>
    RuleViolated = 3,

    /// <summary>The caller's expected version is not the current one.</summary>
    VersionMismatch = 4,

    /// <summary>The command itself is invalid (for example an objective outside 1-23).</summary>
    Invalid = 5,
}

public static class Milestones
{
    public static readonly IReadOnlyList<Milestone> All =
    [
        Milestone.CoordinationBodyAppointed,
        Milestone.TemplateShared,
        Milestone.DataCollected,
        Milestone.Approved,
        Milestone.Submitted,
    ];
}
