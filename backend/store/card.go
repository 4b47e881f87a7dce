package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// IC cards (migration 0020_cards): the cards of the enterprises, their
// registration, state and certificate.
//
// Every card has an account in users (role legal_card or operator_card,
// user name "card:<card number>", no usable password): the sessions of the
// card are that account's (cardsession.go).

// CardState is the state of a card in the database.
type CardState string

// Card states.
const (
	CardActive  CardState = "active"
	CardFrozen  CardState = "frozen"  // 冻结
	CardLost    CardState = "lost"    // 挂失
	CardExpired CardState = "expired" // certificate expired (证书过期)
)

// Valid reports whether s is one of the card states.
func (s CardState) Valid() bool {
	switch s {
	case CardActive, CardFrozen, CardLost, CardExpired:
		return true
	}
	return false
}

// Label is the state's Chinese name.
func (s CardState) Label() string {
	switch s {
	case CardActive:
		return "正常"
	case CardFrozen:
		return "冻结"
	case CardLost:
		return "挂失"
	case CardExpired:
		return "证书过期"
	}
	return string(s)
}

// Errors of the cards.
var (
	// ErrCardRegistered: a card with this number is registered already.
	ErrCardRegistered = fmt.Errorf("store: card already registered: %w", ErrDuplicate)
)

// CardUsernamePrefix starts the user name of a card's account. No user
// name of a registration can start so (model.CheckUsername allows no ':').
const CardUsernamePrefix = "card:"

// unusablePassword is the password hash of a card's account: no hash
// format, so no password verifies.
const unusablePassword = "!card"

// IsCardRole reports whether r is the role of a card's account.
func IsCardRole(r model.Role) bool { return r == model.RoleLegalCard || r == model.RoleOperatorCard }

// CardRole is the role of the account of a card of kind k.
func CardRole(k model.CardKind) model.Role {
	if k == model.CardOperator {
		return model.RoleOperatorCard
	}
	return model.RoleLegalCard
}

// Card is a registered card.
type Card struct {
	Number       string         `db:"card_number"`
	EnterpriseID int64          `db:"enterprise_id"`
	UserID       int64          `db:"user_id"`
	Kind         model.CardKind `db:"kind"`
	HolderName   string         `db:"holder_name"`
	Certificate  []byte         `db:"certificate"` // DER
	Serial       string         `db:"serial"`      // lower-case hex
	NotAfter     time.Time      `db:"not_after"`
	State        CardState      `db:"state"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

func (c *Card) utc() {
	c.NotAfter, c.CreatedAt, c.UpdatedAt = c.NotAfter.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
}

const cardColumns = `card_number, enterprise_id, user_id, kind, holder_name, certificate, serial,
	not_after, state, created_at, updated_at`

// CardRegistration is what registering a card needs: the card, from its
// certificate, and the enterprise's data for when it is new.
type CardRegistration struct {
	CardNumber  string
	Kind        model.CardKind
	HolderName  string
	Certificate []byte
	Serial      string
	NotAfter    time.Time
	// CreditCode names the card's enterprise; when no enterprise has it,
	// one is created from NewEnterprise (its CreditCode is set from
	// CreditCode).
	CreditCode    string
	NewEnterprise Enterprise
}

// RegisterCard registers a card, in one transaction: it finds the
// enterprise of the credit code or creates it (created reports which), then
// the card's account and the card, active. ErrCardRegistered if the card
// number is registered; a new enterprise without a name is refused.
func (s *Store) RegisterCard(ctx context.Context, r CardRegistration) (card Card, ent Enterprise, created bool, err error) {
	if r.CardNumber == "" || r.HolderName == "" || len(r.Certificate) == 0 || r.CreditCode == "" ||
		(r.Kind != model.CardLegalPerson && r.Kind != model.CardOperator) {
		return Card{}, Enterprise{}, false, errors.New("store: register card: incomplete registration")
	}
	now := s.nowUTC()
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM cards WHERE card_number = ?`), r.CardNumber); err != nil {
			return fmt.Errorf("store: register card: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("card %s: %w", r.CardNumber, ErrCardRegistered)
		}
		err := tx.GetContext(ctx, &ent, s.q(`SELECT `+enterpriseColumns+` FROM enterprises WHERE credit_code = ?`), r.CreditCode)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			e := r.NewEnterprise
			e.CreditCode = r.CreditCode
			if strings.TrimSpace(e.NameCN) == "" {
				return errors.New("store: register card: a new enterprise needs a name")
			}
			e.CreatedAt = now
			if ent, err = createEnterprise(ctx, s, tx, e); err != nil {
				return err
			}
			created = true
		case err != nil:
			return fmt.Errorf("store: register card: %w", err)
		}
		ent.CreatedAt = ent.CreatedAt.UTC()
		u, err := createUser(ctx, s, tx, User{
			EnterpriseID: ent.ID, Username: CardUsernamePrefix + r.CardNumber, PasswordHash: unusablePassword,
			Role: CardRole(r.Kind), CreatedAt: now,
		})
		if err != nil {
			return err
		}
		card = Card{
			Number: r.CardNumber, EnterpriseID: ent.ID, UserID: u.ID, Kind: r.Kind, HolderName: r.HolderName,
			Certificate: r.Certificate, Serial: r.Serial, NotAfter: ts(r.NotAfter), State: CardActive,
			CreatedAt: now, UpdatedAt: now,
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO cards (`+cardColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			card.Number, card.EnterpriseID, card.UserID, string(card.Kind), card.HolderName, card.Certificate,
			card.Serial, card.NotAfter, string(card.State), card.CreatedAt, card.UpdatedAt)
		if uniqueViolation(err, "cards", "card_number") {
			return fmt.Errorf("card %s: %w", r.CardNumber, ErrCardRegistered)
		}
		if err != nil {
			return fmt.Errorf("store: register card: %w", err)
		}
		return nil
	})
	if err != nil {
		return Card{}, Enterprise{}, false, err
	}
	return card, ent, created, nil
}

// CardByNumber returns a card, or ErrNotFound.
func (s *Store) CardByNumber(ctx context.Context, number string) (Card, error) {
	var c Card
	err := s.db.GetContext(ctx, &c, s.q(`SELECT `+cardColumns+` FROM cards WHERE card_number = ?`), number)
	c.utc()
	return c, noRows(err, "card")
}

// CardByUserID returns the card of a card's account, or ErrNotFound.
func (s *Store) CardByUserID(ctx context.Context, userID int64) (Card, error) {
	var c Card
	err := s.db.GetContext(ctx, &c, s.q(`SELECT `+cardColumns+` FROM cards WHERE user_id = ?`), userID)
	c.utc()
	return c, noRows(err, "card")
}

// EnterpriseCards returns the cards of an enterprise, by card number.
func (s *Store) EnterpriseCards(ctx context.Context, enterpriseID int64) ([]Card, error) {
	var out []Card
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+cardColumns+` FROM cards
		WHERE enterprise_id = ? ORDER BY card_number`), enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: enterprise cards: %w", err)
	}
	for i := range out {
		out[i].utc()
	}
	return out, nil
}

// SetCardState sets a card's state; every session of the card ends unless
// the new state is active. ErrNotFound if there is no such card.
func (s *Store) SetCardState(ctx context.Context, number string, state CardState) error {
	if !state.Valid() {
		return fmt.Errorf("store: unknown card state %q", state)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		err := tx.GetContext(ctx, &userID, s.q(`UPDATE cards SET state = ?, updated_at = ?
			WHERE card_number = ? RETURNING user_id`), string(state), s.nowUTC(), number)
		if err := noRows(err, "card"); err != nil {
			return err
		}
		if state == CardActive {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
			return fmt.Errorf("store: end the card's sessions: %w", err)
		}
		return nil
	})
}

// UpdateCardCertificate records a new certificate of a card (证书延期, or a
// card personalised again); an expired card whose new certificate is valid
// becomes active. ErrNotFound if there is no such card.
func (s *Store) UpdateCardCertificate(ctx context.Context, number string, der []byte, serial string, notAfter time.Time) error {
	now := s.nowUTC()
	renewed := notAfter.After(now)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE cards SET certificate = ?, serial = ?, not_after = ?, updated_at = ?,
		state = CASE WHEN state = 'expired' AND ? THEN 'active' ELSE state END
		WHERE card_number = ?`), der, serial, ts(notAfter), now, renewed, number)
	return affectedOne(res, err, "card")
}

// ExpireCards marks the active, frozen or lost cards whose certificate
// ended before now as expired, and returns how many (the janitor).
func (s *Store) ExpireCards(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE cards SET state = 'expired', updated_at = ?
		WHERE state = 'active' AND not_after < ?`), ts(now), ts(now))
	if err != nil {
		return 0, fmt.Errorf("store: expire cards: %w", err)
	}
	return res.RowsAffected()
}
