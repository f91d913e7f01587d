namespace GcmActors.Host.Faults;

/// <summary>
/// The grain calls an HTTP request makes:
/// <list type="bullet">
/// <item>are bounded by the request's own deadline. The request timeouts middleware cancels
/// <see cref="HttpContext.RequestAborted"/> when the request's time is up, but a grain call only observes a token
/// its interface method declares, and ours declare none. So the caller stops waiting instead: the call goes on in
/// the cluster (a milestone write is idempotent; it lands or not, as on a lost connection), and the request ends
/// with 503 and Retry-After;</item>
/// <item>are sent once more, after a short pause, when the cluster rejects them (a silo that is stopping, a
/// gateway that went away): every command of this API is idempotent (repeating one already in effect changes
/// nothing), so a rejected call is retried here rather than answered 503. A conditional write (If-Match) that did
/// land before the rejection then answers 412, which is what its client would see on any lost answer.</item>
/// </list>
/// Calls that grains make are left to the messaging timeout.
/// </summary>
internal sealed class RequestDeadlineFilter(IHttpContextAccessor http) : IOutgoingGrainCallFilter
{
    /// <summary>Long enough for a gateway list or the grain directory to move past a stopping silo.</summary>
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(200);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.SourceContext is not null || http.HttpContext?.RequestAborted is not { CanBeCanceled: true } deadline)
        {
            await context.Invoke();
            return;
        }

        try
        {
            await context.Invoke().WaitAsync(deadline);
            if (!IsRejection(context.Response?.Exception))
            {
                return;
            }
        }
        catch (Exception exception) when (IsRejection(exception))
        {
        }

        await Task.Delay(s_retryPause, deadline);
        await context.Invoke().WaitAsync(deadline);
    }

    /// <summary>The cluster refused the message (rejection, unavailable silo, lost gateway connection).</summary>
    private static bool IsRejection(Exception? exception) =>
        exception is OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException;
}
