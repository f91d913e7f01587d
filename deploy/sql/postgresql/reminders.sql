-- GcmActors: PostgreSQL schema for the Orleans ADO.NET reminders provider
-- (Microsoft.Orleans.Reminders.AdoNet 10.x, Invariant "Npgsql", Npgsql 10.x).
-- Written for this project from the provider's contract; it is not a copy of any
-- Orleans-shipped script.
--
-- Idempotent: safe to run on every start of every silo, also concurrently, as ONE
-- multi-statement command text (NpgsqlCommand.ExecuteNonQuery) or split on lines
-- holding only ";" and run in order on one connection. The whole script is one
-- transaction serialized by a transaction-scoped advisory lock (key 7426001, shared by
-- all GcmActors schema scripts), because concurrent CREATE ... IF NOT EXISTS can
-- otherwise fail with a unique-violation in PostgreSQL's catalogs.
-- Identifiers are deliberately unquoted (folded to lower case; the provider's own
-- "SELECT QueryKey, QueryText FROM OrleansQuery" relies on that).
--
-- Contract (what the provider binds / reads):
--   parameters: @ServiceId text, @GrainId text (GrainId.ToString(), e.g. "type/key"),
--               @ReminderName text, @StartTime DateTime (UTC), @Period int or bigint
--               (milliseconds), @GrainHash int (uint uniform hash cast to signed int),
--               @Version int (the etag), @BeginHash / @EndHash int (signed casts).
--   row readers take columns GrainId, ReminderName, StartTime, Period (read with GetInt64,
--   so bigint), Version (by name).
--   UpsertReminderRowKey must return exactly one row with column Version (the new etag).
--   DeleteReminderRowKey must return exactly one row with a single boolean column.
--   The provider picks ReadRangeRows1Key when (int)begin < (int)end, else ReadRangeRows2Key;
--   both select the ring range (begin, end] in signed order (2 = the wrapped case, and
--   begin == end means the whole ring).
--   All seven keys must be present or the provider refuses to start.

BEGIN
;

SELECT pg_advisory_xact_lock(7426001)
;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
)
;

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      text         NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,
    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName)
)
;

CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_ServiceId_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash)
;

-- New reminders start at Version 0; every re-registration bumps it (wrapping, since only
-- equality of etags matters).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable AS r
       (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
   SET StartTime = EXCLUDED.StartTime,
       Period    = EXCLUDED.Period,
       GrainHash = EXCLUDED.GrainHash,
       Version   = CASE WHEN r.Version = 2147483647 THEN 0 ELSE r.Version + 1 END
RETURNING Version;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainId = @GrainId
   AND ReminderName = @ReminderName;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND GrainHash > @BeginHash
   AND GrainHash <= @EndHash;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId
   AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId = @GrainId
       AND ReminderName = @ReminderName
       AND Version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS Deleted;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable
 WHERE ServiceId = @ServiceId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

COMMIT
;
