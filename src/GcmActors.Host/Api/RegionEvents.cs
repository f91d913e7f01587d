using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using GcmActors.Contracts;
using GcmActors.Grains;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GcmActors.Host.Api;

/// <summary>
/// <c>GET /api/cycles/{cycle}/regions/{region}/events</c>: a round's progress as Server-Sent Events. The first event is
/// the current document (so a client sees data at once, and EventSource hears the stream is open); then one event per
/// change, each with the new ETag and the whole document, exactly the bytes the region GET answers.
/// </summary>
public static class RegionEvents
{
    /// <summary>The event type of every message; its id is the document's ETag.</summary>
    public const string EventType = "progress";

    /// <summary>
    /// How often a stream asks again without being woken. A round that lives in this process wakes its streams when it
    /// posts a document (<see cref="RegionDocumentBoard.NextChangeAsync"/>); this catches the day's rebuild and rounds
    /// whose activation is on another silo or behind a client-role front end, which post nothing here.
    /// </summary>
    public static readonly TimeSpan RecheckLocal = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan RecheckRemote = TimeSpan.FromSeconds(5);

    [EndpointDescription(
        "Server-Sent Events (text/event-stream): an event 'progress' with the current document at once, then one "
        + "each time the round changes. Each event's id is the document's ETag and its data is "
        + "{\"etag\": ..., \"document\": <the region GET's JSON>}.")]
    [ProducesResponseType<string>(StatusCodes.Status200OK, "text/event-stream")]
    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamAsync(
        string cycle, string region, HttpContext context, IGrainFactory grains, RegionDocumentBoard board,
        [FromKeyedServices(GcmClock.Key)] TimeProvider time)
    {
        var key = Keys.Region(cycle, region);
        var first = await CurrentAsync(key, grains, board, time);
        if (first is null)
        {
            return Resources.NoRound(cycle, region);
        }

        // Proxies (nginx) must not buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        return HttpMethods.IsHead(context.Request.Method)
            ? TypedResults.ServerSentEvents(AsyncEnumerable.Empty<SseItem<string>>())   // HEAD: the stream's headers, no events
            : TypedResults.ServerSentEvents(FollowAsync(key, first, grains, board, time, context.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> FollowAsync(
        string key, RegionDocument first, IGrainFactory grains, RegionDocumentBoard board, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        var sent = first.ETag;
        yield return Event(first);
        while (!cancellation.IsCancellationRequested)
        {
            // Taken before the read: a document posted between the two still wakes this stream.
            var change = board.NextChangeAsync(key);
            var local = board.Find(key, time.Today()) is not null;
            RegionDocument? current;
            try
            {
                current = await CurrentAsync(key, grains, board, time);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && Faults.Fault.IsTransient(ex))
            {
                current = null;   // the cluster is away for a moment: keep the stream, ask again later
            }

            if (current is not null && current.ETag != sent)
            {
                sent = current.ETag;
                yield return Event(current);
                continue;
            }

            if (!await WaitAsync(change, local ? RecheckLocal : RecheckRemote, time, cancellation))
            {
                yield break;
            }
        }
    }

    /// <summary>False when the client went away.</summary>
    private static async Task<bool> WaitAsync(Task change, TimeSpan recheck, TimeProvider time, CancellationToken cancellation)
    {
        try
        {
            await change.WaitAsync(recheck, time, cancellation);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return true;
    }

    private static async Task<RegionDocument?> CurrentAsync(string key, IGrainFactory grains, RegionDocumentBoard board, TimeProvider time) =>
        board.Find(key, time.Today()) ?? await grains.Region(key).GetProgressAsync();

    // One event per document, built once however many streams send it (documents are immutable; a stale one is dropped
    // with the document).
    private static readonly ConditionalWeakTable<RegionDocument, object> s_events = [];

    // The document is compact JSON (no line breaks), so it goes into one data line as it is, never re-serialized.
    private static SseItem<string> Event(RegionDocument document) => (SseItem<string>)s_events.GetValue(document, d =>
        new SseItem<string>($"{{\"etag\":{System.Text.Json.JsonSerializer.Serialize(d.ETag)},\"document\":{Encoding.UTF8.GetString(d.Json)}}}", EventType)
        {
            EventId = d.ETag,
        });
}
