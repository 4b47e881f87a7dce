-- 0027_audit_link: the audit trail is chained after its rows commit, not
-- in their transactions.
--
-- Chaining each row as it was inserted (0022) locked the chain's head
-- until the transaction committed: every declaration waited for the one
-- before it to commit, and declarations committed one at a time. A new
-- row now comes unchained (seq, prev_hash and hash NULL, whatever the
-- insert says); eportid_audit_link chains the committed unchained rows in
-- id order under the head's lock, in a short transaction of its own. The
-- server's janitor links before it signs a checkpoint (store.LinkAudit),
-- so every checkpoint vouches for every row committed before it; the
-- verifier checks the chained rows and reports the unchained tail.
--
-- The chain's columns are written once: the append-only trigger of
-- audit_log lets an UPDATE through only where it gives an unchained row
-- its place and hashes and changes nothing else.

DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION eportid_audit_chain();
ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL;
CREATE INDEX audit_log_unchained_idx ON audit_log (id) WHERE seq IS NULL;

CREATE FUNCTION eportid_audit_unchained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_unchained BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION eportid_audit_unchained();

CREATE FUNCTION eportid_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chain CONSTANT text[] := ARRAY['seq', 'prev_hash', 'hash'];
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
        AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
        AND NEW.hash = eportid_audit_hash(NEW.prev_hash, NEW)
        AND (to_jsonb(NEW) - chain) = (to_jsonb(OLD) - chain) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION eportid_audit_append_only();

-- Chains up to max_rows unchained rows, in id order, after the head, and
-- returns how many. SECURITY DEFINER: the application role may link but
-- neither write audit_log's chain columns nor move the head itself.
CREATE FUNCTION eportid_audit_link(max_rows INTEGER) RETURNS INTEGER LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT AS $$
DECLARE
    h audit_chain_head;
    r audit_log;
    n INTEGER := 0;
BEGIN
    SELECT * INTO h FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    FOR r IN SELECT * FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT max_rows LOOP
        r.seq := h.seq + 1;
        r.prev_hash := h.hash;
        r.hash := eportid_audit_hash(h.hash, r);
        UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
        h.seq := r.seq;
        h.hash := r.hash;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE audit_chain_head SET seq = h.seq, hash = h.hash WHERE id = 1;
    END IF;
    RETURN n;
END
$$;
