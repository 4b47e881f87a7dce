package store_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// guarded is a record the database must keep as it is: its table, id and
// state.
type guarded struct {
	table string
	id    int64
	state model.State
}

// guardedRecords makes, for kind k, a declared and an approved filing and
// (where k has changes) a declared and an approved change, the approved
// change applied to its filing.
func guardedRecords(t *testing.T, s *store.Store, k model.FilingKind) []guarded {
	t.Helper()
	ctx := context.Background()
	ks := k.Spec()
	filings, changes := string(k)+"_filings", string(k)+"_changes"
	var declared, approved model.Record
	var e store.Enterprise
	switch k {
	case model.FilingLegalPerson:
		_, declared = lpEnterprise(t, s, "SZ01", model.StateDeclared)
		e, approved = lpEnterprise(t, s, "SZ01", model.StateApproved)
	case model.FilingOperator:
		declared = operatorInState(t, s, model.StateDeclared)
		approved = operatorInState(t, s, model.StateApproved)
	default:
		_, declared = qualInState(t, s, k, model.StateDeclared)
		e, approved = qualInState(t, s, k, model.StateApproved)
	}
	out := []guarded{{filings, declared.ID, model.StateDeclared}, {filings, approved.ID, model.StateApproved}}
	if ks.NoChanges {
		return out
	}
	ch := s.Changes(k)
	fields, _ := edit(k, approved.Fields, map[model.FilingKind]string{
		model.FilingLegalPerson: "福建省福州市变更路2号", model.FilingCommerce: "Changed Example Co",
		model.FilingCustoms: "Changed Example Co", model.FilingForex: "2024-02-01"}[k])
	c1 := must(ch.Create(ctx, e.ID, approved.ID, holder, in(k, fields)))(t)
	c1 = must(ch.Declare(ctx, e.ID, c1.ID, c1.Version, holder, in(k, c1.Fields)))(t)
	c1 = reviewTo(t, s, "SZ01", c1, model.StateApproved)
	c2 := must(ch.Create(ctx, e.ID, approved.ID, holder, in(k, approved.Fields)))(t)
	c2 = must(ch.Declare(ctx, e.ID, c2.ID, c2.Version, holder, in(k, c2.Fields)))(t)
	return append(out, guarded{changes, c1.ID, model.StateApproved}, guarded{changes, c2.ID, model.StateDeclared})
}

// operatorInState makes an operator application (N5) of a new enterprise
// in state st: pre-entered by the no-card administrator, declared by the
// card holder.
func operatorInState(t *testing.T, s *store.Store, st model.State) model.Record {
	t.Helper()
	ctx := context.Background()
	e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	att := must(s.AddAttachment(ctx, e.ID, "creator", "证件.png", "image/png", png))(t)
	fields := model.Fields{"name": "林操作", "id_type": model.IDTypeResident, "id_number": "11010519491231002X",
		"mobile": "13800138002", "email": "lin@example.cn", "attachment": strconv.FormatInt(att.ID, 10)}
	f := s.Filings(model.FilingOperator)
	r := must(f.Create(ctx, e.ID, 0, noCard, store.Input{Fields: fields}))(t)
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: r.Fields}))(t)
	return reviewTo(t, s, "SZ01", r, st)
}

// rowText is a row as text, to see that a refused statement left it.
func rowText(t *testing.T, db *sqlx.DB, table string, id int64) string {
	t.Helper()
	var m map[string]any
	rows, err := db.Queryx(db.Rebind(`SELECT * FROM `+table+` WHERE id = ?`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		m = map[string]any{}
		if err := rows.MapScan(m); err != nil {
			t.Fatal(err)
		}
		for _, c := range must(rows.Columns())(t) {
			b.WriteString(c + "=" + fmt.Sprintf("%v", m[c]) + ";")
		}
	}
	return b.String()
}

// The database itself refuses to change or delete a declared or approved
// record of every kind, filing and change, except as the engine does
// (approve or return a declared one, apply an approved change): as the
// application's role and as the tables' owner, on both dialects.
func TestDatabaseGuardsDeclaredAndApproved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for _, ks := range model.Kinds {
			t.Run(string(ks.Kind), func(t *testing.T) {
				recs := guardedRecords(t, s, ks.Kind)
				field := ks.Keys()[1]
				for who, db := range map[string]*sqlx.DB{"application": s.DB(), "owner": storetest.OwnerDB(t, s)} {
					for _, g := range recs {
						before := rowText(t, db, g.table, g.id)
						for _, q := range []string{
							`UPDATE ` + g.table + ` SET ` + field + ` = 'forged' WHERE id = ?`,
							`UPDATE ` + g.table + ` SET ` + field + ` = 'forged', state = 'approved', version = version + 1 WHERE id = ?`,
							`UPDATE ` + g.table + ` SET state = 'draft' WHERE id = ?`,
							`UPDATE ` + g.table + ` SET declared_at = NULL, version = version + 1, state = 'returned' WHERE id = ?`,
							`UPDATE ` + g.table + ` SET enterprise_id = enterprise_id WHERE id = ?`,
							`DELETE FROM ` + g.table + ` WHERE id = ?`,
						} {
							if _, err := db.Exec(db.Rebind(q), g.id); err == nil || !strings.Contains(err.Error(), "refused") {
								t.Errorf("%s, %s %s %d: %q: error %v, want the database's refusal", who, g.table, g.state, g.id, q, err)
							}
						}
						if after := rowText(t, db, g.table, g.id); after != before {
							t.Errorf("%s %d changed:\n%s\n%s", g.table, g.id, before, after)
						}
					}
					// Nor is a record made declared or approved.
					g := recs[0]
					cols := "enterprise_id, version, created_by, updated_by, created_at, updated_at"
					if strings.HasSuffix(recs[len(recs)-1].table, "_changes") && g.table != recs[len(recs)-1].table {
						g = recs[len(recs)-1]
						cols += ", filing_id"
					}
					for _, st := range []string{"declared", "approved"} {
						_, err := db.Exec(db.Rebind(`INSERT INTO `+g.table+` (state, `+cols+`)
							SELECT '`+st+`', `+cols+` FROM `+g.table+` WHERE id = ?`), g.id)
						if err == nil || !strings.Contains(err.Error(), "refused") {
							t.Errorf("%s: INSERT of a %s %s: error %v, want the database's refusal", who, st, g.table, err)
						}
					}
				}
				// What the engine does still passes: the declared records
				// are returned.
				for _, g := range recs {
					if g.state != model.StateDeclared {
						continue
					}
					ref := model.RecordRef{Kind: ks.Kind, Change: strings.HasSuffix(g.table, "_changes"), ID: g.id}
					r := must(s.ReviewRecord(context.Background(), "SZ01", ref))(t)
					must(s.Return(context.Background(), "SZ01", ref, r.Version, reviewer, "材料不全"))(t)
				}
			})
		}
	})
}

// A change stays the change of its filing: the database refuses to move
// a draft change to another filing (of another enterprise here), while
// the draft itself is still saved as before.
func TestDatabaseKeepsAChangeOnItsFiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingLegalPerson
		e, filing := lpEnterprise(t, s, "SZ01", model.StateApproved)
		_, elsewhere := lpEnterprise(t, s, "SZ01", model.StateApproved)
		c := must(s.Changes(k).Create(ctx, e.ID, filing.ID, holder, in(k, filing.Fields)))(t)
		db := s.DB()
		_, err := db.Exec(db.Rebind(`UPDATE legal_person_changes SET filing_id = ? WHERE id = ?`), elsewhere.ID, c.ID)
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("draft change moved to another filing: error %v, want the database's refusal", err)
		}
		saved := must(s.Changes(k).Save(ctx, e.ID, c.ID, c.Version, holder, in(k, c.Fields)))(t)
		if saved.FilingID != filing.ID || saved.Version != c.Version+1 {
			t.Errorf("saved change %+v", saved.RecordMeta)
		}
	})
}

// The server's role (storetest's AppRole) cannot turn the database's
// protection off: no session_replication_role, no DISABLE TRIGGER, no DDL,
// no TRUNCATE, no write of the chain's head; the owner role migrated.
func TestApplicationRoleHasNoControl(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	db := s.DB()
	var role string
	if err := db.Get(&role, `SELECT current_user`); err != nil || role != storetest.AppRole {
		t.Fatalf("the store connects as %q (%v), want %s", role, err, storetest.AppRole)
	}
	if w := must(s.RoleWarning(ctx))(t); w != "" {
		t.Errorf("RoleWarning of the application role: %s", w)
	}
	for _, q := range []string{
		`SET session_replication_role = replica`,
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`ALTER TABLE legal_person_filings DISABLE TRIGGER legal_person_filings_guard`,
		`DROP TRIGGER legal_person_filings_guard ON legal_person_filings`,
		`CREATE TRIGGER x BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION eportid_append_only()`,
		`CREATE OR REPLACE FUNCTION eportid_guard_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
		`CREATE TABLE x (a INT)`,
		`ALTER TABLE audit_log DROP COLUMN hash`,
		`DROP TABLE card_sessions`,
		`TRUNCATE card_sessions`,
		`TRUNCATE audit_log`,
		`UPDATE audit_chain_head SET seq = 0`,
		`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_x', now())`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("as %s: %s accepted", role, q)
		} else if !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("as %s: %s: %v, want permission denied", role, q, err)
		}
	}
	// Nor can it migrate.
	app, _ := storetest.URLs(t, store.Postgres)
	if _, err := store.Open(ctx, app); err == nil {
		t.Error("the application role migrated a fresh schema")
	} else {
		if !strings.Contains(err.Error(), "EPORTID_MIGRATE_DATABASE_URL") {
			t.Errorf("migrating as the application role: %v, want a hint of the owner role", err)
		}
	}
	// The owner may: it is the one that must be kept out of the server.
	owner := storetest.OwnerDB(t, s)
	if _, err := owner.ExecContext(ctx, `ALTER TABLE card_sessions DISABLE TRIGGER USER`); err != nil {
		t.Errorf("owner: %v", err)
	}
	so, err := store.Open(ctx, storetest.URL(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	defer so.Close()
	if w := must(so.RoleWarning(ctx))(t); !strings.Contains(w, "owns the tables") {
		t.Errorf("RoleWarning of the owner role: %q", w)
	}
}

// Concurrent declarations' audit rows are chained one after the other
// (on PostgreSQL once linked).
func TestAuditChainConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 12
		type ent struct {
			e store.Enterprise
			r model.Record
		}
		es := make([]ent, n)
		for i := range es {
			es[i].e, es[i].r = lpEnterprise(t, s, "SZ01", model.StateDraft)
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, x := range es {
			wg.Go(func() {
				_, err := s.Filings(model.FilingLegalPerson).Declare(ctx, x.e.ID, x.r.ID, x.r.Version, noCard, store.Input{Fields: x.r.Fields})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		must(s.LinkAudit(ctx))(t)
		rep := must(s.VerifyAudit(ctx, nil))(t)
		if rep.Broken != nil || rep.Rows != 2*n || rep.Seq != 2*n || rep.Unchained != 0 {
			t.Errorf("after %d concurrent declarations: %+v (broken %v)", n, rep, rep.Broken)
		}
	})
}

// chained makes an audit trail of 3 declarations (6 rows), a checkpoint
// signed by c after the first 4 rows, all linked, and returns the store.
func chained(t *testing.T, dialect string, c *ca.CA) *store.Store {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t, dialect)
	for i := range 3 {
		lpEnterprise(t, s, "SZ01", model.StateDeclared)
		if i == 1 {
			seq, ok := must2(s.AuditCheckpoint(ctx, c.SignCheckpoint, c.Certificate().Raw))(t)
			if !ok || seq != 4 {
				t.Fatalf("checkpoint at %d (%v), want 4", seq, ok)
			}
			if _, ok, _ := s.AuditCheckpoint(ctx, c.SignCheckpoint, c.Certificate().Raw); ok {
				t.Fatal("a second checkpoint of the same head")
			}
		}
	}
	must(s.LinkAudit(ctx))(t)
	return s
}

func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// bypass is a connection that writes audit_log past its triggers: on
// PostgreSQL a superuser's with session_replication_role = replica; on
// SQLite the file's, with the triggers dropped.
func bypass(t *testing.T, s *store.Store) *sqlx.DB {
	t.Helper()
	if s.Dialect() == store.Postgres {
		db := storetest.SuperuserDB(t, s)
		if _, err := db.Exec(`SET session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := s.DB()
	for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_chain", "audit_log_chain_head"} {
		if _, err := db.Exec(`DROP TRIGGER ` + tr); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

const auditCopy = `at, enterprise_id, kind, is_change, record_id, filing_id, action, from_state, to_state,
	user_id, user_name, user_role, fields, reason, signature, certificate`

// The audit trail is tamper-evident: a row changed, a row deleted, a row
// forged, the chain rewritten to fit and a checkpoint forged, each past
// the database's triggers, are reported at the first row they broke.
func TestAuditTamperEvident(t *testing.T) {
	ctx := context.Background()
	c, err := ca.OpenOrCreate(t.TempDir(), ca.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.OpenOrCreate(t.TempDir(), ca.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	type tamper struct {
		name     string
		pgOnly   bool
		do       func(t *testing.T, s *store.Store, db *sqlx.DB)
		seq      int64  // the row reported (0: not a row)
		reason   string // in the report
		forgedID bool   // the report names the forged row
		// pgTail: on PostgreSQL, where rows are inserted unchained and
		// linked after they commit, the forged row is the unchained tail
		// (named in the report) rather than a break.
		pgTail bool
	}
	exec := func(t *testing.T, db *sqlx.DB, q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(db.Rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tc := range []tamper{
		{name: "update", seq: 2, reason: "does not match its hash", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `UPDATE audit_log SET user_name = 'someone else' WHERE seq = 2`)
		}},
		{name: "update after the checkpoint", seq: 5, reason: "does not match its hash", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `UPDATE audit_log SET reason = 'x' WHERE seq = 5`)
		}},
		{name: "delete", seq: 3, reason: "place 2 before it is missing", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = 2`)
		}},
		{name: "delete the last row", reason: "the chain ends at place 5 but its head says 6", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = 6`)
		}},
		{name: "insert outside the chain", forgedID: true, pgTail: true, reason: "outside the chain", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			if s.Dialect() == store.Postgres {
				exec(t, db, `ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL, ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL`)
			}
			exec(t, db, `INSERT INTO audit_log (`+auditCopy+`) SELECT `+auditCopy+` FROM audit_log WHERE seq = 3`)
		}},
		{name: "insert at the end", seq: 7, forgedID: true, reason: "does not match its hash", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `INSERT INTO audit_log (`+auditCopy+`, seq, prev_hash, hash)
				SELECT `+auditCopy+`, 7, hash, hash FROM audit_log WHERE seq = 6`)
			exec(t, db, `UPDATE audit_chain_head SET seq = 7, hash = (SELECT hash FROM audit_log WHERE seq = 7)`)
		}},
		{name: "insert in the middle", seq: 2, forgedID: true, reason: "its place is taken twice", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `DROP INDEX audit_log_seq_idx`)
			exec(t, db, `INSERT INTO audit_log (`+auditCopy+`, seq, prev_hash, hash)
				SELECT `+auditCopy+`, seq, prev_hash, hash FROM audit_log WHERE seq = 2`)
		}},
		{name: "chain rewritten to fit", pgOnly: true, reason: "checkpoint 1 vouches for place 4 with another hash", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			exec(t, db, `UPDATE audit_log SET user_name = 'someone else' WHERE seq = 2`)
			exec(t, db, `DO $$ DECLARE r audit_log; prev TEXT;
				BEGIN
					FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
						IF r.seq > 1 THEN
							UPDATE audit_log SET prev_hash = prev, hash = eportid_audit_hash(prev, r) WHERE id = r.id;
							r.hash := eportid_audit_hash(prev, r);
						END IF;
						prev := r.hash;
					END LOOP;
					UPDATE audit_chain_head SET hash = prev;
				END $$`)
		}},
		{name: "checkpoint forged", reason: "its signature is not the server's", do: func(t *testing.T, s *store.Store, db *sqlx.DB) {
			if s.Dialect() == store.SQLite {
				db.Exec(`DROP TRIGGER audit_checkpoints_no_delete`)
			}
			exec(t, db, `DELETE FROM audit_checkpoints`)
			if _, _, err := s.AuditCheckpoint(ctx, other.SignCheckpoint, other.Certificate().Raw); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		for _, d := range storetest.Dialects {
			if tc.pgOnly && d != store.Postgres {
				continue
			}
			t.Run(tc.name+"/"+d, func(t *testing.T) {
				s := chained(t, d, c)
				rep := must(s.VerifyAudit(ctx, c.Certificate()))(t)
				if rep.Broken != nil || rep.Rows != 6 || rep.Seq != 6 || rep.Checkpoints != 1 || rep.Signed != 4 {
					t.Fatalf("before: %+v (broken %v)", rep, rep.Broken)
				}
				var maxID int64
				must(0, s.DB().Get(&maxID, `SELECT MAX(id) FROM audit_log`))(t)
				tc.do(t, s, bypass(t, s))
				rep = must(s.VerifyAudit(ctx, c.Certificate()))(t)
				b := rep.Broken
				if tc.pgTail && d == store.Postgres {
					if b != nil || rep.Unchained != 1 || rep.FirstUnchained <= maxID || rep.Seq != 6 {
						t.Fatalf("forged unchained row: %+v (broken %v), want it as the unchained tail", rep, b)
					}
					return
				}
				switch {
				case b == nil:
					t.Fatalf("not caught: %+v", rep)
				case !strings.Contains(b.Reason, tc.reason):
					t.Errorf("reported %q, want %q", b, tc.reason)
				case b.Seq != tc.seq:
					t.Errorf("reported %q at place %d, want %d", b, b.Seq, tc.seq)
				case tc.forgedID && b.ID <= maxID:
					t.Errorf("reported %q, not the forged row (ids up to %d were the server's)", b, maxID)
				}
				t.Logf("caught: %s", b)
			})
		}
	}
}

// Migration 0022 chains the audit rows written before it, in id order.
func TestIntegrityMigrationChainsOldRows(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			s := must(store.Open(ctx, url))(t)
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				lpEnterprise(t, s, "SZ01", model.StateApproved)
			}
			// 0026 builds on 0022: both undone, both applied again.
			db := s.DB()
			for _, q := range append(undoAuditLink(d), undoIntegrity(d)...) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.Exec(`DELETE FROM schema_migrations WHERE name IN ('0022_integrity', '0027_audit_link')`); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = must(store.Open(ctx, url))(t)
			defer s.Close()
			rep := must(s.VerifyAudit(ctx, nil))(t)
			if rep.Broken != nil || rep.Rows != 9 || rep.Seq != 9 {
				t.Fatalf("old rows after 0022: %+v (broken %v)", rep, rep.Broken)
			}
			// And the chain goes on from them.
			lpEnterprise(t, s, "SZ01", model.StateDeclared)
			must(s.LinkAudit(ctx))(t)
			if rep = must(s.VerifyAudit(ctx, nil))(t); rep.Broken != nil || rep.Seq != 11 {
				t.Fatalf("new rows after 0022: %+v (broken %v)", rep, rep.Broken)
			}
		})
	}
}
