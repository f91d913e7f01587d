using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Host.Hosting;

namespace GcmActors.Host.Seeding;

/// <summary>The seed file: regional rounds and, per State, the milestones as of the source document.</summary>
public sealed record SeedFile(string? Source, DateOnly? AsOf, ImmutableArray<SeedRound> Rounds, ImmutableArray<SeedReview> Reviews);

/// <summary>A round of the seed: as configured on <see cref="On"/>, then changed on the dates of <see cref="Changes"/>.</summary>
public sealed record SeedRound(
    string Cycle, string Region, string Name, ImmutableArray<string> CoOrganizers, Conference Conference,
    ImmutableSortedDictionary<Milestone, DateOnly> Deadlines, ImmutableArray<string> Members,
    DateOnly? On = null, ImmutableArray<SeedRoundChange>? Changes = null);

/// <summary>A dated change of a seeded round (only its conference, so far).</summary>
public sealed record SeedRoundChange(DateOnly On, Conference Conference);

/// <summary>A State's review in the seed: each status dated by its own <c>on</c>, else the review's, else the seed's <c>asOf</c>.</summary>
public sealed record SeedReview(
    string Cycle, string Country, Participation? Participation,
    ImmutableSortedDictionary<Milestone, SeedMilestone>? Milestones,
    CoordinationBody? CoordinationBody, ImmutableArray<Stakeholder>? Stakeholders,
    ImmutableArray<int>? Objectives, ImmutableArray<string>? Challenges, DateOnly? On = null);

public sealed record SeedMilestone(MilestoneStatus Status, string? Note, DateOnly? On = null);

/// <summary>
/// Loads the seed into rounds that do not exist yet, through the same grain commands a user would send,
/// so the rules apply and the history says where the data came from. Every change carries the date the source gives
/// or implies (noon UTC of that day), so that a replay of a past day shows what was known then (decision 0004).
/// A round that exists is left alone.
/// </summary>
internal sealed partial class Seeder(GcmOptions options, IGrainFactory grains, ILogger<Seeder> logger) : IHostedService
{
    private const string Actor = "seed";

    private const int Attempts = 5;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.SeedPath is not { } path)
        {
            return;
        }

        // Every step is idempotent, so a seed interrupted by a timeout (a busy machine, a cluster still forming)
        // is simply run again. A failure that persists stops the start-up, where an operator sees it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SeedAsync(path, cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < Attempts && ex is TimeoutException or OrleansException)
            {
                LogRetry(logger, ex, attempt, Attempts);
                await Task.Delay(TimeSpan.FromSeconds(attempt * 2), cancellationToken);
            }
        }
    }

    private async Task SeedAsync(string path, CancellationToken cancellationToken)
    {

        await using var stream = File.OpenRead(path);
        var seed = await JsonSerializer.DeserializeAsync<SeedFile>(stream, GcmJson.Options, cancellationToken)
            ?? throw new InvalidOperationException($"Seed file {path} is empty.");
        var note = seed.Source is null ? null : $"Seed: {seed.Source}";

        foreach (var round in seed.Rounds)
        {
            var key = Keys.Region(round.Cycle, round.Region);
            var region = grains.GetGrain<IRegionGrain>(key);
            if (await region.GetConfigAsync() is not null)
            {
                // A data directory older than the catalog: list the seeded round (idempotent, no write once listed).
                await grains.GetGrain<ICatalogGrain>(Keys.Catalog).RegisterRoundAsync(key);
                continue;
            }

            var report = seed.AsOf is { } reported && seed.Source is { } source ? new LastReport(reported, source) : null;
            var config = new RegionConfig(
                round.Name, round.CoOrganizers, round.Conference, round.Deadlines, round.Members, LastReport: report);
            // Unchanged: another silo of the cluster seeded the same round a moment ago. Seeding the reviews
            // again is harmless (every step is idempotent) and finishes the job if that silo stopped halfway.
            await ConfigureAsync(region, round, config, round.On ?? seed.AsOf);

            var reviews = seed.Reviews.Where(r => r.Cycle == round.Cycle && round.Members.Contains(r.Country));
            foreach (var review in reviews)
            {
                await SeedReviewAsync(review, note, seed.AsOf);
            }

            foreach (var change in round.Changes ?? [])
            {
                config = config with { Conference = change.Conference };
                await ConfigureAsync(region, round, config, change.On);
            }

            LogSeeded(logger, round.Cycle, round.Region, round.Members.Length, path);
        }
    }

    private static async Task ConfigureAsync(IRegionGrain region, SeedRound round, RegionConfig config, DateOnly? on)
    {
        var configured = await region.ConfigureAsync(new ConfigureRegion(config, Actor, At: At(on)));
        if (configured.Outcome is not (Outcome.Applied or Outcome.Unchanged))
        {
            throw new InvalidOperationException($"Seed round {round.Cycle}/{round.Region} was refused: {configured.Detail}");
        }
    }

    /// <summary>Noon UTC of a seeded day: inside that day wherever the reader is.</summary>
    private static DateTimeOffset? At(DateOnly? day) => day is { } d ? new DateTimeOffset(d.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero) : null;

    private async Task SeedReviewAsync(SeedReview seed, string? note, DateOnly? asOf)
    {
        var grain = grains.GetGrain<IReviewGrain>(Keys.Review(seed.Cycle, seed.Country));
        var on = seed.On ?? asOf;
        if (seed.Participation is { } participation)
        {
            await grain.SetParticipationAsync(new ParticipationUpdate(participation, Actor, note, At: At(on)));
        }

        // In the order of their dates (then of the workflow), so that the trail stays in time order.
        var milestones = seed.Milestones ?? ImmutableSortedDictionary<Milestone, SeedMilestone>.Empty;
        var first = true;
        foreach (var step in Milestones.All.Where(milestones.ContainsKey).OrderBy(m => milestones[m].On ?? on))
        {
            var (status, stepNote, stepOn) = milestones[step];
            var update = new MilestoneUpdate(step, status, Actor, stepNote ?? note, At: At(stepOn ?? on));
            if (first)
            {
                // Evidence travels with the first command, so each State gets one version per seeded step.
                update = update with
                {
                    CoordinationBody = seed.CoordinationBody,
                    Stakeholders = seed.Stakeholders,
                    Objectives = seed.Objectives,
                    Challenges = seed.Challenges,
                };
                first = false;
            }

            var result = await grain.RecordMilestoneAsync(update);
            if (result.Outcome is not (Outcome.Applied or Outcome.Unchanged))
            {
                LogRefused(logger, seed.Country, GcmJson.Slug(step), result.Detail);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded round {Cycle}/{Region} with {Members} members from {Path}")]
    private static partial void LogSeeded(ILogger logger, string cycle, string region, int members, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeding failed (attempt {Attempt} of {Attempts}); trying again")]
    private static partial void LogRetry(ILogger logger, Exception ex, int attempt, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seed step {Country} {Milestone} was refused: {Detail}")]
    private static partial void LogRefused(ILogger logger, string country, string milestone, string? detail);
}
