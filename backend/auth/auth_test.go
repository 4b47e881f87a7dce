package auth

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultParams, 0)
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q", enc)
	}
	p, salt, key, err := Decode(enc)
	if err != nil || p != DefaultParams || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("Decode: %+v %d %d %v", p, len(salt), len(key), err)
	}
	if ok, rehash, err := h.Verify(ctx, enc, "correct horse"); !ok || rehash || err != nil {
		t.Fatalf("right password: %v %v %v", ok, rehash, err)
	}
	if ok, _, err := h.Verify(ctx, enc, "correct horsE"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	enc2, _ := h.Hash(ctx, "correct horse")
	if enc2 == enc {
		t.Error("same salt twice")
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}

	// A hash of other parameters verifies and asks for a rehash.
	weak := NewHasher(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	old, _ := weak.Hash(ctx, "pw")
	if ok, rehash, err := h.Verify(ctx, old, "pw"); !ok || !rehash || err != nil {
		t.Fatalf("old parameters: %v %v %v", ok, rehash, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if _, _, _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
}

func TestHasherLimitsConcurrency(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	h.sem <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); err == nil {
		t.Fatal("hashed beyond the limit")
	}
	<-h.sem
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
}

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if len(a) != 43 || a == b || len(ha) != 32 || string(HashToken(a)) != string(ha) {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !EqualTokens(a, a) || EqualTokens(a, b) || EqualTokens("", "") {
		t.Error("EqualTokens")
	}
}

func TestTimeouts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	to := DefaultTimeouts
	if to.Expired(t0, t0, t0.Add(29*time.Minute)) || !to.Expired(t0, t0, t0.Add(30*time.Minute)) {
		t.Error("idle")
	}
	last := t0.Add(12*time.Hour - time.Minute)
	if to.Expired(t0, last, last) || !to.Expired(t0, last, t0.Add(12*time.Hour)) {
		t.Error("absolute")
	}
	if got := to.ExpiresAt(t0, last); !got.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("ExpiresAt %v", got)
	}
}

func TestPolicy(t *testing.T) {
	p := AccountPolicy
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 10: 32 * time.Second, 15: 15 * time.Minute, 1000: 15 * time.Minute} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
	if RetryAfter(1500*time.Millisecond) != 2 || RetryAfter(time.Nanosecond) != 1 {
		t.Error("RetryAfter")
	}
}

type memFailures map[string]struct {
	n    int
	last time.Time
}

func (m memFailures) LoginFailures(_ context.Context, k string) (int, time.Time, error) {
	return m[k].n, m[k].last, nil
}
func (m memFailures) RecordLoginFailure(_ context.Context, k string, now time.Time) (int, error) {
	v := m[k]
	v.n++
	v.last = now
	m[k] = v
	return v.n, nil
}
func (m memFailures) ClearLoginFailures(_ context.Context, k string) error { delete(m, k); return nil }
func (m memFailures) CountAttempt(_ context.Context, k string, now time.Time,
	decide func(int, time.Time) (time.Duration, int)) (time.Duration, error) {
	v := m[k]
	wait, from := decide(v.n, v.last)
	if wait > 0 {
		return wait, nil
	}
	v.n, v.last = from+1, now
	m[k] = v
	return 0, nil
}
func (m memFailures) ReleaseAttempt(_ context.Context, k string) error {
	if v := m[k]; v.n > 0 {
		v.n--
		m[k] = v
	}
	return nil
}

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	th := Throttle{Store: memFailures{}}
	p := Policy{Free: 2, Base: time.Second, Max: time.Minute, Reset: time.Hour}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 2 {
		if w, _ := th.Wait(ctx, "k", p, now); w != 0 {
			t.Fatal("throttled too early")
		}
		th.Count(ctx, "k", p, now)
	}
	if w, _ := th.Wait(ctx, "k", p, now.Add(500*time.Millisecond)); w != 500*time.Millisecond {
		t.Fatalf("wait %v", w)
	}
	if w, _ := th.Wait(ctx, "k", p, now.Add(time.Second)); w != 0 {
		t.Fatalf("wait after the delay %v", w)
	}
	// After Reset the count starts over.
	later := now.Add(2 * time.Hour)
	if w, _ := th.Wait(ctx, "k", p, later); w != 0 {
		t.Fatal("not reset")
	}
	th.Count(ctx, "k", p, later)
	if n, _, _ := th.Store.LoginFailures(ctx, "k"); n != 1 {
		t.Fatalf("count after reset %d", n)
	}
	// Two attempts at once whose clocks read in the other order than they
	// were counted: within the free ones, the earlier reading goes ahead.
	skew := Throttle{Store: memFailures{}}
	first := now.Add(10 * time.Millisecond)
	for i := 0; i < p.Free; i++ {
		if w, _ := skew.Reserve(ctx, "j", p, first.Add(-time.Duration(i)*time.Millisecond)); w != 0 {
			t.Fatalf("free attempt %d, its clock %d ms before the first's, must wait %v", i+1, i, w)
		}
	}
	if w, _ := skew.Wait(ctx, "j", p, first); w == 0 {
		t.Fatal("after the free attempts, no wait")
	}
}

func TestThrottleReserve(t *testing.T) {
	ctx := context.Background()
	th := Throttle{Store: memFailures{}}
	p := Policy{Free: 2, Base: time.Second, Max: time.Minute, Reset: time.Hour}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 {
		if w, _ := th.Reserve(ctx, "k", p, now); w != 0 {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if w, _ := th.Reserve(ctx, "k", p, now.Add(300*time.Millisecond)); w != 700*time.Millisecond {
		t.Fatalf("third attempt: wait %v, want 700ms", w)
	}
	if n, _, _ := th.Store.LoginFailures(ctx, "k"); n != 2 {
		t.Fatalf("a refused attempt was counted: %d", n)
	}
	th.Release(ctx, "k")
	if w, _ := th.Reserve(ctx, "k", p, now); w != 0 {
		t.Fatal("released attempt still counted")
	}
	if w, _ := th.Reserve(ctx, "k", p, now.Add(2*time.Hour)); w != 0 {
		t.Fatal("not reset")
	}
	if n, _, _ := th.Store.LoginFailures(ctx, "k"); n != 1 {
		t.Fatalf("count after reset %d", n)
	}
}

func TestClientAddr(t *testing.T) {
	none := Proxies(nil)
	proxies, err := ParseProxies("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProxies("nonsense"); err == nil {
		t.Error("ParseProxies accepted nonsense")
	}
	for _, c := range []struct {
		ps     Proxies
		remote string
		xff    []string
		proto  string
		want   string
		tls    bool
	}{
		{none, "203.0.113.9:5000", []string{"1.2.3.4"}, "https", "203.0.113.9", false},            // not a proxy: header ignored
		{proxies, "127.0.0.1:5000", []string{"1.2.3.4"}, "https", "1.2.3.4", true},                // trusted proxy
		{proxies, "127.0.0.1:5000", []string{"6.6.6.6, 1.2.3.4, 10.1.1.1"}, "", "1.2.3.4", false}, // skip own proxies, ignore forged left
		{proxies, "127.0.0.1:5000", []string{"6.6.6.6", "1.2.3.4"}, "", "1.2.3.4", false},         // several headers
		{proxies, "127.0.0.1:5000", nil, "", "127.0.0.1", false},                                  // no header
		{proxies, "127.0.0.1:5000", []string{"garbage"}, "", "127.0.0.1", false},
		{proxies, "[::ffff:127.0.0.1]:5000", []string{"2001:db8::1"}, "", "2001:db8::1", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, x := range c.xff {
			r.Header.Add("X-Forwarded-For", x)
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if got := c.ps.ClientAddr(r).String(); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.remote, c.xff, got, c.want)
		}
		if got := c.ps.IsTLS(r); got != c.tls {
			t.Errorf("%s %v: IsTLS %v", c.remote, c.xff, got)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:1"
	if k := AddrKey(none.ClientAddr(r)); k != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key %q", k)
	}
}

func TestSecretKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ca", "secrets.key")
	if _, err := LoadSecretKeyFile(p, false); err == nil {
		t.Fatal("a missing key file without create")
	}
	k1, err := LoadSecretKeyFile(p, true)
	if err != nil || len(k1) != SecretKeyLen {
		t.Fatalf("create: %v", err)
	}
	k2, err := LoadSecretKeyFile(p, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("read back: %v", err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	os.Chmod(p, 0o644)
	if _, err := LoadSecretKeyFile(p, false); err == nil {
		t.Error("a world-readable key file accepted")
	}
	if _, err := ParseSecretKey("c2hvcnQ="); err == nil {
		t.Error("a short key accepted")
	}
}
