-- GcmActors: the reviews' audit trails (PostgreSQL), outside the grain-state rows so that
-- a write costs the change, not the history (docs/decisions/0008-the-write-path.md).
-- Append-only: one row per entry, numbered 1, 2, 3, ... per review (Sequence). An entry
-- appended twice (after a crash between the state row and the trail) keeps its first copy
-- (INSERT ... ON CONFLICT DO NOTHING). At is the ISO 8601 round-trip text of the change's
-- time (UTC), exact to the tick (timestamptz keeps microseconds only). A round's own trail
-- (its configuration changes, dated) is kept here too, under the round's key.
-- Idempotent and serialized like the other scripts (advisory lock 7426001).

BEGIN
;

SELECT pg_advisory_xact_lock(7426001)
;

CREATE TABLE IF NOT EXISTS GcmReviewHistory
(
    ServiceId varchar(150) NOT NULL,
    ReviewKey varchar(64)  NOT NULL,
    Sequence  bigint       NOT NULL,
    Version   bigint       NOT NULL,
    At        text         NOT NULL,
    Actor     text         NOT NULL,
    Field     text         NOT NULL,
    FromValue text         NULL,
    ToValue   text         NULL,
    Note      text         NULL,
    Value     text         NULL,
    CONSTRAINT PK_GcmReviewHistory PRIMARY KEY (ServiceId, ReviewKey, Sequence)
)
;

-- Value (December 2026): the new value as JSON where ToValue only describes it (evidence, a
-- round's configuration), so that a replay of a past day is exact. Tables made before have none.
ALTER TABLE GcmReviewHistory ADD COLUMN IF NOT EXISTS Value text NULL
;

COMMIT
;
