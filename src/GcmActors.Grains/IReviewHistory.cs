using System.Collections.Immutable;
using GcmActors.Contracts;

namespace GcmActors.Grains;

/// <summary>
/// The reviews' audit trails, append-only and outside the grain-state rows, so that a write costs the change and
/// not the history (docs/decisions/0008-the-write-path.md). Entries are keyed by review and sequence.
/// </summary>
public interface IReviewHistory
{
    /// <summary>
    /// Appends entries; an entry whose sequence is already stored is left as it is, so appending again after a
    /// crash is harmless. Completes once the entries are durable.
    /// </summary>
    Task AppendAsync(string reviewKey, IReadOnlyList<HistoryEntry> entries);

    /// <summary>Up to <paramref name="limit"/> entries with <paramref name="after"/> &lt; sequence ≤ <paramref name="last"/>, oldest first.</summary>
    Task<ImmutableArray<HistoryEntry>> ReadAsync(string reviewKey, long after, int limit, long last);

    /// <summary>The highest stored sequence of a review (0 when it has none).</summary>
    Task<long> LastSequenceAsync(string reviewKey);
}
