-- GcmActors: the reviews' audit trails (PostgreSQL), outside the grain-state rows so that
-- a write costs the change, not the history (docs/decisions/0008-the-write-path.md).
-- Append-only: one row per entry, numbered 1, 2, 3, ... per review (Sequence). An entry
-- appended twice (after a crash between the state row and the trail) keeps its first copy
-- (INSERT ... ON CONFLICT DO NOTHING). At is the ISO 8601 round-trip text of the change's
-- time (UTC), exact to the tick (timestamptz keeps microseconds only).
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
    CONSTRAINT PK_GcmReviewHistory PRIMARY KEY (ServiceId, ReviewKey, Sequence)
)
;

COMMIT
;
