package store

import (
	"context"
	"fmt"
	"time"
)

// Mail is a message of the outbox. Development has no mail server: mails
// are stored here (and logged by the sender).
type Mail struct {
	ID        int64     `db:"id"`
	To        string    `db:"to_addr"`
	Subject   string    `db:"subject"`
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"` // defaults to now
}

// QueueMail stores a mail in the outbox.
func (s *Store) QueueMail(ctx context.Context, m Mail) error {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO mails (to_addr, subject, body, created_at) VALUES (?, ?, ?, ?)`),
		m.To, m.Subject, m.Body, ts(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: queue mail: %w", err)
	}
	return nil
}

// MailsTo returns the mails to an address, newest first.
func (s *Store) MailsTo(ctx context.Context, addr string) ([]Mail, error) {
	var out []Mail
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT id, to_addr, subject, body, created_at FROM mails
		WHERE to_addr = ? ORDER BY created_at DESC, id DESC`), addr)
	if err != nil {
		return nil, fmt.Errorf("store: mails: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}
