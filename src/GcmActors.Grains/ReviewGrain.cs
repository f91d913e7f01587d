using System.Collections.Immutable;
using GcmActors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GcmActors.Grains;

public sealed class ReviewOptions
{
    /// <summary>
    /// Period of the durable reminder that re-pushes the review's snapshot to regions that have not
    /// confirmed it (after a failed push or a crash). Orleans reminders have a one-minute floor by default.
    /// </summary>
    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A region nudges a State at most once per this interval (configuration: Gcm:Reviews:NudgeInterval).</summary>
    public TimeSpan NudgeInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// One State's review in one cycle. After every accepted change it persists, then pushes a versioned
/// snapshot to each of its regions. Regions that miss a push get it again from the durable reminder,
/// which wakes the grain even after a crash.
/// </summary>
public sealed partial class ReviewGrain(
    [PersistentState("review", GcmStorage.Name)] IPersistentState<ReviewState> storage,
    [FromKeyedServices(GcmClock.Key)] TimeProvider time,
    CountryCatalog countries,
    IOptions<ReviewOptions> reviewOptions,
    IWebhookSender webhooks,
    ILogger<ReviewGrain> logger) : Grain, IReviewGrain, IRemindable
{
    internal const string SyncReminder = "sync-regions";

    private readonly CommittedState<ReviewState> _state = new(storage);

    /// <summary>Highest snapshot version each region is known to hold. In memory only: after a restart
    /// the reminder pushes once more and the regions, which deduplicate, write nothing.</summary>
    private readonly Dictionary<string, long> _confirmed = new(StringComparer.Ordinal);

    private IGrainTimer? _deliveryTimer;

    private string Cycle => Keys.Split(this.GetPrimaryKeyString()).Cycle;

    private string Country => Keys.Split(this.GetPrimaryKeyString()).Part;

    private bool Exists => !_state.Current.Regions.IsEmpty;

    public Task<ReviewView?> GetAsync() => Task.FromResult(Exists ? View(_state.Current) : null);

    public Task<ImmutableArray<HistoryEntry>?> GetHistoryAsync() =>
        Task.FromResult<ImmutableArray<HistoryEntry>?>(Exists ? [.. _state.Current.History] : null);

    public Task<ReviewResult> RecordMilestoneAsync(MilestoneUpdate update) =>
        ChangeAsync("record-milestone", state => ReviewWorkflow.RecordMilestone(state, update, time.GetUtcNow()));

    public Task<ReviewResult> SetParticipationAsync(ParticipationUpdate update) =>
        ChangeAsync("set-participation", state => ReviewWorkflow.SetParticipation(state, update, time.GetUtcNow()));

    public async Task<ReviewSnapshot> JoinRegionAsync(string regionKey)
    {
        var state = await _state.UpdateAsync(s =>
            (s.Regions.Contains(regionKey) ? null : ReviewWorkflow.JoinRegion(s, regionKey), s));
        // The region takes this snapshot as the answer; no push needed (and none possible: it waits on us).
        _confirmed[regionKey] = state.Version;
        await EnsureSyncReminderAsync();
        return state.ToSnapshot(Country);
    }

    public async Task LeaveRegionAsync(string regionKey)
    {
        await _state.UpdateAsync(s => (s.Regions.Contains(regionKey) ? ReviewWorkflow.LeaveRegion(s, regionKey) : null, 0));
        _confirmed.Remove(regionKey);
    }

    public Task<ImmutableArray<Nudge>?> GetNudgesAsync() =>
        Task.FromResult<ImmutableArray<Nudge>?>(Exists ? [.. _state.Current.Nudges.Reverse()] : null);

    public async Task<NudgeDelivery> ReceiveNudgeAsync(Nudge nudge)
    {
        var delivery = await _state.UpdateAsync(s => ReviewWorkflow.ReceiveNudge(s, Country, nudge, reviewOptions.Value.NudgeInterval));
        ScheduleWebhookDeliveries();
        return delivery;
    }

    public async Task<bool> SetWebhookAsync(Webhook? webhook)
    {
        if (!Exists)
        {
            return false;
        }

        // A new address takes over what is still due; removing the webhook drops it (the inbox keeps every nudge).
        await _state.UpdateAsync(s => (s.Webhook == webhook
            ? null
            : s with { Webhook = webhook, PendingDeliveries = webhook is null ? [] : s.PendingDeliveries }, 0));
        ScheduleWebhookDeliveries();
        return true;
    }

    public Task<Nudge?> AcknowledgeNudgeAsync(string nudgeId, string actor) =>
        _state.UpdateAsync(s => ReviewWorkflow.AcknowledgeNudge(s, nudgeId, actor, time.GetUtcNow()));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SyncReminder)
        {
            return;
        }

        if (!Exists)
        {
            if (await this.GetReminder(SyncReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        await PushAsync();
        await DeliverWebhooksAsync(CancellationToken.None);
    }

    /// <summary>
    /// Delivers what is due right after the current call, in a turn of the grain's own, so that no caller (a region
    /// sending nudges, a ministry registering its webhook) waits on the ministry's server.
    /// </summary>
    private void ScheduleWebhookDeliveries()
    {
        if (_state.Current is { Webhook: not null, PendingDeliveries.IsEmpty: false })
        {
            // One timer per activation, re-armed as a one-shot each time.
            _deliveryTimer ??= this.RegisterGrainTimer(DeliverWebhooksAsync, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _deliveryTimer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Posts each pending nudge to the ministry's webhook, oldest first; a delivery leaves the queue only when
    /// the endpoint answers 2xx. What fails waits for the next sync-reminder tick (the queue is in storage).
    /// </summary>
    private async Task DeliverWebhooksAsync(CancellationToken cancellationToken)
    {
        while (_state.Current is { Webhook: { } hook, PendingDeliveries: [var id, ..] } state)
        {
            var delivered = ReviewWorkflow.PendingNudge(state, id) is not { } nudge
                || await webhooks.SendAsync(hook, new WebhookDelivery(id, Cycle, Country, nudge), cancellationToken);
            if (!delivered)
            {
                GcmMetrics.WebhookFailed();
                return;
            }

            await _state.UpdateAsync(s => (s with { PendingDeliveries = s.PendingDeliveries.Remove(id) }, 0));
        }
    }

    private async Task<ReviewResult> ChangeAsync(string command, Func<ReviewState, Decision> decide)
    {
        if (!Exists)
        {
            GcmMetrics.ReviewCommand(command, Outcome.NotFound);
            return new ReviewResult(Outcome.NotFound, null, $"{Country} has no review in cycle {Cycle}");
        }

        var decision = await _state.UpdateAsync(state =>
        {
            var d = decide(state);
            return (d.Outcome == Outcome.Applied ? d.State : null, d);
        });
        GcmMetrics.ReviewCommand(command, decision.Outcome);

        if (decision.Outcome is Outcome.Applied or Outcome.Unchanged)
        {
            // The change is durable; the caller hears "ok" even if a region is unreachable right now.
            await PushAsync();
        }

        return new ReviewResult(decision.Outcome, View(_state.Current), decision.Detail);
    }

    /// <summary>Pushes the current snapshot to every region that has not confirmed this version.</summary>
    private async Task PushAsync()
    {
        var state = _state.Current;
        var snapshot = state.ToSnapshot(Country);
        var pending = state.Regions
            .Where(r => !_confirmed.TryGetValue(r, out var held) || held < snapshot.Version)
            .ToList();
        if (pending.Count == 0)
        {
            return;
        }

        await Task.WhenAll(pending.Select(async region =>
        {
            try
            {
                await GrainFactory.GetGrain<IRegionGrain>(region).ApplySnapshotAsync(snapshot);
                _confirmed[region] = Math.Max(_confirmed.GetValueOrDefault(region), snapshot.Version);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                GcmMetrics.PushFailed();
                LogPushFailed(logger, ex, this.GetPrimaryKeyString(), snapshot.Version, region, reviewOptions.Value.SyncPeriod);
            }
        }));
    }

    private async Task EnsureSyncReminderAsync()
    {
        // Registered once, when the review first joins a region, and kept while it belongs to one: it is
        // what makes a lost push (crash, unreachable region) converge without anyone touching the review.
        if (await this.GetReminder(SyncReminder) is null)
        {
            var period = reviewOptions.Value.SyncPeriod;
            await this.RegisterOrUpdateReminder(SyncReminder, period, period);
        }
    }

    private ReviewView View(ReviewState state) => state.ToView(Cycle, Country, countries.NameOf(Country));

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review} could not push version {Version} to region {Region}; the reminder retries every {Period}")]
    private static partial void LogPushFailed(ILogger logger, Exception ex, string review, long version, string region, TimeSpan period);
}
