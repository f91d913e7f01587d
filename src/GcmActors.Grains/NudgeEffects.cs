using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Did the nudges help? A nudge is followed when its State completed a milestone within the window after it. Each nudge
/// counts once its window has closed (or once it was followed). The comparison is the participating members that were not
/// nudged in the window, had not submitted yet and were counted over the same windows (one per day on which the round
/// nudged), so that a round where everyone moves anyway does not credit its nudges.
/// </summary>
public static class NudgeEffects
{
    public static NudgeEffect Compute(RoundHistory history, IReadOnlyCollection<string> members, DateTimeOffset until, int windowDays)
    {
        var window = TimeSpan.FromDays(windowDays);
        var nudged = 0;
        var followed = 0;
        var delays = new List<double>();
        var windows = new SortedDictionary<DateOnly, DateTimeOffset>();

        // Each member's completions and nudges up to the day (sorted views): the windows below search them again and again.
        var completionsOf = members.ToDictionary(c => c, c => history.Completions(c, until), StringComparer.Ordinal);
        var nudgesOf = members.ToDictionary(c => c, c => history.Nudges(c, until), StringComparer.Ordinal);
        foreach (var country in members)
        {
            var completions = completionsOf[country];
            foreach (var sentAt in nudgesOf[country])
            {
                var next = RoundHistory.FirstAfter(completions, sentAt);
                var hit = next is { } done && done - sentAt <= window;
                if (!hit && sentAt + window > until)
                {
                    continue; // still open: neither followed nor missed yet
                }

                nudged++;
                followed += hit ? 1 : 0;
                if (next is { } completed)
                {
                    delays.Add((completed - sentAt).TotalDays);
                }

                var day = ReviewReplay.DayOf(sentAt);
                if (!windows.TryGetValue(day, out var first) || sentAt < first)
                {
                    windows[day] = sentAt;
                }
            }
        }

        var control = 0;
        var controlFollowed = 0;
        foreach (var start in windows.Values.Where(s => s + window <= until))
        {
            foreach (var country in members)
            {
                var state = history.MemberAt(country, start);
                var nudgedNearby = nudgesOf[country].Any(t => t >= start - window && t <= start + window);
                if (nudgedNearby || state.Participation != Participation.Participating
                    || state.Milestones.GetValueOrDefault(Milestone.Submitted) == MilestoneStatus.Completed)
                {
                    continue;
                }

                control++;
                controlFollowed += RoundHistory.FirstAfter(completionsOf[country], start) is { } next && next - start <= window ? 1 : 0;
            }
        }

        return new NudgeEffect(
            windowDays,
            nudged,
            followed,
            Share(followed, nudged),
            control,
            controlFollowed,
            Share(controlFollowed, control),
            delays.Count == 0 ? null : Math.Round(Median(delays), 1));
    }

    private static double? Share(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    internal static double Median(IReadOnlyList<double> values) => Quantile(values, 0.5);

    /// <summary>The <paramref name="q"/> quantile by linear interpolation between the sorted values.</summary>
    internal static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = (sorted.Length - 1) * q;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
