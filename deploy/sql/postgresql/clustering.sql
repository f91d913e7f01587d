-- GcmActors: PostgreSQL schema for the Orleans ADO.NET clustering (membership) provider
-- (Microsoft.Orleans.Clustering.AdoNet 10.x, Invariant "Npgsql", Npgsql 10.x).
-- Written for this project from the provider's contract; it is not a copy of any
-- Orleans-shipped script.
--
-- Idempotent: safe to run on every start of every silo, also concurrently, as ONE
-- multi-statement command text (NpgsqlCommand.ExecuteNonQuery) or split on lines
-- holding only ";" and run in order on one connection. The whole script is one
-- transaction serialized by a transaction-scoped advisory lock (key 7426001, shared by
-- all GcmActors schema scripts), because concurrent CREATE TABLE IF NOT EXISTS /
-- CREATE OR REPLACE FUNCTION can otherwise fail with unique-violation or
-- "tuple concurrently updated" errors in PostgreSQL.
-- Identifiers are deliberately unquoted (PostgreSQL folds them to lower case; the
-- provider's own "SELECT QueryKey, QueryText FROM OrleansQuery" relies on that, and
-- Npgsql resolves result column names case-insensitively).
--
-- Contract (what the provider binds / reads; DeploymentId = ClusterOptions.ClusterId):
--   parameters: @DeploymentId text, @Address text (IP as string), @Port int, @Generation int,
--               @SiloName text, @HostName text, @Status int (SiloStatus; 3 = Active, 6 = Dead),
--               @ProxyPort int (0 = no gateway), @StartTime / @IAmAliveTime DateTime (UTC),
--               @SuspectTimes text ("silo,date|silo,date", NULL when none),
--               @Version int = the expected TABLE version (the provider uses the table
--               version as every row's etag; it is never a per-row version).
--   MembershipReadRowKey / MembershipReadAllKey -> at least one row, always: the version row
--       LEFT JOINed to member rows. Columns by name: Version, Address, Port, Generation,
--       SiloName, HostName, Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime
--       (StartTime NULL = "no member in this row").
--   InsertMembershipVersionKey -> one row, one boolean column (true = created now).
--   InsertMembershipKey / UpdateMembershipKey -> one row, one boolean column; true only if
--       the table version still equalled @Version, in which case it is incremented in the
--       same transaction. Insert fails (false, nothing changed) if the silo row exists;
--       update fails (false, nothing changed) if it does not.
--   UpdateIAmAlivetimeKey -> no result; never bumps the table version.
--   GatewaysQueryKey (@Status = 3) -> Address, ProxyPort, Generation.
--   CleanupDefunctSiloEntriesKey (required, bulk; @IAmAliveTime = cutoff) and
--   CleanupDefunctSiloEntryKey (optional, preferred by the provider when present: it
--       deletes one Dead row only if it is still exactly as the provider read it, i.e.
--       same StartTime, IAmAliveTime and SuspectTimes).
--   DeleteMembershipTableEntriesKey -> removes a cluster's rows and its version row.

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

-- One row per cluster; Version is the optimistic-concurrency token of the whole table.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
)
;

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NOT NULL DEFAULT 0,
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
)
;

-- Insert a silo row under the table-version check. The version row is locked first, so
-- every membership write for a cluster is serialized; nothing is changed unless both the
-- version matches and the silo row is new.
CREATE OR REPLACE FUNCTION orleans_membership_insert_row(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_silo_name      text,
    p_host_name      text,
    p_status         integer,
    p_proxy_port     integer,
    p_start_time     timestamptz,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT Version INTO v_current
      FROM OrleansMembershipVersionTable
     WHERE DeploymentId = p_deployment_id
       FOR UPDATE;

    IF v_current IS NULL OR v_current <> p_version OR v_current = 2147483647 THEN
        RETURN false;
    END IF;

    INSERT INTO OrleansMembershipTable
           (DeploymentId, Address, Port, Generation, SiloName, HostName,
            Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime)
    VALUES (p_deployment_id, p_address, p_port, p_generation,
            COALESCE(p_silo_name, ''), COALESCE(p_host_name, ''),
            p_status, COALESCE(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id;

    RETURN true;
END
$fn$
;

-- Update status / suspect votes / liveness of an existing silo row under the
-- table-version check. IAmAliveTime never moves backwards (the caller may hold an older
-- value than the silo itself last published).
CREATE OR REPLACE FUNCTION orleans_membership_update_row(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_status         integer,
    p_suspect_times  text,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_current integer;
BEGIN
    SELECT Version INTO v_current
      FROM OrleansMembershipVersionTable
     WHERE DeploymentId = p_deployment_id
       FOR UPDATE;

    IF v_current IS NULL OR v_current <> p_version OR v_current = 2147483647 THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipTable
       SET Status = p_status,
           SuspectTimes = NULLIF(p_suspect_times, ''),
           IAmAliveTime = GREATEST(IAmAliveTime, p_i_am_alive)
     WHERE DeploymentId = p_deployment_id
       AND Address = p_address
       AND Port = p_port
       AND Generation = p_generation;

    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE OrleansMembershipVersionTable
       SET Version = Version + 1,
           Timestamp = now()
     WHERE DeploymentId = p_deployment_id;

    RETURN true;
END
$fn$
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS Created;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', $q$
SELECT orleans_membership_insert_row(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
    @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS Succeeded;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', $q$
SELECT orleans_membership_update_row(
    @DeploymentId, @Address, @Port, @Generation,
    @Status, @SuspectTimes, @IAmAliveTime, @Version) AS Succeeded;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- Heartbeat: touches only the silo's own row and never the table version.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
   SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime)
 WHERE DeploymentId = @DeploymentId
   AND Address = @Address
   AND Port = @Port
   AND Generation = @Generation;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- The version row always comes back (LEFT JOIN), even when the silo has no row yet.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', $q$
SELECT v.Version,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m
         ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address
        AND m.Port = @Port
        AND m.Generation = @Generation
 WHERE v.DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', $q$
SELECT v.Version,
       m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime
  FROM OrleansMembershipVersionTable v
  LEFT JOIN OrleansMembershipTable m
         ON m.DeploymentId = v.DeploymentId
 WHERE v.DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
  FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = @Status
   AND ProxyPort > 0;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable
 WHERE DeploymentId = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- Bulk fallback (the provider uses it only if CleanupDefunctSiloEntryKey is absent; the
-- key must exist regardless): Dead rows that started and last reported before the cutoff.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = 6
   AND IAmAliveTime < @IAmAliveTime
   AND StartTime < @IAmAliveTime;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

-- Per-row cleanup: the provider has already checked the row is Dead and old enough; this
-- deletes it only if nobody changed it since it was read.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntryKey', $q$
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Address = @Address
   AND Port = @Port
   AND Generation = @Generation
   AND Status = 6
   AND StartTime = @StartTime
   AND IAmAliveTime = @IAmAliveTime
   AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
;

COMMIT
;
