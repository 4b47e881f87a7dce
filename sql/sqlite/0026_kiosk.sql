-- Kiosk terminals (自助终端) at the agent points: a browser an agent point
-- enrolled. A reviewer of the agent point (or eportid-admin) makes a
-- one-time enrolment link; opening it in the terminal's browser makes the
-- terminal's long-lived cookie. Only SHA-256 hashes of the link's token and
-- of the cookie are kept. A revoked terminal's cookie no longer counts.
CREATE TABLE kiosk_terminals (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_point      TEXT NOT NULL REFERENCES agent_points (code),
    name             TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    -- The enrolment link's token, until it is used or expires.
    enrol_token_hash BLOB UNIQUE,
    enrol_expires_at TIMESTAMP NOT NULL,
    -- The terminal's cookie, once enrolled.
    token_hash       BLOB UNIQUE,
    enrolled_at      TIMESTAMP,
    revoked_at       TIMESTAMP
);
CREATE INDEX kiosk_terminals_agent_point_idx ON kiosk_terminals (agent_point);

-- A session begun on a kiosk terminal is a kiosk session (the short idle
-- timeout). Terminals are revoked, never deleted, and revoking one ends its
-- sessions in the same transaction (store.RevokeKioskTerminal), so the
-- column needs no foreign key.
ALTER TABLE sessions ADD COLUMN kiosk_terminal_id BIGINT;
CREATE INDEX sessions_kiosk_terminal_idx ON sessions (kiosk_terminal_id);
