using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Regional progress as a pure function of the round's configuration, its members' snapshots, its history and the
/// document's day. The region grain runs it once per change (or once a day), never per read; a replay runs it for a past day.
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

    /// <summary>
    /// The document of a round at the end of <paramref name="day"/>. <paramref name="membersOn"/> gives the members'
    /// snapshots at the end of a day (the live ones for today, the trail's for another day). A concluded round shows its
    /// members, counts and lagging as they were on its conclusion day, and what changed since as late updates.
    /// <paramref name="derived"/> false leaves out the nudge effect, the forecast and the late updates (the timeline's points).
    /// </summary>
    public static RegionProgress Compute(
        string cycle, string region, RegionConfig config, long configVersion, RoundHistory history,
        Func<DateOnly, IReadOnlyDictionary<string, ReviewSnapshot>> membersOn, DateOnly day, Func<string, string> nameOf,
        int nudgeWindowDays, bool derived = true)
    {
        var (phase, concludedOn) = RegionRules.PhaseOn(config, day);
        var effective = concludedOn is { } concluded && concluded < day ? concluded : day;
        var snapshots = membersOn(effective);
        var current = effective == day ? snapshots : membersOn(day);
        var until = ReviewReplay.EndOf(day);
        var members = config.Members
            .Select(c => Member(c, nameOf(c), snapshots.GetValueOrDefault(c), config.Deadlines, effective) with
            {
                LastNudge = history.Nudges(c, until) is [.., var last] ? last : null,
            })
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

        // The version (and so the entity tag) follows the members as they are on the day, late updates included.
        var version = configVersion + config.Members.Sum(c => current.GetValueOrDefault(c)?.Version ?? 0);
        return new RegionProgress(
            cycle,
            region,
            config.Name,
            config.CoOrganizers,
            config.Conference,
            phase is RoundPhase.Preparing or RoundPhase.InConference && config.Conference.Start is { } start ? start.DayNumber - day.DayNumber : null,
            config.Deadlines,
            day,
            members,
            counts,
            participating,
            submitted,
            participating == 0 ? 0 : Math.Round((double)submitted / participating, 4),
            lagging,
            coverage,
            version,
            config.NudgePolicy,
            phase,
            concludedOn,
            config.ConcludedOn,
            config.LastReport,
            derived && effective < day ? LateUpdates(config.Members, snapshots, current) : [],
            derived ? NudgeEffects.Compute(history, config.Members, until, nudgeWindowDays) : null,
            derived && phase != RoundPhase.Concluded ? RoundForecasts.Compute(history, config, current, day) : null);
    }

    /// <summary>The document of a round whose members are known only as they are now (no history): the rules' tests.</summary>
    public static RegionProgress Compute(
        string cycle, string region, RegionConfig config, IReadOnlyDictionary<string, ReviewSnapshot> snapshots, DateOnly today,
        long configVersion, Func<string, string> nameOf) =>
        Compute(cycle, region, config, configVersion, new RoundHistory(), _ => snapshots, today, nameOf, 14);

    /// <summary>What changed for each member between the conclusion day and the document's day.</summary>
    private static ImmutableArray<LateUpdate> LateUpdates(
        ImmutableArray<string> members, IReadOnlyDictionary<string, ReviewSnapshot> then, IReadOnlyDictionary<string, ReviewSnapshot> now)
    {
        var updates = ImmutableArray.CreateBuilder<LateUpdate>();
        foreach (var country in members)
        {
            var before = then.GetValueOrDefault(country);
            var after = now.GetValueOrDefault(country);
            var p0 = before?.Participation ?? Participation.Participating;
            var p1 = after?.Participation ?? Participation.Participating;
            if (p0 != p1)
            {
                updates.Add(new LateUpdate(country, "participation", GcmJson.Slug(p0), GcmJson.Slug(p1)));
            }

            foreach (var milestone in Milestones.All)
            {
                var s0 = before?.Milestones.GetValueOrDefault(milestone) ?? MilestoneStatus.NotStarted;
                var s1 = after?.Milestones.GetValueOrDefault(milestone) ?? MilestoneStatus.NotStarted;
                if (s0 != s1)
                {
                    updates.Add(new LateUpdate(country, GcmJson.Slug(milestone), GcmJson.Slug(s0), GcmJson.Slug(s1)));
                }
            }
        }

        return updates.ToImmutable();
    }

    private static readonly ImmutableSortedDictionary<Milestone, MilestoneStatus> NotStarted =
        Milestones.All.ToImmutableSortedDictionary(m => m, _ => MilestoneStatus.NotStarted);
}
