-- GcmActors: the ASP.NET Core Data Protection key ring of a cluster (PostgreSQL), so that every silo
-- decrypts the webhook secrets another silo encrypted. One row per key (its XML, as Data Protection
-- writes it: the key material is not encrypted at rest here; restrict access to this table as to the
-- database's credentials). Rows are never updated or deleted by the service: an expired key still
-- decrypts what it encrypted.
-- Idempotent and serialized like the other scripts (advisory lock 7426001).

BEGIN
;

SELECT pg_advisory_xact_lock(7426001)
;

CREATE TABLE IF NOT EXISTS GcmDataProtectionKeys
(
    ServiceId    varchar(150) NOT NULL,
    FriendlyName varchar(150) NOT NULL,
    Xml          text         NOT NULL,
    CONSTRAINT PK_GcmDataProtectionKeys PRIMARY KEY (ServiceId, FriendlyName)
)
;

COMMIT
;
