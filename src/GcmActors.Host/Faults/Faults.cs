using System.Data.Common;
using GcmActors.Contracts;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace GcmActors.Host.Faults;

/// <summary>
/// Which failures are the infrastructure's (storage, the cluster, a timeout) rather than a bug: the one list that
/// both the silo-side translation and the HTTP mapping to 503 read.
/// </summary>
public static class Fault
{
    /// <summary>Seconds a client is told to wait (Retry-After) after a 503: about the time a failover takes.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>The database driver failed (Npgsql, SQLite), here or anywhere in the chain of inner exceptions.</summary>
    public static bool IsStorage(Exception exception) => Chain(exception).Any(e => e is DbException);

    /// <summary>
    /// Storage or the cluster is unavailable, or did not answer in time: the request may succeed if retried, so
    /// the answer is 503 with Retry-After, never 500.
    /// </summary>
    public static bool IsTransient(Exception exception) => Chain(exception).Any(e => e
        is StorageUnavailableException
        or DbException
        or TimeoutException
        // SiloUnavailableException (the target silo died, or this host is stopping) is a rejection too.
        or OrleansMessageRejectionException
        or GatewayTooBusyException
        or ConnectionFailedException
        // An optimistic-concurrency conflict that survived the grain's one re-read: retrying re-decides.
        or InconsistentStateException);

    /// <summary>The exception and every exception it wraps (inner exceptions, and the members of aggregates).</summary>
    public static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    /// <summary>
    /// What a silo sends instead of a storage failure: a type of this project's that every process can decode. The
    /// driver's message is kept (it names the failure, e.g. "connection refused"); its exception stays in the log.
    /// </summary>
    public static StorageUnavailableException Translate(Exception exception, string operation)
    {
        var root = Chain(exception).LastOrDefault(e => e is DbException) ?? exception;
        return new StorageUnavailableException($"storage unavailable during {operation}: {root.Message}");
    }
}
