-- GcmActors: PostgreSQL schema for the Orleans ADO.NET grain-persistence provider
-- (Microsoft.Orleans.Persistence.AdoNet 10.x, Invariant "Npgsql", Npgsql 10.x).
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
-- "SELECT QueryKey, QueryText FROM OrleansQuery ..." relies on that).
--
-- Contract (what the provider binds / reads):
--   parameters: @GrainIdHash int, @GrainIdN0 bigint, @GrainIdN1 bigint, @GrainTypeHash int,
--               @GrainTypeString text, @GrainIdExtensionString text (NULL for plain
--               Guid/long keys; the whole key for string keys), @ServiceId text,
--               @GrainStateVersion int (NULL = caller has no etag), @PayloadBinary bytea.
--   ReadFromStorageKey -> columns PayloadBinary, Version (by name); zero rows = no state.
--                         A row with NULL PayloadBinary reads as "record does not exist"
--                         but its Version still becomes the etag.
--   WriteToStorageKey  -> one row, column NewGrainStateVersion (int); zero rows = version
--                         conflict -> the provider throws InconsistentStateException.
--   ClearStorageKey    -> first column = new version; zero rows = version conflict.
--   DeleteStorageKey   -> (DeleteStateOnClear = true) as Clear, but removes the row; the
--                         returned value must differ from the caller's version.
--   Version / NewGrainStateVersion must be integer (read with GetInt32).

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

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        text         NOT NULL,
    GrainIdExtensionString text         NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL
)
;

-- Room on every page for the next version of its rows: a state write changes no indexed
-- column, so with free space on the page PostgreSQL updates the row in place (a HOT update)
-- instead of adding an entry to the unique index for every write. Set once; a table made
-- before it gets it for the pages written from then on.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class
                    WHERE oid = 'orleansstorage'::regclass
                      AND reloptions @> ARRAY['fillfactor=70']) THEN
        ALTER TABLE OrleansStorage SET (fillfactor = 70);
    END IF;
END
$$
;

-- Exactly one row per logical grain state. This is what turns two racing first writes
-- (both with a NULL etag) into one success and one version conflict. The two string
-- parts go through md5() so that long type names / string keys cannot exceed the btree
-- entry size limit, and "NULL extension" is kept distinct from "empty extension".
-- Lookups use the leading hash/number columns and then re-check the full strings.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId,
                       md5(GrainTypeString),
                       (GrainIdExtensionString IS NULL),
                       md5(COALESCE(GrainIdExtensionString, '')))
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
  FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash
   AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0
   AND GrainIdN1 = @GrainIdN1
   AND ServiceId = @ServiceId
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
 LIMIT 1;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- One statement, at most one branch yields a row:
--  * etag given -> compare-and-swap UPDATE; Version + 1, or nothing when stale/missing;
--  * no etag    -> first INSERT with Version 1, or nothing when a row already exists
--                  (including one inserted concurrently: ON CONFLICT waits, then skips).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE OrleansStorage
       SET PayloadBinary = @PayloadBinary,
           ModifiedOn = now(),
           Version = Version + 1
     WHERE @GrainStateVersion IS NOT NULL
       AND GrainIdHash = @GrainIdHash
       AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0 = @GrainIdN0
       AND GrainIdN1 = @GrainIdN1
       AND ServiceId = @ServiceId
       AND GrainTypeString = @GrainTypeString
       AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
       AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
           (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
            GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, now(), 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- Clear keeps the row (and its version sequence) but drops the payload.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
UPDATE OrleansStorage
   SET PayloadBinary = NULL,
       ModifiedOn = now(),
       Version = Version + 1
 WHERE @GrainStateVersion IS NOT NULL
   AND GrainIdHash = @GrainIdHash
   AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0
   AND GrainIdN1 = @GrainIdN1
   AND ServiceId = @ServiceId
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
   AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- Delete (DeleteStateOnClear = true) removes the row; it returns old version + 1 so the
-- provider sees a value different from the caller's etag (and then forgets the etag).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', $q$
DELETE FROM OrleansStorage
 WHERE @GrainStateVersion IS NOT NULL
   AND GrainIdHash = @GrainIdHash
   AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0
   AND GrainIdN1 = @GrainIdN1
   AND ServiceId = @ServiceId
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
   AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

COMMIT
;
