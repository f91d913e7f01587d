-- GcmActors: the reviews' audit trails (SQLite), outside the grain-state rows so that a
-- write costs the change, not the history (docs/decisions/0008-the-write-path.md).
-- Append-only: one row per entry, numbered 1, 2, 3, ... per review (Sequence). An entry
-- appended twice (after a crash between the state row and the trail) keeps its first copy
-- (INSERT ... ON CONFLICT DO NOTHING). At is the ISO 8601 round-trip text of the change's
-- time (UTC), exact to the tick. Value (December 2026) is the new value as JSON where
-- ToValue only describes it (evidence, a round's configuration), so that a replay of a past
-- day is exact; a table made before has no such column, and the host adds it at start
-- (SQLite has no ADD COLUMN IF NOT EXISTS). A round's own trail is kept here too, under the
-- round's key. Idempotent: safe to run on every start.

CREATE TABLE IF NOT EXISTS GcmReviewHistory
(
    ServiceId TEXT    NOT NULL,
    ReviewKey TEXT    NOT NULL,
    Sequence  INTEGER NOT NULL,
    Version   INTEGER NOT NULL,
    At        TEXT    NOT NULL,
    Actor     TEXT    NOT NULL,
    Field     TEXT    NOT NULL,
    FromValue TEXT    NULL,
    ToValue   TEXT    NULL,
    Note      TEXT    NULL,
    Value     TEXT    NULL,
    PRIMARY KEY (ServiceId, ReviewKey, Sequence)
) WITHOUT ROWID
;
