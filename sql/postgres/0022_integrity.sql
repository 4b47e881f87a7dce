-- 0022_integrity: the database protects what the application protects.
--
-- 1. Declared and approved records. A record of every <kind>_filings and
--    <kind>_changes table is created as a draft; once declared it changes
--    only as the engine changes it: a declared row is approved or returned
--    by review (state, return reason, version, updated_by/at, nothing else),
--    and an approved filing takes the values of its latest approved change
--    (the fields, version, updated_by/at). A declared or approved row is
--    never deleted. Drafts and returned rows are saved and declared as
--    before. Every other INSERT, UPDATE or DELETE is refused, whoever runs
--    it.
-- 2. The audit trail is a hash chain: each row carries its place (seq), the
--    hash of the row before it (prev_hash) and the SHA-256 of that and its
--    own content (hash, eportid_audit_hash). A trigger chains every new row
--    under the lock of the one-row table audit_chain_head, so concurrent
--    transactions chain one after the other. audit_checkpoints holds the
--    chain's head at times, signed by the server's key. The rows written
--    before this migration are chained here, in id order.

CREATE FUNCTION eportid_guard_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- The columns review may change; the apply of a change may change every
    -- field, and none of the columns below.
    review CONSTANT text[] := ARRAY['state', 'return_reason', 'version', 'updated_by', 'updated_at'];
    meta CONSTANT text[] := ARRAY['id', 'enterprise_id', 'filing_id', 'state', 'version', 'created_by',
        'updated_by', 'created_at', 'updated_at', 'declared_at', 'return_reason'];
    ok boolean := false;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'draft' THEN
            RAISE EXCEPTION '%: a record is created as a draft: INSERT of a % row refused', TG_TABLE_NAME, NEW.state
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('declared', 'approved') THEN
            RAISE EXCEPTION '%: a % record stays: DELETE of row % refused', TG_TABLE_NAME, OLD.state, OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.id = OLD.id AND NEW.enterprise_id = OLD.enterprise_id AND NEW.created_by = OLD.created_by
        AND NEW.created_at = OLD.created_at
        AND to_jsonb(NEW) -> 'filing_id' IS NOT DISTINCT FROM to_jsonb(OLD) -> 'filing_id' THEN
        IF OLD.state IN ('draft', 'returned') THEN
            ok := NEW.state IN (OLD.state, 'declared');
        ELSIF OLD.state = 'declared' THEN
            ok := NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
                AND (to_jsonb(NEW) - review) = (to_jsonb(OLD) - review);
        ELSIF OLD.state = 'approved' AND NEW.state = 'approved' AND TG_ARGV[0] <> ''
            AND NEW.version = OLD.version + 1 AND NEW.declared_at IS NOT DISTINCT FROM OLD.declared_at
            AND NEW.return_reason = OLD.return_reason THEN
            EXECUTE format('SELECT (to_jsonb(c) - $2) = (to_jsonb($1) - $2) FROM %I c
                WHERE c.filing_id = ($1).id AND c.state = ''approved'' ORDER BY c.id DESC LIMIT 1', TG_ARGV[0])
                INTO ok USING NEW, meta;
        END IF;
    END IF;
    IF NOT COALESCE(ok, false) THEN
        RAISE EXCEPTION '%: a % record changes only by review or an approved change: UPDATE of row % refused',
            TG_TABLE_NAME, OLD.state, OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER legal_person_filings_guard BEFORE INSERT OR UPDATE OR DELETE ON legal_person_filings
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('legal_person_changes');
CREATE TRIGGER legal_person_changes_guard BEFORE INSERT OR UPDATE OR DELETE ON legal_person_changes
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('');
CREATE TRIGGER commerce_filings_guard BEFORE INSERT OR UPDATE OR DELETE ON commerce_filings
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('commerce_changes');
CREATE TRIGGER commerce_changes_guard BEFORE INSERT OR UPDATE OR DELETE ON commerce_changes
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('');
CREATE TRIGGER customs_filings_guard BEFORE INSERT OR UPDATE OR DELETE ON customs_filings
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('customs_changes');
CREATE TRIGGER customs_changes_guard BEFORE INSERT OR UPDATE OR DELETE ON customs_changes
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('');
CREATE TRIGGER forex_filings_guard BEFORE INSERT OR UPDATE OR DELETE ON forex_filings
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('forex_changes');
CREATE TRIGGER forex_changes_guard BEFORE INSERT OR UPDATE OR DELETE ON forex_changes
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('');
CREATE TRIGGER operator_filings_guard BEFORE INSERT OR UPDATE OR DELETE ON operator_filings
    FOR EACH ROW EXECUTE FUNCTION eportid_guard_record('');

ALTER TABLE audit_log ADD COLUMN seq BIGINT, ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log (seq);

-- The chain's last row: seq 0 and 64 zeros before the first.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- The hash of an audit row after prev: SHA-256 (hex) of prev and each
-- column as "<bytes>:<text>" ("~" for NULL), in this order. The store's
-- verifier (backend/store/auditchain.go) computes the same.
CREATE FUNCTION eportid_audit_hash(prev TEXT, r audit_log) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
SELECT encode(sha256(convert_to(prev || string_agg(CASE WHEN v IS NULL THEN '~' ELSE octet_length(v) || ':' || v END, '' ORDER BY i), 'UTF8')), 'hex')
FROM unnest(ARRAY[r.seq::text, r.id::text, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    r.enterprise_id::text, r.kind, CASE WHEN r.is_change THEN 't' ELSE 'f' END, r.record_id::text,
    r.filing_id::text, r.action, r.from_state, r.to_state, r.user_id::text, r.user_name, r.user_role,
    r.fields::text, r.reason, r.signature, r.certificate]) WITH ORDINALITY AS t(v, i)
$$;

-- Chains a new row. SECURITY DEFINER: the application role may insert
-- audit rows but not move the head itself.
CREATE FUNCTION eportid_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    h audit_chain_head;
BEGIN
    SELECT * INTO h FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    NEW.seq := h.seq + 1;
    NEW.prev_hash := h.hash;
    NEW.hash := eportid_audit_hash(h.hash, NEW);
    UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END
$$;

-- The rows so far, chained in id order.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
    r audit_log;
    h audit_chain_head;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        SELECT * INTO h FROM audit_chain_head WHERE id = 1;
        r.seq := h.seq + 1;
        r.prev_hash := h.hash;
        r.hash := eportid_audit_hash(h.hash, r);
        UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
        UPDATE audit_chain_head SET seq = r.seq, hash = r.hash WHERE id = 1;
    END LOOP;
END
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION eportid_audit_chain();

-- A checkpoint: the chain's head (seq, hash) at a time, signed by the
-- server's key (SM2 with SM3, over eportid's checkpoint text: see
-- backend/store/auditchain.go); certificate is the signer's (DER, base64).
-- Append-only.
CREATE TABLE audit_checkpoints (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    signature   TEXT NOT NULL,
    certificate TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION eportid_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION eportid_append_only();
