package store

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/jmoiron/sqlx"
)

// The audit trail is a hash chain (migrations 0022, 0026): each audit_log
// row has its place seq (1, 2, …), the hash of the row before it
// (prev_hash; 64 zeros before the first) and hash = SHA-256 of prev_hash
// and the row's columns (auditHash). The chain's last row is
// audit_chain_head. On PostgreSQL a row is inserted unchained and linked
// after it commits: LinkAudit (eportid_audit_link, the same computation in
// SQL) chains the committed unchained rows in id order under the head's
// lock, in a short transaction of its own, so that declarations commit
// side by side instead of one after the other behind the head; the server
// links every AuditLinkInterval and before each checkpoint. On SQLite,
// which has no SHA-256 and whose write transactions are serial,
// insertAudit chains each row as it inserts it and triggers hold the row
// to the head.
//
// A hash chain alone is rewritten by whoever can rewrite the table; the
// server therefore signs the head at times (audit_checkpoints, SignedBy the
// CA's key), and VerifyAudit checks the chain row by row and every
// checkpoint against it.

// zeroHash is the prev_hash of the first row.
var zeroHash = strings.Repeat("0", 64)

// auditTimeLayout is how an audit row's time enters its hash (UTC,
// microseconds; PostgreSQL's to_char 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"').
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

// auditHash is the hash of the audit row r at place seq after prev: the
// SHA-256 (hex) of prev and each column as "<bytes>:<text>", "~" for NULL,
// in the order of eportid_audit_hash (sql/postgres/0022_integrity.sql).
func auditHash(prev string, seq int64, r auditScan) string {
	h := sha256.New()
	h.Write([]byte(prev))
	put := func(v string) { fmt.Fprintf(h, "%d:%s", len(v), v) }
	putNull := func(v sql.NullString) {
		if !v.Valid {
			h.Write([]byte("~"))
			return
		}
		put(v.String)
	}
	put(strconv.FormatInt(seq, 10))
	put(strconv.FormatInt(r.ID, 10))
	put(r.At.UTC().Format(auditTimeLayout))
	put(strconv.FormatInt(r.EnterpriseID, 10))
	put(r.Kind)
	if r.IsChange {
		put("t")
	} else {
		put("f")
	}
	put(strconv.FormatInt(r.RecordID, 10))
	put(strconv.FormatInt(r.FilingID, 10))
	put(r.Action)
	putNull(r.FromState)
	putNull(r.ToState)
	if r.UserID.Valid {
		put(strconv.FormatInt(r.UserID.Int64, 10))
	} else {
		h.Write([]byte("~"))
	}
	put(r.UserName)
	put(r.UserRole)
	if r.Fields == nil {
		h.Write([]byte("~"))
	} else {
		put(string(r.Fields))
	}
	put(r.Reason)
	putNull(r.Signature)
	putNull(r.Certificate)
	return hex.EncodeToString(h.Sum(nil))
}

// insertAudit inserts an audit row of auditInsertColumns' values: on
// PostgreSQL unchained (LinkAudit chains it once committed); on SQLite
// chained here, after the head as locked by the write transaction, with
// the row's id taken in advance (it is hashed).
func (s *Store) insertAudit(ctx context.Context, tx conn, args []any) error {
	if s.dialect == Postgres {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_log `+auditInsertColumns+`
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
		return err
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
		Next int64  `db:"next"`
	}
	if err := sqlx.GetContext(ctx, tx, &head, `SELECT seq, hash,
		MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0),
			COALESCE((SELECT MAX(id) FROM audit_log), 0)) + 1 AS next
		FROM audit_chain_head WHERE id = 1`); err != nil {
		return fmt.Errorf("chain head: %w", err)
	}
	r, err := auditScanOf(head.Next, args)
	if err != nil {
		return err
	}
	seq := head.Seq + 1
	hash := auditHash(head.Hash, seq, r)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, seq, prev_hash, hash, `+strings.TrimPrefix(auditInsertColumns, "(")+`
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{head.Next, seq, head.Hash, hash}, args...)...)
	return err
}

// auditScanOf is the row that args (auditInsertColumns' values) make, with
// id, as read back.
func auditScanOf(id int64, args []any) (auditScan, error) {
	if len(args) != 16 {
		return auditScan{}, fmt.Errorf("store: audit row of %d values", len(args))
	}
	str := func(v any) string { s, _ := v.(string); return s }
	nstr := func(v any) sql.NullString {
		s, ok := v.(string)
		return sql.NullString{String: s, Valid: ok}
	}
	i64 := func(v any) int64 {
		switch n := v.(type) {
		case int64:
			return n
		case int:
			return int64(n)
		}
		return 0
	}
	r := auditScan{
		ID: id, Kind: str(args[1]), Action: str(args[3]),
		FromState: nstr(args[4]), ToState: nstr(args[5]), UserName: str(args[7]), UserRole: str(args[8]),
		Reason: str(args[10]), Signature: nstr(args[11]), Certificate: nstr(args[12]),
		RecordID: i64(args[13]), FilingID: i64(args[14]), EnterpriseID: i64(args[15]),
	}
	r.At, _ = args[0].(time.Time)
	r.IsChange, _ = args[2].(bool)
	if args[6] != nil {
		r.UserID = sql.NullInt64{Int64: i64(args[6]), Valid: true}
	}
	if f, ok := args[9].(string); ok {
		r.Fields = []byte(f)
	}
	return r, nil
}

// sealAuditSQLite is migration 0022's step on SQLite that SQL cannot take:
// it chains the rows written before it, in id order, and puts back the
// trigger that refuses every UPDATE of audit_log.
func sealAuditSQLite(ctx context.Context, tx *sqlx.Tx) error {
	var rows []auditScan
	if err := tx.SelectContext(ctx, &rows, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`); err != nil {
		return err
	}
	prev := zeroHash
	for i, r := range rows {
		seq := int64(i + 1)
		h := auditHash(prev, seq, r)
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`, seq, prev, h, r.ID); err != nil {
			return err
		}
		prev = h
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1`, len(rows), prev); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
		BEGIN
			SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
		END`)
	return err
}

// linkBatch is how many rows one call of eportid_audit_link chains.
const linkBatch = 1000

// LinkAudit chains the committed unchained audit rows after the chain's
// head, in id order, and returns how many (PostgreSQL; SQLite chains each
// row as it is inserted: 0). Any number of servers may link at once: the
// head's lock takes them one after the other, each chaining what the one
// before left.
func (s *Store) LinkAudit(ctx context.Context) (int, error) {
	if s.dialect != Postgres {
		return 0, nil
	}
	total := 0
	for {
		var pending bool
		if err := s.get(ctx, &pending, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq IS NULL)`); err != nil {
			return total, fmt.Errorf("store: link audit: %w", err)
		}
		if !pending {
			return total, nil
		}
		var n int
		if err := s.get(ctx, &n, `SELECT eportid_audit_link($1)`, linkBatch); err != nil {
			return total, fmt.Errorf("store: link audit: %w", err)
		}
		total += n
		if n < linkBatch {
			return total, nil
		}
	}
}

// checkpointText is what a checkpoint's signature covers.
func checkpointText(seq int64, hash string, at time.Time) []byte {
	return []byte(fmt.Sprintf("eportid audit checkpoint\nseq %d\nhash %s\nat %s\n", seq, hash, at.UTC().Format(auditTimeLayout)))
}

// AuditCheckpoint links the committed unchained rows (LinkAudit), then
// signs the chain's head with sign (the server's key, SM2 over
// checkpointText; certDER is its certificate) and records it, unless the
// head is where the last checkpoint left it (then ok is false).
func (s *Store) AuditCheckpoint(ctx context.Context, sign func(msg []byte) ([]byte, error), certDER []byte) (seq int64, ok bool, err error) {
	if _, err := s.LinkAudit(ctx); err != nil {
		return 0, false, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var head struct {
			Seq  int64  `db:"seq"`
			Hash string `db:"hash"`
		}
		if err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_chain_head WHERE id = 1`); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
		if head.Seq == 0 {
			return nil
		}
		var last sql.NullInt64
		if err := tx.GetContext(ctx, &last, `SELECT MAX(seq) FROM audit_checkpoints`); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
		if last.Valid && last.Int64 >= head.Seq {
			return nil
		}
		now := s.nowUTC()
		sig, err := sign(checkpointText(head.Seq, head.Hash, now))
		if err != nil {
			return fmt.Errorf("store: sign checkpoint: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_checkpoints (seq, hash, at, signature, certificate)
			VALUES (?, ?, ?, ?, ?)`), head.Seq, head.Hash, now,
			base64.StdEncoding.EncodeToString(sig), base64.StdEncoding.EncodeToString(certDER)); err != nil {
			return fmt.Errorf("store: checkpoint: %w", err)
		}
		seq, ok = head.Seq, true
		return nil
	})
	return seq, ok, err
}

// AuditBreak is the first place where the audit trail is not what the
// server wrote.
type AuditBreak struct {
	ID     int64  // the audit_log row (0 where the break is a checkpoint's or the head's)
	Seq    int64  // its place in the chain (0 outside the chain)
	Reason string // what was found
}

func (b AuditBreak) String() string {
	if b.ID == 0 {
		return b.Reason
	}
	return fmt.Sprintf("audit_log row %d (seq %d): %s", b.ID, b.Seq, b.Reason)
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Rows        int   // audit rows read
	Seq         int64 // the chain's last place
	Checkpoints int   // checkpoints whose signature and hash were checked
	// Signed is the last place a valid checkpoint vouches for.
	Signed int64
	// Unchained is the tail of rows not chained yet (PostgreSQL: committed
	// since the last LinkAudit), FirstUnchained the lowest id among them.
	// They are not verified: a row there is vouched for once linked.
	Unchained      int
	FirstUnchained int64
	Broken         *AuditBreak // nil when the trail is intact
}

// VerifyAudit checks the audit trail: every chained row (by seq, from
// 1 with no gap), its prev_hash the hash of the row before and its hash
// that of its content; the head at the last row; every checkpoint signed
// by the key of root (the CA's certificate; nil skips the signatures) and
// naming a row of the chain with its hash. It reports the first break: a
// changed row (UPDATE), a missing place (DELETE), or a row outside the
// chain or not following it (a forged INSERT). On PostgreSQL the rows not
// linked yet are the unchained tail (AuditReport.Unchained), not a break.
func (s *Store) VerifyAudit(ctx context.Context, root *smx509.Certificate) (AuditReport, error) {
	var rep AuditReport
	type row struct {
		auditScan
		Seq      sql.NullInt64  `db:"seq"`
		PrevHash sql.NullString `db:"prev_hash"`
		Hash     sql.NullString `db:"hash"`
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT `+auditColumns+`, seq, prev_hash, hash FROM audit_log
		ORDER BY seq IS NOT NULL, seq, id`)
	if err != nil {
		return rep, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	hashAt := map[int64]string{}
	prev, want := zeroHash, int64(1)
	brk := func(b AuditBreak) {
		if rep.Broken == nil {
			rep.Broken = &b
		}
	}
	for rows.Next() {
		var r row
		if err := rows.StructScan(&r); err != nil {
			return rep, fmt.Errorf("store: verify audit: %w", err)
		}
		rep.Rows++
		if rep.Broken != nil {
			continue
		}
		if s.dialect == Postgres && !r.Seq.Valid && !r.PrevHash.Valid && !r.Hash.Valid {
			if rep.Unchained == 0 {
				rep.FirstUnchained = r.ID
			}
			rep.Unchained++
			continue
		}
		switch {
		case !r.Seq.Valid || !r.Hash.Valid || !r.PrevHash.Valid:
			brk(AuditBreak{ID: r.ID, Reason: "outside the chain (no place or hash): inserted past the chain"})
		case r.Seq.Int64 > want:
			missing := fmt.Sprintf("place %d before it is missing: a row deleted", want)
			if r.Seq.Int64-want > 1 {
				missing = fmt.Sprintf("places %d–%d before it are missing: rows deleted", want, r.Seq.Int64-1)
			}
			brk(AuditBreak{ID: r.ID, Seq: r.Seq.Int64, Reason: missing})
		case r.Seq.Int64 < want:
			brk(AuditBreak{ID: r.ID, Seq: r.Seq.Int64, Reason: "its place is taken twice: a row inserted"})
		case r.PrevHash.String != prev:
			brk(AuditBreak{ID: r.ID, Seq: r.Seq.Int64, Reason: "does not follow the row before it (prev_hash): a row inserted, or the one before replaced"})
		case auditHash(prev, r.Seq.Int64, r.auditScan) != r.Hash.String:
			brk(AuditBreak{ID: r.ID, Seq: r.Seq.Int64, Reason: "its content does not match its hash: the row was changed, or forged"})
		default:
			prev, want = r.Hash.String, want+1
			hashAt[r.Seq.Int64] = r.Hash.String
			rep.Seq = r.Seq.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("store: verify audit: %w", err)
	}
	rows.Close()
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := s.db.GetContext(ctx, &head, `SELECT seq, hash FROM audit_chain_head WHERE id = 1`); err != nil {
		return rep, fmt.Errorf("store: verify audit: chain head: %w", err)
	}
	if rep.Broken == nil && (head.Seq != rep.Seq || head.Hash != prev) {
		brk(AuditBreak{Reason: fmt.Sprintf("the chain ends at place %d but its head says %d: the last rows were deleted, or the head moved", rep.Seq, head.Seq)})
	}
	var cps []struct {
		ID        int64     `db:"id"`
		Seq       int64     `db:"seq"`
		Hash      string    `db:"hash"`
		At        time.Time `db:"at"`
		Signature string    `db:"signature"`
	}
	if err := s.db.SelectContext(ctx, &cps, `SELECT id, seq, hash, at, signature FROM audit_checkpoints ORDER BY id`); err != nil {
		return rep, fmt.Errorf("store: verify audit: checkpoints: %w", err)
	}
	var pub *ecdsa.PublicKey
	if root != nil {
		pub, _ = root.PublicKey.(*ecdsa.PublicKey)
		if pub == nil {
			return rep, errors.New("store: verify audit: the certificate's key is not SM2")
		}
	}
	for _, c := range cps {
		if pub != nil {
			sig, err := base64.StdEncoding.DecodeString(c.Signature)
			if err != nil || !sm2.VerifyASN1WithSM2(pub, nil, checkpointText(c.Seq, c.Hash, c.At), sig) {
				brk(AuditBreak{Reason: fmt.Sprintf("checkpoint %d (place %d): its signature is not the server's", c.ID, c.Seq)})
				continue
			}
		}
		rep.Checkpoints++
		if h, ok := hashAt[c.Seq]; !ok || h != c.Hash {
			// Where the chain broke before c.Seq, the row break is the
			// first one; otherwise the chain was rewritten to fit.
			brk(AuditBreak{Reason: fmt.Sprintf("checkpoint %d vouches for place %d with another hash than the chain's: rows after place %d (the checkpoint before) up to %d were rewritten, the chain recomputed to fit", c.ID, c.Seq, rep.Signed, c.Seq)})
			continue
		}
		rep.Signed = max(rep.Signed, c.Seq)
	}
	return rep, nil
}
