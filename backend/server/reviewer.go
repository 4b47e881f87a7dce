package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// Reviewers of the agent points (the review console): created by the
// admin command (backend/cmd/eportid-admin reviewer add) and, with demo
// data on, one demo reviewer at start. The password and the TOTP secret
// are shown once, when made; the store keeps the password's hash and the
// secret.

// TOTPIssuer names the system in authenticator apps.
const TOTPIssuer = "eportid"

// DemoReviewer is the user name of the demo reviewer, of DemoAgentPoint.
const (
	DemoReviewer   = "demo-reviewer-fj01"
	DemoAgentPoint = "FJ01"
)

// ReviewerCredentials are what a new reviewer is told once.
type ReviewerCredentials struct {
	Username   string
	AgentPoint string
	Password   string
	TOTPSecret []byte
}

// SecretText is the TOTP secret in base32, for an authenticator app.
func (c ReviewerCredentials) SecretText() string { return auth.TOTPSecretText(c.TOTPSecret) }

// URI is the otpauth:// URI of the TOTP secret (a QR code's content).
func (c ReviewerCredentials) URI() string { return auth.TOTPURI(TOTPIssuer, c.Username, c.TOTPSecret) }

// Print writes the credentials for the person who will use them; an
// empty Password (a reviewer made before) is said to be unchanged, with
// the command that resets it.
func (c ReviewerCredentials) Print(w io.Writer) {
	pw := c.Password
	if pw == "" {
		pw = "(unchanged: shown once, when it was made; a new one: go run ./backend/cmd/eportid-admin reviewer reset-password -username " + c.Username + ")"
	}
	fmt.Fprintf(w, "reviewer %s of agent point %s\n  password:    %s\n  TOTP secret: %s\n  otpauth URI: %s\n"+
		"  each TOTP code logs in once (one login per 30 s step): a login refused right after another waits for the next code\n",
		c.Username, c.AgentPoint, pw, c.SecretText(), c.URI())
}

// NewPassword is a random password of 16 characters from an alphabet
// without look-alikes (about 90 bits).
func NewPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("server: crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// AddReviewer creates a reviewer of an agent point with a new password and
// TOTP secret: store.ErrUsernameTaken, or store.ErrNotFound for an unknown
// agent point.
func AddReviewer(ctx context.Context, st *store.Store, h *auth.Hasher, agentPoint, username string) (ReviewerCredentials, error) {
	if err := model.CheckUsername(username); err != nil {
		return ReviewerCredentials{}, fmt.Errorf("user name %q: %v", username, err)
	}
	pw := NewPassword()
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return ReviewerCredentials{}, err
	}
	secret := auth.NewTOTPSecret()
	rv, err := st.CreateReviewer(ctx, store.User{Username: username, PasswordHash: hash}, agentPoint, secret)
	if err != nil {
		return ReviewerCredentials{}, err
	}
	return ReviewerCredentials{Username: rv.Username, AgentPoint: agentPoint, Password: pw, TOTPSecret: secret}, nil
}

// EnsureDemoReviewer makes the demo reviewer of DemoAgentPoint (development
// only) when there is none, with a new password and TOTP secret. A
// reviewer made by an earlier start is kept as it is, password and secret
// (a second start on the same database logs in as the first did): its
// credentials come back with an empty Password, which was shown once, when
// it was made; ResetReviewerPassword (eportid-admin reviewer
// reset-password) gives it a new one.
func EnsureDemoReviewer(ctx context.Context, st *store.Store, h *auth.Hasher) (ReviewerCredentials, error) {
	rv, err := st.ReviewerByUsername(ctx, DemoReviewer)
	if errors.Is(err, store.ErrNotFound) {
		return AddReviewer(ctx, st, h, DemoAgentPoint, DemoReviewer)
	}
	if err != nil {
		return ReviewerCredentials{}, err
	}
	return ReviewerCredentials{Username: rv.Username, AgentPoint: rv.AgentPoint, TOTPSecret: rv.TOTPSecret.Reveal()}, nil
}

// ResetReviewerPassword gives a reviewer a new password, keeping its TOTP
// secret, and ends its sessions; store.ErrNotFound for no such reviewer.
func ResetReviewerPassword(ctx context.Context, st *store.Store, h *auth.Hasher, username string) (ReviewerCredentials, error) {
	rv, err := st.ReviewerByUsername(ctx, username)
	if err != nil {
		return ReviewerCredentials{}, err
	}
	pw := NewPassword()
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return ReviewerCredentials{}, err
	}
	if err := st.SetPasswordHash(ctx, rv.ID, hash); err != nil {
		return ReviewerCredentials{}, err
	}
	if _, err := st.DeleteUserSessions(ctx, rv.ID); err != nil {
		return ReviewerCredentials{}, err
	}
	return ReviewerCredentials{Username: rv.Username, AgentPoint: rv.AgentPoint, Password: pw,
		TOTPSecret: rv.TOTPSecret.Reveal()}, nil
}
