-- 0007_declarants: customs' declarants (报关人员, SPEC L11), the ID number
-- kept with an operator card's holder, the binding of a declarant to an
-- operator card and the signed log of every 绑定 and 解绑. The card number
-- columns name rows of cards (0020_cards, which runs after this file on a
-- new database, so they carry no foreign key).

-- 海关报关人员: the registry's records, keyed by 报关人员编号; read by the
-- database implementation of backend/registry's declarant registry and
-- filled by store.LoadRegistryFixtures like the other registries.
CREATE TABLE registry_declarants (
    declarant_no TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    id_type      TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    credit_code  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('normal', 'cancelled')),
    revision     TEXT NOT NULL,
    active       BOOLEAN NOT NULL
);
CREATE INDEX registry_declarants_credit_idx ON registry_declarants (credit_code, declarant_no);

-- The identity document of an operator card's holder, as the operator's
-- application gave it: a binding compares it with the declarant's.
CREATE TABLE card_holder_ids (
    card_number TEXT PRIMARY KEY,
    id_type     TEXT NOT NULL,
    id_number   TEXT NOT NULL
);

-- The declarant bound to an operator card: at most one per card, at most
-- one card per declarant. declarant_name, id_type and id_number are the
-- declarant's as customs recorded them when bound (what 解绑 signs).
CREATE TABLE declarant_bindings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
    card_number    TEXT NOT NULL UNIQUE,
    declarant_no   TEXT NOT NULL UNIQUE,
    declarant_name TEXT NOT NULL,
    id_type        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    bound_at       TIMESTAMP NOT NULL
);
CREATE INDEX declarant_bindings_enterprise_idx ON declarant_bindings (enterprise_id);

-- Every 绑定 and 解绑, append-only, with the legal-person card's signature
-- (standard base64 of the DER signature and certificate) over
-- model.BindingCanonical(enterprise_id, version, action, card_number,
-- declarant). version numbers the enterprise's binding operations 1, 2, ...:
-- a signature is good for one operation only.
CREATE TABLE declarant_binding_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  BIGINT NOT NULL,
    version        INTEGER NOT NULL,
    at             TIMESTAMP NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('bind', 'unbind')),
    card_number    TEXT NOT NULL,
    declarant_no   TEXT NOT NULL,
    declarant_name TEXT NOT NULL,
    id_type        TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    credit_code    TEXT NOT NULL,
    user_id        BIGINT,
    user_name      TEXT NOT NULL,
    user_role      TEXT NOT NULL,
    signer_card    TEXT NOT NULL,
    signature      TEXT NOT NULL,
    certificate    TEXT NOT NULL,
    UNIQUE (enterprise_id, version)
);
CREATE INDEX declarant_binding_log_card_idx ON declarant_binding_log (enterprise_id, card_number, id);
CREATE TRIGGER declarant_binding_log_no_update BEFORE UPDATE ON declarant_binding_log
BEGIN
    SELECT RAISE(ABORT, 'declarant_binding_log is append-only: UPDATE refused');
END;
CREATE TRIGGER declarant_binding_log_no_delete BEFORE DELETE ON declarant_binding_log
BEGIN
    SELECT RAISE(ABORT, 'declarant_binding_log is append-only: DELETE refused');
END;
