namespace GcmActors.Host.Faults;

/// <summary>
/// Bounds an HTTP request's grain calls by the request's own deadline. The request timeouts middleware cancels
/// <see cref="HttpContext.RequestAborted"/> when the request's time is up, but a grain call only observes a
/// token its interface method declares, and ours declare none. So the caller stops waiting instead: the call goes
/// on in the cluster (a milestone write is idempotent; it lands or not, as on a lost connection), and the request
/// ends with 503 and Retry-After. Calls that grains make are left to the messaging timeout.
/// </summary>
internal sealed class RequestDeadlineFilter(IHttpContextAccessor http) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context) =>
        context.SourceContext is null && http.HttpContext?.RequestAborted is { CanBeCanceled: true } deadline
            ? context.Invoke().WaitAsync(deadline)
            : context.Invoke();
}
