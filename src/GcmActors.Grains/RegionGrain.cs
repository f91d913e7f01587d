using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using GcmActors.Contracts;
using Microsoft.Extensions.DependencyInjection;
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
}

/// <summary>
/// One regional review round. Persists only its configuration; the latest snapshot of each member is kept in memory,
/// filled from the member reviews when the round activates and kept current by their pushes, so that a push costs no
/// storage write whatever the round's size. The dashboard document is kept serialized and ready, so that a read hands
/// over bytes and computes nothing. It never calls a review while handling that review's push.
/// </summary>
[SpreadOverGateways]
public sealed class RegionGrain(
    [PersistentState("region", GcmStorage.Name)] IPersistentState<RegionState> storage,
    [FromKeyedServices(GcmClock.Key)] TimeProvider time,
    CountryCatalog countries,
    RegionDocumentBoard board,
    IOptions<RegionOptions> regionOptions) : Grain, IRegionGrain, IRemindable
{
    internal const string AutoNudgeReminder = "auto-nudge";
    private const string AutomaticActor = "automatic";

    private readonly CommittedState<RegionState> _state = new(storage);
    private readonly Dictionary<string, ReviewSnapshot> _snapshots = new(StringComparer.Ordinal);
    private RegionDocument? _document;
    private DateOnly _documentDay;
    private long _lastRebuild;
    private bool _rebuildDue;
    private IGrainTimer? _rebuildTimer;

    private string Cycle => Keys.Split(this.GetPrimaryKeyString()).Cycle;

    private string Region => Keys.Split(this.GetPrimaryKeyString()).Part;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The reviews are the truth: ask each member for its committed snapshot. A member that cannot answer fails the
        // activation (the caller sees 503 and retries) rather than showing a State as if it had done nothing.
        if (_state.Current.Config is not null)
        {
            await LoadMembersAsync();
            await Catalog().RegisterRoundAsync(this.GetPrimaryKeyString());
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

    public async Task<RegionResult> ConfigureAsync(ConfigureRegion command)
    {
        var config = command.Config;
        if (RegionRules.Validate(config, countries) is { } invalid)
        {
            return new RegionResult(Outcome.Invalid, _state.Current.Version, invalid);
        }

        var current = _state.Current;
        if (current.Config is { } existing && RegionRules.SameConfig(existing, config))
        {
            return new RegionResult(Outcome.Unchanged, current.Version);
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
        var joined = await Task.WhenAll(added.Select(async c => (Country: c, Snapshot: await Review(c).JoinRegionAsync(key))));
        if (joined.Where(j => j.Snapshot is null).Select(j => j.Country).ToList() is [_, ..] refused)
        {
            // Undo the joins that did happen, so that the refused configuration leaves no trace.
            await Task.WhenAll(joined.Where(j => j.Snapshot is not null).Select(j => Review(j.Country).LeaveRegionAsync(key)));
            return new RegionResult(Outcome.Invalid, current.Version,
                $"{string.Join(", ", refused)} already belong{(refused.Count == 1 ? "s" : "")} to {ReviewWorkflow.MaxRegionsPerCycle} "
                + $"regional rounds of cycle {Cycle}, the most a State may belong to");
        }

        await Task.WhenAll(removed.Select(c => Review(c).LeaveRegionAsync(key)));

        // Listed before it is stored: a round the catalog lists but that failed to store reads as not configured
        // (discovery skips it), whereas the other order could leave a stored round unlisted until it reactivates.
        await Catalog().RegisterRoundAsync(key);

        var result = await _state.UpdateAsync(state =>
        {
            var next = state with { Config = config, Version = state.Version + 1 };
            return (next, new RegionResult(Outcome.Applied, next.Version));
        });
        foreach (var country in removed)
        {
            _snapshots.Remove(country);
        }

        foreach (var (_, snapshot) in joined)
        {
            Keep(snapshot!);
        }

        Rebuild(time.Today());
        await ScheduleAutomaticNudgesAsync(config.NudgePolicy);
        return result;
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

        // Without names: every State that lags today, as the dashboard shows it.
        var today = time.Today();
        IEnumerable<string> targets = command.Countries.IsDefaultOrEmpty
            ? config.Members.Where(c =>
                RegionProgressCalculator.Member(c, "", _snapshots.GetValueOrDefault(c), config.Deadlines, today).Lagging)
            : command.Countries;

        var now = time.GetUtcNow();
        var deliveries = await Task.WhenAll(targets.Distinct(StringComparer.Ordinal).Select(country =>
            Review(country).ReceiveNudgeAsync(new Nudge($"{Region}-{Guid.NewGuid():N}", Region, command.Actor, command.Message.Trim(), now))));
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
        if (_state.Current.Config is not null && await LoadMembersAsync())
        {
            Rebuild(time.Today());
        }
    }

    /// <summary>Asks every member for its committed snapshot; true when any was newer than the one held.</summary>
    private async Task<bool> LoadMembersAsync()
    {
        var members = _state.Current.Config?.Members ?? [];
        var snapshots = await Task.WhenAll(members.Select(c => Review(c).GetSnapshotAsync()));
        var changed = false;
        foreach (var snapshot in snapshots)
        {
            changed |= snapshot is not null && Keep(snapshot);
        }

        return changed;
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

        // Identifies the document's content for the day: the configuration's version and the members' versions
        // (which only grow while the configuration stays). Written here and nowhere else.
        var membersVersion = state.Config.Members.Sum(c => _snapshots.GetValueOrDefault(c)?.Version ?? 0);
        var progress = RegionProgressCalculator.Compute(
            Cycle, Region, state.Config, _snapshots, today, state.Version + membersVersion, countries.NameOf);
        var json = JsonSerializer.SerializeToUtf8Bytes(progress, GcmJson.Options);
        GcmMetrics.DocumentBuilt();
        _lastRebuild = Stopwatch.GetTimestamp();
        _rebuildDue = false;
        _document = new RegionDocument(json, $"\"{state.Version}.{membersVersion}-{today.DayNumber}\"", progress.Version);
        _documentDay = today;
        board.Publish(this.GetPrimaryKeyString(), _document, today);
    }

    private IReviewGrain Review(string country) => GrainFactory.GetGrain<IReviewGrain>(Keys.Review(Cycle, country));
}
