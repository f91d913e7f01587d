using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>What the rules decided: the outcome and, when applied, the state to persist.</summary>
public readonly record struct Decision(Outcome Outcome, ReviewState State, string? Detail = null)
{
    public static Decision Unchanged(ReviewState state) => new(Outcome.Unchanged, state);

    public static Decision Reject(Outcome outcome, ReviewState state, string detail) => new(outcome, state, detail);
}

/// <summary>
/// The workflow rules of a voluntary GCM review, as pure functions of (state, command, time).
/// <list type="bullet">
/// <item>The first three milestones may progress in any order (reality is not linear).</item>
/// <item><c>approved</c> can only be completed once <c>data-collected</c> is completed, and <c>submitted</c>
/// once <c>approved</c> is; a prerequisite cannot be reopened while its dependent stays completed.</item>
/// <item>Reopening a completed milestone needs a reason.</item>
/// <item>A State that does not participate records no milestone progress.</item>
/// <item>An update already in effect changes nothing (safe retries); every accepted change bumps the
/// version and appends one history entry per changed field.</item>
/// </list>
/// </summary>
public static class ReviewWorkflow
{
    public const int ObjectiveCount = 23;
    public const int MaxNoteLength = 2000;
    public const int MaxTagLength = 80;
    public const int MaxNameLength = 160;
    public const int MaxListLength = 100;

    /// <summary>Dependent milestone, and the milestone that must be completed before it can be.</summary>
    public static readonly IReadOnlyList<(Milestone Dependent, Milestone Prerequisite)> Prerequisites =
    [
        (Milestone.Approved, Milestone.DataCollected),
        (Milestone.Submitted, Milestone.Approved),
    ];

    public static Decision RecordMilestone(ReviewState state, MilestoneUpdate update, DateTimeOffset now)
    {
        if (Validate(update) is { } invalid)
        {
            return Decision.Reject(Outcome.Invalid, state, invalid);
        }

        var at = update.At ?? now;

        var changes = new List<Change>();
        var current = state[update.Milestone];
        var slug = GcmJson.Slug(update.Milestone);
        var record = current;

        if (update.Status != current.Status)
        {
            if (RuleFor(state, update, current) is { } violation)
            {
                return Reject(state, update.ExpectedVersion, Outcome.RuleViolated, violation);
            }

            var reason = current.Status == MilestoneStatus.Completed ? update.Reason!.Trim() : null;
            record = new MilestoneRecord(update.Status, at, update.Note ?? current.Note, reason);
            changes.Add(new($"milestones.{slug}.status", GcmJson.Slug(current.Status), GcmJson.Slug(update.Status), reason ?? update.Note));
            if (reason is not null && update.Note is not null && update.Note != current.Note)
            {
                // A reopening's entry carries its reason; a note sent with it gets an entry of its own, so that the
                // trail alone rebuilds the milestone exactly (a replay).
                changes.Add(new($"milestones.{slug}.note", current.Note, update.Note, null));
            }
        }
        else if (update.Note is not null && update.Note != current.Note)
        {
            record = current with { Note = update.Note, UpdatedAt = at };
            changes.Add(new($"milestones.{slug}.note", current.Note, update.Note, null));
        }

        var evidence = state.Evidence;
        if (update.CoordinationBody is { } body && body != evidence.CoordinationBody)
        {
            changes.Add(new("evidence.coordination-body", Describe(evidence.CoordinationBody), Describe(body), null, ValueOf(body)));
            evidence = evidence with { CoordinationBody = body };
        }

        if (update.Stakeholders is { } stakeholders && !stakeholders.SequenceEqual(evidence.Stakeholders))
        {
            changes.Add(new("evidence.stakeholders", Describe(evidence.Stakeholders), Describe(stakeholders), null, ValueOf(stakeholders)));
            evidence = evidence with { Stakeholders = stakeholders };
        }

        if (update.Objectives is { } objectives)
        {
            var sorted = objectives.Distinct().Order().ToImmutableArray();
            if (!sorted.SequenceEqual(evidence.Objectives))
            {
                changes.Add(new("evidence.objectives", string.Join(',', evidence.Objectives), string.Join(',', sorted), null));
                evidence = evidence with { Objectives = sorted };
            }
        }

        if (update.Challenges is { } challenges)
        {
            var tags = challenges.Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToImmutableArray();
            if (!tags.SequenceEqual(evidence.Challenges))
            {
                changes.Add(new("evidence.challenges", string.Join(", ", evidence.Challenges), string.Join(", ", tags), null, ValueOf(tags)));
                evidence = evidence with { Challenges = tags };
            }
        }

        if (changes.Count == 0)
        {
            return Decision.Unchanged(state);
        }

        if (ValidateDate(state, update.At, now) is { } misdated)
        {
            return Decision.Reject(Outcome.Invalid, state, misdated);
        }

        if (update.ExpectedVersion is { } expected && expected != state.Version)
        {
            return VersionMismatch(state, expected);
        }

        return Accept(
            state with { Milestones = state.Milestones.SetItem(update.Milestone, record), Evidence = evidence },
            changes, update.Actor, at);
    }

    public static Decision SetParticipation(ReviewState state, ParticipationUpdate update, DateTimeOffset now)
    {
        if (update.Note is { Length: > MaxNoteLength })
        {
            return Decision.Reject(Outcome.Invalid, state, $"note is longer than {MaxNoteLength} characters");
        }

        if (!TextRules.IsCleanText(update.Note))
        {
            return Decision.Reject(Outcome.Invalid, state, TextRules.Refusal("note"));
        }

        if (update.Participation == state.Participation)
        {
            return Decision.Unchanged(state);
        }

        if (ValidateDate(state, update.At, now) is { } invalid)
        {
            return Decision.Reject(Outcome.Invalid, state, invalid);
        }

        if (update.ExpectedVersion is { } expected && expected != state.Version)
        {
            return VersionMismatch(state, expected);
        }

        return Accept(
            state with { Participation = update.Participation },
            [new("participation", GcmJson.Slug(state.Participation), GcmJson.Slug(update.Participation), update.Note)],
            update.Actor, update.At ?? now);
    }

    /// <summary>
    /// A dated change (the seed's) lies in the past, never after now and never before the review's latest change, so that
    /// the trail stays in time order and a replay of any day is exact.
    /// </summary>
    private static string? ValidateDate(ReviewState state, DateTimeOffset? at, DateTimeOffset now) =>
        at is not { } date ? null
        : date > now ? "a change cannot be dated in the future"
        : date < LatestChange(state) ? "a change cannot be dated before the review's latest change"
        : null;

    /// <summary>When the review's newest trail entry was made (its latest change, or a later entry of no version).</summary>
    public static DateTimeOffset LatestChange(ReviewState state) =>
        state.LastChange.IsEmpty ? state.UpdatedAt ?? DateTimeOffset.MinValue : state.LastChange[^1].At;

    /// <summary>
    /// Adds a region to the review's routing list. Not a change of the review itself: no version bump, but an entry in the
    /// trail (<c>regions</c>, to the round's slug), so that a replay knows which rounds counted the State on which day.
    /// </summary>
    /// <remarks>State read back from JSON carries the default comparer; keep the order ordinal.</remarks>
    public static ReviewState JoinRegion(ReviewState state, string regionKey, string actor, DateTimeOffset at) =>
        Record(
            state with { Regions = state.Regions.WithComparer(StringComparer.Ordinal).Add(regionKey) },
            [new("regions", null, Keys.Split(regionKey).Part, null)], actor, Max(at, LatestChange(state)));

    /// <summary>A State takes part in at most this many regional rounds of one cycle.</summary>
    public const int MaxRegionsPerCycle = 8;

    /// <summary>Whether the review may join one more round (it already counts every round it belongs to).</summary>
    public static bool CanJoinRegion(ReviewState state, string regionKey) =>
        state.Regions.Contains(regionKey) || state.Regions.Count < MaxRegionsPerCycle;

    /// <summary>
    /// Moves an audit trail kept in the state row (releases before December 2026) out of it: numbers its entries
    /// 1..n and keeps the newest change as <see cref="ReviewState.LastChange"/>. Null when there is nothing to move.
    /// </summary>
    public static (ReviewState Next, ImmutableList<HistoryEntry> Entries)? MoveLegacyHistory(ReviewState state)
    {
        if (state.History.IsEmpty)
        {
            return null;
        }

        var entries = state.History
            .Select((e, i) => e with { Sequence = state.HistoryCount + i + 1 })
            .ToImmutableList();
        var last = entries[^1].Version;
        return (state with
        {
            History = [],
            HistoryCount = state.HistoryCount + entries.Count,
            LastChange = [.. entries.Where(e => e.Version == last)],
        }, entries);
    }

    public static ReviewState LeaveRegion(ReviewState state, string regionKey, string actor, DateTimeOffset at) =>
        Record(
            state with { Regions = state.Regions.WithComparer(StringComparer.Ordinal).Remove(regionKey) },
            [new("regions", Keys.Split(regionKey).Part, null, null)], actor, Max(at, LatestChange(state)));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// Trail entries for a change that is not part of the review's content: the version stays. Like every change, they
    /// become the row's <see cref="ReviewState.LastChange"/> (the grain keeps earlier entries the trail may miss).
    /// </summary>
    internal static ReviewState Record(ReviewState state, IEnumerable<Change> changes, string actor, DateTimeOffset now)
    {
        var entries = changes
            .Select((c, i) => new HistoryEntry(state.Version, now, actor, c.Field, c.From, c.To, c.Note, state.HistoryCount + i + 1, c.Value))
            .ToImmutableList();
        return state with { HistoryCount = state.HistoryCount + entries.Count, LastChange = entries };
    }

    private static string? RuleFor(ReviewState state, MilestoneUpdate update, MilestoneRecord current)
    {
        if (state.Participation == Participation.NotParticipating)
        {
            return "this State does not participate in the review cycle; record its participation first";
        }

        var slug = GcmJson.Slug(update.Milestone);
        if (current.Status == MilestoneStatus.Completed && string.IsNullOrWhiteSpace(update.Reason))
        {
            return $"reopening the completed milestone '{slug}' needs a reason";
        }

        foreach (var (dependent, prerequisite) in Prerequisites)
        {
            if (update.Status == MilestoneStatus.Completed && update.Milestone == dependent
                && state[prerequisite].Status != MilestoneStatus.Completed)
            {
                return $"'{slug}' needs '{GcmJson.Slug(prerequisite)}' completed first";
            }

            if (current.Status == MilestoneStatus.Completed && update.Milestone == prerequisite
                && state[dependent].Status == MilestoneStatus.Completed)
            {
                return $"'{slug}' cannot be reopened while '{GcmJson.Slug(dependent)}' is completed; reopen that first";
            }
        }

        return null;
    }

    private static string? Validate(MilestoneUpdate update)
    {
        if (!Enum.IsDefined(update.Milestone) || !Enum.IsDefined(update.Status))
        {
            return "unknown milestone or status";
        }

        if (update.Note is { Length: > MaxNoteLength } || update.Reason is { Length: > MaxNoteLength })
        {
            return $"note and reason are limited to {MaxNoteLength} characters";
        }

        if (!TextRules.IsCleanText(update.Note) || !TextRules.IsCleanText(update.Reason))
        {
            return TextRules.Refusal("note or reason");
        }

        if (update.Stakeholders is { IsDefault: true } || update.Objectives is { IsDefault: true } || update.Challenges is { IsDefault: true })
        {
            return "stakeholders, objectives and challenges are lists (leave one out to keep what is recorded)";
        }

        if (update.CoordinationBody is { } body
            && (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength || body.LeadMinistry is { Length: > MaxNameLength }))
        {
            return $"coordinationBody needs a name; name and leadMinistry have at most {MaxNameLength} characters";
        }

        if (update.Stakeholders is { } stakeholders
            && (stakeholders.Length > MaxListLength
                || stakeholders.Any(s => s is null || string.IsNullOrWhiteSpace(s.Name) || s.Name.Length > MaxNameLength || !Enum.IsDefined(s.Kind))))
        {
            return $"every stakeholder needs a name (at most {MaxNameLength} characters) and a kind; at most {MaxListLength} stakeholders";
        }

        if (!TextRules.IsCleanLine(update.CoordinationBody?.Name) || !TextRules.IsCleanLine(update.CoordinationBody?.LeadMinistry)
            || update.Stakeholders?.Any(s => !TextRules.IsCleanLine(s?.Name)) == true
            || update.Challenges?.Any(c => !TextRules.IsCleanLine(c)) == true)
        {
            return TextRules.Refusal("a name or challenge");
        }

        if (update.Objectives is { } objectives && objectives.Any(o => o is < 1 or > ObjectiveCount))
        {
            return $"GCM objectives are numbered 1 to {ObjectiveCount}";
        }

        if (update.Challenges is { } challenges
            && (challenges.Length > MaxListLength || challenges.Any(c => string.IsNullOrWhiteSpace(c) || c.Trim().Length > MaxTagLength)))
        {
            return $"challenges are short tags (1 to {MaxTagLength} characters, at most {MaxListLength})";
        }

        return null;
    }

    private static Decision Reject(ReviewState state, long? expectedVersion, Outcome outcome, string detail) =>
        expectedVersion is { } expected && expected != state.Version
            ? VersionMismatch(state, expected)
            : Decision.Reject(outcome, state, detail);

    private static Decision VersionMismatch(ReviewState state, long expected) =>
        Decision.Reject(Outcome.VersionMismatch, state, $"the review is at version {state.Version}, not {expected}");

    private static Decision Accept(ReviewState state, IEnumerable<Change> changes, string actor, DateTimeOffset now)
    {
        var version = state.Version + 1;
        var entries = changes
            .Select((c, i) => new HistoryEntry(version, now, actor, c.Field, c.From, c.To, c.Note, state.HistoryCount + i + 1, c.Value))
            .ToImmutableList();
        return new Decision(
            Outcome.Applied,
            state with { Version = version, HistoryCount = state.HistoryCount + entries.Count, LastChange = entries, UpdatedAt = now });
    }

    /// <summary>The new value as JSON, where the entry's <c>to</c> only describes it.</summary>
    private static string ValueOf<T>(T value) => JsonSerializer.Serialize(value, GcmJson.Options);

    private static string? Describe(CoordinationBody? body) =>
        body is null ? null : body.LeadMinistry is null ? body.Name : $"{body.Name} (lead: {body.LeadMinistry})";

    private static string Describe(ImmutableArray<Stakeholder> stakeholders) =>
        string.Join("; ", stakeholders.Select(s => $"{s.Name} ({GcmJson.Slug(s.Kind)})"));
}

/// <summary>One changed field, before it becomes a trail entry.</summary>
internal readonly record struct Change(string Field, string? From, string? To, string? Note, string? Value = null);
