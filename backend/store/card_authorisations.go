package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// Operator cards' authorisations and the cards' event log (migration
// 0008_card_authorisations).
//
// The legal-person card holder authorises an operator card of its
// enterprise to save and declare chosen filing kinds (经法人卡授权登记);
// card_authorisations holds one row per card and kind. The engine of
// records.go asks checkAuthorised in the transaction of every save and
// declaration of an operator card, so a revocation takes effect at once
// (on PostgreSQL the authorisation row is locked FOR SHARE until the
// declaration commits, so a revocation waits for it or it for the
// revocation).
//
// card_events is the card's operation records: every change of a card's
// authorisations and of its PIN, and its issuance, numbered per card
// (seq 1, 2, …), each written in the transaction of what it records. A
// signed operation signs the seq it makes; writing a seq that exists is
// refused (ErrConflict), so a signature is never used twice.

// Errors of the authorisations.
var (
	// ErrNotAuthorised: the operator card is not authorised for the kind
	// (or the operation is no save or declaration of a filing). A
	// *NotAuthorisedError; it is an ErrForbidden too.
	ErrNotAuthorised = fmt.Errorf("store: operator card not authorised: %w", ErrForbidden)
)

// NotAuthorisedError is ErrNotAuthorised for a kind.
type NotAuthorisedError struct {
	Kind   model.FilingKind
	Change bool // a change (变更), which no operator card makes
}

func (e *NotAuthorisedError) Error() string {
	return fmt.Sprintf("store: operator card not authorised for %s (change %v)", e.Kind, e.Change)
}

// Is makes errors.Is(err, ErrNotAuthorised) and errors.Is(err,
// ErrForbidden) hold.
func (e *NotAuthorisedError) Is(target error) bool {
	return target == ErrNotAuthorised || target == ErrForbidden
}

// CardEvent is a row of card_events.
type CardEvent struct {
	CardNumber string           `db:"card_number"`
	Seq        int              `db:"seq"`
	At         time.Time        `db:"at"`
	Action     model.CardAction `db:"action"`
	By         string           `db:"by_name"`
	Role       model.Role       `db:"role"`
	Signature  string           `db:"signature"` // standard base64, "" when unsigned
	Detail     string           `db:"detail"`
}

// checkAuthorised refuses, in tx, an operation of an operator card on a
// record of sp of the enterprise unless the actor's card is an active
// operator card of that enterprise authorised for the kind; a change is
// always refused. Other actors pass.
func (s *Store) checkAuthorised(ctx context.Context, tx conn, sp *spec, enterpriseID int64, who Actor) error {
	if who.Role != model.RoleOperatorCard {
		return nil
	}
	kind := sp.kind.Kind
	if sp.change || !model.Authorisable(kind) || who.CardNumber == "" {
		return &NotAuthorisedError{Kind: kind, Change: sp.change}
	}
	query := `SELECT a.kind FROM card_authorisations a JOIN cards c ON c.card_number = a.card_number
		WHERE a.card_number = ? AND a.kind = ? AND c.enterprise_id = ? AND c.kind = 'operator' AND c.state = 'active'`
	if s.dialect == Postgres {
		query += ` FOR SHARE OF a`
	}
	var k string
	err := sqlx.GetContext(ctx, tx, &k, s.q(query), who.CardNumber, string(kind), enterpriseID)
	if errors.Is(err, sql.ErrNoRows) {
		return &NotAuthorisedError{Kind: kind}
	}
	if err != nil {
		return fmt.Errorf("store: read card authorisation: %w", err)
	}
	return nil
}

// CardAuthorisations returns the kinds a card is authorised for, in menu
// order; none (empty, not nil) for a card without any, or no such card.
func (s *Store) CardAuthorisations(ctx context.Context, cardNumber string) ([]model.FilingKind, error) {
	var ks []model.FilingKind
	if err := s.db.SelectContext(ctx, &ks, s.q(`SELECT kind FROM card_authorisations WHERE card_number = ?`), cardNumber); err != nil {
		return nil, fmt.Errorf("store: card authorisations: %w", err)
	}
	return model.SortKinds(ks), nil
}

// SetCardAuthorisations sets the kinds an operator card of the enterprise
// is authorised for, in one transaction with its events: one
// "authorised" event naming the kinds added, one "revoked" naming those
// taken away (none when nothing changes). version is the card's event
// count as the caller read it (CardEventCount): the events get the next
// seqs, and a stale version is ErrConflict. ErrNotFound when the
// enterprise has no operator card of that number; a kind that cannot be
// authorised is an error.
func (s *Store) SetCardAuthorisations(ctx context.Context, enterpriseID int64, cardNumber string, version int,
	kinds []model.FilingKind, who Actor) ([]model.FilingKind, error) {
	for _, k := range kinds {
		if !model.Authorisable(k) {
			return nil, fmt.Errorf("store: kind %q cannot be authorised", k)
		}
	}
	want := model.SortKinds(kinds)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockCard(ctx, tx, enterpriseID, cardNumber, model.CardOperator); err != nil {
			return err
		}
		n, err := s.cardEventCount(ctx, tx, cardNumber)
		if err != nil {
			return err
		}
		if n != version {
			return fmt.Errorf("card %s has %d events, not %d: %w", cardNumber, n, version, ErrConflict)
		}
		var have []model.FilingKind
		if err := tx.SelectContext(ctx, &have, s.q(`SELECT kind FROM card_authorisations WHERE card_number = ?`), cardNumber); err != nil {
			return fmt.Errorf("store: card authorisations: %w", err)
		}
		var added, removed []model.FilingKind
		for _, k := range want {
			if !slices.Contains(have, k) {
				added = append(added, k)
			}
		}
		for _, k := range model.SortKinds(have) {
			if !slices.Contains(want, k) {
				removed = append(removed, k)
			}
		}
		for _, k := range removed {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM card_authorisations WHERE card_number = ? AND kind = ?`), cardNumber, string(k)); err != nil {
				return fmt.Errorf("store: revoke authorisation: %w", err)
			}
		}
		for _, k := range added {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_authorisations (card_number, kind) VALUES (?, ?)`), cardNumber, string(k)); err != nil {
				return fmt.Errorf("store: authorise: %w", err)
			}
		}
		now := s.nowUTC()
		seq := version
		for _, ev := range []struct {
			action model.CardAction
			kinds  []model.FilingKind
		}{{model.CardActionAuthorised, added}, {model.CardActionRevoked, removed}} {
			if len(ev.kinds) == 0 {
				continue
			}
			seq++
			if err := s.AddCardEvent(ctx, tx, CardEvent{CardNumber: cardNumber, Seq: seq, At: now, Action: ev.action,
				By: who.Name, Role: who.Role, Signature: who.Signature, Detail: model.KindLabels(ev.kinds)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return want, nil
}

// RecordPINChange writes the "pin_changed" event of a card as event
// version+1 (version: the card's event count as read; stale:
// ErrConflict). ErrNotFound when the enterprise has no such card.
func (s *Store) RecordPINChange(ctx context.Context, enterpriseID int64, cardNumber string, version int, who Actor) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockCard(ctx, tx, enterpriseID, cardNumber, ""); err != nil {
			return err
		}
		return s.AddCardEvent(ctx, tx, CardEvent{CardNumber: cardNumber, Seq: version + 1, At: s.nowUTC(),
			Action: model.CardActionPINChanged, By: who.Name, Role: who.Role, Signature: who.Signature})
	})
}

// lockCard checks, in tx, that the enterprise has the card (of kind, when
// set), and locks its row on PostgreSQL; ErrNotFound otherwise.
func (s *Store) lockCard(ctx context.Context, tx *sqlx.Tx, enterpriseID int64, cardNumber string, kind model.CardKind) error {
	query := `SELECT card_number FROM cards WHERE card_number = ? AND enterprise_id = ?`
	args := []any{cardNumber, enterpriseID}
	if kind != "" {
		query += ` AND kind = ?`
		args = append(args, string(kind))
	}
	var n string
	err := tx.GetContext(ctx, &n, s.q(query+s.forUpdate()), args...)
	return noRows(err, "card "+cardNumber)
}

// AddCardEvent writes an event of a card in tx, the transaction of what it
// records. Seq 0 takes the next number; a seq the card has already is
// ErrConflict. At zero is now.
func (s *Store) AddCardEvent(ctx context.Context, tx *sqlx.Tx, ev CardEvent) error {
	if ev.Seq == 0 {
		n, err := s.cardEventCount(ctx, tx, ev.CardNumber)
		if err != nil {
			return err
		}
		ev.Seq = n + 1
	}
	if ev.At.IsZero() {
		ev.At = s.nowUTC()
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_events (card_number, seq, at, action, by_name, role, signature, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), ev.CardNumber, ev.Seq, ts(ev.At), string(ev.Action), ev.By, string(ev.Role), ev.Signature, ev.Detail)
	if isUniqueViolation(err) {
		return fmt.Errorf("card %s event %d exists: %w", ev.CardNumber, ev.Seq, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: card event: %w", err)
	}
	return nil
}

func (s *Store) cardEventCount(ctx context.Context, q sqlx.QueryerContext, cardNumber string) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, s.q(`SELECT COALESCE(MAX(seq), 0) FROM card_events WHERE card_number = ?`), cardNumber); err != nil {
		return 0, fmt.Errorf("store: card events: %w", err)
	}
	return n, nil
}

// CardEventCount is the number of the card's events (the seq of its last).
func (s *Store) CardEventCount(ctx context.Context, cardNumber string) (int, error) {
	return s.cardEventCount(ctx, s.db, cardNumber)
}

// CardEvents returns the card's events, oldest first.
func (s *Store) CardEvents(ctx context.Context, cardNumber string) ([]CardEvent, error) {
	var out []CardEvent
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT card_number, seq, at, action, by_name, role, signature, detail
		FROM card_events WHERE card_number = ? ORDER BY seq`), cardNumber)
	if err != nil {
		return nil, fmt.Errorf("store: card events: %w", err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// CardDeclarant is the customs declarant bound to the card (报关人员绑定,
// L11); nil when none is.
func (s *Store) CardDeclarant(ctx context.Context, cardNumber string) (*model.BoundDeclarant, error) {
	var d model.BoundDeclarant
	err := s.db.QueryRowxContext(ctx, s.q(`SELECT declarant_name, declarant_no FROM declarant_bindings WHERE card_number = ?`),
		cardNumber).Scan(&d.Name, &d.No)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: card declarant: %w", err)
	}
	return &d, nil
}
