-- GcmActors: SQLite schema for the Orleans ADO.NET reminders provider
-- (Microsoft.Orleans.Reminders.AdoNet 10.x, Invariant "System.Data.SQLite",
-- which Orleans maps to Microsoft.Data.Sqlite's SqliteFactory).
-- Written for this project from the provider's documented contract; it is not a
-- copy of any Orleans-shipped script.
--
-- Idempotent: safe to run on every start, as one multi-statement batch
-- (SqliteCommand.ExecuteNonQuery) or split on lines holding only ";".
-- Must run outside an explicit transaction (journal_mode cannot change inside one).
--
-- Contract (what the provider binds / reads):
--   parameters: @ServiceId TEXT, @GrainId TEXT (GrainId.ToString()), @ReminderName TEXT,
--               @StartTime DATETIME (UTC; Microsoft.Data.Sqlite stores it as ISO-8601 TEXT),
--               @Period INT/BIGINT milliseconds, @GrainHash INT (uint hash cast to signed int),
--               @Version INT, @BeginHash / @EndHash INT (signed, see ReadRangeRows*).
--   row readers take columns GrainId, ReminderName, StartTime, Period, Version by name.
--   UpsertReminderRowKey must return exactly one row with column Version (the new ETag).
--   DeleteReminderRowKey must return exactly one row with a single 0/1 column.
--   The provider picks ReadRangeRows1Key when (int)begin < (int)end, else ReadRangeRows2Key;
--   both select the ring range (begin, end] in signed order (2 = the wrapped case, and
--   begin == end means the whole ring).

PRAGMA journal_mode = WAL
;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
)
;

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    TEXT    NOT NULL,
    GrainId      TEXT    NOT NULL,
    ReminderName TEXT    NOT NULL,
    StartTime    TEXT    NOT NULL,
    Period       INTEGER NOT NULL,
    GrainHash    INTEGER NOT NULL,
    Version      INTEGER NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
)
;

CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_Hash
    ON OrleansRemindersTable (ServiceId, GrainHash)
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey',
'INSERT INTO OrleansRemindersTable
       (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
   SET StartTime = excluded.StartTime,
       Period    = excluded.Period,
       GrainHash = excluded.GrainHash,
       Version   = Version + 1
RETURNING Version AS Version;')
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey',
'SELECT GrainId, ReminderName, StartTime, Period, Version
   FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId
    AND GrainId = @GrainId;')
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey',
'SELECT GrainId, ReminderName, StartTime, Period, Version
   FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId
    AND GrainId = @GrainId
    AND ReminderName = @ReminderName;')
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key',
'SELECT GrainId, ReminderName, StartTime, Period, Version
   FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId
    AND GrainHash > @BeginHash
    AND GrainHash <= @EndHash;')
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key',
'SELECT GrainId, ReminderName, StartTime, Period, Version
   FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId
    AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);')
;

-- The DELETE yields no result set; the trailing SELECT always yields exactly one row.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey',
'DELETE FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId
    AND GrainId = @GrainId
    AND ReminderName = @ReminderName
    AND Version = @Version;
SELECT changes() > 0 AS Deleted;')
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey',
'DELETE FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId;')
;
