-- 0003_filings: the three qualification filings (N2–N4, L1–L3), the changes
-- of all four filings (L4–L7), the values changes replaced, the reviewers
-- of the agent points, and the audit trail (X4). Times as in 0001: UTC
-- text in TIMESTAMP columns.

-- A qualification filing: at most one per enterprise of each kind, one
-- column per field of model.Commerce / Customs / Forex. The no-card
-- pre-entry (预录入) is the same row, later declared by the card holder.
-- The state rules of X1 are in the store's guarded UPDATE/DELETE.

-- 商务部资质备案
CREATE TABLE commerce_filings (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL UNIQUE REFERENCES enterprises (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    imp_exp_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    address_cn            TEXT NOT NULL DEFAULT '',
    address_en            TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    approval_no           TEXT NOT NULL DEFAULT '',
    authority_code        TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    fax                   TEXT NOT NULL DEFAULT '',
    operator_type         TEXT NOT NULL DEFAULT '',
    business_registration TEXT NOT NULL DEFAULT '',
    first_approved_on     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX commerce_filings_declared_idx ON commerce_filings (state, enterprise_id);

-- 海关资质备案
CREATE TABLE customs_filings (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL UNIQUE REFERENCES enterprises (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    unified_no            TEXT NOT NULL DEFAULT '',
    subject_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    supervising_customs   TEXT NOT NULL DEFAULT '',
    filing_customs        TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_type     TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    customs_reg_no        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX customs_filings_declared_idx ON customs_filings (state, enterprise_id);

-- 外汇资质备案
CREATE TABLE forex_filings (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL UNIQUE REFERENCES enterprises (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    org_code              TEXT NOT NULL DEFAULT '',
    classification        TEXT NOT NULL DEFAULT '',
    published_on          TEXT NOT NULL DEFAULT '',
    bureau_status         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX forex_filings_declared_idx ON forex_filings (state, enterprise_id);

-- A change (变更) of an approved filing: the filing's fields as they shall
-- be, with a state of its own. At most one open (not yet approved) change
-- per filing: the partial unique index.

-- 法人信息变更
CREATE TABLE legal_person_changes (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    filing_id             BIGINT NOT NULL REFERENCES legal_person_filings (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    subject_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    enterprise_type       TEXT NOT NULL DEFAULT '',
    province              TEXT NOT NULL DEFAULT '',
    city                  TEXT NOT NULL DEFAULT '',
    address               TEXT NOT NULL DEFAULT '',
    postcode              TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_type     TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    fax                   TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    registered_capital    TEXT NOT NULL DEFAULT '',
    established_on        TEXT NOT NULL DEFAULT '',
    business_scope        TEXT NOT NULL DEFAULT '',
    agent_point           TEXT NOT NULL DEFAULT '',
    market_dept           TEXT NOT NULL DEFAULT '',
    tax_dept              TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX legal_person_changes_open_idx ON legal_person_changes (filing_id) WHERE state <> 'approved';
CREATE INDEX legal_person_changes_enterprise_idx ON legal_person_changes (enterprise_id, id);
CREATE INDEX legal_person_changes_declared_idx ON legal_person_changes (state, enterprise_id);

-- 商务部资质变更
CREATE TABLE commerce_changes (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    filing_id             BIGINT NOT NULL REFERENCES commerce_filings (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    imp_exp_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    address_cn            TEXT NOT NULL DEFAULT '',
    address_en            TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    approval_no           TEXT NOT NULL DEFAULT '',
    authority_code        TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    fax                   TEXT NOT NULL DEFAULT '',
    operator_type         TEXT NOT NULL DEFAULT '',
    business_registration TEXT NOT NULL DEFAULT '',
    first_approved_on     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX commerce_changes_open_idx ON commerce_changes (filing_id) WHERE state <> 'approved';
CREATE INDEX commerce_changes_enterprise_idx ON commerce_changes (enterprise_id, id);
CREATE INDEX commerce_changes_declared_idx ON commerce_changes (state, enterprise_id);

-- 海关资质变更
CREATE TABLE customs_changes (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    filing_id             BIGINT NOT NULL REFERENCES customs_filings (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    unified_no            TEXT NOT NULL DEFAULT '',
    subject_code          TEXT NOT NULL DEFAULT '',
    name_cn               TEXT NOT NULL DEFAULT '',
    name_en               TEXT NOT NULL DEFAULT '',
    supervising_customs   TEXT NOT NULL DEFAULT '',
    filing_customs        TEXT NOT NULL DEFAULT '',
    legal_rep_name        TEXT NOT NULL DEFAULT '',
    legal_rep_id_type     TEXT NOT NULL DEFAULT '',
    legal_rep_id_number   TEXT NOT NULL DEFAULT '',
    customs_reg_no        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX customs_changes_open_idx ON customs_changes (filing_id) WHERE state <> 'approved';
CREATE INDEX customs_changes_enterprise_idx ON customs_changes (enterprise_id, id);
CREATE INDEX customs_changes_declared_idx ON customs_changes (state, enterprise_id);

-- 外汇资质变更
CREATE TABLE forex_changes (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id         BIGINT NOT NULL REFERENCES enterprises (id),
    filing_id             BIGINT NOT NULL REFERENCES forex_filings (id),
    state                 TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version               INTEGER NOT NULL CHECK (version > 0),
    created_by            TEXT NOT NULL,
    updated_by            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    declared_at           TIMESTAMP,
    return_reason         TEXT NOT NULL DEFAULT '',
    credit_code           TEXT NOT NULL DEFAULT '',
    org_code              TEXT NOT NULL DEFAULT '',
    classification        TEXT NOT NULL DEFAULT '',
    published_on          TEXT NOT NULL DEFAULT '',
    bureau_status         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX forex_changes_open_idx ON forex_changes (filing_id) WHERE state <> 'approved';
CREATE INDEX forex_changes_enterprise_idx ON forex_changes (enterprise_id, id);
CREATE INDEX forex_changes_declared_idx ON forex_changes (state, enterprise_id);

-- The values of a filing before an approved change replaced them: fields
-- is a JSON object of the filing's fields by key; version is the filing's
-- version that was replaced. Append-only, like the audit trail.
CREATE TABLE filing_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('legal_person', 'commerce', 'customs', 'forex')),
    filing_id     BIGINT NOT NULL,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    change_id     BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    fields        TEXT NOT NULL,
    replaced_at   TIMESTAMP NOT NULL
);
CREATE INDEX filing_history_filing_idx ON filing_history (enterprise_id, kind, filing_id, id);

-- Reviewers (制卡代理点 / 审批部门): a user of role reviewer, bound to one
-- agent point, with the TOTP secret of the second factor (RFC 6238) and the
-- last time step used (a code is accepted once).
CREATE TABLE reviewers (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    agent_point    TEXT NOT NULL REFERENCES agent_points (code),
    totp_secret    BLOB NOT NULL,
    totp_last_step BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX reviewers_agent_point_idx ON reviewers (agent_point);

-- The audit trail (X4): one row per change of state of a filing or a
-- change, written in the transaction of the change. kind and record_id
-- name the record (is_change: a change, of the filing filing_id; for a
-- filing filing_id = record_id). from_state is NULL for a creation,
-- to_state for a deletion. fields is the JSON list of the fields that
-- changed ([{"key", "old", "new"}]); signature and certificate are the
-- card's, where the operation was signed (X3). No foreign keys: a row
-- outlives what it describes. Append-only: the triggers below refuse every
-- UPDATE and DELETE.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    enterprise_id BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('legal_person', 'commerce', 'customs', 'forex')),
    is_change     BOOLEAN NOT NULL,
    record_id     BIGINT NOT NULL,
    filing_id     BIGINT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('create', 'save', 'declare', 'approve', 'return', 'delete', 'apply')),
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
CREATE INDEX audit_log_record_idx ON audit_log (enterprise_id, kind, filing_id, id);

-- Append-only, enforced by the database (SQLite has no TRUNCATE: a DELETE
-- without WHERE runs the trigger too).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
CREATE TRIGGER filing_history_no_update BEFORE UPDATE ON filing_history
BEGIN
    SELECT RAISE(ABORT, 'filing_history is append-only: UPDATE refused');
END;
CREATE TRIGGER filing_history_no_delete BEFORE DELETE ON filing_history
BEGIN
    SELECT RAISE(ABORT, 'filing_history is append-only: DELETE refused');
END;
