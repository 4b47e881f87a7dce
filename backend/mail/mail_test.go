package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"eportid/backend/mail"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var log bytes.Buffer
		o := mail.Outbox{Queue: s, Log: slog.New(slog.NewTextHandler(&log, nil))}
		link := mail.ActivationLink("http://127.0.0.1:8080/", "tok+en")
		if link != "http://127.0.0.1:8080/activate?token=tok%2Ben" {
			t.Fatalf("link %q", link)
		}
		m := mail.Confirmation("a@example.com", "示例公司", link, 24*time.Hour)
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		got, err := s.MailsTo(context.Background(), "a@example.com")
		if err != nil || len(got) != 1 || got[0].Subject != m.Subject || !strings.Contains(got[0].Body, link) || !strings.Contains(got[0].Body, "24小时") {
			t.Fatalf("outbox: %+v %v", got, err)
		}
		if !strings.Contains(log.String(), "tok%2Ben") {
			t.Errorf("the link is not in the log: %s", log.String())
		}
		w := mail.RegistrationAttempt("b@example.com", "示例公司", "91350100M000100Y43", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if !strings.Contains(w.Body, "91350100M000100Y43") || !strings.Contains(w.Body, "2026年01月01日 08:00") {
			t.Errorf("warning: %s", w.Body)
		}
	})
}
