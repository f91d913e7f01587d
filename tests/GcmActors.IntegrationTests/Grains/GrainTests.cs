using System.Collections.Immutable;
using GcmActors.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GcmActors.IntegrationTests.Grains;

/// <summary>Review and region grains in a real silo on the real SQLite provider. Each test owns its cycle.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainTests(ClusterFixture fixture)
{
    private static int s_cycle = 3000;

    private static readonly ImmutableSortedDictionary<Milestone, DateOnly> Deadlines = new Dictionary<Milestone, DateOnly>
    {
        [Milestone.CoordinationBodyAppointed] = new(2020, 8, 31),
        [Milestone.TemplateShared] = new(2020, 8, 31),
        [Milestone.DataCollected] = new(2020, 9, 15),
        [Milestone.Approved] = new(2020, 9, 29),
        [Milestone.Submitted] = new(2020, 10, 6),
    }.ToImmutableSortedDictionary();

    private static string NewCycle() => Interlocked.Increment(ref s_cycle).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static RegionConfig Round(params string[] members) => new(
        "Test round", ["ESCWA", "IOM", "LAS"],
        new Conference(new DateOnly(2020, 12, 1), new DateOnly(2020, 12, 2), ConferenceModality.Undecided),
        Deadlines, [.. members]);

    private static MilestoneUpdate Set(Milestone milestone, MilestoneStatus status, string? note = null) =>
        new(milestone, status, "ministry:test", note);

    [Fact]
    public async Task GrainReferences_AreTheReferencesOrleansMakes_AndReachTheSameActivation()
    {
        var cycle = NewCycle();
        await fixture.ConfigureRegionAsync(cycle, "arab", Round("LBN", "SYR"));
        var grains = fixture.Grains;
        foreach (var country in new[] { "LBN", "SYR", "LBN" })
        {
            var key = Keys.Review(cycle, country);
            var ours = grains.Review(key);
            var orleans = grains.GetGrain<IReviewGrain>(key);
            Assert.Equal(((GrainReference)orleans).GrainId, ((GrainReference)ours).GrainId);
            Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)ours).InterfaceType);
            Assert.Equal((await orleans.GetAsync())!.Version, (await ours.GetAsync())!.Version);
        }

        var round = grains.Region(Keys.Region(cycle, "arab"));
        Assert.Equal(((GrainReference)grains.GetGrain<IRegionGrain>(Keys.Region(cycle, "arab"))).GrainId, ((GrainReference)round).GrainId);
        Assert.Equal(2, (await ClusterFixture.ProgressAsync(round)).Members.Length);
    }

    [Fact]
    public async Task RecordMilestone_WhenAccepted_ShowsInTheNextRegionRead()
    {
        var cycle = NewCycle();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("LBN", "SYR"));

        var result = await fixture.Review(cycle, "LBN").RecordMilestoneAsync(Set(Milestone.DataCollected, MilestoneStatus.Completed, "all in"));

        Assert.Equal(Outcome.Applied, result.Outcome);
        Assert.Equal(1, result.Review!.Version);
        var progress = await ClusterFixture.ProgressAsync(region);
        var lbn = Assert.Single(progress.Members, m => m.Country == "LBN");
        Assert.Equal(MilestoneStatus.Completed, lbn.Milestones[Milestone.DataCollected]);
        Assert.Equal(1, lbn.Version);
        Assert.Equal(new StatusCounts(1, 0, 1), progress.Counts[Milestone.DataCollected]);
    }

    [Fact]
    public async Task RecordMilestone_WhenDataNotCollected_RejectsApprovalAndWritesNothing()
    {
        var cycle = NewCycle();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("LBN"));
        var before = await region.GetProgressAsync();
        var writesBefore = await StorageWritesAsync();

        var result = await fixture.Review(cycle, "LBN").RecordMilestoneAsync(Set(Milestone.Approved, MilestoneStatus.Completed));

        Assert.Equal(Outcome.RuleViolated, result.Outcome);
        Assert.Equal(0, result.Review!.Version);
        Assert.Equal(writesBefore, await StorageWritesAsync());
        Assert.Equal(before!.ETag, (await region.GetProgressAsync())!.ETag);
    }

    [Fact]
    public async Task RecordMilestone_CostsOneStateWriteAndOneHistoryRow_WhateverTheRegions()
    {
        var cycle = NewCycle();
        var arab = await fixture.ConfigureRegionAsync(cycle, "arab", Round("MAR", "TUN"));
        var africa = await fixture.ConfigureRegionAsync(cycle, "africa", Round("MAR", "NGA"));
        var review = fixture.Review(cycle, "MAR");
        await review.GetHistoryAsync(0, 1); // the trail has the two joins
        var writesBefore = await StorageWritesAsync();
        var rowsBefore = await HistoryRowsAsync(Keys.Review(cycle, "MAR"));

        await review.RecordMilestoneAsync(Set(Milestone.TemplateShared, MilestoneStatus.InProgress));
        await review.GetHistoryAsync(0, 1);

        // The regions hold their members' snapshots in memory: a push writes nothing.
        Assert.Equal(writesBefore + 1, await StorageWritesAsync());
        Assert.Equal(rowsBefore + 1, await HistoryRowsAsync(Keys.Review(cycle, "MAR")));
        foreach (var region in new[] { arab, africa })
        {
            Assert.Equal(MilestoneStatus.InProgress,
                (await ClusterFixture.ProgressAsync(region)).Members.Single(m => m.Country == "MAR").Milestones[Milestone.TemplateShared]);
        }
    }

    [Fact]
    public async Task RecordMilestone_WhenRepeated_ChangesNothingAndWritesNothing()
    {
        var cycle = NewCycle();
        await fixture.ConfigureRegionAsync(cycle, "arab", Round("JOR"));
        var review = fixture.Review(cycle, "JOR");
        await review.RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed, "focal points named"));
        var writesBefore = await StorageWritesAsync();

        var again = await review.RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed, "focal points named"));

        Assert.Equal(Outcome.Unchanged, again.Outcome);
        Assert.Equal(1, again.Review!.Version);
        Assert.Equal(writesBefore, await StorageWritesAsync());
        // Joining the round, then the one change.
        Assert.Equal(["regions", "milestones.coordination-body-appointed.status"], (await review.GetHistoryAsync(0, 100))!.Entries.Select(e => e.Field));
    }

    [Fact]
    public async Task StateInTwoRegions_HasOneReviewCountedByBoth()
    {
        var cycle = NewCycle();
        var arab = await fixture.ConfigureRegionAsync(cycle, "arab", Round("MAR", "LBN"));
        var africa = await fixture.ConfigureRegionAsync(cycle, "africa", Round("MAR", "NGA", "SEN"));

        await fixture.Review(cycle, "MAR").RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed));

        var view = await fixture.Review(cycle, "MAR").GetAsync();
        Assert.Equal<string>(["africa", "arab"], view!.Regions);
        foreach (var region in new[] { arab, africa })
        {
            var progress = await ClusterFixture.ProgressAsync(region);
            Assert.Equal(MilestoneStatus.Completed, progress.Members.Single(m => m.Country == "MAR").Milestones[Milestone.CoordinationBodyAppointed]);
            Assert.Equal(1, progress.Counts[Milestone.CoordinationBodyAppointed].Completed);
        }
    }

    [Fact]
    public async Task ChangingMembers_TakesEffectForExistingReviews()
    {
        var cycle = NewCycle();
        var arab = await fixture.ConfigureRegionAsync(cycle, "arab", Round("IRQ"));
        await fixture.Review(cycle, "IRQ").RecordMilestoneAsync(Set(Milestone.DataCollected, MilestoneStatus.Completed));
        var africa = await fixture.ConfigureRegionAsync(cycle, "africa", Round("NGA"));

        // IRQ joins the second round with the progress it already has, and leaves the first one.
        await africa.ConfigureAsync(new ConfigureRegion(Round("NGA", "IRQ"), "test"));
        await arab.ConfigureAsync(new ConfigureRegion(Round("JOR"), "test"));

        var joined = (await ClusterFixture.ProgressAsync(africa)).Members.Single(m => m.Country == "IRQ");
        Assert.Equal(MilestoneStatus.Completed, joined.Milestones[Milestone.DataCollected]);
        Assert.Equal(1, joined.Version);
        Assert.DoesNotContain((await ClusterFixture.ProgressAsync(arab)).Members, m => m.Country == "IRQ");
        Assert.Equal<string>(["africa"], (await fixture.Review(cycle, "IRQ").GetAsync())!.Regions);

        // Later changes reach the new round only.
        await fixture.Review(cycle, "IRQ").RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));
        Assert.Equal(2, (await ClusterFixture.ProgressAsync(africa)).Members.Single(m => m.Country == "IRQ").Version);
    }

    [Fact]
    public async Task Review_WithoutRegion_DoesNotExist()
    {
        var cycle = NewCycle();

        var result = await fixture.Review(cycle, "FRA").RecordMilestoneAsync(Set(Milestone.TemplateShared, MilestoneStatus.InProgress));

        Assert.Equal(Outcome.NotFound, result.Outcome);
        Assert.Null(await fixture.Review(cycle, "FRA").GetAsync());
        Assert.Null(await fixture.Review(cycle, "FRA").GetHistoryAsync(0, 100));
    }

    [Fact]
    public async Task Push_WhenRegionIsDown_IsAcknowledgedAndConvergesFromTheDurableReminder()
    {
        var cycle = NewCycle();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("SDN"));
        var regionKey = Keys.Region(cycle, "arab");
        var review = fixture.Review(cycle, "SDN");
        fixture.Outage.TakeDown(regionKey);
        try
        {
            var result = await review.RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress));

            // The ministry hears "ok": the change is durable even though the region missed it.
            Assert.Equal(Outcome.Applied, result.Outcome);
            Assert.Equal(0, (await ClusterFixture.ProgressAsync(region)).Members.Single().Version);

            // Forget everything in memory: only SQLite (state and reminder) can make the push happen now.
            await fixture.Cluster.DeactivateAsync((Orleans.Runtime.IAddressable)review);
        }
        finally
        {
            fixture.Outage.Restore(regionKey);
        }

        await fixture.Outage.DeliveredAsync(regionKey, "SDN", 1).WaitAsync(TimeSpan.FromSeconds(60));
        var member = (await ClusterFixture.ProgressAsync(region)).Members.Single();
        Assert.Equal(1, member.Version);
        Assert.Equal(MilestoneStatus.InProgress, member.Milestones[Milestone.CoordinationBodyAppointed]);
    }

    [Fact]
    public async Task Lagging_FollowsTheDomainClockAndTheDeadlines()
    {
        var cycle = NewCycle();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("QAT", "OMN"));
        await fixture.Review(cycle, "OMN").RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed));
        await fixture.Review(cycle, "OMN").RecordMilestoneAsync(Set(Milestone.TemplateShared, MilestoneStatus.Completed));
        var today = DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);

        // Deadlines relative to the fake "today": 10 days ago (the first two milestones) and in the future.
        var deadlines = new Dictionary<Milestone, DateOnly>
        {
            [Milestone.CoordinationBodyAppointed] = today.AddDays(-10),
            [Milestone.TemplateShared] = today.AddDays(-10),
            [Milestone.DataCollected] = today.AddDays(5),
        }.ToImmutableSortedDictionary();
        var conference = new Conference(today.AddDays(30), today.AddDays(31), ConferenceModality.Virtual);
        await region.ConfigureAsync(new ConfigureRegion(Round("QAT", "OMN") with { Deadlines = deadlines, Conference = conference }, "test"));

        var progress = await ClusterFixture.ProgressAsync(region);
        Assert.Equal(30, progress.DaysToConference);
        Assert.Equal<string>(["QAT"], progress.Lagging);
        Assert.Equal(10, progress.Members.Single(m => m.Country == "QAT").DaysBehind);
        Assert.False(progress.Members.Single(m => m.Country == "OMN").Lagging);

        // Seven days later (a date change, no write): OMN now misses data-collected too.
        fixture.Time.Advance(TimeSpan.FromDays(7));
        progress = await ClusterFixture.ProgressAsync(region);
        Assert.Equal(23, progress.DaysToConference);
        Assert.Equal<string>(["QAT", "OMN"], progress.Lagging);
        Assert.Equal(17, progress.Members.Single(m => m.Country == "QAT").DaysBehind);
        Assert.Equal(2, progress.Members.Single(m => m.Country == "OMN").DaysBehind);
    }

    [Fact]
    public async Task State_IsPersistedInSqliteAsPlainJson_AndReadBackAfterDeactivation()
    {
        var cycle = NewCycle();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("PSE"));
        var review = fixture.Review(cycle, "PSE");
        await review.RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.InProgress, "focal point named") with
        {
            Challenges = ["limited-resources"],
        });

        await fixture.Cluster.DeactivateAsync((Orleans.Runtime.IAddressable)review);
        await fixture.Cluster.DeactivateAsync((Orleans.Runtime.IAddressable)region);

        var view = await review.GetAsync();
        Assert.Equal("focal point named", view!.Milestones[Milestone.CoordinationBodyAppointed].Note);
        Assert.Equal<string>(["limited-resources"], view.Evidence.Challenges);
        Assert.Equal(1, (await ClusterFixture.ProgressAsync(region)).Members.Single().Version);

        await using var connection = new SqliteConnection(Host.Hosting.SqliteStore.ConnectionString(fixture.DatabaseFile));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = $key";
        command.Parameters.AddWithValue("$key", Keys.Review(cycle, "PSE"));
        var json = System.Text.Encoding.UTF8.GetString((byte[])(await command.ExecuteScalarAsync())!);
        Assert.Contains("\"focal point named\"", json, StringComparison.Ordinal);
        Assert.Contains("\"in-progress\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("GcmActors", json, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Board_HoldsTheCommittedDocumentForToday_AndLosesItOnDeactivation()
    {
        var cycle = NewCycle();
        var key = Keys.Region(cycle, "arab");
        var board = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<GcmActors.Grains.RegionDocumentBoard>();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("BHR"));
        var today = DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);

        await fixture.Review(cycle, "BHR").RecordMilestoneAsync(Set(Milestone.TemplateShared, MilestoneStatus.InProgress));

        // Right after the push the board has the change or nothing (a rebuild is due: readers ask the grain), never
        // the document without it.
        var early = board.Find(key, today);
        Assert.True(early is null || System.Text.Encoding.UTF8.GetString(early.Json).Contains("\"template-shared\":\"in-progress\"", StringComparison.Ordinal));

        // What the front end serves is exactly what the grain answers, change included.
        var answered = await region.GetProgressAsync();
        var posted = board.Find(key, today);
        Assert.NotNull(posted);
        Assert.Equal(answered!.ETag, posted.ETag);
        Assert.Contains("\"template-shared\":\"in-progress\"", System.Text.Encoding.UTF8.GetString(posted.Json), StringComparison.Ordinal);
        Assert.Null(board.Find(key, today.AddDays(1)));

        await fixture.Cluster.DeactivateAsync((Orleans.Runtime.IAddressable)region);
        Assert.Null(board.Find(key, today));
    }

    [Fact]
    public async Task SendNudges_WithoutNames_ReachesExactlyTheLaggingStates_AndThrottlesARepeat()
    {
        var cycle = NewCycle();
        var today = DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);
        var deadlines = new Dictionary<Milestone, DateOnly> { [Milestone.CoordinationBodyAppointed] = today.AddDays(-3) }
            .ToImmutableSortedDictionary();
        var region = await fixture.ConfigureRegionAsync(cycle, "arab", Round("QAT", "OMN", "KWT") with { Deadlines = deadlines });
        await fixture.Review(cycle, "OMN").RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed));
        await fixture.Review(cycle, "KWT").SetParticipationAsync(new ParticipationUpdate(Participation.NotParticipating, "ministry:KWT"));

        var sent = await region.SendNudgesAsync(new SendNudges([], "Please name your focal points", "coorganizer:arab"));
        var again = await region.SendNudgesAsync(new SendNudges(["QAT"], "Second reminder", "coorganizer:arab"));
        var stranger = await region.SendNudgesAsync(new SendNudges(["FRA"], "Hello", "coorganizer:arab"));

        var delivery = Assert.Single(sent.Deliveries);
        Assert.Equal(("QAT", NudgeOutcome.Delivered), (delivery.Country, delivery.Outcome));
        var inbox = (await fixture.Review(cycle, "QAT").GetNudgesAsync())!.Value;
        Assert.Equal(("Please name your focal points", "coorganizer:arab", delivery.NudgeId), (inbox.Single().Message, inbox.Single().From, inbox.Single().Id));
        Assert.Empty((await fixture.Review(cycle, "OMN").GetNudgesAsync())!.Value);
        Assert.Equal(NudgeOutcome.Throttled, again.Deliveries.Single().Outcome);
        Assert.Equal(fixture.Time.GetUtcNow() + TimeSpan.FromDays(1), again.Deliveries.Single().RetryAfter);
        Assert.Equal(Outcome.Invalid, stranger.Outcome);
    }

    [Fact]
    public async Task AutomaticNudges_ReachTheLaggingStates_OncePerPeriodOfThePolicy()
    {
        var cycle = NewCycle();
        var today = DateOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);
        var deadlines = new Dictionary<Milestone, DateOnly> { [Milestone.CoordinationBodyAppointed] = today.AddDays(-1) }
            .ToImmutableSortedDictionary();
        var policy = new NudgePolicy(true, 7, "Automatic reminder: please appoint your coordination body");
        await fixture.ConfigureRegionAsync(cycle, "arab", Round("YEM", "SAU") with { Deadlines = deadlines, NudgePolicy = policy });
        await fixture.Review(cycle, "SAU").RecordMilestoneAsync(Set(Milestone.CoordinationBodyAppointed, MilestoneStatus.Completed));

        // The region's reminder checks every second (test setting); the first check finds the policy due.
        var first = await fixture.Nudges.StoredAsync(Keys.Review(cycle, "YEM"), 1).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(("automatic", policy.Message), (first.From, first.Message));

        // A week later, by the domain clock, the next check nudges again.
        fixture.Time.Advance(TimeSpan.FromDays(7));
        var second = await fixture.Nudges.StoredAsync(Keys.Review(cycle, "YEM"), 2).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(fixture.Time.GetUtcNow().Date, second.SentAt.Date);
        Assert.Equal(2, (await fixture.Review(cycle, "YEM").GetNudgesAsync())!.Value.Length);
        Assert.Empty((await fixture.Review(cycle, "SAU").GetNudgesAsync())!.Value);
    }

    [Fact]
    public async Task ANinthRoundForOneState_IsRefused_AndLeavesNoTrace()
    {
        var cycle = NewCycle();
        for (var i = 1; i <= GcmActors.Grains.ReviewWorkflow.MaxRegionsPerCycle; i++)
        {
            await fixture.ConfigureRegionAsync(cycle, $"round{i}", Round("MAR"));
        }

        var ninth = fixture.Grains.GetGrain<IRegionGrain>(Keys.Region(cycle, "round9"));
        var refused = await ninth.ConfigureAsync(new ConfigureRegion(Round("TUN", "MAR"), "test"));

        Assert.Equal(Outcome.Invalid, refused.Outcome);
        Assert.Contains("MAR already belongs to 8 regional rounds", refused.Detail, StringComparison.Ordinal);
        Assert.Null(await ninth.GetConfigAsync());
        Assert.Null(await fixture.Review(cycle, "TUN").GetAsync());
        Assert.Equal(GcmActors.Grains.ReviewWorkflow.MaxRegionsPerCycle, (await fixture.Review(cycle, "MAR").GetAsync())!.Regions.Length);
    }

    private async Task<long> HistoryRowsAsync(string reviewKey)
    {
        await using var connection = new SqliteConnection(Host.Hosting.SqliteStore.ConnectionString(fixture.DatabaseFile));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM GcmReviewHistory WHERE ReviewKey = $key";
        command.Parameters.AddWithValue("$key", reviewKey);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every grain-state write bumps its row's version by one, so the sum counts writes.</summary>
    private async Task<long> StorageWritesAsync()
    {
        await using var connection = new SqliteConnection(Host.Hosting.SqliteStore.ConnectionString(fixture.DatabaseFile));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(Version), 0) FROM OrleansStorage";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
