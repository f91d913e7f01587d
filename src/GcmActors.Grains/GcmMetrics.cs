using System.Diagnostics.Metrics;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>The service's own instruments (meter "GcmActors"), next to those of Orleans and ASP.NET Core.</summary>
public static class GcmMetrics
{
    public const string MeterName = "GcmActors";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Counter<long> s_reviewCommands = s_meter.CreateCounter<long>(
        "gcm.review.commands", "{command}", "Commands sent to reviews (milestones, participation), by outcome.");

    private static readonly Counter<long> s_pushFailures = s_meter.CreateCounter<long>(
        "gcm.region.push.failures", "{push}", "Snapshot pushes from a review to a region that failed and wait for the sync reminder.");

    private static readonly Counter<long> s_documentBuilds = s_meter.CreateCounter<long>(
        "gcm.region.document.builds", "{document}", "Dashboard documents serialized by region grains (once per change or per day).");

    public static void ReviewCommand(string command, Outcome outcome) =>
        s_reviewCommands.Add(1, new("command", command), new("outcome", GcmJson.Slug(outcome)));

    private static readonly Counter<long> s_webhookFailures = s_meter.CreateCounter<long>(
        "gcm.webhook.failures", "{delivery}", "Webhook deliveries of nudges that failed and wait for the sync reminder.");

    public static void PushFailed() => s_pushFailures.Add(1);

    public static void WebhookFailed() => s_webhookFailures.Add(1);

    public static void DocumentBuilt() => s_documentBuilds.Add(1);

    private static readonly Counter<long> s_stateCommits = s_meter.CreateCounter<long>(
        "gcm.postgres.state.commits", "{commit}", "Transactions that wrote grain states to PostgreSQL, each for a group of writes (cluster store only).");

    private static readonly Counter<long> s_stateWrites = s_meter.CreateCounter<long>(
        "gcm.postgres.state.writes", "{write}", "Grain-state writes those transactions committed.");

    /// <summary>One PostgreSQL transaction committed <paramref name="writes"/> grain-state writes.</summary>
    public static void StatesCommitted(int writes)
    {
        s_stateCommits.Add(1);
        s_stateWrites.Add(writes);
    }

    private static readonly Counter<long> s_callsSentAgain = s_meter.CreateCounter<long>(
        "gcm.calls.sent_again", "{call}",
        "Grain calls of HTTP requests sent once more: rejected by the cluster, or in flight when the front end lost a gateway.");

    /// <summary>A request's grain call was sent again, because it was <c>rejected</c> or in flight at a <c>gateway-lost</c>.</summary>
    public static void CallSentAgain(string reason) => s_callsSentAgain.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static readonly Counter<long> s_logSyncs = s_meter.CreateCounter<long>(
        "gcm.sqlite.log.syncs", "{sync}", "Syncs of the SQLite write-ahead log to disk, each for a group of commits (embedded store only).");

    private static readonly Counter<long> s_syncedCommits = s_meter.CreateCounter<long>(
        "gcm.sqlite.log.synced_commits", "{commit}", "SQLite commits made durable by those syncs before they were acknowledged.");

    /// <summary>One sync of the SQLite log, which made <paramref name="commits"/> commits durable.</summary>
    public static void LogSynced(int commits)
    {
        s_logSyncs.Add(1);
        s_syncedCommits.Add(commits);
    }
}
