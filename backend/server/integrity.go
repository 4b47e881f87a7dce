package server

import (
	"context"
	"time"
)

// Checkpoint signs the audit trail's head with the CA's key where it moved
// since the last checkpoint (store.AuditCheckpoint): every janitor round
// and at Close, by one server at a time. Without a CA there is nothing to
// sign with.
func (m *Main) Checkpoint(ctx context.Context) {
	if m.CA == nil || m.Store == nil {
		return
	}
	if _, err := m.Store.Exclusive(ctx, "audit checkpoint", func(ctx context.Context) error {
		m.checkpoint(ctx)
		return nil
	}); err != nil && ctx.Err() == nil {
		m.Config.Log.Error("audit checkpoint", "err", err)
	}
}

func (m *Main) checkpoint(ctx context.Context) {
	if m.CA == nil || m.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	seq, ok, err := m.Store.AuditCheckpoint(ctx, m.CA.SignCheckpoint, m.CA.Certificate().Raw)
	switch {
	case err != nil && ctx.Err() == nil:
		m.Config.Log.Error("audit checkpoint", "err", err)
	case ok:
		m.Config.Log.Info("audit checkpoint signed", "seq", seq)
	}
}

// warnRole logs where the server's database role could undo what the
// database protects (a superuser, or the tables' owner).
func (m *Main) warnRole(ctx context.Context) {
	w, err := m.Store.RoleWarning(ctx)
	if err != nil {
		m.Config.Log.Error("database role", "err", err)
	} else if w != "" {
		m.Config.Log.Warn(w)
	}
}
