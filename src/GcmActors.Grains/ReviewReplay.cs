using System.Collections.Immutable;
using System.Text.Json;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// A review as it stood at a given moment, rebuilt from its trail alone: every accepted change is an entry with its
/// date, so folding the entries up to that moment gives the state a GET returned then (docs/decisions/0013-rounds-in-time.md).
/// </summary>
public static class ReviewReplay
{
    /// <summary>The fields a round needs of its members' trails: what the dashboard counts, and when.</summary>
    public static bool CountsForRounds(string field) =>
        field == "participation" || field == "evidence.objectives" || field == "regions"
        || (field.StartsWith("milestones.", StringComparison.Ordinal) && field.EndsWith(".status", StringComparison.Ordinal));

    /// <summary>The end of a day (UTC), inclusive: a replay of a day shows every change made on it.</summary>
    public static DateTimeOffset EndOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);

    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>
    /// Folds the entries (in sequence order) made up to <paramref name="until"/>. <see cref="ReviewState.Regions"/> holds the
    /// slugs of the rounds that counted the State then (only when the trail records them; older trails do not).
    /// </summary>
    public static ReviewState Fold(IEnumerable<HistoryEntry> entries, DateTimeOffset until)
    {
        var state = new ReviewState();
        foreach (var entry in entries)
        {
            if (entry.At > until)
            {
                break;
            }

            state = Apply(state, entry);
        }

        return state;
    }

    public static ReviewState Apply(ReviewState state, HistoryEntry entry)
    {
        if (entry.Version > state.Version)
        {
            state = state with { Version = entry.Version, UpdatedAt = entry.At };
        }

        var evidence = state.Evidence;
        switch (entry.Field)
        {
            case "participation" when GcmJson.TryParseSlug<Participation>(entry.To, out var participation):
                return state with { Participation = participation };
            case "evidence.objectives":
                return state with { Evidence = evidence with { Objectives = ParseObjectives(entry.To) } };
            case "evidence.coordination-body":
                return state with { Evidence = evidence with { CoordinationBody = ValueOr(entry, ParseBody) } };
            case "evidence.stakeholders":
                return state with { Evidence = evidence with { Stakeholders = ValueOr(entry, ParseStakeholders) } };
            case "evidence.challenges":
                return state with { Evidence = evidence with { Challenges = ValueOr(entry, ParseChallenges) } };
            case "regions":
                var regions = state.Regions;
                regions = entry.From is { } left ? regions.Remove(left) : regions;
                regions = entry.To is { } joined ? regions.Add(joined) : regions;
                return state with { Regions = regions };
        }

        if (MilestoneField(entry.Field) is not ({ } milestone, var part))
        {
            return state;
        }

        var current = state[milestone];
        var record = part switch
        {
            // A reopening's entry carries the reason (the note, if any, has an entry of its own); any other carries the note.
            "status" when GcmJson.TryParseSlug<MilestoneStatus>(entry.To, out var status) => entry.From == GcmJson.Slug(MilestoneStatus.Completed)
                ? new MilestoneRecord(status, entry.At, current.Note, entry.Note)
                : new MilestoneRecord(status, entry.At, entry.Note ?? current.Note),
            "note" => current with { Note = entry.To, UpdatedAt = entry.At },
            _ => current,
        };
        return state with { Milestones = state.Milestones.SetItem(milestone, record) };
    }

    private static (Milestone?, string) MilestoneField(string field)
    {
        var parts = field.Split('.');
        return parts is ["milestones", var slug, var part] && GcmJson.TryParseSlug<Milestone>(slug, out var milestone)
            ? (milestone, part)
            : (null, "");
    }

    private static T ValueOr<T>(HistoryEntry entry, Func<string?, T> parse) =>
        entry.Value is { } json ? JsonSerializer.Deserialize<T>(json, GcmJson.Options)! : parse(entry.To);

    private static ImmutableArray<int> ParseObjectives(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];

    // Entries written before December 2026 carry only the description; read it back as well as it allows.
    private static CoordinationBody? ParseBody(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var lead = text.LastIndexOf(" (lead: ", StringComparison.Ordinal);
        return lead > 0 && text.EndsWith(')')
            ? new CoordinationBody(text[..lead], text[(lead + 8)..^1])
            : new CoordinationBody(text);
    }

    private static ImmutableArray<Stakeholder> ParseStakeholders(string? text) =>
    [
        .. (text ?? "").Split("; ", StringSplitOptions.RemoveEmptyEntries).Select(s =>
        {
            var open = s.LastIndexOf(" (", StringComparison.Ordinal);
            return open > 0 && s.EndsWith(')') && GcmJson.TryParseSlug<StakeholderKind>(s[(open + 2)..^1], out var kind)
                ? new Stakeholder(s[..open], kind)
                : new Stakeholder(s, StakeholderKind.Other);
        }),
    ];

    private static ImmutableArray<string> ParseChallenges(string? text) =>
        [.. (text ?? "").Split(", ", StringSplitOptions.RemoveEmptyEntries)];
}
