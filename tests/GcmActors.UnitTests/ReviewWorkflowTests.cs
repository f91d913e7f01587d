using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;
using static GcmActors.UnitTests.TestData;

namespace GcmActors.UnitTests;

public class ReviewWorkflowTests
{
    // ---- prerequisites ----

    [Fact]
    public void RecordMilestone_WhenDataNotCollected_RejectsApproval()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.Approved, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("'approved' needs 'data-collected' completed first", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_WhenDataCollected_AcceptsApproval()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.Approved, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(MilestoneStatus.Completed, decision.State[Milestone.Approved].Status);
    }

    [Fact]
    public void RecordMilestone_ApprovalInProgressBeforeDataCollected_IsAccepted()
    {
        var decision = ReviewWorkflow.RecordMilestone(NewReview(), Set(Milestone.Approved, MilestoneStatus.InProgress), WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(MilestoneStatus.InProgress, decision.State[Milestone.Approved].Status);
    }

    [Fact]
    public void RecordMilestone_WhenNotApproved_RejectsSubmission()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.Completed), Set(Milestone.Approved, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.Submitted, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("'submitted' needs 'approved' completed first", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_WhenApproved_AcceptsSubmission()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.Completed), Set(Milestone.Approved, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.Submitted, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(MilestoneStatus.Completed, decision.State[Milestone.Submitted].Status);
    }

    [Theory]
    [InlineData(Milestone.CoordinationBodyAppointed)]
    [InlineData(Milestone.TemplateShared)]
    [InlineData(Milestone.DataCollected)]
    public void RecordMilestone_FirstThreeMilestones_CompleteWithNothingElseStarted(Milestone milestone)
    {
        var decision = ReviewWorkflow.RecordMilestone(NewReview(), Set(milestone, MilestoneStatus.Completed), WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(
            Milestones.All.Select(m => m == milestone ? MilestoneStatus.Completed : MilestoneStatus.NotStarted),
            Milestones.All.Select(m => decision.State[m].Status));
    }

    [Fact]
    public void RecordMilestone_DataCollectedWithoutCoordinationBody_IsAcceptedAsInIraq()
    {
        var state = Apply(NewReview(), Set(Milestone.TemplateShared, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(
            state,
            Set(Milestone.DataCollected, MilestoneStatus.Completed) with { Challenges = ["no coordinating body with authority"] },
            NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(MilestoneStatus.NotStarted, decision.State[Milestone.CoordinationBodyAppointed].Status);
        Assert.Equal(MilestoneStatus.InProgress, decision.State[Milestone.TemplateShared].Status);
        Assert.Equal(MilestoneStatus.Completed, decision.State[Milestone.DataCollected].Status);
        Assert.Equal<string>(["no coordinating body with authority"], decision.State.Evidence.Challenges);
    }

    // ---- reopening ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void RecordMilestone_ReopeningWithoutReason_IsRejected(string? reason)
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with { Reason = reason }, NextDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("reopening the completed milestone 'coordination-body-appointed' needs a reason", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_ReopeningWithReason_RecordsReasonAndHistory()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed) with { Note = "focal points named" });

        var decision = ReviewWorkflow.RecordMilestone(
            state,
            Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with { Reason = "the body has no authority" },
            NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(
            new MilestoneRecord(MilestoneStatus.InProgress, NextDay, "focal points named", "the body has no authority"),
            decision.State[Milestone.CoordinationBodyAppointed]);
        Assert.Equal(
            new HistoryEntry(2, NextDay, Ministry, "milestones.coordination-body-appointed.status", "completed", "in-progress", "the body has no authority", 2),
            decision.State.LastChange[^1]);
    }

    [Fact]
    public void RecordMilestone_ReopenReason_IsTrimmed()
    {
        var state = Apply(NewReview(), Set(Milestone.TemplateShared, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.TemplateShared, MilestoneStatus.NotStarted) with { Reason = "  wrong template  " }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal("wrong template", decision.State[Milestone.TemplateShared].ReopenReason);
        Assert.Equal("wrong template", decision.State.LastChange[^1].Note);
    }

    [Fact]
    public void RecordMilestone_OverlongStakeholderOrLeadMinistryName_IsInvalid()
    {
        var longName = new string('s', ReviewWorkflow.MaxNameLength + 1);

        var stakeholder = ReviewWorkflow.RecordMilestone(NewReview(),
            Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { Stakeholders = [new Stakeholder(longName, StakeholderKind.Ngo)] }, WorkshopDay);
        var ministry = ReviewWorkflow.RecordMilestone(NewReview(),
            Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with { CoordinationBody = new CoordinationBody("Body", longName) }, WorkshopDay);

        Assert.Equal(Outcome.Invalid, stakeholder.Outcome);
        Assert.Equal(Outcome.Invalid, ministry.Outcome);
    }

    [Fact]
    public void RecordMilestone_UninitializedList_IsInvalidNotACrash()
    {
        var decision = ReviewWorkflow.RecordMilestone(NewReview(),
            Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = default(ImmutableArray<int>) }, WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
    }

    [Fact]
    public void RecordMilestone_ProgressAfterReopening_ClearsReopenReason()
    {
        var state = Apply(
            NewReview(),
            Set(Milestone.TemplateShared, MilestoneStatus.Completed),
            Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { Reason = "wrong template" });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.TemplateShared, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Null(decision.State[Milestone.TemplateShared].ReopenReason);
    }

    [Fact]
    public void RecordMilestone_ReopeningPrerequisiteWhileDependentCompleted_IsRejected()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.Completed), Set(Milestone.Approved, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Reason = "missing ministry" }, NextDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("'data-collected' cannot be reopened while 'approved' is completed; reopen that first", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_ReopeningApprovalWhileSubmitted_IsRejected()
    {
        var state = Apply(
            NewReview(),
            Set(Milestone.DataCollected, MilestoneStatus.Completed),
            Set(Milestone.Approved, MilestoneStatus.Completed),
            Set(Milestone.Submitted, MilestoneStatus.Completed));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.Approved, MilestoneStatus.InProgress) with { Reason = "cabinet reshuffle" }, NextDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("'approved' cannot be reopened while 'submitted' is completed; reopen that first", decision.Detail);
    }

    [Fact]
    public void RecordMilestone_ReopeningPrerequisiteAfterDependentReopened_IsAccepted()
    {
        var state = Apply(
            NewReview(),
            Set(Milestone.DataCollected, MilestoneStatus.Completed),
            Set(Milestone.Approved, MilestoneStatus.Completed),
            Set(Milestone.Approved, MilestoneStatus.InProgress) with { Reason = "missing ministry" });

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Reason = "missing ministry" }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(MilestoneStatus.InProgress, decision.State[Milestone.DataCollected].Status);
        Assert.Equal(MilestoneStatus.InProgress, decision.State[Milestone.Approved].Status);
        Assert.Equal(4, decision.State.Version);
    }

    // ---- participation ----

    [Fact]
    public void RecordMilestone_WhenNotParticipating_RejectsProgress()
    {
        var state = NewReview() with { Participation = Participation.NotParticipating };

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress), WorkshopDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Equal("this State does not participate in the review cycle; record its participation first", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void SetParticipation_ToNotParticipating_BumpsVersionAndRecordsHistory()
    {
        var state = NewReview();

        var decision = ReviewWorkflow.SetParticipation(
            state, new ParticipationUpdate(Participation.NotParticipating, "co-organizer:escwa", "reservations on the GCM"), WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(Participation.NotParticipating, decision.State.Participation);
        Assert.Equal(1, decision.State.Version);
        Assert.Equal(WorkshopDay, decision.State.UpdatedAt);
        var entry = Assert.Single(decision.State.LastChange);
        Assert.Equal(
            new HistoryEntry(1, WorkshopDay, "co-organizer:escwa", "participation", "participating", "not-participating", "reservations on the GCM", 1),
            entry);
    }

    [Fact]
    public void SetParticipation_AlreadyInEffect_IsUnchanged()
    {
        var state = NewReview();

        var decision = ReviewWorkflow.SetParticipation(state, new ParticipationUpdate(Participation.Participating, Ministry, "again"), WorkshopDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void SetParticipation_WithStaleExpectedVersion_ReportsVersionMismatch()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.SetParticipation(
            state, new ParticipationUpdate(Participation.NotParticipating, Ministry, ExpectedVersion: 0), NextDay);

        Assert.Equal(Outcome.VersionMismatch, decision.Outcome);
        Assert.Equal("the review is at version 1, not 0", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void SetParticipation_AlreadyInEffectWithStaleExpectedVersion_IsUnchanged()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.SetParticipation(
            state, new ParticipationUpdate(Participation.Participating, Ministry, ExpectedVersion: 0), NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
    }

    [Fact]
    public void SetParticipation_WithOverlongNote_IsInvalid()
    {
        var state = NewReview();

        var decision = ReviewWorkflow.SetParticipation(
            state, new ParticipationUpdate(Participation.NotParticipating, Ministry, new string('x', 2001)), WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("note is longer than 2000 characters", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void SetParticipation_BackToParticipating_AllowsProgressAgain()
    {
        var state = NewReview() with { Participation = Participation.NotParticipating };
        var back = ReviewWorkflow.SetParticipation(state, new ParticipationUpdate(Participation.Participating, Ministry), WorkshopDay);

        var decision = ReviewWorkflow.RecordMilestone(back.State, Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress), NextDay);

        Assert.Equal(Outcome.Applied, back.Outcome);
        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(2, decision.State.Version);
    }

    // ---- idempotency, version and history ----

    [Fact]
    public void RecordMilestone_RepeatedUpdate_IsUnchangedWithoutVersionBumpOrHistory()
    {
        var update = Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed) with
        {
            Note = "Interior, Finance, Foreign Affairs",
            CoordinationBody = new CoordinationBody("National committee", "Interior"),
            Objectives = [23, 1],
        };
        var state = Apply(NewReview(), update);

        var decision = ReviewWorkflow.RecordMilestone(state, update, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
        Assert.Equal(1, decision.State.Version);
        Assert.Equal(3, decision.State.HistoryCount);
        Assert.Equal(WorkshopDay, decision.State.UpdatedAt);
    }

    [Fact]
    public void RecordMilestone_NoteOnlyChange_IsAppliedAsNoteChange()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Note = "Beirut explosion delays ministries" }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(2, decision.State.Version);
        Assert.Equal(
            new MilestoneRecord(MilestoneStatus.InProgress, NextDay, "Beirut explosion delays ministries"),
            decision.State[Milestone.DataCollected]);
        Assert.Equal(
            new HistoryEntry(2, NextDay, Ministry, "milestones.data-collected.note", null, "Beirut explosion delays ministries", null, 2),
            decision.State.LastChange[^1]);
        Assert.Equal(2, decision.State.HistoryCount);
    }

    [Fact]
    public void RecordMilestone_FirstChange_AppendsOneHistoryEntryPerChangedField()
    {
        var update = Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed) with
        {
            Note = "focal points named",
            CoordinationBody = new CoordinationBody("National committee", "Interior"),
            Stakeholders = [new Stakeholder("University of Rabat", StakeholderKind.Academia), new Stakeholder("IOM", StakeholderKind.UnAgency)],
            Objectives = [5, 1, 5, 23],
            Challenges = [" COVID-19 "],
        };

        var decision = ReviewWorkflow.RecordMilestone(NewReview(), update, WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(1, decision.State.Version);
        Assert.Equal(WorkshopDay, decision.State.UpdatedAt);
        Assert.Equal(
            [
                new HistoryEntry(1, WorkshopDay, Ministry, "milestones.coordination-body-appointed.status", "not-started", "completed", "focal points named", 1),
                new HistoryEntry(1, WorkshopDay, Ministry, "evidence.coordination-body", null, "National committee (lead: Interior)", null, 2,
                    """{"name":"National committee","leadMinistry":"Interior"}"""),
                new HistoryEntry(1, WorkshopDay, Ministry, "evidence.stakeholders", "", "University of Rabat (academia); IOM (un-agency)", null, 3,
                    """[{"name":"University of Rabat","kind":"academia"},{"name":"IOM","kind":"un-agency"}]"""),
                new HistoryEntry(1, WorkshopDay, Ministry, "evidence.objectives", "", "1,5,23", null, 4),
                new HistoryEntry(1, WorkshopDay, Ministry, "evidence.challenges", "", "COVID-19", null, 5, """["COVID-19"]"""),
            ],
            decision.State.LastChange);
        Assert.Equal(5, decision.State.HistoryCount);
        Assert.Equal(
            new MilestoneRecord(MilestoneStatus.Completed, WorkshopDay, "focal points named"),
            decision.State[Milestone.CoordinationBodyAppointed]);
    }

    [Fact]
    public void RecordMilestone_EachAcceptedChange_BumpsVersionByExactlyOne()
    {
        var state = NewReview();
        var updates = new[]
        {
            Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress),
            Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress), // unchanged
            Set(Milestone.TemplateShared, MilestoneStatus.Completed) with { Objectives = [1, 2] },
            Set(Milestone.Approved, MilestoneStatus.Completed), // rule violated
            Set(Milestone.DataCollected, MilestoneStatus.Completed),
        };
        var versions = new List<long>();
        var trail = new List<HistoryEntry>();

        foreach (var update in updates)
        {
            var decision = ReviewWorkflow.RecordMilestone(state, update, WorkshopDay);
            state = decision.State;
            versions.Add(state.Version);
            trail.AddRange(decision.Outcome == Outcome.Applied ? state.LastChange : []);
        }

        Assert.Equal([1L, 1L, 2L, 2L, 3L], versions);
        Assert.Equal([1L, 2L, 2L, 3L], trail.Select(h => h.Version));
        Assert.Equal([1L, 2L, 3L, 4L], trail.Select(h => h.Sequence));
        Assert.Equal(4, state.HistoryCount);
    }

    [Fact]
    public void RecordMilestone_DoesNotTouchOtherMilestonesOrHistoryOfTheInputState()
    {
        var state = Apply(NewReview(), Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { Note = "sent to NGOs" });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.DataCollected, MilestoneStatus.InProgress), NextDay);

        Assert.Equal(new MilestoneRecord(MilestoneStatus.InProgress, WorkshopDay, "sent to NGOs"), decision.State[Milestone.TemplateShared]);
        Assert.Equal(1, state.HistoryCount);
        Assert.Equal(1, state.Version);
        Assert.Equal(2, decision.State.HistoryCount);
    }

    // ---- evidence ----

    [Fact]
    public void RecordMilestone_NewStakeholders_ReplaceTheRecordedList()
    {
        var state = Apply(NewReview(), Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with
        {
            Stakeholders = [new Stakeholder("Caritas", StakeholderKind.Ngo), new Stakeholder("Chamber of commerce", StakeholderKind.PrivateSector)],
        });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with
        {
            Stakeholders = [new Stakeholder("UNHCR", StakeholderKind.UnAgency)],
        }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal<Stakeholder>([new Stakeholder("UNHCR", StakeholderKind.UnAgency)], decision.State.Evidence.Stakeholders);
        Assert.Equal(
            new HistoryEntry(2, NextDay, Ministry, "evidence.stakeholders", "Caritas (ngo); Chamber of commerce (private-sector)", "UNHCR (un-agency)", null, 3,
                """[{"name":"UNHCR","kind":"un-agency"}]"""),
            decision.State.LastChange[^1]);
    }

    [Fact]
    public void RecordMilestone_SameStakeholdersAgain_IsUnchanged()
    {
        var state = Apply(NewReview(), Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with
        {
            Stakeholders = [new Stakeholder("Caritas", StakeholderKind.Ngo)],
        });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with
        {
            Stakeholders = [new Stakeholder("Caritas", StakeholderKind.Ngo)],
        }, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_Objectives_AreSortedAndDeduplicated()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [23, 5, 1, 5, 23] }, WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal<int>([1, 5, 23], decision.State.Evidence.Objectives);
    }

    [Fact]
    public void RecordMilestone_SameObjectivesInAnotherOrder_IsUnchanged()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [1, 5, 23] });

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [23, 1, 5, 1] }, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_EmptyObjectives_ClearTheRecordedOnes()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [1, 5, 23] });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [] }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Empty(decision.State.Evidence.Objectives);
        Assert.Equal(new HistoryEntry(2, NextDay, Ministry, "evidence.objectives", "1,5,23", "", null, 3), decision.State.LastChange[^1]);
    }

    [Fact]
    public void RecordMilestone_EvidenceLeftNull_KeepsTheRecordedEvidence()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with
        {
            CoordinationBody = new CoordinationBody("Migration committee"),
            Stakeholders = [new Stakeholder("IOM", StakeholderKind.UnAgency)],
            Objectives = [1],
            Challenges = ["COVID-19"],
        });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.DataCollected, MilestoneStatus.Completed), NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Same(state.Evidence, decision.State.Evidence);
    }

    [Fact]
    public void RecordMilestone_Challenges_AreTrimmedAndDeduplicatedInOrder()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(),
            Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Challenges = [" COVID-19 ", "Beirut explosion", "COVID-19", "limited resources "] },
            WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal<string>(["COVID-19", "Beirut explosion", "limited resources"], decision.State.Evidence.Challenges);
    }

    [Fact]
    public void RecordMilestone_SameChallengesWithOtherSpacing_IsUnchanged()
    {
        var state = Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Challenges = ["COVID-19", "Beirut explosion"] });

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Challenges = ["COVID-19 ", " Beirut explosion"] }, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_NewCoordinationBody_ReplacesTheOldOne()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with
        {
            CoordinationBody = new CoordinationBody("Interim focal point", "Foreign Affairs"),
        });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with
        {
            CoordinationBody = new CoordinationBody("National committee"),
        }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(new CoordinationBody("National committee"), decision.State.Evidence.CoordinationBody);
        Assert.Equal(
            new HistoryEntry(2, NextDay, Ministry, "evidence.coordination-body", "Interim focal point (lead: Foreign Affairs)", "National committee", null, 3,
                """{"name":"National committee","leadMinistry":null}"""),
            decision.State.LastChange[^1]);
    }

    [Fact]
    public void RecordMilestone_SameCoordinationBodyAgain_IsUnchanged()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with
        {
            CoordinationBody = new CoordinationBody("National committee", "Interior"),
        });

        var decision = ReviewWorkflow.RecordMilestone(state, Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with
        {
            CoordinationBody = new CoordinationBody("National committee", "Interior"),
        }, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
    }

    [Fact]
    public void RecordMilestone_RuleViolation_DiscardsTheEvidenceOfTheSameUpdate()
    {
        var state = NewReview();

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.Submitted, MilestoneStatus.Completed) with { Objectives = [1, 2, 3] }, WorkshopDay);

        Assert.Equal(Outcome.RuleViolated, decision.Outcome);
        Assert.Empty(decision.State.Evidence.Objectives);
        Assert.Equal(0, decision.State.Version);
    }

    // ---- validation ----

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    [InlineData(-1)]
    public void RecordMilestone_ObjectiveOutsideOneToTwentyThree_IsInvalid(int objective)
    {
        var state = NewReview();

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [1, objective] }, WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("GCM objectives are numbered 1 to 23", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_ObjectivesOneAndTwentyThree_AreValid()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Objectives = [1, 23] }, WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void RecordMilestone_BlankStakeholderName_IsInvalid(string name)
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(),
            Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with
            {
                Stakeholders = [new Stakeholder("IOM", StakeholderKind.UnAgency), new Stakeholder(name, StakeholderKind.Ngo)],
            },
            WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("every stakeholder needs a name (at most 160 characters) and a kind; at most 100 stakeholders", decision.Detail);
    }

    [Fact]
    public void RecordMilestone_UndefinedStakeholderKind_IsInvalid()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(),
            Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { Stakeholders = [new Stakeholder("IOM", (StakeholderKind)42)] },
            WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
    }

    [Fact]
    public void RecordMilestone_NoteOverTwoThousandCharacters_IsInvalid()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Note = new string('n', 2001) }, WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("note and reason are limited to 2000 characters", decision.Detail);
    }

    [Fact]
    public void RecordMilestone_NoteOfTwoThousandCharacters_IsAccepted()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Note = new string('n', 2000) }, WorkshopDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(2000, decision.State[Milestone.DataCollected].Note!.Length);
    }

    [Fact]
    public void RecordMilestone_BlankChallenge_IsInvalid()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(), Set(Milestone.DataCollected, MilestoneStatus.InProgress) with { Challenges = ["COVID-19", " "] }, WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("challenges are short tags (1 to 80 characters, at most 100)", decision.Detail);
    }

    [Fact]
    public void RecordMilestone_BlankCoordinationBodyName_IsInvalid()
    {
        var decision = ReviewWorkflow.RecordMilestone(
            NewReview(),
            Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with { CoordinationBody = new CoordinationBody(" ") },
            WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("coordinationBody needs a name; name and leadMinistry have at most 160 characters", decision.Detail);
    }

    [Fact]
    public void RecordMilestone_UndefinedMilestone_IsInvalid()
    {
        var decision = ReviewWorkflow.RecordMilestone(NewReview(), Set((Milestone)5, MilestoneStatus.Completed), WorkshopDay);

        Assert.Equal(Outcome.Invalid, decision.Outcome);
        Assert.Equal("unknown milestone or status", decision.Detail);
    }

    // ---- optimistic concurrency ----

    [Fact]
    public void RecordMilestone_WithStaleExpectedVersion_ReportsVersionMismatch()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { ExpectedVersion = 0 }, NextDay);

        Assert.Equal(Outcome.VersionMismatch, decision.Outcome);
        Assert.Equal("the review is at version 1, not 0", decision.Detail);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_WithCurrentExpectedVersion_IsApplied()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.TemplateShared, MilestoneStatus.InProgress) with { ExpectedVersion = 1 }, NextDay);

        Assert.Equal(Outcome.Applied, decision.Outcome);
        Assert.Equal(2, decision.State.Version);
    }

    [Fact]
    public void RecordMilestone_RetryOfAppliedUpdateWithStaleExpectedVersion_IsUnchanged()
    {
        var update = Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress) with { ExpectedVersion = 0 };
        var state = Apply(NewReview(), update);

        var decision = ReviewWorkflow.RecordMilestone(state, update, NextDay);

        Assert.Equal(Outcome.Unchanged, decision.Outcome);
        Assert.Same(state, decision.State);
    }

    [Fact]
    public void RecordMilestone_RuleViolationWithStaleExpectedVersion_ReportsVersionMismatch()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var decision = ReviewWorkflow.RecordMilestone(
            state, Set(Milestone.Approved, MilestoneStatus.Completed) with { ExpectedVersion = 0 }, NextDay);

        Assert.Equal(Outcome.VersionMismatch, decision.Outcome);
    }

    // ---- regions and projections ----

    [Fact]
    public void JoinAndLeaveRegion_DoNotBumpVersionButRecordTheRoundsInTheTrail()
    {
        var state = Apply(NewReview(), Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

        var joined = ReviewWorkflow.JoinRegion(state, "2020/africa", "round", NextDay);
        var left = ReviewWorkflow.LeaveRegion(joined, "2020/arab", "round", NextDay.AddDays(1));

        Assert.Equal(["2020/africa", "2020/arab"], joined.Regions);
        Assert.Equal(["2020/africa"], left.Regions);
        Assert.Equal(1, left.Version);
        Assert.Equal(3, left.HistoryCount);
        Assert.Equal(new HistoryEntry(1, NextDay, "round", "regions", null, "africa", null, 2), Assert.Single(joined.LastChange));
        Assert.Equal(new HistoryEntry(1, NextDay.AddDays(1), "round", "regions", "arab", null, null, 3), Assert.Single(left.LastChange));
    }

    [Fact]
    public void ToView_ListsEveryMilestoneAndRegionSlugs()
    {
        var state = ReviewWorkflow.JoinRegion(
            Apply(NewReview(), Set(Milestone.DataCollected, MilestoneStatus.Completed) with { Objectives = [7] }),
            "2020/africa", "round", NextDay);

        var view = state.ToView("2020", "MAR", "Morocco");

        Assert.Equal(("2020", "MAR", "Morocco", 1L, (DateTimeOffset?)WorkshopDay), (view.Cycle, view.Country, view.Name, view.Version, view.UpdatedAt));
        Assert.Equal(Milestones.All, view.Milestones.Keys);
        Assert.Equal(MilestoneRecord.NotStarted, view.Milestones[Milestone.Approved]);
        Assert.Equal(MilestoneStatus.Completed, view.Milestones[Milestone.DataCollected].Status);
        Assert.Equal<string>(["africa", "arab"], view.Regions);
        Assert.Equal<int>([7], view.Evidence.Objectives);
    }

    [Fact]
    public void ToSnapshot_CarriesStatusesObjectivesAndVersion()
    {
        var state = Apply(
            NewReview(),
            Set(Milestone.DataCollected, MilestoneStatus.Completed) with { Objectives = [3, 1] },
            Set(Milestone.Approved, MilestoneStatus.InProgress));

        var snapshot = state.ToSnapshot("IRQ");

        Assert.Equal("IRQ", snapshot.Country);
        Assert.Equal(Participation.Participating, snapshot.Participation);
        Assert.Equal(Statuses(data: MilestoneStatus.Completed, approved: MilestoneStatus.InProgress), snapshot.Milestones);
        Assert.Equal<int>([1, 3], snapshot.Objectives);
        Assert.Equal(2, snapshot.Version);
    }
}
