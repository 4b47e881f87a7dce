package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// IC card management (migration 0023_card_management): freezing (冻结),
// unfreezing (解冻) and reporting lost (挂失) a card, the unlock
// cryptograms (解锁) and the extension of its certificate (证书延期), each
// in one transaction with the card's event (card_events, signed where a
// card signed it) and, for the published CRL, the revocation of its
// certificate.
//
// Transitions: active → frozen (freeze), frozen → active (unfreeze),
// active or frozen → lost (final). An expired or lost card changes no
// more. Every action names the card's event count as the caller read it:
// a stale one is ErrConflict, so of two sessions acting on one card at
// once one wins.

// Errors of card management.
var (
	// ErrCardState: the card's state does not allow the action.
	ErrCardState = fmt.Errorf("store: the card's state does not allow it: %w", ErrState)
	// ErrUnlockUsed: a cryptogram was made for this card challenge
	// already.
	ErrUnlockUsed = fmt.Errorf("store: unlock challenge used: %w", ErrConflict)
)

// CRL reasons (RFC 5280 CRLReason names).
const (
	ReasonHold          = "certificateHold"
	ReasonKeyCompromise = "keyCompromise"
	ReasonSuperseded    = "superseded"
	ReasonRemoveFromCRL = "removeFromCRL"
)

// CardScope limits the cards an action may touch: those of an enterprise
// (EnterpriseID), or of an agent point (AgentPoint: the operator cards it
// issued and the legal-person cards of the enterprises whose legal-person
// filing it reviews).
type CardScope struct {
	EnterpriseID int64
	AgentPoint   string
}

func (sc CardScope) where() (string, []any) {
	if sc.AgentPoint != "" {
		return `(EXISTS (SELECT 1 FROM card_issuances i WHERE i.card_number = c.card_number AND i.agent_point = ?)
			OR (c.kind = 'legal_person' AND EXISTS (SELECT 1 FROM legal_person_filings l
				WHERE l.enterprise_id = c.enterprise_id AND l.agent_point = ?)))`, []any{sc.AgentPoint, sc.AgentPoint}
	}
	return `c.enterprise_id = ?`, []any{sc.EnterpriseID}
}

// CardQuery are the conditions of a card list; empty ones match all.
type CardQuery struct {
	CardNumber string // substring
	Holder     string // substring
	State      CardState
	Kind       model.CardKind
}

// ManagedCardRow is a card with the operator application it was issued
// for (0 for none).
type ManagedCardRow struct {
	Card
	ApplicationID int64 `db:"app_id"`
}

// QueryCards lists the cards of the scope matching q, by card number.
func (s *Store) QueryCards(ctx context.Context, sc CardScope, q CardQuery) ([]ManagedCardRow, error) {
	w, args := sc.where()
	query := `SELECT ` + prefixed("c.", cardColumns) + `, COALESCE(c.application_id, 0) AS app_id FROM cards c WHERE ` + w
	if q.CardNumber != "" {
		query += ` AND c.card_number LIKE ?`
		args = append(args, "%"+likeEscape(q.CardNumber)+"%")
	}
	if q.Holder != "" {
		query += ` AND c.holder_name LIKE ?`
		args = append(args, "%"+likeEscape(q.Holder)+"%")
	}
	if q.State != "" {
		query += ` AND c.state = ?`
		args = append(args, string(q.State))
	}
	if q.Kind != "" {
		query += ` AND c.kind = ?`
		args = append(args, string(q.Kind))
	}
	var out []ManagedCardRow
	if err := s.db.SelectContext(ctx, &out, s.q(query+` ORDER BY c.card_number`), args...); err != nil {
		return nil, fmt.Errorf("store: query cards: %w", err)
	}
	for i := range out {
		out[i].utc()
	}
	return out, nil
}

// ScopedCard returns a card of the scope, or ErrNotFound.
func (s *Store) ScopedCard(ctx context.Context, sc CardScope, number string) (ManagedCardRow, error) {
	w, args := sc.where()
	var c ManagedCardRow
	err := s.db.GetContext(ctx, &c, s.q(`SELECT `+prefixed("c.", cardColumns)+`, COALESCE(c.application_id, 0) AS app_id
		FROM cards c WHERE c.card_number = ? AND `+w), append([]any{number}, args...)...)
	c.utc()
	return c, noRows(err, "card")
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// lockScopedCard reads and locks (PostgreSQL) a card of the scope in tx
// and checks that its event count is version.
func (s *Store) lockScopedCard(ctx context.Context, tx *sqlx.Tx, sc CardScope, number string, version int) (Card, error) {
	w, args := sc.where()
	var c Card
	err := tx.GetContext(ctx, &c, s.q(`SELECT `+prefixed("c.", cardColumns)+` FROM cards c WHERE c.card_number = ? AND `+w+s.forUpdate()),
		append([]any{number}, args...)...)
	if err := noRows(err, "card "+number); err != nil {
		return Card{}, err
	}
	c.utc()
	n, err := s.cardEventCount(ctx, tx, number)
	if err != nil {
		return Card{}, err
	}
	if n != version {
		return Card{}, fmt.Errorf("card %s has %d events, not %d: %w", number, n, version, ErrConflict)
	}
	return c, nil
}

// StateChange is a freeze, unfreeze or loss of a card.
type StateChange struct {
	CardNumber string
	Version    int // the card's event count as read
	Action     model.CardStateAction
	Reason     string // the agent point's reason; kept as the event's detail
	Who        Actor
}

// ChangeCardState applies a state change to a card of the scope, in one
// transaction: the card's state, its certificate's CRL entry, its event
// (seq Version+1), and the end of every session of the card when it is
// no longer active. It returns the card as it is now. ErrNotFound (not
// the scope's card), ErrConflict (stale version), ErrCardState.
func (s *Store) ChangeCardState(ctx context.Context, sc CardScope, ch StateChange) (Card, error) {
	var out Card
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.lockScopedCard(ctx, tx, sc, ch.CardNumber, ch.Version)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		var to CardState
		var action model.CardAction
		switch {
		case ch.Action == model.StateFreeze && c.State == CardActive:
			to, action = CardFrozen, model.CardActionFrozen
			err = s.revoke(ctx, tx, c, ReasonHold, now)
		case ch.Action == model.StateUnfreeze && c.State == CardFrozen:
			to, action = CardActive, model.CardActionUnfrozen
			_, err = tx.ExecContext(ctx, s.q(`UPDATE card_revocations SET lifted_at = ?
				WHERE card_number = ? AND reason = ? AND lifted_at IS NULL`), now, c.Number, ReasonHold)
		case ch.Action == model.StateLose && (c.State == CardActive || c.State == CardFrozen):
			to, action = CardLost, model.CardActionLost
			err = s.revoke(ctx, tx, c, ReasonKeyCompromise, now)
		default:
			return fmt.Errorf("card %s is %s, cannot %s: %w", c.Number, c.State, ch.Action, ErrCardState)
		}
		if err != nil {
			return fmt.Errorf("store: card revocation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE cards SET state = ?, updated_at = ? WHERE card_number = ?`),
			string(to), now, c.Number); err != nil {
			return fmt.Errorf("store: card state: %w", err)
		}
		if to != CardActive {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), c.UserID); err != nil {
				return fmt.Errorf("store: end the card's sessions: %w", err)
			}
		}
		if err := s.AddCardEvent(ctx, tx, CardEvent{CardNumber: c.Number, Seq: ch.Version + 1, At: now, Action: action,
			By: ch.Who.Name, Role: ch.Who.Role, Signature: ch.Who.Signature, Detail: ch.Reason}); err != nil {
			return err
		}
		c.State, c.UpdatedAt = to, now
		out = c
		return nil
	})
	return out, err
}

// revoke puts the card's current certificate on the CRL with reason (a
// held one made final changes its reason).
func (s *Store) revoke(ctx context.Context, tx *sqlx.Tx, c Card, reason string, now time.Time) error {
	if c.Serial == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_revocations (serial, card_number, reason, revoked_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (serial) DO UPDATE SET reason = excluded.reason, revoked_at = excluded.revoked_at, lifted_at = NULL`),
		c.Serial, c.Number, reason, now)
	return err
}

// RecordUnlock records, as event Version+1 of a card of the scope, that
// the server made an unblock cryptogram for the card's challenge; a
// challenge is used once (ErrUnlockUsed). The card must be active
// (ErrCardState).
func (s *Store) RecordUnlock(ctx context.Context, sc CardScope, number string, version int, challenge []byte, who Actor) error {
	h := sha256.Sum256(append(append([]byte(number), 0), challenge...))
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.lockScopedCard(ctx, tx, sc, number, version)
		if err != nil {
			return err
		}
		if c.State != CardActive {
			return fmt.Errorf("card %s is %s: %w", number, c.State, ErrCardState)
		}
		now := s.nowUTC()
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO card_unlocks (challenge_hash, card_number, made_at) VALUES (?, ?, ?)`), h[:], number, now)
		if isUniqueViolation(err) {
			return fmt.Errorf("card %s: %w", number, ErrUnlockUsed)
		}
		if err != nil {
			return fmt.Errorf("store: card unlock: %w", err)
		}
		return s.AddCardEvent(ctx, tx, CardEvent{CardNumber: number, Seq: version + 1, At: now, Action: model.CardActionUnlocked,
			By: who.Name, Role: who.Role, Signature: who.Signature})
	})
}

// Extension is a new certificate of a card (证书延期).
type Extension struct {
	CardNumber  string
	Version     int
	Certificate []byte // DER
	Serial      string
	NotAfter    time.Time
	Who         Actor
}

// ExtendCard records a card's new certificate, in one transaction: the
// card's certificate, the old one on the CRL as superseded, the event
// Version+1. The card must be active (ErrCardState) and check, given the
// card as locked, must accept it.
func (s *Store) ExtendCard(ctx context.Context, sc CardScope, x Extension, check func(Card) error) (Card, error) {
	var out Card
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.lockScopedCard(ctx, tx, sc, x.CardNumber, x.Version)
		if err != nil {
			return err
		}
		if c.State != CardActive {
			return fmt.Errorf("card %s is %s: %w", c.Number, c.State, ErrCardState)
		}
		if check != nil {
			if err := check(c); err != nil {
				return err
			}
		}
		now := s.nowUTC()
		if err := s.revoke(ctx, tx, c, ReasonSuperseded, now); err != nil {
			return fmt.Errorf("store: card revocation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE cards SET certificate = ?, serial = ?, not_after = ?, updated_at = ?
			WHERE card_number = ?`), x.Certificate, x.Serial, ts(x.NotAfter), now, c.Number); err != nil {
			return fmt.Errorf("store: card certificate: %w", err)
		}
		if err := s.AddCardEvent(ctx, tx, CardEvent{CardNumber: c.Number, Seq: x.Version + 1, At: now, Action: model.CardActionExtended,
			By: x.Who.Name, Role: x.Who.Role, Signature: x.Who.Signature,
			Detail: "证书有效期至 " + x.NotAfter.Local().Format("2006-01-02")}); err != nil {
			return err
		}
		c.Certificate, c.Serial, c.NotAfter, c.UpdatedAt = x.Certificate, x.Serial, ts(x.NotAfter), now
		out = c
		return nil
	})
	return out, err
}

// Revocation is an entry of the CRL.
type Revocation struct {
	Serial    string     `db:"serial"`
	Reason    string     `db:"reason"`
	RevokedAt time.Time  `db:"revoked_at"`
	LiftedAt  *time.Time `db:"lifted_at"`
}

// CRLEntries are the certificates a CRL made now lists: every revocation
// and hold not lifted, and the holds lifted after liftedSince (reason
// ReasonRemoveFromCRL), by serial.
func (s *Store) CRLEntries(ctx context.Context, liftedSince time.Time) ([]Revocation, error) {
	var out []Revocation
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT serial, reason, revoked_at, lifted_at FROM card_revocations
		WHERE lifted_at IS NULL OR lifted_at > ? ORDER BY serial`), ts(liftedSince))
	if err != nil {
		return nil, fmt.Errorf("store: CRL entries: %w", err)
	}
	for i := range out {
		out[i].RevokedAt = out[i].RevokedAt.UTC()
		if out[i].LiftedAt != nil {
			t := out[i].LiftedAt.UTC()
			out[i].LiftedAt, out[i].Reason = &t, ReasonRemoveFromCRL
		}
	}
	return out, nil
}

// CRL is a published revocation list.
type CRL struct {
	Number     int64     `db:"number"`
	ThisUpdate time.Time `db:"this_update"`
	NextUpdate time.Time `db:"next_update"`
	DER        []byte    `db:"der"`
}

// LatestCRL returns the newest CRL, or ErrNotFound.
func (s *Store) LatestCRL(ctx context.Context) (CRL, error) {
	var c CRL
	err := s.db.GetContext(ctx, &c, s.q(`SELECT number, this_update, next_update, der FROM crls ORDER BY number DESC LIMIT 1`))
	c.ThisUpdate, c.NextUpdate = c.ThisUpdate.UTC(), c.NextUpdate.UTC()
	return c, noRows(err, "CRL")
}

// PublishCRL makes and stores the next CRL: build gets its number (one
// more than the newest) and returns it signed. Two publications at once
// both succeed, in turn, each with its own number (the later one lists
// all that was committed before it).
func (s *Store) PublishCRL(ctx context.Context, build func(number int64) (CRL, error)) (CRL, error) {
	for try := 0; ; try++ {
		var n int64
		if err := s.db.GetContext(ctx, &n, s.q(`SELECT COALESCE(MAX(number), 0) FROM crls`)); err != nil {
			return CRL{}, fmt.Errorf("store: CRL number: %w", err)
		}
		c, err := build(n + 1)
		if err != nil {
			return CRL{}, err
		}
		_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO crls (number, this_update, next_update, der) VALUES (?, ?, ?, ?)`),
			c.Number, ts(c.ThisUpdate), ts(c.NextUpdate), c.DER)
		if isUniqueViolation(err) && try < 5 {
			continue
		}
		if err != nil {
			return CRL{}, fmt.Errorf("store: publish CRL: %w", err)
		}
		return c, nil
	}
}

// CardStateAt is the state a card was in at t, from its events (frozen,
// unfrozen, lost): active before any of them. A record signature made at
// t is one of a card in that state (the history shows it beside the
// card's state now).
func (s *Store) CardStateAt(ctx context.Context, number string, t time.Time) (CardState, error) {
	var a []model.CardAction
	err := s.db.SelectContext(ctx, &a, s.q(`SELECT action FROM card_events WHERE card_number = ? AND at <= ?
		AND action IN ('frozen', 'unfrozen', 'lost') ORDER BY seq DESC LIMIT 1`), number, ts(t))
	if err != nil {
		return "", fmt.Errorf("store: card state at: %w", err)
	}
	if len(a) == 0 {
		return CardActive, nil
	}
	switch a[0] {
	case model.CardActionFrozen:
		return CardFrozen, nil
	case model.CardActionLost:
		return CardLost, nil
	}
	return CardActive, nil
}
