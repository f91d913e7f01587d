using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

internal static class TestData
{
    /// <summary>The day of the second capacity-building workshop, when the seed scenario was reported.</summary>
    public static readonly DateTimeOffset WorkshopDay = new(2020, 8, 13, 10, 30, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset NextDay = WorkshopDay.AddDays(1);

    public const string Ministry = "ministry:IRQ";

    /// <summary>A review that exists (it belongs to a region) and has never changed.</summary>
    public static ReviewState NewReview() => new() { Regions = ImmutableSortedSet.Create(StringComparer.Ordinal, "2020/arab") };

    public static MilestoneUpdate Set(Milestone milestone, MilestoneStatus status) => new(milestone, status, Ministry);

    /// <summary>Applies updates one after the other, each of which must be accepted.</summary>
    public static ReviewState Apply(ReviewState state, params MilestoneUpdate[] updates)
    {
        foreach (var update in updates)
        {
            var decision = ReviewWorkflow.RecordMilestone(state, update, WorkshopDay);
            Assert.True(decision.Outcome == Outcome.Applied, $"{update.Milestone} -> {update.Status}: {decision.Outcome} {decision.Detail}");
            state = decision.State;
        }

        return state;
    }

    public static ImmutableSortedDictionary<Milestone, MilestoneStatus> Statuses(
        MilestoneStatus coordination = MilestoneStatus.NotStarted,
        MilestoneStatus template = MilestoneStatus.NotStarted,
        MilestoneStatus data = MilestoneStatus.NotStarted,
        MilestoneStatus approved = MilestoneStatus.NotStarted,
        MilestoneStatus submitted = MilestoneStatus.NotStarted) =>
        ImmutableSortedDictionary.CreateRange(new Dictionary<Milestone, MilestoneStatus>
        {
            [Milestone.CoordinationBodyAppointed] = coordination,
            [Milestone.TemplateShared] = template,
            [Milestone.DataCollected] = data,
            [Milestone.Approved] = approved,
            [Milestone.Submitted] = submitted,
        });
}
