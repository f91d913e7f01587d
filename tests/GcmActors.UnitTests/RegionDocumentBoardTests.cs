using GcmActors.Contracts;
using GcmActors.Grains;

namespace GcmActors.UnitTests;

public class RegionDocumentBoardTests
{
    private static readonly DateOnly s_day = new(2026, 12, 1);

    [Fact]
    public void NextChange_CompletesWhenTheRoundPostsItsNextDocument_AndNotBefore()
    {
        var board = new RegionDocumentBoard();
        var change = board.NextChangeAsync("2020/arab");
        var other = board.NextChangeAsync("2020/africa");

        Assert.False(change.IsCompleted);
        board.Publish("2020/arab", new RegionDocument([], "\"1.1-1\"", 2), s_day);

        Assert.True(change.IsCompletedSuccessfully);
        Assert.False(other.IsCompleted);
        Assert.False(board.NextChangeAsync("2020/arab").IsCompleted);   // each wait is for the change after it was taken
    }

    [Fact]
    public void NextChange_TakenTwiceBeforeAPost_IsOneWaitThatOnePostEnds()
    {
        var board = new RegionDocumentBoard();
        var first = board.NextChangeAsync("2020/arab");
        var second = board.NextChangeAsync("2020/arab");

        board.Publish("2020/arab", new RegionDocument([], "\"1.1-1\"", 2), s_day);

        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
    }
}
