package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"
)

// checkDeclarations counts the acknowledged declarations that are not in
// the database: the record of the enterprise, and its audit row of the
// declaration (action declare, to state declared) whose fields hold the
// address that declaration sent. It returns how many were found.
func checkDeclarations(ctx context.Context, db *sql.DB, acks []ack) (found int, missing []ack, err error) {
	const batch = 5000
	for start := 0; start < len(acks); start += batch {
		part := acks[start:min(start+batch, len(acks))]
		ents, recs, addrs := make([]int64, len(part)), make([]int64, len(part)), make([]string, len(part))
		for i, a := range part {
			ents[i], recs[i], addrs[i] = a.EnterpriseID, a.RecordID, a.Address
		}
		rows, err := db.QueryContext(ctx, `
			SELECT a.i FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY AS a(ent, rec, addr, i)
			WHERE NOT EXISTS (SELECT 1 FROM legal_person_filings f WHERE f.id = a.rec AND f.enterprise_id = a.ent)
			   OR NOT EXISTS (SELECT 1 FROM audit_log l
				WHERE l.enterprise_id = a.ent AND l.kind = 'legal_person' AND l.filing_id = a.rec
				  AND NOT l.is_change AND l.record_id = a.rec AND l.action = 'declare' AND l.to_state = 'declared'
				  AND l.fields @> jsonb_build_array(jsonb_build_object('key', 'address', 'new', a.addr)))`,
			pq.Array(ents), pq.Array(recs), pq.Array(addrs))
		if err != nil {
			return found, missing, fmt.Errorf("check declarations: %w", err)
		}
		bad := 0
		for rows.Next() {
			var i int
			if err := rows.Scan(&i); err != nil {
				rows.Close()
				return found, missing, err
			}
			missing = append(missing, part[i-1])
			bad++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return found, missing, err
		}
		found += len(part) - bad
	}
	return found, missing, nil
}

// auditRows is the number of audit rows of declarations of the soak's
// enterprises (from the lowest enterprise id of the run on).
func auditDeclarations(ctx context.Context, db *sql.DB, fromEnterprise int64) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE enterprise_id >= $1 AND action = 'declare'`, fromEnterprise).Scan(&n)
	return n, err
}
