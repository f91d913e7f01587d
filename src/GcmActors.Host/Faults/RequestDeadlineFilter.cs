using GcmActors.Grains;
using Orleans.CodeGeneration;
using Orleans.Serialization;
using Orleans.Serialization.Invocation;

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
/// land before the rejection then answers 412, which is what its client would see on any lost answer;</item>
/// <item>are sent again at once when the client loses a gateway while they are in flight (<see cref="GatewayLosses"/>):
/// a call sent through that gateway will never be answered, and Orleans would let it wait for the deadline. Which
/// gateway a call took is not known here, so every call in flight is sent again, through the gateways that are left,
/// and the first answer wins; the other one runs in the cluster and changes nothing, as above.</item>
/// </list>
/// A call is sent again at most once. Calls that grains make are left to the messaging timeout.
/// </summary>
internal sealed class RequestDeadlineFilter(IHttpContextAccessor http, GatewayLosses losses, DeepCopier copier, IServiceProvider services)
    : IOutgoingGrainCallFilter
{
    /// <summary>Long enough for a gateway list or the grain directory to move past a stopping silo.</summary>
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Set while this filter sends a call again: that call is waited for by the one that sent it.</summary>
    private static readonly AsyncLocal<bool> s_sendingAgain = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.SourceContext is not null || s_sendingAgain.Value
            || http.HttpContext?.RequestAborted is not { CanBeCanceled: true } deadline)
        {
            await context.Invoke();
            return;
        }

        var lost = losses.Token;
        var first = context.Invoke();
        try
        {
            using var deadlineOrLoss = CancellationTokenSource.CreateLinkedTokenSource(deadline, lost);
            await first.WaitAsync(deadlineOrLoss.Token);
            if (!IsRejection(context.Response?.Exception))
            {
                return;
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            GcmMetrics.CallSentAgain("gateway-lost");
            await SendAgainAsync(context, first, deadline);
            return;
        }
        catch (Exception exception) when (IsRejection(exception))
        {
        }

        await Task.Delay(s_retryPause, deadline);
        GcmMetrics.CallSentAgain("rejected");
        await SendAgainAsync(context, null, deadline);
    }

    /// <summary>
    /// Sends a copy of the call (the copy must not share its request object with a call still in flight) and answers
    /// with it, or with <paramref name="inFlight"/> if that one answers first without a rejection.
    /// </summary>
    private async Task SendAgainAsync(IOutgoingGrainCallContext context, Task? inFlight, CancellationToken deadline)
    {
        var copy = copier.Copy(context.Request);
        var options = (context.Request as IRequest)?.Options ?? InvokeMethodOptions.None;
        var returnsValue = context.InterfaceMethod.ReturnType.IsGenericType;
        var again = Send(context, copy, options, returnsValue);
        // Whichever is not used still ends in the cluster; its failure is nobody's answer.
        _ = again.ContinueWith(static t => t.Exception, TaskScheduler.Default);
        if (inFlight is not null)
        {
            _ = inFlight.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            var answered = inFlight.ContinueWith(t => t.IsCompletedSuccessfully && !IsRejection(context.Response?.Exception),
                TaskScheduler.Default);
            if (await Task.WhenAny(again, answered).WaitAsync(deadline) == answered && await answered)
            {
                return;
            }
        }

        var result = await again.WaitAsync(deadline);
        if (returnsValue)
        {
            context.Result = result;
        }
        else
        {
            context.Response = Response.Completed;
        }
    }

    private Task<object?> Send(IOutgoingGrainCallContext context, IInvokable copy, InvokeMethodOptions options, bool returnsValue)
    {
        // Resolved here: the runtime is built with the grain call filters, this one among them.
        var runtime = services.GetRequiredService<IGrainReferenceRuntime>();
        var reference = (GrainReference)context.Grain;
        s_sendingAgain.Value = true; // flows into the call below only: this method is not async, so it is reset below
        try
        {
            return returnsValue
                ? runtime.InvokeMethodAsync<object>(reference, copy, options).AsTask()
                : runtime.InvokeMethodAsync(reference, copy, options).AsTask().ContinueWith(
                    static t => { t.GetAwaiter().GetResult(); return (object?)null; }, TaskScheduler.Default);
        }
        finally
        {
            s_sendingAgain.Value = false;
        }
    }

    /// <summary>The cluster refused the message (rejection, unavailable silo, lost gateway connection).</summary>
    private static bool IsRejection(Exception? exception) =>
        exception is OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException;
}
