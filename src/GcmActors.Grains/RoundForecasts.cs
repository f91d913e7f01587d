using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// When will the remaining States submit? The method, in the words of docs/forecast.md:
/// <list type="number">
/// <item>The round's pace is the number of days between two milestones completed one after the other (on different days)
/// by the same State, over every State of the round: its median, and its first and third quartiles for the interval.</item>
/// <item>A State that has such durations of its own moves at the average of its own median and the round's.</item>
/// <item>It needs that many days for each milestone it has not completed, counted from its last completed milestone (or the
/// round's start); if that date has already passed, from the document's day.</item>
/// <item>By the submission deadline the round expects the States that have submitted, plus for each other State the share
/// of the round's observed durations that would bring it there in time. The interval counts the States whose latest date
/// (low) or earliest date (high) falls by the deadline.</item>
/// </list>
/// </summary>
public static class RoundForecasts
{
    public static RoundForecast Compute(
        RoundHistory history, RegionConfig config, IReadOnlyDictionary<string, ReviewSnapshot> members, DateOnly day)
    {
        var until = ReviewReplay.EndOf(day);
        var deadline = config.Deadlines.TryGetValue(Milestone.Submitted, out var due) ? due : config.Conference.Start;
        var durations = config.Members.ToDictionary(c => c, c => Durations(history.CompletionDays(c, until)), StringComparer.Ordinal);
        var all = durations.Values.SelectMany(d => d).ToList();
        if (all.Count == 0)
        {
            return new RoundForecast(deadline, null, null, null, null, []);
        }

        all.Sort();
        var median = NudgeEffects.Median(all);
        var q1 = NudgeEffects.Quantile(all, 0.25);
        var q3 = NudgeEffects.Quantile(all, 0.75);
        var submitted = 0;
        var expected = 0.0;
        var low = 0;
        var high = 0;
        var forecasts = ImmutableArray.CreateBuilder<MemberForecast>();
        foreach (var country in config.Members)
        {
            var snapshot = members.GetValueOrDefault(country);
            if (snapshot is { Participation: Participation.NotParticipating })
            {
                continue;
            }

            var statuses = snapshot?.Milestones ?? ImmutableSortedDictionary<Milestone, MilestoneStatus>.Empty;
            if (statuses.GetValueOrDefault(Milestone.Submitted) == MilestoneStatus.Completed)
            {
                submitted++;
                continue;
            }

            var remaining = Milestones.All.Count(m => statuses.GetValueOrDefault(m) != MilestoneStatus.Completed);
            var own = durations[country];
            Func<double, double> pace = own.Count == 0 ? d => d : d => (NudgeEffects.Median(own) + d) / 2;
            var completions = history.Completions(country, until);
            var from = completions.Count > 0 ? completions[^1] : history.Start ?? until;
            if (from.AddDays(remaining * pace(median)) < until)
            {
                from = until;
            }

            DateOnly At(double paceDays) => ReviewReplay.DayOf(from.AddDays(remaining * pace(paceDays)));
            var forecast = new MemberForecast(country, remaining, At(median), At(q1), At(q3));
            forecasts.Add(forecast);
            if (deadline is { } by)
            {
                expected += InTime(all, d => At(d) <= by) / (double)all.Count;
                low += forecast.Latest <= by ? 1 : 0;
                high += forecast.Earliest <= by ? 1 : 0;
            }
        }

        // A deadline already passed has its answer in the document itself (who submitted by then).
        var open = deadline is { } end && end >= day;
        return new RoundForecast(
            deadline,
            Math.Round(median, 1),
            open ? Math.Round(submitted + expected, 1) : null,
            open ? submitted + low : null,
            open ? submitted + high : null,
            forecasts.ToImmutable());
    }

    /// <summary>How many of the sorted durations satisfy <paramref name="inTime"/>, which holds for a prefix of them (a longer pace is never earlier).</summary>
    private static int InTime(List<double> sorted, Func<double, bool> inTime)
    {
        var (low, high) = (0, sorted.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = inTime(sorted[middle]) ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    /// <summary>
    /// Days between a State's completed milestones, one after the other. Milestones completed together (recorded on the
    /// same day) say nothing of the pace, so a duration is counted between different days only.
    /// </summary>
    private static List<double> Durations(IReadOnlyList<DateOnly> days)
    {
        var durations = new List<double>(Math.Max(0, days.Count - 1));
        for (var i = 1; i < days.Count; i++)
        {
            durations.Add(days[i].DayNumber - days[i - 1].DayNumber);
        }

        return durations;
    }
}
