-- 0008_card_authorisations: what an operator card (操作员卡) may declare,
-- authorised by the enterprise's legal-person card (经法人卡授权登记), and
-- the event log of every card (its operation records). Times as in 0001:
-- UTC text.
--
-- No foreign key to cards: on a new database this migration runs before
-- 0020_cards. The store writes both tables only for a card it has read
-- in the same transaction.

-- One row per filing kind an operator card is authorised to save and
-- declare. Revoking deletes the row; the card's events keep who did what.
CREATE TABLE card_authorisations (
    card_number TEXT NOT NULL,
    kind        TEXT NOT NULL,
    PRIMARY KEY (card_number, kind)
);

-- What happened to a card, in order (seq from 1, per card): issued,
-- authorised, authorisation revoked, PIN changed, ... by whom (name and
-- role), with the card signature of the operation (standard base64) where
-- one was made, and a detail for people (the kinds authorised). Written in
-- the transaction of what it records; append-only.
CREATE TABLE card_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    card_number TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    action      TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    signature   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    UNIQUE (card_number, seq)
);
CREATE TRIGGER card_events_no_update BEFORE UPDATE ON card_events
BEGIN
    SELECT RAISE(ABORT, 'card_events is append-only: UPDATE refused');
END;
CREATE TRIGGER card_events_no_delete BEFORE DELETE ON card_events
BEGIN
    SELECT RAISE(ABORT, 'card_events is append-only: DELETE refused');
END;
