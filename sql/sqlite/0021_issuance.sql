-- 0021_issuance: issuing an operator card at the agent point (制卡). The
-- reviewer's console asks for an issuance: a single-use token for one
-- approved operator application and the card number it will carry; the
-- card bridge personalises a blank card with it, and the certificate the
-- CA issues for the card's own key spends the token. The card row keeps
-- the application it was issued for and the holder's ID number.
CREATE TABLE card_issuances (
    token_id       TEXT PRIMARY KEY,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
    application_id BIGINT NOT NULL REFERENCES operator_filings (id),
    card_number    TEXT NOT NULL UNIQUE,
    agent_point    TEXT NOT NULL,
    reviewer       TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP
);
CREATE INDEX card_issuances_application_idx ON card_issuances (application_id);

ALTER TABLE cards ADD COLUMN application_id BIGINT;
ALTER TABLE cards ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX cards_application_idx ON cards (application_id) WHERE application_id IS NOT NULL;
