using System.Collections.Immutable;
using GcmActors.Contracts;
using GcmActors.Grains;
using static GcmActors.UnitTests.TestData;

namespace GcmActors.UnitTests;

public class RegionProgressCalculatorTests
{
    private static readonly DateOnly Today = new(2020, 8, 13);

    /// <summary>Deadlines around the workshop day: two passed, one falls on it, two ahead.</summary>
    private static readonly ImmutableSortedDictionary<Milestone, DateOnly> Deadlines = DeadlinesOf(
        new(2020, 7, 1), new(2020, 8, 1), new(2020, 8, 13), new(2020, 10, 1), new(2020, 10, 31));

    private static ImmutableSortedDictionary<Milestone, DateOnly> DeadlinesOf(
        DateOnly coordination, DateOnly template, DateOnly data, DateOnly approved, DateOnly submitted) =>
        ImmutableSortedDictionary.CreateRange(new Dictionary<Milestone, DateOnly>
        {
            [Milestone.CoordinationBodyAppointed] = coordination,
            [Milestone.TemplateShared] = template,
            [Milestone.DataCollected] = data,
            [Milestone.Approved] = approved,
            [Milestone.Submitted] = submitted,
        });

    private static RegionConfig Config(
        ImmutableArray<string> members, ImmutableSortedDictionary<Milestone, DateOnly>? deadlines = null, DateOnly? start = null) =>
        new(
            "Arab region, first round",
            ["ESCWA", "IOM", "LAS"],
            new Conference(start ?? new DateOnly(2020, 12, 1), (start ?? new DateOnly(2020, 12, 1)).AddDays(1), ConferenceModality.Undecided),
            deadlines ?? Deadlines,
            members);

    private static ReviewSnapshot Snapshot(
        string country, ImmutableSortedDictionary<Milestone, MilestoneStatus> milestones, long version = 3,
        Participation participation = Participation.Participating, ImmutableArray<int> objectives = default) =>
        new(country, participation, milestones, objectives.IsDefault ? [] : objectives, version);

    /// <summary>The seed scenario as of the workshop day, plus TUN with no snapshot and QAT not participating.</summary>
    private static readonly ImmutableDictionary<string, ReviewSnapshot> Seed = new[]
    {
        Snapshot("IRQ", Statuses(data: MilestoneStatus.Completed), objectives: [1, 2]),
        Snapshot("LBN", Statuses(MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.InProgress), objectives: [2]),
        Snapshot("MAR", Statuses(MilestoneStatus.Completed, MilestoneStatus.InProgress, MilestoneStatus.InProgress)),
        Snapshot("SYR", Statuses(MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.Completed)),
        Snapshot("QAT", Statuses(), participation: Participation.NotParticipating, objectives: [2, 23]),
        Snapshot("KWT", Statuses(), objectives: [23]), // pushed, but not a member of this round
    }.ToImmutableDictionary(s => s.Country);

    private static readonly ImmutableArray<string> SeedMembers = ["IRQ", "LBN", "MAR", "SYR", "TUN", "QAT"];

    private static RegionProgress Compute(RegionConfig config, DateOnly today) =>
        RegionProgressCalculator.Compute("2020", "arab", config, Seed, today, 17, CountryCatalog.Default.NameOf);

    private static MemberProgress MemberOf(RegionProgress progress, string country) =>
        Assert.Single(progress.Members, m => m.Country == country);

    // ---- lagging ----

    [Fact]
    public void Member_WithPassedDeadlinesNotCompleted_LagsFromTheEarliestMissedDeadline()
    {
        var iraq = RegionProgressCalculator.Member("IRQ", "Iraq", Seed["IRQ"], Deadlines, Today);

        Assert.True(iraq.Lagging);
        Assert.Equal(43, iraq.DaysBehind); // 2020-07-01 to 2020-08-13
        Assert.Equal<Milestone>([Milestone.CoordinationBodyAppointed, Milestone.TemplateShared], iraq.Missed);
        Assert.Equal(3, iraq.Version);
    }

    [Fact]
    public void Member_WithOnlyTheLaterDeadlineMissed_CountsFromThatDeadline()
    {
        var morocco = RegionProgressCalculator.Member("MAR", "Morocco", Seed["MAR"], Deadlines, Today);

        Assert.True(morocco.Lagging);
        Assert.Equal(12, morocco.DaysBehind); // 2020-08-01 to 2020-08-13
        Assert.Equal<Milestone>([Milestone.TemplateShared], morocco.Missed);
    }

    [Fact]
    public void Member_WithDeadlineToday_IsNotLagging()
    {
        var lebanon = RegionProgressCalculator.Member("LBN", "Lebanon", Seed["LBN"], Deadlines, Today);

        Assert.False(lebanon.Lagging);
        Assert.Equal(0, lebanon.DaysBehind);
        Assert.Empty(lebanon.Missed);
    }

    [Fact]
    public void Member_WithDeadlineYesterday_IsLaggingByOneDay()
    {
        var lebanon = RegionProgressCalculator.Member("LBN", "Lebanon", Seed["LBN"], Deadlines, Today.AddDays(1));

        Assert.True(lebanon.Lagging);
        Assert.Equal(1, lebanon.DaysBehind);
        Assert.Equal<Milestone>([Milestone.DataCollected], lebanon.Missed);
    }

    [Fact]
    public void Member_NotParticipating_NeverLags()
    {
        var qatar = RegionProgressCalculator.Member("QAT", "Qatar", Seed["QAT"], Deadlines, new DateOnly(2021, 6, 1));

        Assert.False(qatar.Lagging);
        Assert.Equal(0, qatar.DaysBehind);
        Assert.Empty(qatar.Missed);
        Assert.Equal(Participation.NotParticipating, qatar.Participation);
    }

    [Fact]
    public void Member_WithoutSnapshot_IsParticipatingNotStartedAndLagging()
    {
        var tunisia = RegionProgressCalculator.Member("TUN", "Tunisia", null, Deadlines, Today);

        Assert.Equal(Participation.Participating, tunisia.Participation);
        Assert.Equal(Statuses(), tunisia.Milestones);
        Assert.True(tunisia.Lagging);
        Assert.Equal(43, tunisia.DaysBehind);
        Assert.Equal(0, tunisia.Version);
    }

    [Fact]
    public void Member_WithoutDeadlines_NeverLags()
    {
        var tunisia = RegionProgressCalculator.Member("TUN", "Tunisia", null, ImmutableSortedDictionary<Milestone, DateOnly>.Empty, Today);

        Assert.False(tunisia.Lagging);
        Assert.Equal(0, tunisia.DaysBehind);
    }

    // ---- the regional document ----

    [Fact]
    public void Compute_ListsLaggingMembersMostBehindFirst()
    {
        var progress = Compute(Config(SeedMembers), Today);

        Assert.Equal<string>(["IRQ", "TUN", "MAR"], progress.Lagging);
        Assert.Equal<string>(SeedMembers, progress.Members.Select(m => m.Country));
        Assert.Equal("State of Palestine", RegionProgressCalculator.Compute(
            "2020", "arab", Config(["PSE"]), Seed, Today, 1, CountryCatalog.Default.NameOf).Members[0].Name);
    }

    [Fact]
    public void Compute_CountsEveryMemberPerMilestoneAndStatus()
    {
        var progress = Compute(Config(SeedMembers), Today);

        Assert.Equal(new StatusCounts(3, 0, 3), progress.Counts[Milestone.CoordinationBodyAppointed]);
        Assert.Equal(new StatusCounts(3, 1, 2), progress.Counts[Milestone.TemplateShared]);
        Assert.Equal(new StatusCounts(2, 2, 2), progress.Counts[Milestone.DataCollected]);
        Assert.Equal(new StatusCounts(5, 0, 1), progress.Counts[Milestone.Approved]);
        Assert.Equal(new StatusCounts(6, 0, 0), progress.Counts[Milestone.Submitted]);
        Assert.Equal(5, progress.Counts.Count);
    }

    [Fact]
    public void Compute_ReportsHeaderFieldsAsConfigured()
    {
        var config = Config(SeedMembers);

        var progress = Compute(config, Today);

        // The configuration's version plus the members' versions: it grows with every change a member makes.
        var version = 17L + SeedMembers.Sum(c => Seed.GetValueOrDefault(c)?.Version ?? 0);
        Assert.Equal(("2020", "arab", "Arab region, first round", version), (progress.Cycle, progress.Region, progress.Name, progress.Version));
        Assert.Equal(Today, progress.AsOf);
        Assert.Equal(config.Conference, progress.Conference);
        Assert.Equal(110, progress.DaysToConference); // 2020-08-13 to 2020-12-01
        Assert.Equal(5, progress.Participating);
        Assert.Equal(0, progress.Submitted);
        Assert.Equal(0, progress.SubmittedShare);
    }

    [Fact]
    public void Compute_SubmittedShare_CountsOnlyParticipatingMembers()
    {
        var submitted = Statuses(MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.Completed, MilestoneStatus.Completed);
        var snapshots = new Dictionary<string, ReviewSnapshot>
        {
            ["SYR"] = Snapshot("SYR", submitted),
            ["LBN"] = Snapshot("LBN", Statuses()),
            ["QAT"] = Snapshot("QAT", submitted, participation: Participation.NotParticipating),
        };

        var progress = RegionProgressCalculator.Compute(
            "2020", "arab", Config(["SYR", "LBN", "MAR", "QAT"]), snapshots, Today, 4, CountryCatalog.Default.NameOf);

        Assert.Equal(3, progress.Participating);
        Assert.Equal(1, progress.Submitted);
        Assert.Equal(0.3333, progress.SubmittedShare);
        Assert.Equal(new StatusCounts(2, 0, 2), progress.Counts[Milestone.Submitted]);
    }

    [Fact]
    public void Compute_WithNobodyParticipating_HasZeroShare()
    {
        var snapshots = new Dictionary<string, ReviewSnapshot> { ["QAT"] = Snapshot("QAT", Statuses(), participation: Participation.NotParticipating) };

        var progress = RegionProgressCalculator.Compute("2020", "arab", Config(["QAT"]), snapshots, Today, 1, CountryCatalog.Default.NameOf);

        Assert.Equal(0, progress.Participating);
        Assert.Equal(0, progress.SubmittedShare);
        Assert.Empty(progress.Lagging);
    }

    [Fact]
    public void Compute_ObjectiveCoverage_CountsParticipatingMembersOnly()
    {
        var progress = Compute(Config(SeedMembers), Today);

        // IRQ [1,2] and LBN [2] count; QAT [2,23] does not participate; KWT [23] is not a member.
        Assert.Equal(Enumerable.Range(1, 23), progress.ObjectiveCoverage.Keys);
        Assert.Equal(1, progress.ObjectiveCoverage[1]);
        Assert.Equal(2, progress.ObjectiveCoverage[2]);
        Assert.Equal(0, progress.ObjectiveCoverage[23]);
        Assert.Equal(0, progress.ObjectiveCoverage[10]);
    }

    [Fact]
    public void Compute_WithoutConferenceDate_HasNoDaysToConference()
    {
        var config = Config(SeedMembers) with { Conference = new Conference(null, null, ConferenceModality.Undecided) };

        var progress = Compute(config, Today);

        Assert.Null(progress.DaysToConference);
    }

    [Fact]
    public void Compute_ConferenceAndDeadlinesPostponedBy85Days_ShiftsCountdownAndLagging()
    {
        // The Arab conference planned for 1-2 December 2020 was held on 24-25 February 2021: 85 days later.
        var today = new DateOnly(2020, 11, 15);
        var deadlines = DeadlinesOf(new(2020, 7, 1), new(2020, 8, 1), new(2020, 9, 1), new(2020, 10, 1), new(2020, 10, 31));
        var planned = Config(SeedMembers, deadlines);
        var postponed = Config(
            SeedMembers,
            deadlines.ToImmutableSortedDictionary(d => d.Key, d => d.Value.AddDays(85)),
            new DateOnly(2021, 2, 24));

        var before = Compute(planned, today);
        var after = Compute(postponed, today);

        Assert.Equal(new DateOnly(2020, 12, 1).AddDays(85), postponed.Conference.Start);
        Assert.Equal(16, before.DaysToConference);
        Assert.Equal(101, after.DaysToConference);
        Assert.Equal(137, MemberOf(before, "IRQ").DaysBehind);
        Assert.Equal(52, MemberOf(after, "IRQ").DaysBehind);
        Assert.Equal(106, MemberOf(before, "MAR").DaysBehind);
        Assert.Equal(21, MemberOf(after, "MAR").DaysBehind);
        Assert.Equal(15, MemberOf(before, "SYR").DaysBehind);
        Assert.False(MemberOf(after, "SYR").Lagging); // its only missed deadline (submitted) is now ahead
        Assert.Equal<string>(["IRQ", "TUN", "MAR", "LBN", "SYR"], before.Lagging);
        Assert.Equal(75, MemberOf(before, "LBN").DaysBehind);
        Assert.False(MemberOf(after, "LBN").Lagging); // data-collected is now due on 2020-11-25
        Assert.Equal<string>(["IRQ", "TUN", "MAR"], after.Lagging);
        foreach (var country in after.Lagging)
        {
            Assert.Equal(MemberOf(before, country).DaysBehind - 85, MemberOf(after, country).DaysBehind);
        }
    }

    // ---- validation of a co-organizer's configuration ----

    [Fact]
    public void Validate_TheSeedConfiguration_IsAccepted()
    {
        Assert.Null(RegionRules.Validate(Config(SeedMembers), CountryCatalog.Default));
    }

    [Theory]
    [InlineData("XXX")]
    [InlineData("lbn")]
    public void Validate_UnknownCountryCode_IsRejected(string code)
    {
        var error = RegionRules.Validate(Config(["LBN", code]), CountryCatalog.Default);

        Assert.Equal($"'{code}' is not an ISO 3166-1 alpha-3 country code", error);
    }

    [Fact]
    public void Validate_DuplicateMember_IsRejected()
    {
        var error = RegionRules.Validate(Config(["LBN", "MAR", "LBN"]), CountryCatalog.Default);

        Assert.Equal("members lists a State twice", error);
    }

    [Fact]
    public void Validate_ConferenceEndingBeforeItStarts_IsRejected()
    {
        var config = Config(SeedMembers) with
        {
            Conference = new Conference(new DateOnly(2021, 2, 25), new DateOnly(2021, 2, 24), ConferenceModality.Virtual),
        };

        Assert.Equal("conference.end is before conference.start", RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Validate_OneDayConference_IsAccepted()
    {
        var config = Config(SeedMembers) with
        {
            Conference = new Conference(new DateOnly(2021, 2, 24), new DateOnly(2021, 2, 24), ConferenceModality.Virtual),
        };

        Assert.Null(RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Validate_SubmittedDeadlineBeforeApprovedDeadline_IsRejected()
    {
        var config = Config(SeedMembers, Deadlines.SetItem(Milestone.Submitted, new DateOnly(2020, 9, 30)));

        Assert.Equal("the 'submitted' deadline is before the 'approved' deadline", RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Validate_ApprovedDeadlineBeforeDataCollectedDeadline_IsRejected()
    {
        var config = Config(SeedMembers, Deadlines.SetItem(Milestone.Approved, new DateOnly(2020, 8, 1)));

        Assert.Equal("the 'approved' deadline is before the 'data-collected' deadline", RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Theory]
    [InlineData(0, "Please submit")]
    [InlineData(91, "Please submit")]
    [InlineData(7, " ")]
    public void Validate_NudgePolicyOutOfBounds_IsRejected(int everyDays, string message)
    {
        var config = Config(SeedMembers) with { NudgePolicy = new NudgePolicy(true, everyDays, message) };

        Assert.Equal("nudgePolicy needs everyDays between 1 and 90 and a message of 1 to 1000 characters without control characters or bidirectional overrides",
            RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Compute_CarriesTheNudgePolicy_SoAGetCanBePutBack()
    {
        var policy = new NudgePolicy(true, 7, "Please submit");

        var progress = Compute(Config(SeedMembers) with { NudgePolicy = policy }, Today);

        Assert.Equal(policy, progress.NudgePolicy);
    }

    [Fact]
    public void Validate_ConferenceEndWithoutStart_IsRejected()
    {
        var config = Config(SeedMembers) with { Conference = new Conference(null, new DateOnly(2020, 12, 2), ConferenceModality.Virtual) };

        Assert.Equal("conference.end needs conference.start", RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Validate_SubmittedDeadlineOnApprovedDeadline_IsAccepted()
    {
        var config = Config(SeedMembers, Deadlines.SetItem(Milestone.Submitted, Deadlines[Milestone.Approved]));

        Assert.Null(RegionRules.Validate(config, CountryCatalog.Default));
    }

    [Fact]
    public void Validate_BlankName_IsRejected()
    {
        var config = Config(SeedMembers) with { Name = " " };

        Assert.Equal("name is required (at most 200 characters)", RegionRules.Validate(config, CountryCatalog.Default));
    }
}
