-- GcmActors: SQLite schema for the Orleans ADO.NET grain-persistence provider
-- (Microsoft.Orleans.Persistence.AdoNet 10.x, Invariant "System.Data.SQLite",
-- which Orleans maps to Microsoft.Data.Sqlite's SqliteFactory).
-- Written for this project from the provider's documented contract; it is not a
-- copy of any Orleans-shipped script.
--
-- Idempotent: safe to run on every start, as one multi-statement batch
-- (SqliteCommand.ExecuteNonQuery) or split on lines holding only ";".
-- Must run outside an explicit transaction (journal_mode cannot change inside one).
--
-- Contract (what the provider binds / reads):
--   parameters: @GrainIdHash INT, @GrainIdN0 BIGINT, @GrainIdN1 BIGINT, @GrainTypeHash INT,
--               @GrainTypeString TEXT, @GrainIdExtensionString TEXT (nullable), @ServiceId TEXT,
--               @GrainStateVersion INT (NULL = never written / deleted), @PayloadBinary BLOB.
--   ReadFromStorageKey -> columns PayloadBinary, Version (by name); zero rows = no state.
--   WriteToStorageKey  -> one row with column NewGrainStateVersion; zero rows = version conflict
--                         (the provider then throws InconsistentStateException).
--   ClearStorageKey    -> first column = new version; zero rows = version conflict.
--   DeleteStorageKey   -> (used when DeleteStateOnClear = true) same as Clear, but removes the row.

PRAGMA journal_mode = WAL
;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
)
;

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    Version                INTEGER NULL
)
;

-- One row per logical grain state. A NULL key extension is folded to a BLOB
-- sentinel (never equal to any TEXT value) so that uniqueness also holds for it;
-- this is what turns a racing duplicate first insert into a version conflict.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1,
                       GrainTypeString, IFNULL(GrainIdExtensionString, X'00'))
;

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey',
'SELECT PayloadBinary, Version
   FROM OrleansStorage
  WHERE GrainIdHash = @GrainIdHash
    AND GrainTypeHash = @GrainTypeHash
    AND ServiceId = @ServiceId
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS @GrainIdExtensionString
  LIMIT 1;')
;

-- Two statements, at most one of which can produce a row:
--  * known version  -> compare-and-swap UPDATE, returns Version + 1 or nothing (stale);
--  * NULL version   -> INSERT with Version 1 unless the row already exists (then nothing).
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey',
'UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary,
        ModifiedOn = CURRENT_TIMESTAMP,
        Version = Version + 1
  WHERE @GrainStateVersion IS NOT NULL
    AND GrainIdHash = @GrainIdHash
    AND GrainTypeHash = @GrainTypeHash
    AND ServiceId = @ServiceId
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS @GrainIdExtensionString
    AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
INSERT INTO OrleansStorage
       (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
        GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
       @GrainIdExtensionString, @ServiceId, @PayloadBinary, CURRENT_TIMESTAMP, 1
 WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;')
;

-- Clear keeps the row (and its version history) but drops the payload.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey',
'UPDATE OrleansStorage
    SET PayloadBinary = NULL,
        ModifiedOn = CURRENT_TIMESTAMP,
        Version = Version + 1
  WHERE @GrainStateVersion IS NOT NULL
    AND GrainIdHash = @GrainIdHash
    AND GrainTypeHash = @GrainTypeHash
    AND ServiceId = @ServiceId
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS @GrainIdExtensionString
    AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;')
;

-- Delete (DeleteStateOnClear = true) removes the row; it still has to return a value that
-- differs from the caller's version, otherwise the provider reports a conflict.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey',
'DELETE FROM OrleansStorage
  WHERE @GrainStateVersion IS NOT NULL
    AND GrainIdHash = @GrainIdHash
    AND GrainTypeHash = @GrainTypeHash
    AND ServiceId = @ServiceId
    AND GrainIdN0 = @GrainIdN0
    AND GrainIdN1 = @GrainIdN1
    AND GrainTypeString = @GrainTypeString
    AND GrainIdExtensionString IS @GrainIdExtensionString
    AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;')
;
