package server

import (
	"context"
	"time"
)

// AuditLinkInterval is how often the server chains the audit rows
// committed since (store.LinkAudit): the unchained tail of the trail is
// at most about this old.
const AuditLinkInterval = time.Second

// linker links the audit trail every AuditLinkInterval until ctx ends.
// Every instance links; the chain's head takes them one after the other.
func (m *Main) linker(ctx context.Context) {
	defer m.wg.Done()
	t := time.NewTicker(AuditLinkInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := m.Store.LinkAudit(ctx); err != nil && ctx.Err() == nil {
			m.Config.Log.Error("audit link", "err", err)
		}
	}
}

// Checkpoint links the audit trail's unchained rows and signs its head
// with the CA's key where it moved since the last checkpoint
// (store.AuditCheckpoint): every janitor round and at Close, by one server
// at a time. Without a CA
// there is nothing to sign with, and the rows are only linked.
func (m *Main) Checkpoint(ctx context.Context) {
	if m.Store == nil {
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
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if m.CA == nil {
		if _, err := m.Store.LinkAudit(ctx); err != nil && ctx.Err() == nil {
			m.Config.Log.Error("audit link", "err", err)
		}
		return
	}
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
