using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Regional progress as a pure function of the round's configuration, the members' latest snapshots and
/// today's date. The region grain runs it once per change (or once a day), never per read.
/// </summary>
public static class RegionProgressCalculator
{
    /// <summary>
    /// A participating member lags when a milestone whose deadline has passed is not completed;
    /// <c>daysBehind</c> counts from the earliest such deadline.
    /// </summary>
    public static MemberProgress Member(
        string country, string name, ReviewSnapshot? snapshot, ImmutableSortedDictionary<Milestone, DateOnly> deadlines, DateOnly today)
    {
        var milestones = snapshot?.Milestones ?? NotStarted;
        var participation = snapshot?.Participation ?? Participation.Participating;
        var missed = participation == Participation.Participating
            ? deadlines.Where(d => d.Value < today && milestones.GetValueOrDefault(d.Key) != MilestoneStatus.Completed)
                .OrderBy(d => d.Value).ToImmutableArray()
            : [];
        var daysBehind = missed.IsEmpty ? 0 : today.DayNumber - missed[0].Value.DayNumber;
        return new MemberProgress(
            country, name, participation, milestones, !missed.IsEmpty, daysBehind,
            [.. missed.Select(d => d.Key).Order()], snapshot?.Version ?? 0);
    }

    public static RegionProgress Compute(
        string cycle, string region, RegionConfig config, IReadOnlyDictionary<string, ReviewSnapshot> snapshots,
        DateOnly today, long version, Func<string, string> nameOf)
    {
        var members = config.Members
            .Select(c => Member(c, nameOf(c), snapshots.GetValueOrDefault(c), config.Deadlines, today))
            .ToImmutableArray();

        var counts = Milestones.All.ToImmutableSortedDictionary(
            m => m,
            m => new StatusCounts(
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.NotStarted),
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.InProgress),
                members.Count(x => x.Milestones.GetValueOrDefault(m) == MilestoneStatus.Completed)));

        var participating = members.Count(m => m.Participation == Participation.Participating);
        var submitted = members.Count(m => m.Participation == Participation.Participating
            && m.Milestones.GetValueOrDefault(Milestone.Submitted) == MilestoneStatus.Completed);
        var lagging = members.Where(m => m.Lagging)
            .OrderByDescending(m => m.DaysBehind).ThenBy(m => m.Country, StringComparer.Ordinal)
            .Select(m => m.Country).ToImmutableArray();
        var coverage = Enumerable.Range(1, ReviewWorkflow.ObjectiveCount).ToImmutableSortedDictionary(
            o => o,
            o => config.Members.Count(c => snapshots.TryGetValue(c, out var s)
                && s.Participation == Participation.Participating && s.Objectives.Contains(o)));

        return new RegionProgress(
            cycle,
            region,
            config.Name,
            config.CoOrganizers,
            config.Conference,
            config.Conference.Start is { } start ? start.DayNumber - today.DayNumber : null,
            config.Deadlines,
            today,
            members,
            counts,
            participating,
            submitted,
            participating == 0 ? 0 : Math.Round((double)submitted / participating, 4),
            lagging,
            coverage,
            version,
            config.NudgePolicy);
    }

    private static readonly ImmutableSortedDictionary<Milestone, MilestoneStatus> NotStarted =
        Milestones.All.ToImmutableSortedDictionary(m => m, _ => MilestoneStatus.NotStarted);
}
