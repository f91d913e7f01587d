using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>
/// Replays are exact: a month of a fake clock with writes, reopenings, evidence, nudges, members joining and leaving, the
/// conference moved and the round concluded; the documents taken each day equal the replays of those days asked later,
/// also after every grain has been deactivated and the round has rebuilt its past from storage.
/// </summary>
public sealed class ReplayTests : IAsyncLifetime
{
    private static readonly DateOnly FirstDay = new(2024, 3, 1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(FirstDay.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero));
    private SqliteSilos _silos = null!;

    private IGrainFactory Grains => _silos.Cluster.Client;

    public async Task InitializeAsync() => _silos = await SqliteSilos.StartAsync(1, silo =>
        silo.Services.AddKeyedSingleton<TimeProvider>(GcmClock.Key, _time));

    public async Task DisposeAsync() => await _silos.DisposeAsync();

    private static readonly ImmutableSortedDictionary<Milestone, DateOnly> Deadlines = new Dictionary<Milestone, DateOnly>
    {
        [Milestone.CoordinationBodyAppointed] = new(2024, 3, 5),
        [Milestone.TemplateShared] = new(2024, 3, 8),
        [Milestone.DataCollected] = new(2024, 3, 14),
        [Milestone.Approved] = new(2024, 3, 20),
        [Milestone.Submitted] = new(2024, 3, 27),
    }.ToImmutableSortedDictionary();

    [Fact]
    public async Task EveryDayOfAMonth_ReplaysExactlyAsItWasReadThatDay()
    {
        var region = Grains.GetGrain<IRegionGrain>(Keys.Region("2024", "arab"));
        var config = new RegionConfig(
            "Second Arab round", ["ESCWA", "IOM", "LAS"],
            new Conference(new DateOnly(2024, 3, 25), new DateOnly(2024, 3, 26), ConferenceModality.InPerson),
            Deadlines, ["LBN", "SYR", "MAR", "IRQ", "JOR"]);
        await ConfigureAsync(region, config);

        var random = new Random(2024);
        var members = config.Members.ToList();
        var everyone = new[] { "LBN", "SYR", "MAR", "IRQ", "JOR", "TUN" };
        var taken = new List<(DateOnly Day, RegionDocument Region, Dictionary<string, string?> Reviews)>();
        for (var day = FirstDay; day <= new DateOnly(2024, 3, 31); day = day.AddDays(1))
        {
            var n = day.Day;
            if (n == 8)
            {
                members.Add("TUN");
                config = config with { Members = [.. members] };
                await ConfigureAsync(region, config);
            }

            if (n == 12)
            {
                // The conference moves: lagging and the days to it follow.
                config = config with { Conference = new Conference(new DateOnly(2024, 4, 3), new DateOnly(2024, 4, 4), ConferenceModality.Virtual) };
                await ConfigureAsync(region, config);
            }

            if (n == 15)
            {
                members.Remove("IRQ");
                config = config with { Members = [.. members] };
                await ConfigureAsync(region, config);
            }

            if (n is 10 or 18)
            {
                var sent = await region.SendNudgesAsync(new SendNudges([], "Please move your review forward", "coorganizer:arab"));
                Assert.Equal(Outcome.Applied, sent.Outcome);
            }

            for (var i = 0; i < 3; i++)
            {
                _time.Advance(TimeSpan.FromMinutes(random.Next(1, 90)));
                await StepAsync(members[random.Next(members.Count)], random);
            }

            if (n == 9)
            {
                // A reopening with a reason and a new note, and evidence that only JSON keeps exactly.
                var lbn = Review("LBN");
                await lbn.RecordMilestoneAsync(new MilestoneUpdate(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed, "ministry:LBN",
                    CoordinationBody: new CoordinationBody("Committee (lead: none); see note", "Foreign Affairs"),
                    Stakeholders: [new Stakeholder("Union; workers (ngo)", StakeholderKind.Ngo)], Challenges: ["covid-19, and more"]));
                await lbn.RecordMilestoneAsync(new MilestoneUpdate(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress, "ministry:LBN",
                    Note: "focal points replaced", Reason: "the committee was dissolved"));
            }

            if (n == 20)
            {
                config = config with { ConcludedOn = day };
                await ConfigureAsync(region, config);
            }

            var reviews = new Dictionary<string, string?>();
            foreach (var country in everyone)
            {
                reviews[country] = Json(await Review(country).GetAsync());
            }

            taken.Add((day, (await region.GetProgressAsync())!, reviews));
            _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromTicks(_time.GetUtcNow().TimeOfDay.Ticks) + TimeSpan.FromHours(9));
        }

        await AssertReplaysAsync(region, taken);

        // Every grain goes; the round rebuilds its past from the trails in storage.
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await AssertReplaysAsync(region, taken);

        var concluded = JsonSerializer.Deserialize<RegionProgress>((await region.GetProgressAsync())!.Json, GcmJson.Options)!;
        Assert.Equal(RoundPhase.Concluded, concluded.Phase);
        Assert.Equal(new DateOnly(2024, 3, 20), concluded.ConcludedOn);
        Assert.NotEmpty(concluded.LateUpdates);
    }

    private async Task AssertReplaysAsync(IRegionGrain region, List<(DateOnly Day, RegionDocument Region, Dictionary<string, string?> Reviews)> taken)
    {
        foreach (var (day, document, reviews) in taken)
        {
            var replayed = await region.GetProgressAsOfAsync(day);
            Assert.NotNull(replayed);
            Assert.Equal(Encoding.UTF8.GetString(document.Json), Encoding.UTF8.GetString(replayed.Json));
            Assert.Equal(document.ETag, replayed.ETag);
            foreach (var (country, view) in reviews)
            {
                Assert.Equal(view, Json(await Review(country).GetAsOfAsync(day)));
            }
        }

        Assert.Null(await region.GetProgressAsOfAsync(FirstDay.AddDays(-1)));
    }

    /// <summary>One plausible step of a State: the next milestone forward, now and then a participation change or objectives.</summary>
    private async Task StepAsync(string country, Random random)
    {
        var review = Review(country);
        var view = (await review.GetAsync())!;
        var roll = random.Next(10);
        if (roll == 0)
        {
            var flip = view.Participation == Participation.Participating ? Participation.NotParticipating : Participation.Participating;
            await review.SetParticipationAsync(new ParticipationUpdate(flip, $"ministry:{country}", "decided by the cabinet"));
            return;
        }

        if (view.Participation == Participation.NotParticipating)
        {
            return;
        }

        var next = Milestones.All.FirstOrDefault(m => view.Milestones[m].Status != MilestoneStatus.Completed, Milestone.Submitted);
        var status = view.Milestones[next].Status == MilestoneStatus.NotStarted && roll < 5 ? MilestoneStatus.InProgress : MilestoneStatus.Completed;
        var result = await review.RecordMilestoneAsync(new MilestoneUpdate(next, status, $"ministry:{country}", $"step on {roll}",
            Objectives: roll > 7 ? [random.Next(1, 24), random.Next(1, 24)] : null));
        Assert.True(result.Outcome is Outcome.Applied or Outcome.Unchanged, result.Detail);
    }

    private async Task ConfigureAsync(IRegionGrain region, RegionConfig config)
    {
        var result = await region.ConfigureAsync(new ConfigureRegion(config, "coorganizer:arab"));
        Assert.Equal(Outcome.Applied, result.Outcome);
    }

    private IReviewGrain Review(string country) => Grains.GetGrain<IReviewGrain>(Keys.Review("2024", country));

    private static string? Json(ReviewView? view) => view is null ? null : JsonSerializer.Serialize(view, GcmJson.Options);
}
