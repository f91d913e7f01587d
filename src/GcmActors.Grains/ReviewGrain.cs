using System.Collections.Immutable;
using System.Diagnostics;
using GcmActors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GcmActors.Grains;

public sealed class ReviewOptions
{
    /// <summary>
    /// How long a write waits for its regions to take the new snapshot before it answers (configuration:
    /// Gcm:Reviews:PushWait). The change is durable before the wait; the push goes on after it, and a failed one is
    /// retried, so this only decides whether a dashboard read right after the write normally shows it.
    /// </summary>
    public TimeSpan PushWait { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>First retry of a failed push; each further failure doubles the wait, up to <see cref="PushRetryMax"/>.</summary>
    public TimeSpan PushRetryMin { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan PushRetryMax { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Period of the durable reminder a review registers when it deactivates while a region still misses its newest
    /// version (configuration: Gcm:Reviews:SyncPeriod). It pushes, then unregisters itself.
    /// </summary>
    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Period of the durable reminder that wakes a review for its next webhook attempt (configuration:
    /// Gcm:Reviews:DeliveryRetryPeriod). The reminder is registered only while a delivery is due and re-armed at each
    /// tick to the next attempt's time, so it does not tick by this period; the period only bounds how late an attempt
    /// is when the silo was down at its time. Orleans reminders have a one-minute floor by default.
    /// </summary>
    public TimeSpan DeliveryRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A region nudges a State at most once per this interval (configuration: Gcm:Reviews:NudgeInterval).</summary>
    public TimeSpan NudgeInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// One State's review in one cycle. A change is acknowledged once its state row is durable (the row carries the
/// change's history entries, which are appended to the trail right after); the new snapshot is then pushed to each
/// region, waited for only briefly, and retried until the region has it. A review with nothing to push or deliver
/// holds no timer or reminder and deactivates like any idle grain (docs/decisions/0003-pushes-and-convergence.md).
/// </summary>
public sealed partial class ReviewGrain(
    [PersistentState("review", GcmStorage.Name)] IPersistentState<ReviewState> storage,
    [FromKeyedServices(GcmClock.Key)] TimeProvider time,
    CountryCatalog countries,
    IReviewHistory history,
    IOptions<ReviewOptions> reviewOptions,
    IWebhookSender webhooks,
    IWebhookSecrets secrets,
    IOptions<WebhookOptions> webhookOptions,
    TimeProvider clock,
    ILogger<ReviewGrain> logger) : Grain, IReviewGrain, IRemindable
{
    /// <summary>
    /// Wakes the review for its next webhook attempt; registered only while a delivery is due, and re-armed to the
    /// time of the next attempt at every tick. (Webhook times follow the real clock, <c>clock</c>, not the domain's.)
    /// </summary>
    internal const string DeliveryReminder = "deliver-webhooks";

    /// <summary>
    /// Pushes to regions that still miss the newest version, registered only when the review deactivates with such a
    /// push pending; it unregisters itself once every region has it. (Before December 2026 every review held it for
    /// good; those reminders go the same way when they next fire.)
    /// </summary>
    internal const string SyncReminder = "sync-regions";

    private readonly CommittedState<ReviewState> _state = new(storage);

    /// <summary>Highest snapshot version each region is known to hold. In memory only: a region that restarts
    /// rebuilds itself from its members, and a round on a surviving silo is resynced when a silo dies.</summary>
    private readonly Dictionary<string, long> _confirmed = new(StringComparer.Ordinal);

    /// <summary>The push in flight to each region; a write while one runs joins it (it pushes the newest state).</summary>
    private readonly Dictionary<string, Task> _pushes = new(StringComparer.Ordinal);

    private IGrainTimer? _pushRetry;
    private TimeSpan _pushRetryDelay;
    private IGrainTimer? _deliveryTimer;

    /// <summary>When the delivery reminder is known to be armed for; null when unknown (then it is registered again).</summary>
    private DateTimeOffset? _reminderDue;

    /// <summary>Calls between registering the reminder and persisting what it is for: the reminder must not go meanwhile.</summary>
    private int _reminderHolds;

    private bool _delivering;

    /// <summary>Highest sequence known to be in the trail table; -1 until checked in this activation.</summary>
    private long _trailDurable = -1;
    private Task? _trailAppend;

    private string Key => this.GetPrimaryKeyString();

    private string Cycle => Keys.Split(Key).Cycle;

    private string Country => Keys.Split(Key).Part;

    private bool Exists => !_state.Current.Regions.IsEmpty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A row written by a release that kept the trail inside it: move the trail out, once (append, then shrink
        // the row; a crash in between appends again, which changes nothing).
        if (ReviewWorkflow.MoveLegacyHistory(_state.Current) is { } moved)
        {
            await history.AppendAsync(Key, moved.Entries);
            await _state.UpdateAsync(_ => (moved.Next, 0));
            _trailDurable = moved.Next.HistoryCount;
        }

        // A webhook stored by a release before December 2026 (secret in plain text): encrypt it, then make the storage
        // forget the plain text.
        if (WebhookRules.MoveLegacyWebhook(_state.Current, secrets.Protect, clock.GetUtcNow()) is { } upgraded)
        {
            if (WebhookRules.NextAttemptAt(upgraded) is { } due)
            {
                await ArmDeliveryReminderAsync(due);
            }

            await _state.UpdateAsync(_ => (upgraded, 0));
            await ScrubQuietlyAsync();
        }

        // What is committed was pushed by the activation that wrote it, or reaches the regions another way: a round
        // that restarted rebuilt itself from its members, a silo that died made every round resync, and an activation
        // that went away with a push still pending left the sync reminder. So this activation pushes only its own changes.
        foreach (var region in _state.Current.Regions)
        {
            _confirmed[region] = _state.Current.Version;
        }

        // Deliveries due: attempt them while this activation lives (the reminder covers the time it does not).
        if (WebhookRules.NextAttemptAt(_state.Current) is { } next)
        {
            ArmDeliveryTimer(next);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A region still misses the newest version and the retry timer dies with this activation: leave a durable
        // reminder to finish the push. (A crash leaves none, but then the silo's death makes every round resync.)
        // A silo that shuts down is declared dead when it leaves, which makes every round resync: no reminder needed, and
        // none should hold up the shutdown (the reminder service may be stopping too).
        if (HasPendingPushes && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            var period = reviewOptions.Value.SyncPeriod;
            try
            {
                await this.RegisterOrUpdateReminder(SyncReminder, period, period).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                LogParkFailed(logger, ex, Key);
            }
        }
    }

    private bool HasPendingPushes => Exists && _state.Current.Regions.Any(r => !_confirmed.TryGetValue(r, out var held) || held < _state.Current.Version);

    public Task<ReviewView?> GetAsync() => Task.FromResult(Exists ? View(_state.Current) : null);

    public Task<ReviewSnapshot?> GetSnapshotAsync() => Task.FromResult(Exists ? _state.Current.ToSnapshot(Country) : null);

    public async Task<HistoryPage?> GetHistoryAsync(long after, int limit)
    {
        if (!Exists)
        {
            return null;
        }

        await EnsureTrailAsync();
        var entries = await history.ReadAsync(Key, Math.Max(after, 0), limit + 1, _state.Current.HistoryCount);
        return entries.Length > limit ? new HistoryPage(entries[..limit], HasMore: true) : new HistoryPage(entries, HasMore: false);
    }

    public Task<ReviewResult> RecordMilestoneAsync(MilestoneUpdate update) =>
        ChangeAsync("record-milestone", state => ReviewWorkflow.RecordMilestone(state, update, time.GetUtcNow()));

    public Task<ReviewResult> SetParticipationAsync(ParticipationUpdate update) =>
        ChangeAsync("set-participation", state => ReviewWorkflow.SetParticipation(state, update, time.GetUtcNow()));

    public async Task<ReviewSnapshot?> JoinRegionAsync(string regionKey, DateTimeOffset at)
    {
        if (!ReviewWorkflow.CanJoinRegion(_state.Current, regionKey))
        {
            return null;
        }

        await _state.UpdateAsync(s =>
            (s.Regions.Contains(regionKey) ? null : KeepUntrailed(s, ReviewWorkflow.JoinRegion(s, regionKey, "round", at)), 0));
        _ = AppendTrailQuietlyAsync();
        // The region takes this snapshot as the answer; no push needed (and none possible: it waits on us).
        var state = _state.Current;
        _confirmed[regionKey] = state.Version;
        return state.ToSnapshot(Country);
    }

    public async Task LeaveRegionAsync(string regionKey, DateTimeOffset at)
    {
        await _state.UpdateAsync(s =>
            (s.Regions.Contains(regionKey) ? KeepUntrailed(s, ReviewWorkflow.LeaveRegion(s, regionKey, "round", at)) : null, 0));
        _ = AppendTrailQuietlyAsync();
        _confirmed.Remove(regionKey);
    }

    public async Task<ReviewView?> GetAsOfAsync(DateOnly day)
    {
        // A State that no round counts any more may still have been counted on that day.
        if (!Exists && _state.Current.HistoryCount == 0)
        {
            return null;
        }

        var trail = await ReadTrailAsync();
        var then = ReviewReplay.Fold(trail, ReviewReplay.EndOf(day));
        // Trails from before December 2026 do not record which rounds counted the State: take today's.
        var regions = trail.Any(e => e.Field == "regions")
            ? then.Regions.Select(slug => Keys.Region(Cycle, slug))
            : then.Version > 0 ? _state.Current.Regions : [];
        then = then with { Regions = [.. regions] };
        return then.Regions.IsEmpty ? null : View(then);
    }

    public async Task<MemberRecord> GetRoundRecordAsync(string regionKey)
    {
        var state = _state.Current;
        var trail = state.HistoryCount == 0 ? [] : await ReadTrailAsync();
        var slug = Keys.Split(regionKey).Part;
        return new MemberRecord(
            Exists ? state.ToSnapshot(Country) with { Changes = null } : null,
            [.. RoundHistory.ForRounds(trail)],
            state.Version,
            [.. state.Nudges.Where(n => n.Region == slug).Select(n => n.SentAt)]);
    }

    /// <summary>The whole trail, oldest first, once every committed entry is in it.</summary>
    private async Task<ImmutableArray<HistoryEntry>> ReadTrailAsync()
    {
        await EnsureTrailAsync();
        var count = _state.Current.HistoryCount;
        return await history.ReadAsync(Key, 0, (int)Math.Min(count, int.MaxValue), count);
    }

    public Task<ImmutableArray<Nudge>?> GetNudgesAsync() =>
        Task.FromResult<ImmutableArray<Nudge>?>(Exists ? [.. _state.Current.Nudges.Reverse()] : null);

    public async Task<NudgeDelivery> ReceiveNudgeAsync(Nudge nudge)
    {
        var now = clock.GetUtcNow();
        _reminderHolds++;
        try
        {
            if (_state.Current.Endpoint is not null)
            {
                // Durable before the nudge is: a crash after the write still leaves something that will deliver it.
                await ArmDeliveryReminderAsync(now);
            }

            var delivery = await _state.UpdateAsync(s => NudgeRules.ReceiveNudge(s, Country, nudge, reviewOptions.Value.NudgeInterval, now));
            ArmDeliveryTimer(now);
            return delivery;
        }
        finally
        {
            _reminderHolds--;
        }
    }

    public Task<WebhookView?> GetWebhookAsync() =>
        Task.FromResult(Exists ? _state.Current.Endpoint?.ToView(clock.GetUtcNow()) : null);

    public async Task<WebhookResult> RegisterWebhookAsync(RegisterWebhook command)
    {
        if (!Exists)
        {
            return NoReview();
        }

        var now = clock.GetUtcNow();
        var endpoint = new WebhookEndpoint(command.Url, [new SigningSecret(secrets.Protect(command.Secret), now)], now, command.Actor);
        var replaced = _state.Current.Endpoint is not null;
        _reminderHolds++;
        try
        {
            // Deliveries still due (to a previous URL, or failed ones a resend revived) go to the new one.
            if (WebhookRules.NextAttemptAt(_state.Current with { Endpoint = endpoint }) is { } due)
            {
                await ArmDeliveryReminderAsync(due);
            }

            await _state.UpdateAsync(s => (KeepUntrailed(s, WebhookRules.RegisterWebhook(s, endpoint, command.SecretSupplied, command.Actor, time.GetUtcNow())), 0));
        }
        finally
        {
            _reminderHolds--;
        }

        await AppendTrailQuietlyAsync();
        if (replaced)
        {
            await ScrubQuietlyAsync();
        }

        await RescheduleDeliveriesAsync();
        return new WebhookResult(Outcome.Applied, endpoint.ToView(now));
    }

    public async Task<WebhookResult> RotateWebhookSecretAsync(RotateWebhookSecret command)
    {
        if (!Exists)
        {
            return NoReview();
        }

        var now = clock.GetUtcNow();
        var fresh = new SigningSecret(secrets.Protect(command.Secret), now);
        var refusal = await _state.UpdateAsync(s =>
            WebhookRules.RotateWebhookSecret(s, fresh, now + command.Grace, now, command.Actor, time.GetUtcNow()) is { Next: { } next } rotated
                ? (KeepUntrailed(s, next), rotated.Refusal)
                : (null, "no webhook is registered"));
        if (refusal is not null)
        {
            return new WebhookResult(Outcome.NotFound, null, refusal);
        }

        await AppendTrailQuietlyAsync();
        await ScrubQuietlyAsync();
        return new WebhookResult(Outcome.Applied, _state.Current.Endpoint!.ToView(now));
    }

    public async Task<WebhookResult> RemoveWebhookAsync(string actor)
    {
        if (!Exists)
        {
            return NoReview();
        }

        var removed = await _state.UpdateAsync(s => WebhookRules.RemoveWebhook(s, actor, time.GetUtcNow()) is { } next ? (KeepUntrailed(s, next), true) : (null, false));
        if (!removed)
        {
            return new WebhookResult(Outcome.NotFound, null, "no webhook is registered");
        }

        await AppendTrailQuietlyAsync();
        await ScrubQuietlyAsync();
        await RescheduleDeliveriesAsync();
        return new WebhookResult(Outcome.Applied, null);
    }

    public async Task<ResendResult> ResendNudgeAsync(string nudgeId, string actor)
    {
        if (!Exists)
        {
            return new ResendResult(Outcome.NotFound, null, $"{Country} has no review in cycle {Cycle}");
        }

        var now = clock.GetUtcNow();
        if (NudgeRules.ResendNudge(_state.Current, nudgeId, now) is not { Next: not null })
        {
            // Nothing to do: answer from the committed state, writing nothing.
            var (_, current, refusal) = NudgeRules.ResendNudge(_state.Current, nudgeId, now);
            return current is null
                ? new ResendResult(Outcome.NotFound, null, $"no nudge '{nudgeId}' in the inbox of {Country}")
                : new ResendResult(refusal is null ? Outcome.Unchanged : Outcome.RuleViolated, current, refusal);
        }

        _reminderHolds++;
        try
        {
            await ArmDeliveryReminderAsync(now);
            var resent = await _state.UpdateAsync(s => NudgeRules.ResendNudge(s, nudgeId, now) is { Next: { } next, Nudge: var n } ? (next, n) : (null, null));
            ArmDeliveryTimer(now);
            return resent is null
                ? new ResendResult(Outcome.Unchanged, NudgeRules.FindNudge(_state.Current, nudgeId))
                : new ResendResult(Outcome.Applied, resent);
        }
        finally
        {
            _reminderHolds--;
        }
    }

    /// <summary>A webhook change's entries, after those of the row the trail may not have yet (as <see cref="ChangeAsync"/> keeps them).</summary>
    private ReviewState KeepUntrailed(ReviewState before, ReviewState next) => next with { LastChange = NotInTrail(before).AddRange(next.LastChange) };

    private WebhookResult NoReview() => new(Outcome.NotFound, null, $"{Country} has no review in cycle {Cycle}");

    public Task<Nudge?> AcknowledgeNudgeAsync(string nudgeId, string actor) =>
        _state.UpdateAsync(s => NudgeRules.AcknowledgeNudge(s, nudgeId, actor, time.GetUtcNow()));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (reminderName)
        {
            case DeliveryReminder:
                // This tick consumed the due time the reminder was armed for: whatever happens, arm it again.
                _reminderDue = null;
                await DeliverDueAsync();
                break;
            case SyncReminder:
                // Registered because a push was pending: push to every region, whatever this activation assumed.
                _confirmed.Clear();
                await PushAllAsync();
                if (!HasPendingPushes && await this.GetReminder(SyncReminder) is { } sync)
                {
                    await this.UnregisterReminder(sync);
                }

                break;
        }
    }

    private async Task<ReviewResult> ChangeAsync(string command, Func<ReviewState, Decision> decide)
    {
        if (!Exists)
        {
            GcmMetrics.ReviewCommand(command, Outcome.NotFound);
            return new ReviewResult(Outcome.NotFound, null, $"{Country} has no review in cycle {Cycle}");
        }

        // The row carries every entry the trail may still miss, so a write never waits for the trail; only a backlog
        // that the trail keeps refusing (its table unreachable while the state row is not) makes the next write wait.
        if (_state.Current.LastChange.Count > MaxPendingEntries)
        {
            await EnsureTrailAsync();
        }

        var decision = await _state.UpdateAsync(state =>
        {
            var d = decide(state);
            return (d.Outcome == Outcome.Applied ? d.State with { LastChange = NotInTrail(state).AddRange(d.State.LastChange) } : null, d);
        });
        GcmMetrics.ReviewCommand(command, decision.Outcome);

        if (decision.Outcome is Outcome.Applied or Outcome.Unchanged)
        {
            // The change is durable (its history entries are in the row too); the caller hears "ok" whatever the
            // regions do. The entries go to the trail in the background (a history read or the next write waits for
            // them); the push is waited for only briefly, so that a dashboard read right after normally shows it.
            _ = AppendTrailQuietlyAsync();

            // Waiting makes sense only for a region that answers: one whose last push is still in flight, or failed
            // moments ago, gets the change from that push's loop or its retry, and this write does not wait for it.
            var now = Stopwatch.GetTimestamp();
            var worthWaiting = _state.Current.Regions
                .Where(r => !_pushes.ContainsKey(r) && (!_lastPushFailure.TryGetValue(r, out var failed) || Stopwatch.GetElapsedTime(failed, now) > SlowRegionGrace))
                .ToList();
            var pushed = PushAllAsync();
            var waited = Task.WhenAll(worthWaiting.Select(r => _pushes.GetValueOrDefault(r) ?? Task.CompletedTask));
            if (!waited.IsCompleted)
            {
                await Task.WhenAny(waited, Task.Delay(reviewOptions.Value.PushWait));
            }

            GC.KeepAlive(pushed);
        }

        return new ReviewResult(decision.Outcome, View(_state.Current), decision.Detail);
    }

    /// <summary>How long after a failed push to a region writes stop waiting for that region.</summary>
    private static readonly TimeSpan SlowRegionGrace = TimeSpan.FromSeconds(10);

    /// <summary>When the last push to each region failed (timestamps of <see cref="Stopwatch"/>).</summary>
    private readonly Dictionary<string, long> _lastPushFailure = new(StringComparer.Ordinal);

    /// <summary>Entries the row carries beyond this many make the next write wait for the trail.</summary>
    private const int MaxPendingEntries = 200;

    /// <summary>The entries of the row that the trail may not have yet (all of them until this activation has checked).</summary>
    private ImmutableList<HistoryEntry> NotInTrail(ReviewState state) => _trailDurable < 0
        ? state.LastChange
        : state.LastChange.RemoveAll(e => e.Sequence <= _trailDurable);

    /// <summary>Makes sure every entry the committed row counts is in the trail table.</summary>
    private Task EnsureTrailAsync()
    {
        if (_state.Current.HistoryCount == 0 || _trailDurable >= _state.Current.HistoryCount)
        {
            return Task.CompletedTask;
        }

        if (_trailAppend is { IsCompleted: false } running)
        {
            return running;
        }

        return _trailAppend = AppendMissingAsync();

        async Task AppendMissingAsync()
        {
            if (_trailDurable < 0)
            {
                _trailDurable = await history.LastSequenceAsync(Key);
            }

            // Writes may land while an append runs: go on until the trail has everything the committed row counts.
            while (_state.Current is var state && _trailDurable < state.HistoryCount)
            {
                // Only entries the row carries can be missing: a row never drops an entry the trail does not have.
                var missing = state.LastChange.Where(e => e.Sequence > _trailDurable).ToList();
                if (missing.Count > 0)
                {
                    await history.AppendAsync(Key, missing);
                }

                _trailDurable = Math.Max(_trailDurable, state.HistoryCount);
            }
        }
    }

    private async Task AppendTrailQuietlyAsync()
    {
        try
        {
            await EnsureTrailAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The entries are safe in the state row; the next write or history read appends them.
            LogTrailDeferred(logger, ex, Key);
        }
    }

    /// <summary>Pushes the current snapshot to every region that has not confirmed it; never throws.</summary>
    private Task PushAllAsync() => Task.WhenAll(_state.Current.Regions.Select(PushToAsync));

    private Task PushToAsync(string region)
    {
        if (_pushes.TryGetValue(region, out var running))
        {
            return running;
        }

        var push = PushLoopAsync(region);
        if (!push.IsCompleted)
        {
            _pushes[region] = push;
        }

        return push;
    }

    /// <summary>Pushes until the region holds the newest committed version (writes may land while a push is in flight).</summary>
    private async Task PushLoopAsync(string region)
    {
        try
        {
            while (_state.Current is var state && state.Regions.Contains(region)
                   && (!_confirmed.TryGetValue(region, out var held) || held < state.Version))
            {
                await GrainFactory.Region(region).ApplySnapshotAsync(state.ToSnapshot(Country));
                _confirmed[region] = Math.Max(_confirmed.GetValueOrDefault(region), state.Version);
                _lastPushFailure.Remove(region);
            }

            _pushRetryDelay = TimeSpan.Zero;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            GcmMetrics.PushFailed();
            _lastPushFailure[region] = Stopwatch.GetTimestamp();
            var delay = NextPushRetry();
            LogPushFailed(logger, ex, Key, _state.Current.Version, region, delay);
        }
        finally
        {
            _pushes.Remove(region);
        }
    }

    /// <summary>Arms the push retry (a timer that keeps the grain active until every region has the newest version).</summary>
    private TimeSpan NextPushRetry()
    {
        var options = reviewOptions.Value;
        _pushRetryDelay = _pushRetryDelay == TimeSpan.Zero
            ? options.PushRetryMin
            : TimeSpan.FromTicks(Math.Min(_pushRetryDelay.Ticks * 2, options.PushRetryMax.Ticks));
        _pushRetry ??= this.RegisterGrainTimer(
            _ => PushAllAsync(),
            new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        _pushRetry.Change(_pushRetryDelay, Timeout.InfiniteTimeSpan);
        return _pushRetryDelay;
    }

    /// <summary>
    /// Attempts what is due at <paramref name="due"/> in a turn of the grain's own, so that no caller (a region sending
    /// nudges, a ministry registering its webhook) waits on the ministry's server. One timer per activation, re-armed.
    /// </summary>
    private void ArmDeliveryTimer(DateTimeOffset due)
    {
        if (_state.Current.Endpoint is null)
        {
            return;
        }

        var wait = due - clock.GetUtcNow();
        _deliveryTimer ??= this.RegisterGrainTimer(_ => DeliverDueAsync(), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deliveryTimer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Makes one attempt at each delivery that is due, oldest first, and records its outcome (delivered, or pending
    /// with the next attempt's time, or failed after the last one). Then re-arms the timer and the reminder for the
    /// next attempt, or lets both go when nothing is left to deliver.
    /// </summary>
    private async Task DeliverDueAsync()
    {
        if (_delivering)
        {
            return;
        }

        _delivering = true;
        try
        {
            var options = webhookOptions.Value;
            while (_state.Current is { Endpoint: { } endpoint } state
                   && state.Nudges.Where(n => WebhookRules.IsDue(n.Delivery, clock.GetUtcNow())).MinBy(n => n.Delivery!.NextAttemptAt) is { } nudge)
            {
                var result = await webhooks.SendAsync(endpoint, new WebhookMessage(nudge.Id, Cycle, Country, nudge), CancellationToken.None);
                var at = clock.GetUtcNow();
                var sample = Random.Shared.NextDouble();
                var recorded = await _state.UpdateAsync(s =>
                    WebhookRules.RecordAttempt(s, nudge.Id, d => WebhookRules.AfterAttempt(d, result, at, options, sample)) is { } next
                        ? (next, NudgeRules.FindNudge(next, nudge.Id)?.Delivery)
                        : (null, null));
                if (!result.Accepted)
                {
                    GcmMetrics.WebhookFailed();
                }

                if (recorded is { Status: DeliveryStatus.Failed } failed)
                {
                    LogDeliveryFailed(logger, Key, nudge.Id, failed.Attempts);
                }
            }
        }
        finally
        {
            _delivering = false;
        }

        await RescheduleDeliveriesAsync();
    }

    /// <summary>Arms the timer and the durable reminder for the next attempt; with nothing due, removes both.</summary>
    private async Task RescheduleDeliveriesAsync()
    {
        if (WebhookRules.NextAttemptAt(_state.Current) is { } next)
        {
            ArmDeliveryTimer(next);
            if (_reminderDue != next)
            {
                await ArmDeliveryReminderAsync(next, force: true);
            }

            return;
        }

        _deliveryTimer?.Dispose();
        _deliveryTimer = null;
        if (_reminderHolds > 0)
        {
            return;
        }

        if (await this.GetReminder(DeliveryReminder) is { } reminder && WebhookRules.NextAttemptAt(_state.Current) is null && _reminderHolds == 0)
        {
            await this.UnregisterReminder(reminder);
        }

        _reminderDue = null;
    }

    /// <summary>
    /// Makes sure the durable reminder fires by <paramref name="due"/> (a second after it: the timer normally gets
    /// there first). Its period only matters when the silo was down at the due time.
    /// </summary>
    private async Task ArmDeliveryReminderAsync(DateTimeOffset due, bool force = false)
    {
        if (!force && _reminderDue is { } armed && armed <= due)
        {
            return;
        }

        var wait = due - clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        await this.RegisterOrUpdateReminder(DeliveryReminder, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, reviewOptions.Value.DeliveryRetryPeriod);
        _reminderDue = due;
    }

    /// <summary>Secrets left the state: have the storage forget their bytes. A failure is logged; the next one tries again.</summary>
    private async Task ScrubQuietlyAsync()
    {
        try
        {
            await secrets.ScrubAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogScrubFailed(logger, ex, Key);
        }
    }

    private ReviewView View(ReviewState state) => state.ToView(Cycle, Country, countries.NameOf(Country));

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review} could not push version {Version} to region {Region}; retrying in {Delay}")]
    private static partial void LogPushFailed(ILogger logger, Exception ex, string review, long version, string region, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review}: the webhook delivery of nudge {Nudge} failed after {Attempts} attempts; the ministry can ask for it again")]
    private static partial void LogDeliveryFailed(ILogger logger, string review, string nudge, int attempts);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review}: could not make the storage forget removed webhook secrets (they are encrypted); the next removal tries again")]
    private static partial void LogScrubFailed(ILogger logger, Exception ex, string review);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review} deactivated with a push pending and could not leave its sync reminder; a resync of the rounds or the next write brings the change")]
    private static partial void LogParkFailed(ILogger logger, Exception ex, string review);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Review {Review}: the latest change's history entries are not in the trail yet (they are in the state row); the next write or read appends them")]
    private static partial void LogTrailDeferred(ILogger logger, Exception ex, string review);
}
