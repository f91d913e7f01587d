using System.Collections.Immutable;
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
}

/// <summary>
/// One regional review round. Holds the configuration and the latest snapshot of each member, and keeps
/// the dashboard document serialized and ready, so that a read hands over bytes and computes nothing.
/// It never calls a review while handling that review's push.
/// </summary>
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
    private RegionDocument? _document;
    private DateOnly _documentDay;

    private string Cycle => Keys.Split(this.GetPrimaryKeyString()).Cycle;

    private string Region => Keys.Split(this.GetPrimaryKeyString()).Part;

    public Task<RegionDocument?> GetProgressAsync()
    {
        if (_state.Current.Config is null)
        {
            return Task.FromResult<RegionDocument?>(null);
        }

        // Lagging and days-to-conference depend on the date, so the document is also rebuilt once a day.
        var today = time.Today();
        if (_document is null || _documentDay != today)
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

    public Task<RegionConfig?> GetConfigAsync() => Task.FromResult(_state.Current.Config);

    public async Task<RegionResult> ConfigureAsync(ConfigureRegion command)
    {
        var config = command.Config;
        if (RegionProgressCalculator.Validate(config, countries) is { } invalid)
        {
            return new RegionResult(Outcome.Invalid, _state.Current.Version, invalid);
        }

        var current = _state.Current;
        if (current.Config is { } existing && SameConfig(existing, config))
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
        var joined = await Task.WhenAll(added.Select(c => Review(c).JoinRegionAsync(key)));
        await Task.WhenAll(removed.Select(c => Review(c).LeaveRegionAsync(key)));

        var result = await _state.UpdateAsync(state =>
        {
            var snapshots = state.Snapshots.RemoveRange(removed);
            foreach (var snapshot in joined)
            {
                if (!snapshots.TryGetValue(snapshot.Country, out var held) || held.Version < snapshot.Version)
                {
                    snapshots = snapshots.SetItem(snapshot.Country, snapshot);
                }
            }

            var next = state with { Config = config, Snapshots = snapshots, Version = state.Version + 1 };
            return (next, new RegionResult(Outcome.Applied, next.Version));
        });
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

        if (string.IsNullOrWhiteSpace(command.Message) || command.Message.Length > ReviewWorkflow.MaxNudgeLength)
        {
            return new NudgeResult(Outcome.Invalid, [], $"a nudge needs a message of at most {ReviewWorkflow.MaxNudgeLength} characters");
        }

        if (!command.Countries.IsDefaultOrEmpty && command.Countries.FirstOrDefault(c => !config.Members.Contains(c)) is { } stranger)
        {
            return new NudgeResult(Outcome.Invalid, [], $"'{stranger}' is not a member of this round");
        }

        // Without names: every State that lags today, as the dashboard shows it.
        var today = time.Today();
        IEnumerable<string> targets = command.Countries.IsDefaultOrEmpty
            ? config.Members.Where(c =>
                RegionProgressCalculator.Member(c, "", _state.Current.Snapshots.GetValueOrDefault(c), config.Deadlines, today).Lagging)
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

    public async Task<PushResult> ApplySnapshotAsync(ReviewSnapshot snapshot)
    {
        var result = await _state.UpdateAsync(state =>
        {
            if (state.Config is null || !state.Config.Members.Contains(snapshot.Country))
            {
                return (null, PushResult.NotMember);
            }

            if (state.Snapshots.TryGetValue(snapshot.Country, out var held) && held.Version >= snapshot.Version)
            {
                return (null, PushResult.AlreadyCurrent);
            }

            var next = state with
            {
                Snapshots = state.Snapshots.SetItem(snapshot.Country, snapshot),
                Version = state.Version + 1,
            };
            return (next, PushResult.Stored);
        });

        if (result == PushResult.Stored)
        {
            Rebuild(time.Today());
        }

        return result;
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
            Cycle, Region, state.Config, state.Snapshots, today, state.Version, countries.NameOf);
        var json = JsonSerializer.SerializeToUtf8Bytes(progress, GcmJson.Options);
        GcmMetrics.DocumentBuilt();
        _document = new RegionDocument(json, $"\"{state.Version}-{today.DayNumber}\"", state.Version);
        _documentDay = today;
        board.Publish(this.GetPrimaryKeyString(), _document, today);
    }

    private IReviewGrain Review(string country) => GrainFactory.GetGrain<IReviewGrain>(Keys.Review(Cycle, country));

    private static bool SameConfig(RegionConfig a, RegionConfig b) =>
        a.Name == b.Name
        && a.CoOrganizers.SequenceEqual(b.CoOrganizers)
        && a.Conference == b.Conference
        && a.Deadlines.SequenceEqual(b.Deadlines)
        && a.Members.SequenceEqual(b.Members)
        && a.NudgePolicy == b.NudgePolicy;
}
