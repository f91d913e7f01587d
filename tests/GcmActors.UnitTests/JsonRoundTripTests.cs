using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

/// <summary>
/// Round trips through the HTTP API's JSON conventions (<see cref="GcmJson.Options"/>). The storage serializer in
/// the host uses the same conventions (web defaults, kebab-case enums, no integers) with options of its own.
/// </summary>
public class JsonRoundTripTests
{
    private static T RoundTrip<T>(T value, bool fullyPopulated = true)
    {
        if (fullyPopulated)
        {
            Populated.Assert(value!);
        }

        var json = JsonSerializer.Serialize(value, GcmJson.Options);
        var copy = JsonSerializer.Deserialize<T>(json, GcmJson.Options);

        DeepAssert.Equal(value, copy);
        Assert.Equal(json, JsonSerializer.Serialize(copy, GcmJson.Options));
        return copy!;
    }

    private static JsonNode Json<T>(T value) => JsonNode.Parse(JsonSerializer.Serialize(value, GcmJson.Options))!;

    [Fact]
    public void ReviewState_RoundTripsThroughJson()
    {
        var copy = RoundTrip(Samples.ReviewState);

        Assert.Equal(Samples.ReviewState.History, copy.History);
        Assert.Equal(Samples.ReviewState.LastChange, copy.LastChange);
        Assert.Equal(Samples.ReviewState.Milestones, copy.Milestones);
        Assert.Equal<string>(["2020/africa", "2020/arab"], copy.Regions);
    }

    [Fact]
    public void CatalogState_RoundTripsThroughJson()
    {
        var copy = RoundTrip(Samples.CatalogState);

        Assert.Equal<string>(["2020/africa", "2020/arab", "2024/arab"], copy.Rounds);
        Assert.Equal("""{"rounds":["2020/africa","2020/arab","2024/arab"]}""", Json(Samples.CatalogState).ToJsonString());
    }

    [Fact]
    public void CatalogRegister_KeepsOrdinalOrder_AndIgnoresARoundAlreadyListed()
    {
        var next = CatalogGrain.Register(Samples.CatalogState, "2020/americas")!;

        Assert.Equal<string>(["2020/africa", "2020/americas", "2020/arab", "2024/arab"], next.Rounds);
        Assert.Null(CatalogGrain.Register(next, "2020/arab"));
        Assert.Equal<string>(["2020/arab"], CatalogGrain.Register(new CatalogState(), "2020/arab")!.Rounds);
    }

    [Fact]
    public void RegionState_RoundTripsThroughJson()
    {
        var copy = RoundTrip(Samples.RegionState);

        Assert.Equal(9, copy.Version);
        Assert.Equal<string>(Samples.RegionConfig.Members, copy.Config!.Members);
    }

    [Fact]
    public void ReviewView_RoundTripsThroughJson() => RoundTrip(Samples.ReviewView);

    [Fact]
    public void ReviewSnapshot_RoundTripsThroughJson() => RoundTrip(Samples.Snapshot);

    [Fact]
    public void NudgeResult_RoundTripsThroughJson() => RoundTrip(Samples.NudgeResult);

    [Fact]
    public void MilestoneUpdate_RoundTripsThroughJson()
    {
        var copy = RoundTrip(Samples.MilestoneUpdate);

        Assert.Equal<int>([1, 23], copy.Objectives!.Value);
        Assert.Equal(4, copy.ExpectedVersion);
    }

    [Fact]
    public void MilestoneUpdate_WithEvidenceLeftOut_KeepsItNull()
    {
        var copy = JsonSerializer.Deserialize<MilestoneUpdate>(
            """{"milestone":"approved","status":"completed","actor":"ministry:SYR"}""", GcmJson.Options)!;

        Assert.Equal((Milestone.Approved, MilestoneStatus.Completed, "ministry:SYR"), (copy.Milestone, copy.Status, copy.Actor));
        Assert.Null(copy.Stakeholders);
        Assert.Null(copy.Objectives);
        Assert.Null(copy.Challenges);
        Assert.Null(copy.CoordinationBody);
        Assert.Null(copy.ExpectedVersion);
    }

    [Fact]
    public void RegionConfig_RoundTripsThroughJson() => RoundTrip(Samples.RegionConfig);

    [Fact]
    public void ParticipationUpdate_RoundTripsThroughJson() => RoundTrip(Samples.ParticipationUpdate);

    [Fact]
    public void ConfigureRegion_RoundTripsThroughJson() => RoundTrip(Samples.ConfigureRegion);

    [Fact]
    public void ReviewResult_RoundTripsThroughJson() => RoundTrip(Samples.ReviewResult);

    [Fact]
    public void RegionProgress_RoundTripsThroughJson()
    {
        var snapshots = Samples.Snapshots;
        var progress = RegionProgressCalculator.Compute(
            "2020", "arab", Samples.RegionConfig, snapshots, new DateOnly(2020, 11, 15), 9, CountryCatalog.Default.NameOf);

        // A computed document: some members legitimately have nothing missed, so it is not "fully populated".
        var copy = RoundTrip(progress, fullyPopulated: false);

        Assert.Equal<string>(["PSE", "IRQ"], copy.Lagging);
        Assert.Equal(new StatusCounts(1, 0, 2), copy.Counts[Milestone.CoordinationBodyAppointed]);
    }

    // ---- the wire spelling the HTTP contract depends on ----

    [Fact]
    public void Milestones_AreKeyedBySlug()
    {
        var milestones = Json(Samples.ReviewView)["milestones"]!.AsObject();

        Assert.Equal(
            ["coordination-body-appointed", "template-shared", "data-collected", "approved", "submitted"],
            milestones.Select(p => p.Key));
    }

    [Fact]
    public void Deadlines_AreKeyedBySlugWithIsoDates()
    {
        var deadlines = Json(Samples.RegionConfig)["deadlines"]!;

        Assert.Equal("2020-07-01", deadlines["coordination-body-appointed"]!.GetValue<string>());
        Assert.Equal("2020-10-31", deadlines["submitted"]!.GetValue<string>());
    }

    [Fact]
    public void MilestoneStatuses_AreKebabCase()
    {
        var milestones = Json(Samples.ReviewView)["milestones"]!;

        Assert.Equal("completed", milestones["coordination-body-appointed"]!["status"]!.GetValue<string>());
        Assert.Equal("in-progress", milestones["data-collected"]!["status"]!.GetValue<string>());
        Assert.Equal("not-started", milestones["approved"]!["status"]!.GetValue<string>());
        Assert.Equal("not-started", Json(Samples.Snapshot)["milestones"]!["submitted"]!.GetValue<string>());
    }

    [Fact]
    public void ParticipationAndModalityAndStakeholderKinds_AreKebabCase()
    {
        var view = Json(Samples.ReviewView);

        Assert.Equal("not-participating", view["participation"]!.GetValue<string>());
        Assert.Equal("in-person", Json(Samples.RegionConfig)["conference"]!["modality"]!.GetValue<string>());
        Assert.Equal(
            ["ministry", "ngo", "academia", "private-sector", "un-agency", "other"],
            view["evidence"]!["stakeholders"]!.AsArray().Select(s => s!["kind"]!.GetValue<string>()));
    }

    [Fact]
    public void StatusCounts_UseStatusSlugsAsMemberNames()
    {
        Assert.Equal(
            """{"not-started":3,"in-progress":1,"completed":2}""",
            JsonSerializer.Serialize(new StatusCounts(3, 1, 2), GcmJson.Options));
    }

    [Fact]
    public void ReviewView_UsesCamelCaseMemberNames()
    {
        Assert.Equal(
            ["cycle", "country", "name", "participation", "milestones", "evidence", "regions", "version", "updatedAt"],
            Json(Samples.ReviewView).AsObject().Select(p => p.Key));
        Assert.Equal(
            ["status", "updatedAt", "note", "reopenReason"],
            Json(Samples.ReviewView)["milestones"]!["approved"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void EnumAsInteger_IsRejected()
    {
        Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize<MilestoneUpdate>("""{"milestone":3,"status":"completed","actor":"a"}""", GcmJson.Options));
    }

    [Fact]
    public void UnknownStatusSlug_IsRejected()
    {
        Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize<MilestoneUpdate>("""{"milestone":"approved","status":"done","actor":"a"}""", GcmJson.Options));
    }

    [Theory]
    [InlineData(Milestone.CoordinationBodyAppointed, "coordination-body-appointed")]
    [InlineData(Milestone.TemplateShared, "template-shared")]
    [InlineData(Milestone.DataCollected, "data-collected")]
    [InlineData(Milestone.Approved, "approved")]
    [InlineData(Milestone.Submitted, "submitted")]
    public void Slug_MatchesTheJsonSpellingAndParsesBack(Milestone milestone, string slug)
    {
        Assert.Equal(slug, GcmJson.Slug(milestone));
        Assert.Equal($"\"{slug}\"", JsonSerializer.Serialize(milestone, GcmJson.Options));
        Assert.True(GcmJson.TryParseSlug<Milestone>(slug, out var parsed));
        Assert.Equal(milestone, parsed);
    }

    [Theory]
    [InlineData("Approved")]
    [InlineData("data_collected")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseSlug_RejectsAnythingButTheSlug(string? slug)
    {
        Assert.False(GcmJson.TryParseSlug<Milestone>(slug, out _));
    }

    // ---- the comparison helpers themselves must be able to fail ----

    [Fact]
    public void DeepAssert_DetectsADifferenceInsideAnImmutableArray()
    {
        var other = Samples.ReviewState with { Evidence = Samples.Evidence with { Objectives = [1, 5, 22] } };

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => DeepAssert.Equal(Samples.ReviewState, other));
    }

    [Fact]
    public void DeepAssert_DetectsADifferenceInsideADictionaryValue()
    {
        var other = Samples.ReviewState with
        {
            Milestones = Samples.Records.SetItem(Milestone.Submitted, Samples.Records[Milestone.Submitted] with { ReopenReason = null }),
        };

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => DeepAssert.Equal(Samples.ReviewState, other));
    }

    [Fact]
    public void Populated_RejectsASampleWithANullMember()
    {
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Populated.Assert(Samples.MilestoneUpdate with { ExpectedVersion = null }));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Populated.Assert(Samples.Snapshot with { Objectives = ImmutableArray<int>.Empty }));
    }
}
