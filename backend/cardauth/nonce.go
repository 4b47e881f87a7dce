package cardauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Login nonces.
const (
	NonceBytes = 32              // random bytes in a nonce
	NonceTTL   = 5 * time.Minute // how long a nonce may be used
)

// NewNonce is a fresh login nonce: NonceBytes random bytes, base64url
// without padding (43 characters). The card signs the raw bytes
// (DecodeNonce); the page hands them to the bridge's sign_login.
func NewNonce() string {
	b := make([]byte, NonceBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeNonce returns the raw bytes of a nonce made by NewNonce, or
// ErrNonce for anything else.
func DecodeNonce(nonce string) ([]byte, error) {
	if len(nonce) != base64.RawURLEncoding.EncodedLen(NonceBytes) {
		return nil, fmt.Errorf("%w: malformed", ErrNonce)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != NonceBytes {
		return nil, fmt.Errorf("%w: malformed", ErrNonce)
	}
	return b, nil
}

// NonceStore keeps the nonces of pending card logins, each bound to one
// login attempt. The database implementation comes with the login
// endpoints; MemoryNonceStore is for tests and single-process development.
//
// An implementation should store a hash of the nonce rather than the
// nonce, and make Take atomic (e.g. DELETE ... WHERE nonce_hash = $1 AND
// expires_at > $2 RETURNING attempt_id), so that of two concurrent Takes
// of one nonce at most one succeeds.
type NonceStore interface {
	// Put records nonce for the login attempt attemptID, usable until
	// expires.
	Put(ctx context.Context, nonce, attemptID string, expires time.Time) error
	// Take consumes nonce. It returns the attempt the nonce was issued for
	// and ok = true only the first time it is taken, and only before it
	// expires; ok = false otherwise (unknown, used or expired). err is
	// for failures of the store itself.
	Take(ctx context.Context, nonce string, now time.Time) (attemptID string, ok bool, err error)
}

// MemoryNonceStore is a NonceStore in memory.
type MemoryNonceStore struct {
	mu      sync.Mutex
	entries map[string]memoryNonce
}

type memoryNonce struct {
	attemptID string
	expires   time.Time
}

// NewMemoryNonceStore returns an empty MemoryNonceStore.
func NewMemoryNonceStore() *MemoryNonceStore {
	return &MemoryNonceStore{entries: map[string]memoryNonce{}}
}

// Put implements NonceStore. It also drops the nonces that expired before
// expires - NonceTTL, so the map does not grow without bound.
func (s *MemoryNonceStore) Put(_ context.Context, nonce, attemptID string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.entries[nonce]; dup {
		return fmt.Errorf("cardauth: nonce already stored")
	}
	cutoff := expires.Add(-NonceTTL)
	for k, e := range s.entries {
		if !e.expires.After(cutoff) {
			delete(s.entries, k)
		}
	}
	s.entries[nonce] = memoryNonce{attemptID: attemptID, expires: expires}
	return nil
}

// Take implements NonceStore.
func (s *MemoryNonceStore) Take(_ context.Context, nonce string, now time.Time) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.entries[nonce]
	if !found {
		return "", false, nil
	}
	delete(s.entries, nonce)
	if !now.Before(e.expires) {
		return "", false, nil
	}
	return e.attemptID, true, nil
}

// Len is the number of nonces held (for tests).
func (s *MemoryNonceStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}
