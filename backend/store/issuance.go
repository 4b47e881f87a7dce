package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// Issuing an operator card (制卡, migration 0021_issuance): the reviewer of
// the agent point an operator application was declared to begins an
// issuance for the approved application (a single-use token and the card
// number), the card bridge personalises a blank card with it, and the
// certificate the CA issued for the card's own key finishes it: the token
// is spent, the card and its account are made, active, and the
// application's audit trail says so, all in one transaction.

// Errors of an issuance.
var (
	// ErrCardIssued: the application has its card already.
	ErrCardIssued = fmt.Errorf("store: the application's card is issued: %w", ErrState)
	// ErrIssuanceSpent: the token is unknown, used or expired.
	ErrIssuanceSpent = errors.New("store: the issuance token is used, expired or unknown")
)

// Issuance is a begun card issuance: the token and what the card will say.
type Issuance struct {
	TokenID        string
	EnterpriseID   int64
	ApplicationID  int64
	CardNumber     string
	HolderName     string
	IDNumber       string
	CreditCode     string
	EnterpriseName string
	Expires        time.Time
}

var operatorSpec = func() *spec { return specFor(model.FilingOperator, false) }

// BeginIssuance starts the issuance of the card of an operator application
// declared to agentPoint: ErrNotFound if it was not declared there,
// ErrState unless it is approved, ErrCardIssued if its card is issued.
// An earlier unspent token of the application stays usable until it
// expires; the caller makes tokenID and cardNumber.
func (s *Store) BeginIssuance(ctx context.Context, agentPoint string, applicationID int64, who Actor, tokenID, cardNumber string, expires time.Time) (Issuance, error) {
	var out Issuance
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.reviewRec(ctx, tx, operatorSpec(), agentPoint, applicationID, true)
		if err != nil {
			return err
		}
		if r.meta.State != model.StateApproved {
			return fmt.Errorf("operator application %d is %s: %w", applicationID, r.meta.State, ErrState)
		}
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM cards WHERE application_id = ?`), applicationID); err != nil {
			return fmt.Errorf("store: issuance: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("operator application %d: %w", applicationID, ErrCardIssued)
		}
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_issuances
			(token_id, enterprise_id, application_id, card_number, agent_point, reviewer, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), tokenID, r.meta.EnterpriseID, applicationID, cardNumber, agentPoint,
			who.Name, now, ts(expires)); err != nil {
			return fmt.Errorf("store: issuance: %w", err)
		}
		out = Issuance{
			TokenID: tokenID, EnterpriseID: r.meta.EnterpriseID, ApplicationID: applicationID, CardNumber: cardNumber,
			HolderName: r.vals["name"], IDNumber: r.vals["id_number"], CreditCode: r.vals["credit_code"],
			EnterpriseName: r.vals["name_cn"], Expires: ts(expires),
		}
		return nil
	})
	return out, err
}

// FinishIssuance spends the token of an issuance begun at agentPoint and
// makes its card, active, with the certificate the CA issued for the
// card's key: ErrIssuanceSpent for a token that is unknown, used, expired
// or of another agent point; ErrCardIssued if the application got its card
// meanwhile. The application's audit trail records the issue.
func (s *Store) FinishIssuance(ctx context.Context, agentPoint string, applicationID int64, tokenID string, who Actor, certDER []byte, serial string, notAfter time.Time) (Card, error) {
	var card Card
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var is struct {
			EnterpriseID  int64  `db:"enterprise_id"`
			ApplicationID int64  `db:"application_id"`
			CardNumber    string `db:"card_number"`
		}
		err := tx.QueryRowxContext(ctx, s.q(`UPDATE card_issuances SET used_at = ?
			WHERE token_id = ? AND agent_point = ? AND application_id = ? AND used_at IS NULL AND expires_at > ?
			RETURNING enterprise_id, application_id, card_number`), now, tokenID, agentPoint, applicationID, now).StructScan(&is)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrIssuanceSpent
		}
		if err != nil {
			return fmt.Errorf("store: finish issuance: %w", err)
		}
		r, err := s.reviewRec(ctx, tx, operatorSpec(), agentPoint, is.ApplicationID, true)
		if err != nil {
			return err
		}
		if r.meta.State != model.StateApproved {
			return fmt.Errorf("operator application %d is %s: %w", is.ApplicationID, r.meta.State, ErrState)
		}
		u, err := createUser(ctx, s, tx, User{
			EnterpriseID: is.EnterpriseID, Username: CardUsernamePrefix + is.CardNumber, PasswordHash: unusablePassword,
			Role: CardRole(model.CardOperator), CreatedAt: now,
		})
		if err != nil {
			return err
		}
		card = Card{
			Number: is.CardNumber, EnterpriseID: is.EnterpriseID, UserID: u.ID, Kind: model.CardOperator,
			HolderName: r.vals["name"], Certificate: certDER, Serial: serial, NotAfter: ts(notAfter),
			State: CardActive, CreatedAt: now, UpdatedAt: now,
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO cards (`+cardColumns+`, application_id, id_number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			card.Number, card.EnterpriseID, card.UserID, string(card.Kind), card.HolderName, card.Certificate,
			card.Serial, card.NotAfter, string(card.State), card.CreatedAt, card.UpdatedAt, is.ApplicationID, r.vals["id_number"])
		switch {
		case uniqueViolation(err, "cards", "card_number"):
			return fmt.Errorf("card %s: %w", is.CardNumber, ErrCardRegistered)
		case isUniqueViolation(err):
			return fmt.Errorf("operator application %d: %w", is.ApplicationID, ErrCardIssued)
		case err != nil:
			return fmt.Errorf("store: finish issuance: %w", err)
		}
		sp := operatorSpec()
		args, err := s.auditArgs(sp, auditRow{action: model.ActionIssue, from: model.StateApproved, to: model.StateApproved,
			who: who, reason: "制卡：操作员卡 " + is.CardNumber})
		if err != nil {
			return err
		}
		args = append(args, is.ApplicationID, is.ApplicationID, is.EnterpriseID)
		if err := s.insertAudit(ctx, tx, args); err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
		return s.AddCardEvent(ctx, tx, CardEvent{CardNumber: card.Number, Action: model.CardActionIssued, By: who.Name,
			Role: who.Role, Detail: "制卡代理点 " + agentPoint + "，操作员申请 " + fmt.Sprint(is.ApplicationID)})
	})
	if err != nil {
		return Card{}, err
	}
	return card, nil
}

// CardOfApplication is the card issued for an operator application, or
// ErrNotFound.
func (s *Store) CardOfApplication(ctx context.Context, enterpriseID, applicationID int64) (Card, error) {
	var c Card
	err := s.db.GetContext(ctx, &c, s.q(`SELECT `+cardColumns+` FROM cards WHERE enterprise_id = ? AND application_id = ?`), enterpriseID, applicationID)
	c.utc()
	return c, noRows(err, "card")
}
