package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/store"
)

// audit verify reports an intact trail with its signed checkpoint, and
// the row a change past the triggers broke, with exit status 1.
func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, caDir := filepath.Join(dir, "admin.db"), filepath.Join(dir, "ca")
	c, err := ca.OpenOrCreate(caDir, ca.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.LoadRefData(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := st.CreateEnterprise(ctx, store.Enterprise{CreditCode: "91440300MA5FXXXX1X", NameCN: "测试企业", Province: "440000", City: "440300"})
	if err != nil {
		t.Fatal(err)
	}
	who := store.Actor{UserID: 1, Name: "nocard", Role: model.RoleNoCardAdmin}
	f := st.Filings(model.FilingLegalPerson)
	fields := model.Fields{"credit_code": "91440300MA5FXXXX1X", "subject_code": "MA5FXXXX1", "name_cn": "深圳市示例贸易有限公司",
		"province": "440000", "city": "440300", "address": "深圳市南山区示例路1号", "legal_rep_name": "张三",
		"phone": "0755-87654321", "email": "lp@example.com", "agent_point": "SZ01", "market_dept": "M440300", "tax_dept": "T440300"}
	r, err := f.Create(ctx, e.ID, 0, who, store.Input{Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Declare(ctx, e.ID, r.ID, r.Version, who, store.Input{Fields: r.Fields}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.AuditCheckpoint(ctx, c.SignCheckpoint, c.Certificate().Raw); !ok || err != nil {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	env := func(k string) string {
		return map[string]string{"DATABASE_URL": db, "EPORTID_CA_DIR": caDir}[k]
	}
	verify := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"audit", "verify"}, env, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := verify()
	if err != nil || !strings.Contains(out, "2 rows, chained up to place 2; 1 checkpoints") || !strings.HasSuffix(out, "intact\n") {
		t.Fatalf("intact trail: %v\n%s", err, out)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET user_name = 'someone else' WHERE seq = 1`} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out, err = verify()
	if !errors.Is(err, errBroken) || !strings.Contains(out, "BROKEN: audit_log row 1 (seq 1): its content does not match its hash") {
		t.Fatalf("changed row: %v\n%s", err, out)
	}
}
