-- 0005_operators: the operator applications (操作员信息, N5 and L8), many per
-- enterprise, on the filing engine like the other kinds; their
-- attachments (上传附件), kept in the database so that every server instance
-- serves them; and the audit trail opened to the new kinds of record.

-- An operator application: one column per field of model.OperatorForm. One
-- person (ID number) at most once per enterprise (the partial index: a
-- draft may leave the number empty).
CREATE TABLE operator_filings (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    name                  TEXT NOT NULL DEFAULT '',
    id_type               TEXT NOT NULL DEFAULT '',
    id_number             TEXT NOT NULL DEFAULT '',
    mobile                TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    attachment            TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    unified_no            TEXT NOT NULL DEFAULT '',
    card_kind             TEXT NOT NULL DEFAULT '',
    agent_point           TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    address               TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT ''

);
CREATE UNIQUE INDEX operator_filings_person_idx ON operator_filings (enterprise_id, id_number) WHERE id_number <> '';
CREATE INDEX operator_filings_enterprise_idx ON operator_filings (enterprise_id, id);
CREATE INDEX operator_filings_declared_idx ON operator_filings (state, enterprise_id);

-- An uploaded attachment: its bytes, the type sniffed from them (never
-- the name's or the browser's claim), its SHA-256. Immutable.
CREATE TABLE attachments (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    name                  TEXT NOT NULL,
    content_type          TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size                  BIGINT NOT NULL CHECK (size > 0 AND size <= 2097152),
    sha256                TEXT NOT NULL,
    data                  BLOB NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL
);
CREATE INDEX attachments_enterprise_idx ON attachments (enterprise_id, id);

CREATE TRIGGER attachments_immutable BEFORE UPDATE ON attachments
BEGIN
    SELECT RAISE(ABORT, 'attachments are immutable: UPDATE refused');
END;

-- The audit trail takes the new kinds of record and actions. SQLite
-- cannot change a CHECK in place: the table is made anew with its rows
-- (DROP TABLE fires no DELETE trigger), its index and its triggers.
CREATE TABLE audit_log_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    enterprise_id BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('legal_person', 'commerce', 'customs', 'forex', 'operator', 'declarant_binding', 'card')),
    is_change     BOOLEAN NOT NULL,
    record_id     BIGINT NOT NULL,
    filing_id     BIGINT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('create', 'save', 'declare', 'approve', 'return', 'delete', 'apply', 'issue', 'bind', 'unbind', 'authorise', 'revoke')),
    from_state    TEXT,
    to_state      TEXT,
    user_id       BIGINT,
    user_name     TEXT NOT NULL,
    user_role     TEXT NOT NULL DEFAULT '',
    fields        TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    signature     TEXT,
    certificate   TEXT
);
INSERT INTO audit_log_new SELECT id, at, enterprise_id, kind, is_change, record_id, filing_id, action, from_state,
    to_state, user_id, user_name, user_role, fields, reason, signature, certificate FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_record_idx ON audit_log (enterprise_id, kind, filing_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
