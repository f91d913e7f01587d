using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

/// <summary>The pure rules behind the API's strict input: exact slugs, clean text, the schedule window, nudges and webhooks.</summary>
public class StrictInputRulesTests
{
    private static readonly DateTimeOffset Noon = new(2020, 9, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("\"Completed\"")]
    [InlineData("\" completed \"")]
    [InlineData("\"completed \"")]
    [InlineData("\"Completed\u0000\"")]
    [InlineData("2")]
    [InlineData("\"2\"")]
    public void Slug_NotExactlyAsDocumented_IsRejected(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MilestoneStatus>(json, GcmJson.Options));

    [Fact]
    public void Slug_AsADictionaryKey_IsReadExactly()
    {
        var deadlines = JsonSerializer.Deserialize<ImmutableSortedDictionary<Milestone, DateOnly>>("""{"approved":"2020-09-29"}""", GcmJson.Options)!;

        Assert.Equal(new DateOnly(2020, 9, 29), deadlines[Milestone.Approved]);
        Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize<ImmutableSortedDictionary<Milestone, DateOnly>>("""{"Approved":"2020-09-29"}""", GcmJson.Options));
    }

    [Fact]
    public void Json_DuplicateProperty_AndNumberAsString_AreRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Conference>(
            """{"start":"2020-12-01","start":"2020-12-02","modality":"virtual"}""", GcmJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NudgePolicy>(
            """{"automatic":true,"everyDays":"7","message":"m"}""", GcmJson.Options));
    }

    [Theory]
    [InlineData("Arab region", true, true)]
    [InlineData("Région arabe – مكتب", true, true)]
    [InlineData("two\nlines", false, true)]
    [InlineData("tab\there", false, true)]
    [InlineData("nul\0", false, false)]
    [InlineData("escape\u001b[0m", false, false)]
    [InlineData("delete\u007f", false, false)]
    [InlineData("override\u202Edesrever", false, false)]
    [InlineData("embedding\u202A", false, false)]
    [InlineData("isolate\u2066x\u2069", false, false)]
    [InlineData("first-strong\u2068", false, false)]
    public void TextRules_RefuseControlAndBidiCharacters(string text, bool line, bool multiline)
    {
        Assert.Equal(line, TextRules.IsCleanLine(text));
        Assert.Equal(multiline, TextRules.IsCleanText(text));
    }

    [Theory]
    [InlineData("2017-01-01", "2023-12-31", true)]
    [InlineData("2016-12-31", "2020-12-02", false)]
    [InlineData("2020-12-01", "2024-01-01", false)]
    [InlineData("0001-01-01", "9999-12-31", false)]
    public void ValidateSchedule_ConferenceWithinThreeYearsOfTheCycle(string start, string end, bool accepted)
    {
        var config = new RegionConfig("Round", [], new Conference(DateOnly.Parse(start), DateOnly.Parse(end), ConferenceModality.Virtual),
            ImmutableSortedDictionary<Milestone, DateOnly>.Empty, []);

        Assert.Equal(accepted, RegionRules.ValidateSchedule(2020, config) is null);
    }

    [Fact]
    public void ValidateSchedule_ADeadlineOutsideTheWindow_IsRefused()
    {
        var config = new RegionConfig("Round", [], new Conference(null, null, ConferenceModality.Undecided),
            ImmutableSortedDictionary<Milestone, DateOnly>.Empty.Add(Milestone.Approved, new DateOnly(202, 9, 29)), []);

        Assert.Equal("the conference, the deadlines and the other dates of a 2020 round lie between 2017-01-01 and 2023-12-31",
            RegionRules.ValidateSchedule(2020, config));
    }

    [Fact]
    public void Validate_CoOrganizers_AtMostTwentyOfAtMostAHundredCharacters()
    {
        RegionConfig With(IEnumerable<string> coOrganizers) => new("Round", [.. coOrganizers],
            new Conference(null, null, ConferenceModality.Undecided), ImmutableSortedDictionary<Milestone, DateOnly>.Empty, ["LBN"]);

        Assert.Null(RegionRules.Validate(With(Enumerable.Repeat(new string('x', 100), 20)), CountryCatalog.Default));
        Assert.NotNull(RegionRules.Validate(With(Enumerable.Repeat("x", 21)), CountryCatalog.Default));
        Assert.NotNull(RegionRules.Validate(With([new string('x', 101)]), CountryCatalog.Default));
        Assert.NotNull(RegionRules.Validate(With(["I\u202EOM"]), CountryCatalog.Default));
    }

    [Fact]
    public void RetryAfter_OnlyWhenEveryStateWasThrottled_RoundedUpToWholeSeconds()
    {
        var throttled = new NudgeDelivery("LBN", NudgeOutcome.Throttled, RetryAfter: Noon.AddSeconds(90.2));
        var later = new NudgeDelivery("SYR", NudgeOutcome.Throttled, RetryAfter: Noon.AddHours(2));
        var delivered = new NudgeDelivery("JOR", NudgeOutcome.Delivered, "n1");

        Assert.Equal(TimeSpan.FromSeconds(91), NudgeRules.RetryAfter(new NudgeResult(Outcome.Applied, [throttled, later]), Noon));
        Assert.Null(NudgeRules.RetryAfter(new NudgeResult(Outcome.Applied, [throttled, delivered]), Noon));
        Assert.Null(NudgeRules.RetryAfter(new NudgeResult(Outcome.Applied, []), Noon));
        Assert.Equal(TimeSpan.FromSeconds(1), NudgeRules.RetryAfter(new NudgeResult(Outcome.Applied, [throttled]), Noon.AddMinutes(5)));
    }

    [Fact]
    public void ValidateMessage_EmptyTooLongOrWithAnOverride_IsRefused()
    {
        Assert.Null(NudgeRules.ValidateMessage("Please send your report\nbefore 6 October"));
        Assert.NotNull(NudgeRules.ValidateMessage(" "));
        Assert.NotNull(NudgeRules.ValidateMessage(new string('x', NudgeRules.MaxMessageLength + 1)));
        Assert.NotNull(NudgeRules.ValidateMessage("Please \u202Esend"));
    }
}
