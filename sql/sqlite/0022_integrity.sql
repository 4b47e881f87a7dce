-- 0022_integrity: the database protects what the application protects.
--
-- 1. Declared and approved records. A record of every <kind>_filings and
--    <kind>_changes table is created as a draft; once declared it changes
--    only as the engine changes it: a declared row is approved or returned
--    by review (state, return reason, version, updated_by/at, nothing else),
--    and an approved filing takes the values of its latest approved change
--    (the fields, version, updated_by/at). A declared or approved row is
--    never deleted. Drafts and returned rows are saved and declared as
--    before. Every other INSERT, UPDATE or DELETE is refused.
-- 2. The audit trail is a hash chain: each row carries its place (seq), the
--    hash of the row before it (prev_hash) and the SHA-256 of that and its
--    own content (hash). SQLite has no SHA-256: the store computes it
--    (backend/store/auditchain.go), and the triggers below hold a new row
--    to the chain's head (audit_chain_head: its seq follows, its prev_hash
--    is the head's) and move the head. audit_checkpoints holds the head at
--    times, signed by the server's key. The rows written before this
--    migration are chained by the store in the same transaction
--    (migration hook of 0022), which then puts back the trigger refusing
--    UPDATE of audit_log dropped here.

CREATE TRIGGER legal_person_filings_guard_insert BEFORE INSERT ON legal_person_filings
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'legal_person_filings: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER legal_person_filings_guard_delete BEFORE DELETE ON legal_person_filings
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'legal_person_filings: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER legal_person_filings_guard_update BEFORE UPDATE ON legal_person_filings
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.subject_code IS OLD.subject_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.enterprise_type IS OLD.enterprise_type AND NEW.province IS OLD.province AND NEW.city IS OLD.city AND NEW.address IS OLD.address AND NEW.postcode IS OLD.postcode AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_type IS OLD.legal_rep_id_type AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.phone IS OLD.phone AND NEW.fax IS OLD.fax AND NEW.email IS OLD.email AND NEW.registered_capital IS OLD.registered_capital AND NEW.established_on IS OLD.established_on AND NEW.business_scope IS OLD.business_scope AND NEW.agent_point IS OLD.agent_point AND NEW.market_dept IS OLD.market_dept AND NEW.tax_dept IS OLD.tax_dept
        OR OLD.state = 'approved' AND NEW.state = 'approved' AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.return_reason IS OLD.return_reason
            AND EXISTS (SELECT 1 FROM (SELECT * FROM legal_person_changes WHERE filing_id = NEW.id AND state = 'approved'
                ORDER BY id DESC LIMIT 1) c WHERE c.credit_code IS NEW.credit_code AND c.subject_code IS NEW.subject_code AND c.name_cn IS NEW.name_cn AND c.name_en IS NEW.name_en AND c.enterprise_type IS NEW.enterprise_type AND c.province IS NEW.province AND c.city IS NEW.city AND c.address IS NEW.address AND c.postcode IS NEW.postcode AND c.legal_rep_name IS NEW.legal_rep_name AND c.legal_rep_id_type IS NEW.legal_rep_id_type AND c.legal_rep_id_number IS NEW.legal_rep_id_number AND c.phone IS NEW.phone AND c.fax IS NEW.fax AND c.email IS NEW.email AND c.registered_capital IS NEW.registered_capital AND c.established_on IS NEW.established_on AND c.business_scope IS NEW.business_scope AND c.agent_point IS NEW.agent_point AND c.market_dept IS NEW.market_dept AND c.tax_dept IS NEW.tax_dept)))
BEGIN
    SELECT RAISE(ABORT, 'legal_person_filings: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER legal_person_changes_guard_insert BEFORE INSERT ON legal_person_changes
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'legal_person_changes: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER legal_person_changes_guard_delete BEFORE DELETE ON legal_person_changes
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'legal_person_changes: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER legal_person_changes_guard_update BEFORE UPDATE ON legal_person_changes
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at AND NEW.filing_id IS OLD.filing_id
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.subject_code IS OLD.subject_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.enterprise_type IS OLD.enterprise_type AND NEW.province IS OLD.province AND NEW.city IS OLD.city AND NEW.address IS OLD.address AND NEW.postcode IS OLD.postcode AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_type IS OLD.legal_rep_id_type AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.phone IS OLD.phone AND NEW.fax IS OLD.fax AND NEW.email IS OLD.email AND NEW.registered_capital IS OLD.registered_capital AND NEW.established_on IS OLD.established_on AND NEW.business_scope IS OLD.business_scope AND NEW.agent_point IS OLD.agent_point AND NEW.market_dept IS OLD.market_dept AND NEW.tax_dept IS OLD.tax_dept))
BEGIN
    SELECT RAISE(ABORT, 'legal_person_changes: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER commerce_filings_guard_insert BEFORE INSERT ON commerce_filings
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'commerce_filings: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER commerce_filings_guard_delete BEFORE DELETE ON commerce_filings
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'commerce_filings: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER commerce_filings_guard_update BEFORE UPDATE ON commerce_filings
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.imp_exp_code IS OLD.imp_exp_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.address_cn IS OLD.address_cn AND NEW.address_en IS OLD.address_en AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.approval_no IS OLD.approval_no AND NEW.authority_code IS OLD.authority_code AND NEW.email IS OLD.email AND NEW.phone IS OLD.phone AND NEW.fax IS OLD.fax AND NEW.operator_type IS OLD.operator_type AND NEW.business_registration IS OLD.business_registration AND NEW.first_approved_on IS OLD.first_approved_on
        OR OLD.state = 'approved' AND NEW.state = 'approved' AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.return_reason IS OLD.return_reason
            AND EXISTS (SELECT 1 FROM (SELECT * FROM commerce_changes WHERE filing_id = NEW.id AND state = 'approved'
                ORDER BY id DESC LIMIT 1) c WHERE c.credit_code IS NEW.credit_code AND c.imp_exp_code IS NEW.imp_exp_code AND c.name_cn IS NEW.name_cn AND c.name_en IS NEW.name_en AND c.address_cn IS NEW.address_cn AND c.address_en IS NEW.address_en AND c.legal_rep_name IS NEW.legal_rep_name AND c.legal_rep_id_number IS NEW.legal_rep_id_number AND c.approval_no IS NEW.approval_no AND c.authority_code IS NEW.authority_code AND c.email IS NEW.email AND c.phone IS NEW.phone AND c.fax IS NEW.fax AND c.operator_type IS NEW.operator_type AND c.business_registration IS NEW.business_registration AND c.first_approved_on IS NEW.first_approved_on)))
BEGIN
    SELECT RAISE(ABORT, 'commerce_filings: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER commerce_changes_guard_insert BEFORE INSERT ON commerce_changes
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'commerce_changes: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER commerce_changes_guard_delete BEFORE DELETE ON commerce_changes
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'commerce_changes: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER commerce_changes_guard_update BEFORE UPDATE ON commerce_changes
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at AND NEW.filing_id IS OLD.filing_id
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.imp_exp_code IS OLD.imp_exp_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.address_cn IS OLD.address_cn AND NEW.address_en IS OLD.address_en AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.approval_no IS OLD.approval_no AND NEW.authority_code IS OLD.authority_code AND NEW.email IS OLD.email AND NEW.phone IS OLD.phone AND NEW.fax IS OLD.fax AND NEW.operator_type IS OLD.operator_type AND NEW.business_registration IS OLD.business_registration AND NEW.first_approved_on IS OLD.first_approved_on))
BEGIN
    SELECT RAISE(ABORT, 'commerce_changes: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER customs_filings_guard_insert BEFORE INSERT ON customs_filings
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'customs_filings: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER customs_filings_guard_delete BEFORE DELETE ON customs_filings
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'customs_filings: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER customs_filings_guard_update BEFORE UPDATE ON customs_filings
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.unified_no IS OLD.unified_no AND NEW.subject_code IS OLD.subject_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.supervising_customs IS OLD.supervising_customs AND NEW.filing_customs IS OLD.filing_customs AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_type IS OLD.legal_rep_id_type AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.customs_reg_no IS OLD.customs_reg_no
        OR OLD.state = 'approved' AND NEW.state = 'approved' AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.return_reason IS OLD.return_reason
            AND EXISTS (SELECT 1 FROM (SELECT * FROM customs_changes WHERE filing_id = NEW.id AND state = 'approved'
                ORDER BY id DESC LIMIT 1) c WHERE c.credit_code IS NEW.credit_code AND c.unified_no IS NEW.unified_no AND c.subject_code IS NEW.subject_code AND c.name_cn IS NEW.name_cn AND c.name_en IS NEW.name_en AND c.supervising_customs IS NEW.supervising_customs AND c.filing_customs IS NEW.filing_customs AND c.legal_rep_name IS NEW.legal_rep_name AND c.legal_rep_id_type IS NEW.legal_rep_id_type AND c.legal_rep_id_number IS NEW.legal_rep_id_number AND c.customs_reg_no IS NEW.customs_reg_no)))
BEGIN
    SELECT RAISE(ABORT, 'customs_filings: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER customs_changes_guard_insert BEFORE INSERT ON customs_changes
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'customs_changes: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER customs_changes_guard_delete BEFORE DELETE ON customs_changes
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'customs_changes: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER customs_changes_guard_update BEFORE UPDATE ON customs_changes
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at AND NEW.filing_id IS OLD.filing_id
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.unified_no IS OLD.unified_no AND NEW.subject_code IS OLD.subject_code AND NEW.name_cn IS OLD.name_cn AND NEW.name_en IS OLD.name_en AND NEW.supervising_customs IS OLD.supervising_customs AND NEW.filing_customs IS OLD.filing_customs AND NEW.legal_rep_name IS OLD.legal_rep_name AND NEW.legal_rep_id_type IS OLD.legal_rep_id_type AND NEW.legal_rep_id_number IS OLD.legal_rep_id_number AND NEW.customs_reg_no IS OLD.customs_reg_no))
BEGIN
    SELECT RAISE(ABORT, 'customs_changes: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER forex_filings_guard_insert BEFORE INSERT ON forex_filings
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'forex_filings: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER forex_filings_guard_delete BEFORE DELETE ON forex_filings
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'forex_filings: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER forex_filings_guard_update BEFORE UPDATE ON forex_filings
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.org_code IS OLD.org_code AND NEW.classification IS OLD.classification AND NEW.published_on IS OLD.published_on AND NEW.bureau_status IS OLD.bureau_status
        OR OLD.state = 'approved' AND NEW.state = 'approved' AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.return_reason IS OLD.return_reason
            AND EXISTS (SELECT 1 FROM (SELECT * FROM forex_changes WHERE filing_id = NEW.id AND state = 'approved'
                ORDER BY id DESC LIMIT 1) c WHERE c.credit_code IS NEW.credit_code AND c.org_code IS NEW.org_code AND c.classification IS NEW.classification AND c.published_on IS NEW.published_on AND c.bureau_status IS NEW.bureau_status)))
BEGIN
    SELECT RAISE(ABORT, 'forex_filings: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER forex_changes_guard_insert BEFORE INSERT ON forex_changes
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'forex_changes: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER forex_changes_guard_delete BEFORE DELETE ON forex_changes
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'forex_changes: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER forex_changes_guard_update BEFORE UPDATE ON forex_changes
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at AND NEW.filing_id IS OLD.filing_id
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.credit_code IS OLD.credit_code AND NEW.org_code IS OLD.org_code AND NEW.classification IS OLD.classification AND NEW.published_on IS OLD.published_on AND NEW.bureau_status IS OLD.bureau_status))
BEGIN
    SELECT RAISE(ABORT, 'forex_changes: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;

CREATE TRIGGER operator_filings_guard_insert BEFORE INSERT ON operator_filings
WHEN NEW.state <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'operator_filings: a record is created as a draft: INSERT of a declared or approved row refused');
END;
CREATE TRIGGER operator_filings_guard_delete BEFORE DELETE ON operator_filings
WHEN OLD.state IN ('declared', 'approved')
BEGIN
    SELECT RAISE(ABORT, 'operator_filings: a declared or approved record stays: DELETE refused');
END;
CREATE TRIGGER operator_filings_guard_update BEFORE UPDATE ON operator_filings
WHEN NOT (NEW.id IS OLD.id AND NEW.enterprise_id IS OLD.enterprise_id AND NEW.created_by IS OLD.created_by AND NEW.created_at IS OLD.created_at
    AND (OLD.state IN ('draft', 'returned') AND NEW.state IN (OLD.state, 'declared')
        OR OLD.state = 'declared' AND NEW.state IN ('approved', 'returned') AND NEW.version = OLD.version + 1
            AND NEW.declared_at IS OLD.declared_at AND NEW.name IS OLD.name AND NEW.id_type IS OLD.id_type AND NEW.id_number IS OLD.id_number AND NEW.mobile IS OLD.mobile AND NEW.email IS OLD.email AND NEW.attachment IS OLD.attachment AND NEW.credit_code IS OLD.credit_code AND NEW.unified_no IS OLD.unified_no AND NEW.card_kind IS OLD.card_kind AND NEW.agent_point IS OLD.agent_point AND NEW.name_cn IS OLD.name_cn AND NEW.address IS OLD.address AND NEW.legal_rep_name IS OLD.legal_rep_name))
BEGIN
    SELECT RAISE(ABORT, 'operator_filings: a declared or approved record changes only by review or an approved change: UPDATE refused');
END;
DROP TRIGGER audit_log_no_update;
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq_idx ON audit_log (seq);

-- The chain's last row: seq 0 and 64 zeros before the first.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
WHEN NEW.hash IS NULL OR length(NEW.hash) <> 64
    OR NEW.seq IS NOT (SELECT seq + 1 FROM audit_chain_head WHERE id = 1)
    OR NEW.prev_hash IS NOT (SELECT hash FROM audit_chain_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log: a new row follows the chain''s head (seq, prev_hash, hash): INSERT refused');
END;
CREATE TRIGGER audit_log_chain_head AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;

-- A checkpoint: the chain's head (seq, hash) at a time, signed by the
-- server's key (SM2 with SM3, over eportid's checkpoint text: see
-- backend/store/auditchain.go); certificate is the signer's (DER, base64).
-- Append-only.
CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    signature   TEXT NOT NULL,
    certificate TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE refused');
END;
