using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using GcmActors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GcmActors.Grains;

public sealed class RegionOptions
{
    /// <summary>
    /// How often a round with an automatic nudge policy checks whether a nudge is due (configuration:
    /// Gcm:Regions:AutoNudgeCheckPeriod). The policy's own cadence is in days; this only bounds the delay.
    /// </summary>
    public TimeSpan AutoNudgeCheckPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// At most one rebuild of a round's document per this interval while pushes keep coming (configuration:
    /// Gcm:Regions:RebuildInterval); a push after a quiet interval is shown at once. Zero rebuilds on every push.
    /// </summary>
    public TimeSpan RebuildInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Days after a nudge within which a completed milestone counts as following it (configuration:
    /// Gcm:Regions:NudgeWindowDays).
    /// </summary>
    public int NudgeWindowDays { get; set; } = 14;
}

/// <summary>
/// One regional review round. Persists only its configuration; the latest snapshot of each member is kept in memory,
/// filled from the member reviews when the round activates and kept current by their pushes, so that a push costs no
/// storage write whatever the round's size. The dashboard document is kept serialized and ready, so that a read hands
/// over bytes and computes nothing. It never calls a review while handling that review's push.
/// </summary>
public sealed partial class RegionGrain(
    [PersistentState("region", GcmStorage.Name)] IPersistentState<RegionState> storage,
    [FromKeyedServices(GcmClock.Key)] TimeProvider time,
    CountryCatalog countries,
    RegionDocumentBoard board,
    IReviewHistory trail,
    IOptions<RegionOptions> regionOptions,
    ILogger<RegionGrain> logger) : Grain, IRegionGrain, IRemindable
{
    /// <summary>The most timeline points one request may ask for.</summary>
    public const int MaxTimelinePoints = 1000;

    /// <summary>Replayed days and timelines kept ready (a past day never changes); beyond this many, the oldest go.</summary>
    private const int CachedReplays = 64;

    internal const string AutoNudgeReminder = "auto-nudge";
    private const string AutomaticActor = "automatic";

    private readonly CommittedState<RegionState> _state = new(storage);
    private readonly Dictionary<string, ReviewSnapshot> _snapshots = new(StringComparer.Ordinal);
    private RegionDocument? _document;
    private DateOnly _documentDay;
    private long _lastRebuild;
    private bool _rebuildDue;
    private IGrainTimer? _rebuildTimer;
    private readonly RoundHistory _history = new();
    private readonly Dictionary<DateOnly, RegionDocument> _replays = [];
    private readonly Dictionary<(DateOnly, DateOnly, TimelineStep, string), RegionDocument> _timelines = [];
    private readonly Dictionary<string, Task> _reloads = new(StringComparer.Ordinal);

    private string Cycle => Keys.Split(this.GetPrimaryKeyString()).Cycle;

    private string Region => Keys.Split(this.GetPrimaryKeyString()).Part;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The reviews are the truth: ask each member for its committed snapshot. A member that cannot answer fails the
        // activation (the caller sees 503 and retries) rather than showing a State as if it had done nothing.
        if (_state.Current.Config is not null)
        {
            await LoadOwnTrailAsync();
            await LoadMembersAsync(_history.EverMembers.Union(_state.Current.Config.Members));
            await Catalog().RegisterRoundAsync(this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Reads the round's configurations with their dates. A round stored before December 2026 has none: its configuration
    /// is recorded as in force from now on (earlier days cannot be replayed; decision 0013). An entry still only in the row
    /// (the process died before the trail had it) is appended again, which the trail ignores when it already has it.
    /// </summary>
    private async Task LoadOwnTrailAsync()
    {
        var key = this.GetPrimaryKeyString();
        if (_state.Current.TrailCount == 0)
        {
            var now = time.GetUtcNow();
            await _state.UpdateAsync(s =>
            {
                var entry = RoundHistory.ConfigEntry(s.Config!, s.Version, "upgrade", now, 1);
                return (s with { TrailCount = 1, LastChange = [entry] }, 0);
            });
        }

        var pending = _state.Current.LastChange;
        if (!pending.IsEmpty)
        {
            await trail.AppendAsync(key, pending);
        }

        var entries = await trail.ReadAsync(key, 0, (int)_state.Current.TrailCount, _state.Current.TrailCount);
        foreach (var entry in entries.Concat(pending))
        {
            _history.AddConfig(entry);
        }
    }

    public Task<RegionDocument?> GetProgressAsync()
    {
        if (_state.Current.Config is null)
        {
            return Task.FromResult<RegionDocument?>(null);
        }

        // Lagging and days-to-conference depend on the date, so the document is also rebuilt once a day.
        var today = time.Today();
        if (_document is null || _documentDay != today || _rebuildDue)
        {
            Rebuild(today);
        }

        return Task.FromResult(_document);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        board.Withdraw(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    private ICatalogGrain Catalog() => GrainFactory.GetGrain<ICatalogGrain>(Keys.Catalog);

    public Task<RegionConfig?> GetConfigAsync() => Task.FromResult(_state.Current.Config);

    public async Task<RegionDocument?> GetProgressAsOfAsync(DateOnly day)
    {
        var today = time.Today();
        if (_state.Current.Config is null || _history.ConfigAt(ReviewReplay.EndOf(day)) is not { } then)
        {
            return null;
        }

        if (day >= today)
        {
            return await GetProgressAsync();
        }

        await CatchUpAsync();
        if (_replays.TryGetValue(day, out var cached))
        {
            return cached;
        }

        var progress = RegionProgressCalculator.Compute(
            Cycle, Region, then.Config, then.Version, _history, MembersOn, day, countries.NameOf, regionOptions.Value.NudgeWindowDays);
        var document = Document(progress, then.Version, day);
        Remember(_replays, day, document);
        return document;
    }

    public async Task<TimelineResult?> GetTimelineAsync(DateOnly? from, DateOnly? to, TimelineStep step)
    {
        if (_state.Current.Config is null || _history.Start is not { } start)
        {
            return null;
        }

        var today = time.Today();
        var first = from ?? ReviewReplay.DayOf(start);
        var last = to ?? today;
        var dates = RegionRules.TimelineDates(first, last, step, MaxTimelinePoints);
        if (dates is null)
        {
            return new TimelineResult(null, $"at most {MaxTimelinePoints} points: choose a larger step or a shorter range");
        }

        await CatchUpAsync();
        var live = await GetProgressAsync();
        // Kept for as long as the round's document stays the same (its tag names the configuration, the members and the day).
        var key = (first, last, step, live!.ETag);
        if (_timelines.TryGetValue(key, out var cached))
        {
            return new TimelineResult(cached);
        }

        var points = ImmutableArray.CreateBuilder<TimelinePoint>();
        var previous = DateTimeOffset.MinValue;
        foreach (var date in dates)
        {
            var until = ReviewReplay.EndOf(date);
            if (_history.ConfigAt(until) is not { } then)
            {
                continue;
            }

            var p = RegionProgressCalculator.Compute(
                Cycle, Region, then.Config, then.Version, _history, MembersOn, date, countries.NameOf, regionOptions.Value.NudgeWindowDays, derived: false);
            var nudges = then.Config.Members.Sum(c => _history.Nudges(c, until).Count(t => t > previous));
            points.Add(new TimelinePoint(date, p.Phase, p.Counts, p.Submitted, p.Lagging.Length, p.Participating, nudges));
            previous = until;
        }

        var effect = NudgeEffects.Compute(_history, _state.Current.Config.Members, ReviewReplay.EndOf(last), regionOptions.Value.NudgeWindowDays);
        var timeline = new RegionTimeline(Cycle, Region, first, last, step, points.ToImmutable(), effect);
        var json = JsonSerializer.SerializeToUtf8Bytes(timeline, GcmJson.Options);
        var document = new RegionDocument(json, $"\"t{first.DayNumber}.{last.DayNumber}.{(int)step}-{live.ETag.Trim('"')}\"", live.Version);
        Remember(_timelines, key, document);
        return new TimelineResult(document);
    }

    private static void Remember<TKey>(Dictionary<TKey, RegionDocument> cache, TKey key, RegionDocument document) where TKey : notnull
    {
        if (cache.Count >= CachedReplays)
        {
            cache.Clear();
        }

        cache[key] = document;
    }

    /// <summary>Members as they stood at the end of a day: the live snapshots for today, the trail's for another day.</summary>
    private IReadOnlyDictionary<string, ReviewSnapshot> MembersOn(DateOnly day)
    {
        if (day == time.Today())
        {
            return _snapshots;
        }

        var until = ReviewReplay.EndOf(day);
        var members = _history.ConfigAt(until)?.Config.Members ?? _state.Current.Config?.Members ?? [];
        return members.ToDictionary(c => c, c => _history.MemberAt(c, until), StringComparer.Ordinal);
    }

    /// <summary>Waits for the trails of members whose pushes skipped entries, so that a replay never misses a change.</summary>
    private async Task CatchUpAsync()
    {
        foreach (var (country, snapshot) in _snapshots)
        {
            if (_history.IsBehind(country, snapshot.Version))
            {
                Reload(country);
            }
        }

        await Task.WhenAll(_reloads.Values.ToList());
    }

    /// <summary>Reads a member's trail again (once at a time per member), then rebuilds the document.</summary>
    private void Reload(string country)
    {
        if (_reloads.ContainsKey(country))
        {
            return;
        }

        _reloads[country] = ReloadAsync();

        async Task ReloadAsync()
        {
            try
            {
                await LoadMembersAsync([country]);
                Rebuild(time.Today());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReloadFailed(logger, ex, country, this.GetPrimaryKeyString());
            }
            finally
            {
                _reloads.Remove(country);
            }
        }
    }

    public async Task<RegionResult> ConfigureAsync(ConfigureRegion command)
    {
        var config = command.Config;
        if (RegionRules.Validate(config, countries) is { } invalid)
        {
            return new RegionResult(Outcome.Invalid, _state.Current.Version, invalid);
        }

        var now = time.GetUtcNow();
        var at = command.At ?? now;
        var current = _state.Current;
        if (RegionRules.ValidateLifecycle(config, time.Today()) is { } lifecycle)
        {
            return new RegionResult(Outcome.Invalid, current.Version, lifecycle);
        }

        if (current.Config is { } existing && RegionRules.SameConfig(existing, config))
        {
            return new RegionResult(Outcome.Unchanged, current.Version);
        }

        if (at > now || (current.LastChange is [.., var latest] && at < latest.At))
        {
            return new RegionResult(Outcome.Invalid, current.Version, "a change of the round is dated between its latest change and now");
        }

        if (command.ExpectedVersion is { } expected && expected != current.Version)
        {
            return new RegionResult(Outcome.VersionMismatch, current.Version,
                $"the round is at version {current.Version}, not {expected}");
        }

        var before = current.Config?.Members ?? [];
        var added = config.Members.Except(before, StringComparer.Ordinal).ToList();
        var removed = before.Except(config.Members, StringComparer.Ordinal).ToList();

        // Attach new members first and take their snapshots as answers (the reviews interleave this call
        // even when they are waiting on our push). Any failure leaves this round unchanged: the PUT can be retried.
        var key = this.GetPrimaryKeyString();
        var joined = await Task.WhenAll(added.Select(async c => (Country: c, Snapshot: await Review(c).JoinRegionAsync(key, at))));
        if (joined.Where(j => j.Snapshot is null).Select(j => j.Country).ToList() is [_, ..] refused)
        {
            // Undo the joins that did happen, so that the refused configuration leaves no trace in the routing (the
            // members' trails show the join and the leave).
            await Task.WhenAll(joined.Where(j => j.Snapshot is not null).Select(j => Review(j.Country).LeaveRegionAsync(key, at)));
            return new RegionResult(Outcome.Invalid, current.Version,
                $"{string.Join(", ", refused)} already belong{(refused.Count == 1 ? "s" : "")} to {ReviewWorkflow.MaxRegionsPerCycle} "
                + $"regional rounds of cycle {Cycle}, the most a State may belong to");
        }

        await Task.WhenAll(removed.Select(c => Review(c).LeaveRegionAsync(key, at)));

        // Listed before it is stored: a round the catalog lists but that failed to store reads as not configured
        // (discovery skips it), whereas the other order could leave a stored round unlisted until it reactivates.
        await Catalog().RegisterRoundAsync(key);

        // The row carries the change's trail entry; the trail gets it right after (and again at activation if this fails).
        var result = await _state.UpdateAsync(state =>
        {
            var entry = RoundHistory.ConfigEntry(config, state.Version + 1, command.Actor, at, state.TrailCount + 1);
            var next = state with { Config = config, Version = state.Version + 1, TrailCount = state.TrailCount + 1, LastChange = [entry] };
            return (next, new RegionResult(Outcome.Applied, next.Version));
        });
        _history.AddConfig(_state.Current.LastChange[^1]);
        await AppendOwnTrailQuietlyAsync();
        foreach (var country in removed)
        {
            _snapshots.Remove(country);
        }

        foreach (var (_, snapshot) in joined)
        {
            Keep(snapshot!);
        }

        await LoadMembersAsync(added);
        ForgetReplays();
        Rebuild(time.Today());
        await ScheduleAutomaticNudgesAsync(config.NudgePolicy);
        return result;
    }
    private async Task AppendOwnTrailQuietlyAsync()
    {
        try
        {
            await trail.AppendAsync(this.GetPrimaryKeyString(), _state.Current.LastChange);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The row keeps the entry; the next activation appends it.
            LogTrailDeferred(logger, ex, this.GetPrimaryKeyString());
        }
    }

    /// <summary>Replayed days are recomputed from now on: what the round knows of its past has changed.</summary>
    private void ForgetReplays()
    {
        _replays.Clear();
        _timelines.Clear();
    }

    public async Task<NudgeResult> SendNudgesAsync(SendNudges command)
    {
        if (_state.Current.Config is not { } config)
        {
            return new NudgeResult(Outcome.NotFound, [], $"no regional round '{Region}' in cycle {Cycle}");
        }

        if (string.IsNullOrWhiteSpace(command.Message) || command.Message.Length > NudgeRules.MaxNudgeLength)
        {
            return new NudgeResult(Outcome.Invalid, [], $"a nudge needs a message of at most {NudgeRules.MaxNudgeLength} characters");
        }

        if (!command.Countries.IsDefaultOrEmpty && command.Countries.FirstOrDefault(c => !config.Members.Contains(c)) is { } stranger)
        {
            return new NudgeResult(Outcome.Invalid, [], $"'{stranger}' is not a member of this round");
        }

        // Without names: every State that lags, as the dashboard shows it today (a concluded round: on its conclusion day).
        var today = time.Today();
        var lagDay = RegionRules.PhaseOn(config, today) is (RoundPhase.Concluded, { } concluded) ? concluded : today;
        var lagSnapshots = MembersOn(lagDay);
        IEnumerable<string> targets = command.Countries.IsDefaultOrEmpty
            ? config.Members.Where(c =>
                RegionProgressCalculator.Member(c, "", lagSnapshots.GetValueOrDefault(c), config.Deadlines, lagDay).Lagging)
            : command.Countries;

        var now = time.GetUtcNow();
        var deliveries = await Task.WhenAll(targets.Distinct(StringComparer.Ordinal).Select(country =>
            Review(country).ReceiveNudgeAsync(new Nudge($"{Region}-{Guid.NewGuid():N}", Region, command.Actor, command.Message.Trim(), now))));
        foreach (var delivery in deliveries.Where(d => d.Outcome == NudgeOutcome.Delivered))
        {
            _history.AddNudge(delivery.Country, now);
        }

        if (deliveries.Any(d => d.Outcome == NudgeOutcome.Delivered))
        {
            Rebuild(today);
        }

        return new NudgeResult(Outcome.Applied, [.. deliveries]);
    }

    /// <summary>
    /// The automatic nudge policy: when due, nudge every lagging State. The send comes before the record of
    /// it, so a crash in between repeats the send, which each review reports as a duplicate.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AutoNudgeReminder)
        {
            return;
        }

        if (_state.Current.Config?.NudgePolicy is not { Automatic: true } policy)
        {
            await ScheduleAutomaticNudgesAsync(null);
            return;
        }

        var now = time.GetUtcNow();
        if (_state.Current.LastAutomaticNudge is { } last && now - last < TimeSpan.FromDays(policy.EveryDays))
        {
            return;
        }

        await SendNudgesAsync(new SendNudges([], policy.Message, AutomaticActor));
        await _state.UpdateAsync(s => (s with { LastAutomaticNudge = now }, 0));
    }

    private async Task ScheduleAutomaticNudgesAsync(NudgePolicy? policy)
    {
        var reminder = await this.GetReminder(AutoNudgeReminder);
        if (policy is { Automatic: true } && reminder is null)
        {
            var period = regionOptions.Value.AutoNudgeCheckPeriod;
            await this.RegisterOrUpdateReminder(AutoNudgeReminder, period, period);
        }
        else if (policy is not { Automatic: true } && reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<PushResult> ApplySnapshotAsync(ReviewSnapshot snapshot)
    {
        if (_state.Current.Config is not { } config || !config.Members.Contains(snapshot.Country))
        {
            return Task.FromResult(PushResult.NotMember);
        }

        if (!Keep(snapshot))
        {
            return Task.FromResult(PushResult.AlreadyCurrent);
        }

        // The push carries its change's trail entries; one that skipped a version without them has the trail read again.
        if (!_history.Extend(snapshot))
        {
            Reload(snapshot.Country);
        }
        else if (snapshot.Changes?.Any(e => ReviewReplay.DayOf(e.At) < time.Today()) == true)
        {
            ForgetReplays();
        }

        RebuildSoon();
        return Task.FromResult(PushResult.Stored);
    }

    /// <summary>
    /// A push costs a lookup; a rebuild of the document costs the round's size. So the document is rebuilt at once when
    /// the last rebuild is older than <see cref="RegionOptions.RebuildInterval"/> (a quiet round shows each change
    /// immediately), and otherwise once at the end of that interval for every push that came in it.
    /// </summary>
    private void RebuildSoon()
    {
        var interval = regionOptions.Value.RebuildInterval;
        var since = Stopwatch.GetElapsedTime(_lastRebuild);
        if (!_rebuildDue && (interval <= TimeSpan.Zero || since >= interval))
        {
            Rebuild(time.Today());
            return;
        }

        if (!_rebuildDue)
        {
            _rebuildDue = true;
            board.MarkStale(this.GetPrimaryKeyString());
            _rebuildTimer ??= this.RegisterGrainTimer(() =>
            {
                if (_rebuildDue)
                {
                    Rebuild(time.Today());
                }

                return Task.CompletedTask;
            }, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { Interleave = true });
            _rebuildTimer.Change(interval - since, Timeout.InfiniteTimeSpan);
        }
    }

    public async Task ResyncAsync()
    {
        if (_state.Current.Config is { } config)
        {
            var snapshots = await Task.WhenAll(config.Members.Select(c => Review(c).GetSnapshotAsync()));
            var changed = false;
            foreach (var snapshot in snapshots.OfType<ReviewSnapshot>().Where(Keep))
            {
                changed = true;
                if (!_history.Extend(snapshot))
                {
                    Reload(snapshot.Country);
                }
            }

            if (changed)
            {
                Rebuild(time.Today());
            }
        }
    }

    /// <summary>
    /// Asks members for what the round keeps of them: the committed snapshot (of current members), the trail entries the
    /// round counts, the nudges it sent. A member that cannot answer fails the call (the caller sees 503 and retries)
    /// rather than showing a State as if it had done nothing.
    /// </summary>
    private async Task LoadMembersAsync(IEnumerable<string> countries)
    {
        var key = this.GetPrimaryKeyString();
        var records = await Task.WhenAll(countries.Distinct(StringComparer.Ordinal).Select(async c => (Country: c, Record: await Review(c).GetRoundRecordAsync(key))));
        foreach (var (country, record) in records)
        {
            _history.SetTrail(country, record.Trail, record.Version);
            _history.SetNudges(country, record.Nudges);
            if (record.Snapshot is { } snapshot && _state.Current.Config?.Members.Contains(country) == true)
            {
                Keep(snapshot);
            }
        }

        if (records.Length > 0)
        {
            ForgetReplays();
        }
    }

    /// <summary>Keeps a snapshot if it is newer than the one held; reviews only ever move forward.</summary>
    private bool Keep(ReviewSnapshot snapshot)
    {
        if (_snapshots.TryGetValue(snapshot.Country, out var held) && held.Version >= snapshot.Version)
        {
            return false;
        }

        _snapshots[snapshot.Country] = snapshot;
        return true;
    }

    private void Rebuild(DateOnly today)
    {
        var state = _state.Current;
        if (state.Config is null)
        {
            _document = null;
            board.Withdraw(this.GetPrimaryKeyString());
            return;
        }

        var progress = RegionProgressCalculator.Compute(
            Cycle, Region, state.Config, state.Version, _history, MembersOn, today, countries.NameOf, regionOptions.Value.NudgeWindowDays);
        GcmMetrics.DocumentBuilt();
        _lastRebuild = Stopwatch.GetTimestamp();
        _rebuildDue = false;
        _document = Document(progress, state.Version, today);
        _documentDay = today;
        board.Publish(this.GetPrimaryKeyString(), _document, today);
    }

    /// <summary>
    /// The document serialized once, with its entity tag: the configuration's version, the members' versions (which only
    /// grow while the configuration stays), the nudges sent and the day. Written here and nowhere else.
    /// </summary>
    private RegionDocument Document(RegionProgress progress, long configVersion, DateOnly day)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(progress, GcmJson.Options);
        var membersVersion = progress.Version - configVersion;
        var nudges = _history.NudgeCount(ReviewReplay.EndOf(day));
        return new RegionDocument(json, $"\"{configVersion}.{membersVersion}.{nudges}-{day.DayNumber}\"", progress.Version);
    }

    private IReviewGrain Review(string country) => GrainFactory.Review(Keys.Review(Cycle, country));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Region} could not read the trail of {Country} again; its replays wait for the next try")]
    private static partial void LogReloadFailed(ILogger logger, Exception ex, string country, string region);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Round {Region} could not append its configuration change to its trail yet; the row keeps it")]
    private static partial void LogTrailDeferred(ILogger logger, Exception ex, string region);
}
