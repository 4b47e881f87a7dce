package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
	"eportid/backend/refdata"
)

// Customs declarants and their binding to operator cards (SPEC L11,
// migration 0007_declarants): the declarant registry's table, the ID
// number kept with an operator card's holder, the bindings (a card has at
// most one declarant, a declarant at most one card: UNIQUE columns of
// declarant_bindings) and the append-only log of every 绑定 and 解绑 with
// the legal-person card's signature.

// Errors of the bindings.
var (
	// ErrCardHasDeclarant: the card is bound to a declarant already.
	ErrCardHasDeclarant = fmt.Errorf("store: the card has a declarant already: %w", ErrDuplicate)
	// ErrDeclarantBound: the declarant is bound to another card.
	ErrDeclarantBound = fmt.Errorf("store: the declarant is bound to a card already: %w", ErrDuplicate)
)

// loadDeclarantFixtures upserts the declarant fixtures in tx, as
// loadRegistry the other registries'.
func loadDeclarantFixtures(ctx context.Context, s *Store, tx *sqlx.Tx, d refdata.Declarants) error {
	cols := []string{"declarant_no", "name", "id_type", "id_number", "credit_code", "state", "revision", "active"}
	rows := make([][]any, len(d.Records))
	for i, r := range d.Records {
		rows[i] = []any{r.DeclarantNo, r.Name, r.IDType, r.IDNumber, r.CreditCode, string(r.State), d.Set.Revision, true}
	}
	if err := s.upsert(ctx, tx, "registry_declarants", cols, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE registry_declarants SET active = FALSE WHERE revision <> ? AND active`), d.Set.Revision); err != nil {
		return fmt.Errorf("store: registry_declarants: %w", err)
	}
	return nil
}

type declarantRow struct {
	DeclarantNo string `db:"declarant_no"`
	Name        string `db:"name"`
	IDType      string `db:"id_type"`
	IDNumber    string `db:"id_number"`
	CreditCode  string `db:"credit_code"`
	State       string `db:"state"`
}

// RegistryDeclarants returns the declarants the registry table holds of
// an enterprise, by 报关人员编号; none when it has none.
func (s *Store) RegistryDeclarants(ctx context.Context, creditCode string) ([]model.Declarant, error) {
	var rows []declarantRow
	if err := s.db.SelectContext(ctx, &rows, s.q(`SELECT declarant_no, name, id_type, id_number, credit_code, state
		FROM registry_declarants WHERE credit_code = ? AND active ORDER BY declarant_no`), creditCode); err != nil {
		return nil, fmt.Errorf("store: registry_declarants: %w", err)
	}
	out := make([]model.Declarant, len(rows))
	for i, r := range rows {
		out[i] = model.Declarant{DeclarantNo: r.DeclarantNo, Name: r.Name, IDType: r.IDType, IDNumber: r.IDNumber,
			CreditCode: r.CreditCode, State: model.DeclarantState(r.State)}
	}
	return out, nil
}

// SetCardHolderID keeps the identity document of a card's holder (from the
// operator's application), replacing what was kept.
func (s *Store) SetCardHolderID(ctx context.Context, cardNumber, idType, idNumber string) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO card_holder_ids (card_number, id_type, id_number) VALUES (?, ?, ?)
		ON CONFLICT (card_number) DO UPDATE SET id_type = excluded.id_type, id_number = excluded.id_number`),
		cardNumber, idType, idNumber)
	if err != nil {
		return fmt.Errorf("store: card holder id: %w", err)
	}
	return nil
}

// CardHolderID returns the identity document of a card's holder: the ID
// number the card was issued with (cards.id_number, from the operator's
// application; idType "" as the card does not keep it), else what
// SetCardHolderID kept; ErrNotFound when neither is known.
func (s *Store) CardHolderID(ctx context.Context, cardNumber string) (idType, idNumber string, err error) {
	var issued string
	err = s.db.GetContext(ctx, &issued, s.q(`SELECT id_number FROM cards WHERE card_number = ?`), cardNumber)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("store: card holder id: %w", err)
	}
	var r struct {
		IDType   string `db:"id_type"`
		IDNumber string `db:"id_number"`
	}
	err = s.db.GetContext(ctx, &r, s.q(`SELECT id_type, id_number FROM card_holder_ids WHERE card_number = ?`), cardNumber)
	if errors.Is(err, sql.ErrNoRows) && issued != "" {
		return "", issued, nil
	}
	if err == nil && issued != "" && issued != r.IDNumber {
		return "", issued, nil
	}
	return r.IDType, r.IDNumber, noRows(err, "card holder id")
}

// OperatorCard is an operator card of an enterprise with its binding.
type OperatorCard struct {
	Card
	// DeclarantNo, DeclarantName, IDType and IDNumber are the bound
	// declarant's as bound; "" when none is bound.
	DeclarantNo   string `db:"declarant_no"`
	DeclarantName string `db:"declarant_name"`
	IDType        string `db:"id_type"`
	IDNumber      string `db:"id_number"`
}

// Bound is the bound declarant as bound (of the card's enterprise, of
// creditCode), or nil.
func (c OperatorCard) Bound(creditCode string) *model.Declarant {
	if c.DeclarantNo == "" {
		return nil
	}
	return &model.Declarant{DeclarantNo: c.DeclarantNo, Name: c.DeclarantName, IDType: c.IDType, IDNumber: c.IDNumber,
		CreditCode: creditCode, State: model.DeclarantNormal}
}

// OperatorCards returns the operator cards of the enterprise with their
// bound declarants, by card number.
func (s *Store) OperatorCards(ctx context.Context, enterpriseID int64) ([]OperatorCard, error) {
	var rows []OperatorCard
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT c.card_number, c.enterprise_id, c.user_id, c.kind, c.holder_name,
			c.certificate, c.serial, c.not_after, c.state, c.created_at, c.updated_at,
			COALESCE(b.declarant_no, '') AS declarant_no, COALESCE(b.declarant_name, '') AS declarant_name,
			COALESCE(b.id_type, '') AS id_type, COALESCE(b.id_number, '') AS id_number
		FROM cards c LEFT JOIN declarant_bindings b ON b.card_number = c.card_number
		WHERE c.enterprise_id = ? AND c.kind = 'operator' ORDER BY c.card_number`), enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: operator cards: %w", err)
	}
	for i := range rows {
		rows[i].utc()
	}
	return rows, nil
}

// BindingVersion is the number of binding operations of the enterprise so
// far: the next one signs BindingVersion + 1.
func (s *Store) BindingVersion(ctx context.Context, enterpriseID int64) (int, error) {
	var n sql.NullInt64
	if err := s.db.GetContext(ctx, &n, s.q(`SELECT MAX(version) FROM declarant_binding_log WHERE enterprise_id = ?`), enterpriseID); err != nil {
		return 0, fmt.Errorf("store: binding version: %w", err)
	}
	return int(n.Int64), nil
}

// BindingOp is one 绑定 or 解绑 as signed: Version is the enterprise's
// BindingVersion + 1 when it was signed; Declarant the declarant as
// customs records it (for 解绑, as bound).
type BindingOp struct {
	EnterpriseID int64
	Version      int
	Action       string // model.BindingBind or model.BindingUnbind
	CardNumber   string
	Declarant    model.Declarant
	// Who did it and the signature (Signature and Certificate set), kept
	// in the log row.
	Who        Actor
	SignerCard string
}

// Bind binds op's declarant to op's card, an operator card of the
// enterprise, and logs it, in one transaction: ErrNotFound when the card
// is not one of the enterprise's operator cards, ErrCardHasDeclarant or
// ErrDeclarantBound when either is bound already, ErrConflict when
// op.Version is not the next version.
func (s *Store) Bind(ctx context.Context, op BindingOp) error {
	op.Action = model.BindingBind
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.checkBindingOp(ctx, tx, op); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO declarant_bindings
			(enterprise_id, card_number, declarant_no, declarant_name, id_type, id_number, bound_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			op.EnterpriseID, op.CardNumber, op.Declarant.DeclarantNo, op.Declarant.Name, op.Declarant.IDType, op.Declarant.IDNumber, s.nowUTC())
		switch {
		case uniqueViolation(err, "declarant_bindings", "card_number"):
			return fmt.Errorf("card %s: %w", op.CardNumber, ErrCardHasDeclarant)
		case uniqueViolation(err, "declarant_bindings", "declarant_no"):
			return fmt.Errorf("declarant %s: %w", op.Declarant.DeclarantNo, ErrDeclarantBound)
		case err != nil:
			return fmt.Errorf("store: bind: %w", err)
		}
		if err := s.AddCardEvent(ctx, tx, bindingEvent(op)); err != nil {
			return err
		}
		return s.logBinding(ctx, tx, op)
	})
}

// Unbind removes the binding of op's card, of the enterprise, and logs it,
// in one transaction: ErrConflict when op.Version is not the next version
// or the card has no binding of op.Declarant.
func (s *Store) Unbind(ctx context.Context, op BindingOp) error {
	op.Action = model.BindingUnbind
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.checkBindingOp(ctx, tx, op); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM declarant_bindings
			WHERE enterprise_id = ? AND card_number = ? AND declarant_no = ?`),
			op.EnterpriseID, op.CardNumber, op.Declarant.DeclarantNo)
		if err := affectedOne(res, err, "declarant binding"); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("card %s: binding of %s: %w", op.CardNumber, op.Declarant.DeclarantNo, ErrConflict)
			}
			return err
		}
		if err := s.AddCardEvent(ctx, tx, bindingEvent(op)); err != nil {
			return err
		}
		return s.logBinding(ctx, tx, op)
	})
}

// bindingEvent is the card's operation record of a binding operation.
func bindingEvent(op BindingOp) CardEvent {
	action := model.CardActionBound
	if op.Action == model.BindingUnbind {
		action = model.CardActionUnbound
	}
	return CardEvent{CardNumber: op.CardNumber, Action: action, By: op.Who.Name, Role: op.Who.Role,
		Signature: op.Who.Signature, Detail: op.Declarant.Name + "（报关人员编号 " + op.Declarant.DeclarantNo + "）"}
}

// checkBindingOp: the card is an operator card of the enterprise and
// op.Version the next version.
func (s *Store) checkBindingOp(ctx context.Context, tx *sqlx.Tx, op BindingOp) error {
	var n int
	if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM cards WHERE card_number = ? AND enterprise_id = ? AND kind = 'operator'`),
		op.CardNumber, op.EnterpriseID); err != nil {
		return fmt.Errorf("store: binding: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("operator card %s: %w", op.CardNumber, ErrNotFound)
	}
	var v sql.NullInt64
	if err := tx.GetContext(ctx, &v, s.q(`SELECT MAX(version) FROM declarant_binding_log WHERE enterprise_id = ?`), op.EnterpriseID); err != nil {
		return fmt.Errorf("store: binding version: %w", err)
	}
	if op.Version != int(v.Int64)+1 {
		return fmt.Errorf("binding version %d, next is %d: %w", op.Version, v.Int64+1, ErrConflict)
	}
	return nil
}

func (s *Store) logBinding(ctx context.Context, tx *sqlx.Tx, op BindingOp) error {
	if op.Who.Signature == "" || op.Who.Certificate == "" {
		return errors.New("store: a binding operation needs its signature")
	}
	var userID any
	if op.Who.UserID != 0 {
		userID = op.Who.UserID
	}
	d := op.Declarant
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO declarant_binding_log
		(enterprise_id, version, at, action, card_number, declarant_no, declarant_name, id_type, id_number, credit_code,
		 user_id, user_name, user_role, signer_card, signature, certificate)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		op.EnterpriseID, op.Version, s.nowUTC(), op.Action, op.CardNumber, d.DeclarantNo, d.Name, d.IDType, d.IDNumber,
		d.CreditCode, userID, op.Who.Name, string(op.Who.Role), op.SignerCard, op.Who.Signature, op.Who.Certificate)
	if uniqueViolation(err, "declarant_binding_log", "enterprise_id_version") || uniqueViolation(err, "declarant_binding_log", "enterprise_id") {
		return fmt.Errorf("binding version %d taken: %w", op.Version, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: binding log: %w", err)
	}
	return nil
}

// BindingLogEntry is one row of the binding log.
type BindingLogEntry struct {
	ID            int64     `db:"id"`
	EnterpriseID  int64     `db:"enterprise_id"`
	Version       int       `db:"version"`
	At            time.Time `db:"at"`
	Action        string    `db:"action"`
	CardNumber    string    `db:"card_number"`
	DeclarantNo   string    `db:"declarant_no"`
	DeclarantName string    `db:"declarant_name"`
	IDType        string    `db:"id_type"`
	IDNumber      string    `db:"id_number"`
	CreditCode    string    `db:"credit_code"`
	UserName      string    `db:"user_name"`
	UserRole      string    `db:"user_role"`
	SignerCard    string    `db:"signer_card"`
	Signature     string    `db:"signature"`   // standard base64 of the DER
	Certificate   string    `db:"certificate"` // standard base64 of the DER
}

// Declarant is the declarant as the row logged it.
func (e BindingLogEntry) Declarant() model.Declarant {
	return model.Declarant{DeclarantNo: e.DeclarantNo, Name: e.DeclarantName, IDType: e.IDType, IDNumber: e.IDNumber, CreditCode: e.CreditCode}
}

// BindingLog returns the binding log of the enterprise, oldest first; of
// one card when cardNumber is set.
func (s *Store) BindingLog(ctx context.Context, enterpriseID int64, cardNumber string) ([]BindingLogEntry, error) {
	query := `SELECT id, enterprise_id, version, at, action, card_number, declarant_no, declarant_name, id_type, id_number,
		credit_code, user_name, user_role, signer_card, signature, certificate
		FROM declarant_binding_log WHERE enterprise_id = ?`
	args := []any{enterpriseID}
	if cardNumber != "" {
		query += ` AND card_number = ?`
		args = append(args, cardNumber)
	}
	var rows []BindingLogEntry
	if err := s.db.SelectContext(ctx, &rows, s.q(query+` ORDER BY id`), args...); err != nil {
		return nil, fmt.Errorf("store: binding log: %w", err)
	}
	for i := range rows {
		rows[i].At = rows[i].At.UTC()
	}
	return rows, nil
}
