using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

/// <summary>The lifecycle, the nudge effect and the forecast of a round, on synthetic rounds whose answer is known.</summary>
public sealed class RoundsInTimeTests
{
    private static readonly DateOnly Start = new(2024, 1, 1);

    private static readonly ImmutableSortedDictionary<Milestone, DateOnly> Deadlines = new Dictionary<Milestone, DateOnly>
    {
        [Milestone.Submitted] = new(2024, 4, 30),
    }.ToImmutableSortedDictionary();

    private static RegionConfig Round(IEnumerable<string> members, Conference? conference = null, DateOnly? concludedOn = null) => new(
        "Synthetic round", ["ESCWA"],
        conference ?? new Conference(new DateOnly(2024, 6, 3), new DateOnly(2024, 6, 4), ConferenceModality.Hybrid),
        Deadlines, [.. members], ConcludedOn: concludedOn);

    private static DateTimeOffset On(DateOnly day) => new(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

    /// <summary>A round whose States complete one milestone every <paramref name="every"/> days, from day <paramref name="offsets"/>.</summary>
    private static RoundHistory Paced(RegionConfig config, int every, IReadOnlyList<int> offsets, DateOnly until)
    {
        var history = new RoundHistory();
        history.AddConfig(RoundHistory.ConfigEntry(config, 1, "test", On(Start), 1));
        for (var i = 0; i < config.Members.Length; i++)
        {
            var entries = new List<HistoryEntry>();
            for (var step = 0; step < Milestones.All.Count; step++)
            {
                var day = Start.AddDays(offsets[i] + (step * every));
                if (day > until)
                {
                    break;
                }

                var slug = GcmJson.Slug(Milestones.All[step]);
                entries.Add(new HistoryEntry(step + 1, On(day), "ministry", $"milestones.{slug}.status", "not-started", "completed", null, step + 1));
            }

            history.SetTrail(config.Members[i], entries, entries.Count);
        }

        return history;
    }

    private static Dictionary<string, ReviewSnapshot> At(RoundHistory history, RegionConfig config, DateOnly day) =>
        config.Members.ToDictionary(c => c, c => history.MemberAt(c, ReviewReplay.EndOf(day)));

    [Theory]
    [InlineData("2024-06-02", RoundPhase.Preparing, null)]
    [InlineData("2024-06-03", RoundPhase.InConference, null)]
    [InlineData("2024-06-04", RoundPhase.InConference, null)]
    [InlineData("2024-06-05", RoundPhase.Concluded, "2024-06-04")]
    public void PhaseOn_FollowsTheConference(string day, RoundPhase phase, string? concluded)
    {
        var (actual, on) = RegionRules.PhaseOn(Round(["LBN"]), DateOnly.Parse(day));

        Assert.Equal((phase, concluded is null ? (DateOnly?)null : DateOnly.Parse(concluded)), (actual, on));
    }

    [Fact]
    public void PhaseOn_PostponedOrConcludedByHand()
    {
        var postponed = Round(["LBN"], new Conference(null, null, ConferenceModality.Undecided, Postponed: true));
        var concluded = Round(["LBN"], concludedOn: new DateOnly(2024, 5, 1));

        Assert.Equal((RoundPhase.Postponed, (DateOnly?)null), RegionRules.PhaseOn(postponed, new DateOnly(2024, 7, 1)));
        Assert.Equal((RoundPhase.Preparing, (DateOnly?)null), RegionRules.PhaseOn(concluded, new DateOnly(2024, 4, 30)));
        Assert.Equal((RoundPhase.Concluded, (DateOnly?)new DateOnly(2024, 5, 1)), RegionRules.PhaseOn(concluded, new DateOnly(2024, 5, 1)));
        Assert.NotNull(RegionRules.ValidateLifecycle(postponed with { Conference = postponed.Conference with { Start = new DateOnly(2024, 6, 3) } }, Start));
        Assert.NotNull(RegionRules.ValidateLifecycle(concluded, new DateOnly(2024, 4, 30)));
        Assert.Null(RegionRules.ValidateLifecycle(concluded, new DateOnly(2024, 5, 1)));
    }

    [Fact]
    public void ConcludedRound_FreezesLaggingAtItsConclusion_AndShowsLaterChangesAsLateUpdates()
    {
        var config = Round(["LBN", "SYR"], concludedOn: new DateOnly(2024, 5, 10));
        var history = Paced(config, every: 30, offsets: [0, 200], until: new DateOnly(2024, 12, 31));
        var day = new DateOnly(2024, 9, 1);

        var progress = RegionProgressCalculator.Compute("2024", "synthetic", config, 1, history, d => At(history, config, d), day, c => c, 14);

        Assert.Equal(RoundPhase.Concluded, progress.Phase);
        var syr = progress.Members.Single(m => m.Country == "SYR");
        Assert.Equal(MilestoneStatus.NotStarted, syr.Milestones[Milestone.CoordinationBodyAppointed]); // its first step came on 19 July
        Assert.Equal(10, syr.DaysBehind); // from 30 April to the conclusion on 10 May, not to 1 September
        Assert.Contains(new LateUpdate("SYR", "coordination-body-appointed", "not-started", "completed"), progress.LateUpdates);
        Assert.DoesNotContain(progress.LateUpdates, u => u.Country == "LBN"); // all five of its steps came by 30 April
        Assert.Null(progress.Forecast);
        Assert.Null(progress.DaysToConference);
    }

    [Fact]
    public void Forecast_OnARoundOfKnownPace_GivesThatPace_AndTheDatesItImplies()
    {
        // Ten States, each completing a milestone every 10 days from its own start (days 0, 3, 6, ..., 27).
        var members = Enumerable.Range(0, 10).Select(i => $"S{i:D2}").ToList();
        var config = Round(members);
        var offsets = Enumerable.Range(0, 10).Select(i => i * 3).ToList();
        var day = new DateOnly(2024, 1, 25);
        var history = Paced(config, every: 10, offsets, until: day);

        var forecast = RoundForecasts.Compute(history, config, At(history, config, day), day);

        Assert.Equal(10, forecast.PaceDays);
        // S00 completed on days 0, 10, 20: two to go, 10 days each after 21 January.
        var s00 = forecast.Members.Single(m => m.Country == "S00");
        Assert.Equal((2, new DateOnly(2024, 2, 10)), (s00.Remaining, s00.Expected));
        Assert.Equal((s00.Expected, s00.Expected), (s00.Earliest, s00.Latest)); // every duration is 10 days: no spread
        // S09 starts on day 27, after the document's day: five to go, counted from the round's start (1 January).
        var s09 = forecast.Members.Single(m => m.Country == "S09");
        Assert.Equal((5, Start.AddDays(50)), (s09.Remaining, s09.Expected));
        // All are due well before the deadline of 30 April.
        Assert.Equal((10.0, 10, 10), (forecast.Expected, forecast.Low, forecast.High));
    }

    [Fact]
    public void Forecast_CountsOnlyTheStatesThePaceBringsInTime()
    {
        var members = Enumerable.Range(0, 4).Select(i => $"S{i:D2}").ToList();
        var config = Round(members) with { Deadlines = new Dictionary<Milestone, DateOnly> { [Milestone.Submitted] = new(2024, 2, 15) }.ToImmutableSortedDictionary() };
        var day = new DateOnly(2024, 1, 21);
        // Pace 10 days; S00 and S01 finish by 10 and 13 February, S02 and S03 (starting days 40 and 60) cannot.
        var history = Paced(config, every: 10, offsets: [0, 3, 40, 60], until: day);

        var forecast = RoundForecasts.Compute(history, config, At(history, config, day), day);

        Assert.Equal((2.0, 2, 2), (forecast.Expected, forecast.Low, forecast.High));
    }

    [Fact]
    public void NudgeEffect_ComparesNudgedStatesWithTheOthersOverTheSameWindows()
    {
        // Four States nudged on 1 February; two complete a milestone within 14 days (after 3 and 10 days), one after 20
        // days, one never. Two States not nudged: one completes within the window.
        var config = Round(["N1", "N2", "N3", "N4", "C1", "C2"]);
        var history = new RoundHistory();
        history.AddConfig(RoundHistory.ConfigEntry(config, 1, "test", On(Start), 1));
        var nudged = On(new DateOnly(2024, 2, 1));
        void Completes(string country, params int[] daysAfter) => history.SetTrail(country,
            [.. daysAfter.Select((d, i) => new HistoryEntry(i + 1, nudged.AddDays(d), "ministry", $"milestones.{GcmJson.Slug(Milestones.All[i])}.status", "not-started", "completed", null, i + 1))],
            daysAfter.Length);
        Completes("N1", 3);
        Completes("N2", 10);
        Completes("N3", 20);
        Completes("N4");
        Completes("C1", 5);
        Completes("C2");
        foreach (var country in new[] { "N1", "N2", "N3", "N4" })
        {
            history.AddNudge(country, nudged);
        }

        var effect = NudgeEffects.Compute(history, config.Members, nudged.AddDays(30), 14);

        Assert.Equal(new NudgeEffect(14, 4, 2, 0.5, 2, 1, 0.5, 10), effect);
        // While the window is open, a nudge not followed yet is not counted.
        Assert.Equal(2, NudgeEffects.Compute(history, config.Members, nudged.AddDays(11), 14).Nudged);
    }

    [Fact]
    public void SetTrail_ReadBeforeAPushThatLandedMeanwhile_KeepsThePushedEntries()
    {
        var history = new RoundHistory();
        var first = new HistoryEntry(1, On(Start), "ministry", "milestones.data-collected.status", "not-started", "in-progress", null, 1);
        var second = new HistoryEntry(2, On(Start.AddDays(1)), "ministry", "milestones.data-collected.status", "in-progress", "completed", null, 2);
        history.SetTrail("LBN", [first], 1);

        // A push of version 2 lands while the round reads the trail again; the read answers with version 1 only.
        Assert.True(history.Extend(new ReviewSnapshot("LBN", Participation.Participating, ImmutableSortedDictionary<Milestone, MilestoneStatus>.Empty, [], 2, [second])));
        history.SetTrail("LBN", [first], 1);

        Assert.False(history.IsBehind("LBN", 2));
        Assert.Equal(MilestoneStatus.Completed, history.MemberAt("LBN", On(Start.AddDays(2))).Milestones[Milestone.DataCollected]);
        Assert.Equal(MilestoneStatus.InProgress, history.MemberAt("LBN", On(Start)).Milestones[Milestone.DataCollected]);
    }

    [Fact]
    public void PushByPush_WithReadsBetween_AnswersAsTheWholeTrailReadAtOnce()
    {
        // A round kept up to date push by push (and read between pushes, so its indexes are extended, not rebuilt) must
        // give every day the same members, nudge effect and forecast as a round that read each trail whole.
        var random = new Random(20201);
        var config = Round(["A", "B", "C", "D", "E"]);
        var trails = config.Members.ToDictionary(c => c, _ => new List<HistoryEntry>());
        var nudges = new List<(string Country, DateTimeOffset At)>();
        var statuses = new[] { "not-started", "in-progress", "completed" };
        var at = On(Start);
        for (var i = 0; i < 400; i++)
        {
            at = at.AddHours(random.Next(1, 12));
            var country = config.Members[random.Next(config.Members.Length)];
            if (random.Next(10) == 0)
            {
                nudges.Add((country, at));
                continue;
            }

            var trail = trails[country];
            var version = trail.Count + 1;
            var slug = GcmJson.Slug(Milestones.All[random.Next(Milestones.All.Count)]);
            trail.Add(new HistoryEntry(version, at, "ministry", $"milestones.{slug}.status", null, statuses[random.Next(3)], null, version));
        }

        var whole = new RoundHistory();
        whole.AddConfig(RoundHistory.ConfigEntry(config, 1, "test", On(Start), 1));
        foreach (var (country, trail) in trails)
        {
            whole.SetTrail(country, trail, trail.Count);
            whole.SetNudges(country, nudges.Where(n => n.Country == country).Select(n => n.At));
        }

        var pushed = new RoundHistory();
        pushed.AddConfig(RoundHistory.ConfigEntry(config, 1, "test", On(Start), 1));
        var events = trails.SelectMany(t => t.Value.Select(e => (t.Key, e.At, Entry: (HistoryEntry?)e)))
            .Concat(nudges.Select(n => (n.Country, n.At, Entry: (HistoryEntry?)null)))
            .OrderBy(e => e.At).ToList();
        foreach (var (country, when, entry) in events)
        {
            if (entry is null)
            {
                pushed.AddNudge(country, when);
            }
            else
            {
                var snapshot = new ReviewState().ToSnapshot(country) with { Version = entry.Version, Changes = [entry] };
                Assert.True(pushed.Extend(snapshot));
            }

            // Read as a rebuild would, so that the next push extends what this read built.
            _ = pushed.MemberAt(country, when);
            _ = NudgeEffects.Compute(pushed, config.Members, when, 14);
        }

        for (var day = Start; day <= ReviewReplay.DayOf(at).AddDays(20); day = day.AddDays(3))
        {
            var until = ReviewReplay.EndOf(day);
            // The members, checked against a plain fold of each trail up to the day.
            var folded = config.Members.Select(c => ReviewReplay.Fold(trails[c], until).ToSnapshot(c)).ToList();
            Assert.Equal(folded, config.Members.Select(c => whole.MemberAt(c, until)), new SnapshotComparer());
            Assert.Equal(folded, config.Members.Select(c => pushed.MemberAt(c, until)), new SnapshotComparer());
            Assert.Equal(NudgeEffects.Compute(whole, config.Members, until, 14), NudgeEffects.Compute(pushed, config.Members, until, 14));
            Assert.Equal(whole.NudgeCount(until), pushed.NudgeCount(until));
            var members = At(whole, config, day);
            var expected = RoundForecasts.Compute(whole, config, members, day);
            var actual = RoundForecasts.Compute(pushed, config, members, day);
            Assert.Equal(expected with { Members = [] }, actual with { Members = [] });
            Assert.Equal(expected.Members.ToArray(), actual.Members.ToArray());
            foreach (var country in config.Members)
            {
                // The completions, checked against the trail itself.
                Assert.Equal(
                    trails[country].Where(e => e.At <= until && e.To == "completed").Select(e => e.At),
                    pushed.Completions(country, until));
            }
        }
    }

    private sealed class SnapshotComparer : IEqualityComparer<ReviewSnapshot>
    {
        public bool Equals(ReviewSnapshot? x, ReviewSnapshot? y) =>
            x is not null && y is not null && x.Country == y.Country && x.Version == y.Version && x.Participation == y.Participation
            && x.Milestones.SequenceEqual(y.Milestones) && x.Objectives.SequenceEqual(y.Objectives);

        public int GetHashCode(ReviewSnapshot obj) => HashCode.Combine(obj.Country, obj.Version);
    }
}
