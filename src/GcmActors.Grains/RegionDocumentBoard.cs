using System.Collections.Concurrent;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// Where a region grain's activation posts its latest dashboard document for the HTTP front end of the same
/// process, so that a dashboard read is a dictionary lookup instead of a grain call. Only the live local
/// activation writes an entry (after each committed change) and it withdraws it when it deactivates, so an
/// entry is never older than the activation's own state. Entries are valid for the day they were built
/// (lagging depends on the date); on a miss the front end asks the grain, which posts again.
/// See docs/decisions/0005-dashboard-reads-from-the-local-board.md.
/// </summary>
public sealed class RegionDocumentBoard
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changes = new(StringComparer.Ordinal);

    public void Publish(string regionKey, RegionDocument document, DateOnly day)
    {
        _entries[regionKey] = new Entry(document, day);

        // Wakes every live stream of this round once; each then reads the entry just posted (one message per change).
        if (_changes.TryRemove(regionKey, out var change))
        {
            change.TrySetResult();
        }
    }

    /// <summary>
    /// Completes when the round next posts a document here. Take it before reading the current document, so that a
    /// post in between is not missed. The round's activation must live in this process; elsewhere, poll the grain.
    /// </summary>
    public Task NextChangeAsync(string regionKey) =>
        _changes.GetOrAdd(regionKey, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Withdraw(string regionKey) => _entries.TryRemove(regionKey, out _);

    /// <summary>The rounds active in this process (each posts its document here while it lives).</summary>
    public IReadOnlyCollection<string> Regions => [.. _entries.Keys];

    /// <summary>
    /// The round has changes its posted document does not show yet (its rebuild is a few milliseconds away): readers
    /// ask the grain, which rebuilds, until it posts again. Only the round's own activation calls it.
    /// </summary>
    public void MarkStale(string regionKey)
    {
        if (_entries.TryGetValue(regionKey, out var entry))
        {
            _entries[regionKey] = entry with { Stale = true };
        }
    }

    /// <summary>The document posted for <paramref name="regionKey"/> today, or null (none, another day's, or stale).</summary>
    public RegionDocument? Find(string regionKey, DateOnly today) =>
        _entries.TryGetValue(regionKey, out var entry) && entry.Day == today && !entry.Stale ? entry.Document : null;

    private sealed record Entry(RegionDocument Document, DateOnly Day, bool Stale = false);
}
