using Microsoft.AspNetCore.Diagnostics;

namespace GcmActors.Host.Faults;

/// <summary>
/// A request that ends in 503 because storage or the cluster is unavailable is no bug: it gets one warning line
/// (what failed, not a stack trace) instead of the exception handler's "unhandled exception" error, which stays for
/// the 500s. It handles nothing itself: the problem details (503, Retry-After) are written as for any exception.
/// </summary>
internal sealed partial class TransientFaultLog(ILogger<TransientFaultLog> logger) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Fault.IsTransient(exception))
        {
            var cause = Fault.Chain(exception).Last();
            LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, cause.GetType().Name, FirstLine(cause.Message));
        }

        return ValueTask.FromResult(false);
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: {Fault}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string fault, string reason);
}
