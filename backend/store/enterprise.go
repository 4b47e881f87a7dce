package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Enterprise is a registered enterprise.
type Enterprise struct {
	ID               int64     `db:"id"`
	CreditCode       string    `db:"credit_code"`
	NameCN           string    `db:"name_cn"`
	LegalRepName     string    `db:"legal_rep_name"`
	LegalRepIDType   string    `db:"legal_rep_id_type"`
	LegalRepIDNumber string    `db:"legal_rep_id_number"`
	Province         string    `db:"province"`
	City             string    `db:"city"`
	Address          string    `db:"address"`
	Phone            string    `db:"phone"`
	CreatedAt        time.Time `db:"created_at"`
}

const enterpriseColumns = `id, credit_code, name_cn, legal_rep_name, legal_rep_id_type,
	legal_rep_id_number, province, city, address, phone, created_at`

// EnterpriseByID returns an enterprise, or ErrNotFound.
func (s *Store) EnterpriseByID(ctx context.Context, id int64) (Enterprise, error) {
	var e Enterprise
	err := s.get(ctx, &e, s.q(`SELECT `+enterpriseColumns+` FROM enterprises WHERE id = ?`), id)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, noRows(err, "enterprise")
}

// EnterpriseByCreditCode returns the enterprise of a credit code, or
// ErrNotFound.
func (s *Store) EnterpriseByCreditCode(ctx context.Context, creditCode string) (Enterprise, error) {
	var e Enterprise
	err := s.db.GetContext(ctx, &e, s.q(`SELECT `+enterpriseColumns+` FROM enterprises WHERE credit_code = ?`), creditCode)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, noRows(err, "enterprise")
}

// CreateEnterprise inserts an enterprise (ID is ignored; CreatedAt defaults
// to now) and returns it as stored; ErrCreditCodeTaken if the credit code
// is registered.
func (s *Store) CreateEnterprise(ctx context.Context, e Enterprise) (Enterprise, error) {
	return createEnterprise(ctx, s, s.db, e)
}

func createEnterprise(ctx context.Context, s *Store, x sqlx.QueryerContext, e Enterprise) (Enterprise, error) {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	e.CreatedAt = ts(e.CreatedAt)
	err := sqlx.GetContext(ctx, x, &e.ID, s.q(`INSERT INTO enterprises
		(credit_code, name_cn, legal_rep_name, legal_rep_id_type, legal_rep_id_number,
		 province, city, address, phone, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		e.CreditCode, e.NameCN, e.LegalRepName, e.LegalRepIDType, e.LegalRepIDNumber,
		e.Province, e.City, e.Address, e.Phone, e.CreatedAt)
	if uniqueViolation(err, "enterprises", "credit_code") {
		return Enterprise{}, fmt.Errorf("enterprise %s: %w", e.CreditCode, ErrCreditCodeTaken)
	}
	if err != nil {
		return Enterprise{}, fmt.Errorf("store: create enterprise: %w", err)
	}
	return e, nil
}
