using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

public class NudgeRulesTests
{
    private static readonly DateTimeOffset Monday = new(2020, 9, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static Nudge From(string region, string message, DateTimeOffset at, string id = "n1") =>
        new(id, region, "coorganizer:" + region, message, at);

    private static ReviewState Receive(ReviewState state, Nudge nudge)
    {
        var (next, delivery) = NudgeRules.ReceiveNudge(state, "LBN", nudge, Day);
        Assert.Equal(NudgeOutcome.Delivered, delivery.Outcome);
        return next!;
    }

    [Fact]
    public void ReceiveNudge_FirstOne_IsDeliveredWithoutTouchingTheReviewVersion()
    {
        var (next, delivery) = NudgeRules.ReceiveNudge(new ReviewState(), "LBN", From("arab", "Please submit", Monday), Day);

        Assert.Equal(new NudgeDelivery("LBN", NudgeOutcome.Delivered, "n1"), delivery);
        Assert.Single(next!.Nudges);
        Assert.Equal(0, next.Version);
        Assert.Empty(next.History);
    }

    [Fact]
    public void ReceiveNudge_SameMessageWithinTheInterval_IsADuplicateOfTheStoredOne()
    {
        var state = Receive(new ReviewState(), From("arab", "Please submit", Monday));

        var (next, delivery) = NudgeRules.ReceiveNudge(state, "LBN", From("arab", "Please submit", Monday.AddHours(2), "n2"), Day);

        Assert.Null(next);
        Assert.Equal(new NudgeDelivery("LBN", NudgeOutcome.Duplicate, "n1"), delivery);
    }

    [Fact]
    public void ReceiveNudge_AnotherMessageWithinTheInterval_IsThrottledUntilTheIntervalEnds()
    {
        var state = Receive(new ReviewState(), From("arab", "Please submit", Monday));

        var (next, delivery) = NudgeRules.ReceiveNudge(state, "LBN", From("arab", "Reminder", Monday.AddHours(2), "n2"), Day);

        Assert.Null(next);
        Assert.Equal(new NudgeDelivery("LBN", NudgeOutcome.Throttled, RetryAfter: Monday + Day), delivery);
    }

    [Fact]
    public void ReceiveNudge_AfterTheInterval_OrFromAnotherRegion_IsDelivered()
    {
        var state = Receive(new ReviewState(), From("arab", "Please submit", Monday));

        state = Receive(state, From("africa", "Please submit", Monday.AddHours(1), "n2"));
        state = Receive(state, From("arab", "Please submit", Monday + Day, "n3"));

        Assert.Equal<string>(["n1", "n2", "n3"], state.Nudges.Select(n => n.Id));
    }

    [Fact]
    public void ReceiveNudge_WhenTheInboxIsFull_DropsTheOldestAcknowledgedFirst()
    {
        var state = new ReviewState();
        for (var i = 0; i < NudgeRules.MaxInbox; i++)
        {
            state = Receive(state, From("r" + i, "m", Monday, "n" + i));
        }

        state = NudgeRules.AcknowledgeNudge(state, "n5", "ministry:LBN", Monday).Next!;
        state = Receive(state, From("late", "m", Monday, "new"));

        Assert.Equal(NudgeRules.MaxInbox, state.Nudges.Count);
        Assert.DoesNotContain(state.Nudges, n => n.Id == "n5");
        Assert.Equal("n0", state.Nudges[0].Id);
        Assert.Equal("new", state.Nudges[^1].Id);
    }

    [Fact]
    public void ReceiveNudge_WithAWebhook_QueuesItForDelivery_AndWithoutOneDoesNot()
    {
        var withHook = new ReviewState { Endpoint = new WebhookEndpoint("https://mofa.example.lb/hook", [], Monday, "ministry:LBN") };
        var now = Monday.AddMinutes(1);

        var (queued, _) = NudgeRules.ReceiveNudge(withHook, "LBN", From("arab", "Please submit", Monday), Day, now);
        var (plain, _) = NudgeRules.ReceiveNudge(new ReviewState(), "LBN", From("arab", "Please submit", Monday), Day, now);

        Assert.Equal(new WebhookDelivery(DeliveryStatus.Pending, 0, now), queued!.Nudges.Single().Delivery);
        Assert.Equal(now, WebhookRules.NextAttemptAt(queued));
        Assert.Null(plain!.Nudges.Single().Delivery);
        Assert.Null(WebhookRules.NextAttemptAt(plain));
    }

    [Fact]
    public void AcknowledgeNudge_RecordsWhoAndWhen_AndKeepsTheFirstAcknowledgement()
    {
        var state = Receive(new ReviewState(), From("arab", "Please submit", Monday));

        var (first, acknowledged) = NudgeRules.AcknowledgeNudge(state, "n1", "ministry:LBN", Monday.AddHours(3));
        var (second, again) = NudgeRules.AcknowledgeNudge(first!, "n1", "admin", Monday.AddHours(5));

        Assert.Equal((Monday.AddHours(3), "ministry:LBN"), (acknowledged!.AcknowledgedAt!.Value, acknowledged.AcknowledgedBy!));
        Assert.Null(second);
        Assert.Equal(acknowledged, again);
    }

    [Fact]
    public void AcknowledgeNudge_UnknownId_FindsNothing()
    {
        var (next, nudge) = NudgeRules.AcknowledgeNudge(new ReviewState(), "nope", "ministry:LBN", Monday);

        Assert.Null(next);
        Assert.Null(nudge);
    }
}
