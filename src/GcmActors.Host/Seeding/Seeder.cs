using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;
using GcmActors.Host.Hosting;

namespace GcmActors.Host.Seeding;

/// <summary>The seed file: regional rounds and, per State, the milestones as of the source document.</summary>
public sealed record SeedFile(string? Source, DateOnly? AsOf, ImmutableArray<SeedRound> Rounds, ImmutableArray<SeedReview> Reviews);

public sealed record SeedRound(
    string Cycle, string Region, string Name, ImmutableArray<string> CoOrganizers, Conference Conference,
    ImmutableSortedDictionary<Milestone, DateOnly> Deadlines, ImmutableArray<string> Members);

public sealed record SeedReview(
    string Cycle, string Country, Participation? Participation,
    ImmutableSortedDictionary<Milestone, SeedMilestone>? Milestones,
    CoordinationBody? CoordinationBody, ImmutableArray<Stakeholder>? Stakeholders,
    ImmutableArray<int>? Objectives, ImmutableArray<string>? Challenges);

public sealed record SeedMilestone(MilestoneStatus Status, string? Note);

/// <summary>
/// Loads the seed into rounds that do not exist yet, through the same grain commands a user would send,
/// so the rules apply and the history says where the data came from. A round that exists is left alone.
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

            var config = new RegionConfig(round.Name, round.CoOrganizers, round.Conference, round.Deadlines, round.Members);
            // Unchanged: another silo of the cluster seeded the same round a moment ago. Seeding the reviews
            // again is harmless (every step is idempotent) and finishes the job if that silo stopped halfway.
            var configured = await region.ConfigureAsync(new ConfigureRegion(config, Actor));
            if (configured.Outcome is not (Outcome.Applied or Outcome.Unchanged))
            {
                throw new InvalidOperationException($"Seed round {round.Cycle}/{round.Region} was refused: {configured.Detail}");
            }

            var reviews = seed.Reviews.Where(r => r.Cycle == round.Cycle && round.Members.Contains(r.Country));
            foreach (var review in reviews)
            {
                await SeedReviewAsync(review, note);
            }

            LogSeeded(logger, round.Cycle, round.Region, round.Members.Length, path);
        }
    }

    private async Task SeedReviewAsync(SeedReview seed, string? note)
    {
        var grain = grains.GetGrain<IReviewGrain>(Keys.Review(seed.Cycle, seed.Country));
        if (seed.Participation is { } participation)
        {
            await grain.SetParticipationAsync(new ParticipationUpdate(participation, Actor, note));
        }

        var milestones = seed.Milestones ?? ImmutableSortedDictionary<Milestone, SeedMilestone>.Empty;
        var first = true;
        foreach (var step in Milestones.All.Where(milestones.ContainsKey))
        {
            var (status, stepNote) = milestones[step];
            var update = new MilestoneUpdate(step, status, Actor, stepNote ?? note);
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
