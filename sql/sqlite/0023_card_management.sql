-- 0023_card_management: what IC card management (L9) keeps besides the
-- card's state and its events: the certificates the CA has revoked or put
-- on hold, for the published revocation list (CRL); the CRLs it
-- published, numbered; and the card challenges an unblock cryptogram was
-- made for, each used once.

-- A certificate on the CRL. reason is the RFC 5280 reason:
-- certificateHold (冻结), keyCompromise (挂失) or superseded (证书延期
-- replaced it). A hold that is lifted (解冻) keeps its row with lifted_at:
-- the CRLs of one validity period after it list the serial with reason
-- removeFromCRL, later ones no longer list it. A hold made final (挂失 of
-- a frozen card) becomes keyCompromise.
CREATE TABLE card_revocations (
    serial      TEXT PRIMARY KEY,
    card_number TEXT NOT NULL REFERENCES cards (card_number),
    reason      TEXT NOT NULL CHECK (reason IN ('certificateHold', 'keyCompromise', 'superseded')),
    revoked_at  TIMESTAMP NOT NULL,
    lifted_at   TIMESTAMP
);
CREATE INDEX card_revocations_card_idx ON card_revocations (card_number);

-- Every CRL published, by its CRL number (the newest is served).
CREATE TABLE crls (
    number      INTEGER PRIMARY KEY,
    this_update TIMESTAMP NOT NULL,
    next_update TIMESTAMP NOT NULL,
    der         BLOB NOT NULL
);

-- A card challenge (GET CHALLENGE) the server made an unblock cryptogram
-- for (解锁): the SHA-256 of the card number and challenge, once.
CREATE TABLE card_unlocks (
    challenge_hash BLOB PRIMARY KEY,
    card_number    TEXT NOT NULL REFERENCES cards (card_number),
    made_at        TIMESTAMP NOT NULL
);
