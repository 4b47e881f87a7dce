-- 0020_cards: IC cards (issue #4), the nonces of card logins, the binding of
-- a session to the card it was opened with, and the card signatures of
-- declared records (X3). Numbered 0020 so that it never collides with the
-- filings' migrations (0003, 0004, ...). Times as in 0001: UTC text.

-- A card of an enterprise: a legal-person card (法人卡) or an operator card
-- (操作员卡). certificate is the DER the card holds (the latest one issued
-- for it); serial its serial number in lower-case hex; not_after its end.
-- user_id is the account the card's sessions act as (role legal_card or
-- operator_card; it has no usable password).
CREATE TABLE cards (
    card_number   TEXT PRIMARY KEY,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    user_id       BIGINT NOT NULL UNIQUE REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('legal_person', 'operator')),
    holder_name   TEXT NOT NULL,
    certificate   BLOB NOT NULL,
    serial        TEXT NOT NULL,
    not_after     TIMESTAMP NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'frozen', 'lost', 'expired')),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX cards_enterprise_idx ON cards (enterprise_id, card_number);
CREATE INDEX cards_not_after_idx ON cards (state, not_after);

-- Pending card logins: the SHA-256 of each nonce, the login attempt it was
-- issued for and its end. A nonce is taken (deleted) once.
CREATE TABLE card_login_nonces (
    nonce_hash BLOB PRIMARY KEY,
    attempt_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX card_login_nonces_expires_idx ON card_login_nonces (expires_at);

-- A session opened with a card: the card, and the last time the page
-- reported the card in the reader (the session ends when that is too old).
CREATE TABLE card_sessions (
    session_id       BIGINT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    card_number      TEXT NOT NULL REFERENCES cards (card_number),
    last_presence_at TIMESTAMP NOT NULL
);
CREATE INDEX card_sessions_card_idx ON card_sessions (card_number);

-- The card signature of a declared record (X3): what was signed is
-- model.CanonicalRecord(kind, record_id, version, fields) with the
-- record's fields as stored at that version. Append-only, like the audit
-- trail, which keeps the signature of the same operation too.
CREATE TABLE record_signatures (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    is_change     BOOLEAN NOT NULL DEFAULT FALSE,
    record_id     BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    action        TEXT NOT NULL,
    card_number   TEXT NOT NULL,
    holder_name   TEXT NOT NULL,
    cert_serial   TEXT NOT NULL,
    signature     BLOB NOT NULL,
    certificate   BLOB NOT NULL,
    signed_at     TIMESTAMP NOT NULL
);
CREATE INDEX record_signatures_record_idx ON record_signatures (enterprise_id, kind, is_change, record_id, id);
CREATE TRIGGER record_signatures_no_update BEFORE UPDATE ON record_signatures
BEGIN
    SELECT RAISE(ABORT, 'record_signatures is append-only: UPDATE refused');
END;
CREATE TRIGGER record_signatures_no_delete BEFORE DELETE ON record_signatures
BEGIN
    SELECT RAISE(ABORT, 'record_signatures is append-only: DELETE refused');
END;
