-- 0001_init: accounts, sessions, registration, mail outbox and the
-- legal-person filing (N1). Times are TIMESTAMP columns holding UTC text in
-- the driver's _time_format=sqlite ("2006-01-02 15:04:05.999999+00:00"), so
-- they sort and compare as text; ids never get reused (AUTOINCREMENT), as
-- PostgreSQL's identity columns never are.

CREATE TABLE enterprises (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code         TEXT NOT NULL UNIQUE,
    name_cn             TEXT NOT NULL,
    legal_rep_name      TEXT NOT NULL DEFAULT '',
    legal_rep_id_type   TEXT NOT NULL DEFAULT '',
    legal_rep_id_number TEXT NOT NULL DEFAULT '',
    province            TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);

-- enterprise_id is NULL for users of no enterprise (reviewers).
-- username is stored lower-cased so that UNIQUE is case-insensitive.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id BIGINT REFERENCES enterprises (id),
    username      TEXT NOT NULL UNIQUE CHECK (username = lower(username)),
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    mobile        TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX users_enterprise_id_idx ON users (enterprise_id);

-- No-card registrations (R2) awaiting the e-mail confirmation. data is the
-- JSON of the enterprise step plus username, password_hash, mobile and
-- email: never the plain password.
CREATE TABLE pending_registrations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB NOT NULL UNIQUE,
    data       TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX pending_registrations_email_idx ON pending_registrations (email);
CREATE INDEX pending_registrations_expires_at_idx ON pending_registrations (expires_at);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_created_at_idx ON sessions (created_at);
CREATE INDEX sessions_last_seen_at_idx ON sessions (last_seen_at);

-- Failed logins per key ("user:NAME", "ip:ADDR", ...); the caller computes
-- the back-off from failures and last_failure_at.
CREATE TABLE login_failures (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL
);

-- Outbox of mails (development has no mail server).
CREATE TABLE mails (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mails_to_addr_idx ON mails (to_addr, created_at);

-- Legal-person filing (N1): at most one per enterprise. One column per
-- field of model.LegalPerson; the state rules of X1 are enforced by the
-- store's UPDATE/DELETE statements.
CREATE TABLE legal_person_filings (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id       BIGINT NOT NULL UNIQUE REFERENCES enterprises (id),
    state               TEXT NOT NULL CHECK (state IN ('draft', 'declared', 'approved', 'returned')),
    version             INTEGER NOT NULL CHECK (version > 0),
    created_by          TEXT NOT NULL,
    updated_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    declared_at         TIMESTAMP,
    return_reason       TEXT NOT NULL DEFAULT '',
    credit_code         TEXT NOT NULL DEFAULT '',
    subject_code        TEXT NOT NULL DEFAULT '',
    name_cn             TEXT NOT NULL DEFAULT '',
    name_en             TEXT NOT NULL DEFAULT '',
    enterprise_type     TEXT NOT NULL DEFAULT '',
    province            TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    address             TEXT NOT NULL DEFAULT '',
    postcode            TEXT NOT NULL DEFAULT '',
    legal_rep_name      TEXT NOT NULL DEFAULT '',
    legal_rep_id_type   TEXT NOT NULL DEFAULT '',
    legal_rep_id_number TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    fax                 TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    registered_capital  TEXT NOT NULL DEFAULT '',
    established_on      TEXT NOT NULL DEFAULT '',
    business_scope      TEXT NOT NULL DEFAULT '',
    agent_point         TEXT NOT NULL DEFAULT '',
    market_dept         TEXT NOT NULL DEFAULT '',
    tax_dept            TEXT NOT NULL DEFAULT ''
);
-- For the reviewers of an agent point (what was declared to them).
CREATE INDEX legal_person_filings_agent_point_idx ON legal_person_filings (agent_point, state);
