-- 0027_audit_link: on PostgreSQL the audit trail is chained after its
-- rows commit (see postgres/0027_audit_link.sql). SQLite's write
-- transactions are serial, so the store goes on chaining each row as it
-- inserts it (backend/store/auditchain.go) and its schema stays as it is.
SELECT 1;
