// Package mail sends the mails of eportid. Sender is the interface the
// HTTP layer uses; Outbox is the development sender, which keeps every mail
// in the store's outbox and writes it to the server log, so that someone
// running the server locally can follow a confirmation link.
package mail

import (
	"context"
	"fmt"
	"log/slog"

	"eportid/backend/store"
)

// Message is one plain-text mail.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender sends mails.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Queuer is where Outbox keeps mails (the store's mails table).
type Queuer interface {
	QueueMail(ctx context.Context, m store.Mail) error
}

// Outbox is the development Sender: it stores the mail in the outbox and
// logs it whole (links included) at level Info. Log nil means
// slog.Default().
type Outbox struct {
	Queue Queuer
	Log   *slog.Logger
}

// Send stores and logs m.
func (o Outbox) Send(ctx context.Context, m Message) error {
	if err := o.Queue.QueueMail(ctx, store.Mail{To: m.To, Subject: m.Subject, Body: m.Body}); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail (development outbox, not sent)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SenderFunc adapts a function to Sender (for tests).
type SenderFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }
