package storetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"eportid/backend/store"
)

// RoundTrips counts the round trips between a store and PostgreSQL, at the
// wire: the store of OpenCounting connects through a proxy on 127.0.0.1
// that, per connection, counts every time the client speaks after the
// server has (or first). A statement the driver sends in one go (lib/pq's
// Bind, Execute, Sync of a prepared statement) is one trip; one it must
// first parse and describe (Parse, Describe, Sync; then Bind, Execute,
// Sync) is two; BEGIN and COMMIT are one each. The count depends neither
// on the driver's internals nor on the machine's load.
type RoundTrips struct {
	n atomic.Int64

	mu    sync.Mutex
	trace []string // when tracing: what each trip sent
	on    bool
}

// Trace starts (on) or stops recording what each trip sends, and returns
// what was recorded since the last call: per trip, the messages' types and
// the statement of a Parse or Query (e.g. "P[SELECT …] B E S").
func (r *RoundTrips) Trace(on bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.trace
	r.trace, r.on = nil, on
	return out
}

// note records a trip's messages, when tracing.
func (r *RoundTrips) note(msgs string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.trace = append(r.trace, msgs)
	}
}

// Count is the number of round trips so far, over all connections.
func (r *RoundTrips) Count() int64 { return r.n.Load() }

// OpenCounting is Open on PostgreSQL whose application connections go
// through a counting proxy (the migrations, as the owner, do not).
func OpenCounting(t testing.TB) (*store.Store, *RoundTrips) {
	t.Helper()
	app, owner := URLs(t, store.Postgres)
	u, err := url.Parse(app)
	if err != nil {
		t.Fatal(err)
	}
	rt := &RoundTrips{}
	addr, err := rt.proxy(t, u.Host)
	if err != nil {
		t.Fatalf("storetest: counting proxy: %v", err)
	}
	u.Host = addr
	ctx := context.Background()
	s, err := store.Open(ctx, u.String(), store.WithMigrationURL(owner))
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	if err := s.UseSecretKey(ctx, SecretKey(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadRefData(ctx); err != nil {
		t.Fatalf("load refdata: %v", err)
	}
	ownerURLs.Store(s, owner)
	t.Cleanup(func() { s.Close(); ownerURLs.Delete(s) })
	return s, rt
}

// proxy listens on 127.0.0.1 and forwards every connection to target,
// counting; it stops when the test ends.
func (r *RoundTrips) proxy(t testing.TB, target string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	track := func(c net.Conn, on bool) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			open[c] = true
		} else {
			delete(open, c)
		}
	}
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			track(client, true)
			track(server, true)
			wg.Go(func() {
				r.pipe(client, server)
				track(client, false)
				track(server, false)
			})
		}
	})
	return ln.Addr().String(), nil
}

// pipe copies both ways until either side closes, counting the client's
// turns to speak.
func (r *RoundTrips) pipe(client, server net.Conn) {
	var (
		mu          sync.Mutex
		serverSpoke = true // the client's first bytes are a trip
		done        sync.WaitGroup
		fe          frontend
	)
	copyDir := func(dst, src net.Conn, fromClient bool) {
		defer done.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				mu.Lock()
				switch {
				case fromClient && serverSpoke:
					r.n.Add(1)
				case !fromClient && !serverSpoke:
					if msgs := fe.flush(); msgs != "" {
						r.note(msgs)
					}
				}
				if fromClient {
					fe.feed(buf[:n])
				}
				serverSpoke = !fromClient
				mu.Unlock()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil { // EOF, or the other side closed
				break
			}
		}
		client.Close()
		server.Close()
	}
	done.Add(2)
	go copyDir(server, client, true)
	go copyDir(client, server, false)
	done.Wait()
}

// frontend splits the client's stream into PostgreSQL frontend messages
// (after the untyped startup message) and names them for Trace.
type frontend struct {
	started bool
	buf     []byte
	msgs    []string
}

func (f *frontend) feed(b []byte) {
	f.buf = append(f.buf, b...)
	for {
		if !f.started {
			if len(f.buf) < 4 {
				return
			}
			n := int(binary.BigEndian.Uint32(f.buf))
			if len(f.buf) < n {
				return
			}
			f.buf, f.started = f.buf[n:], true
			f.msgs = append(f.msgs, "startup")
			continue
		}
		if len(f.buf) < 5 {
			return
		}
		n := 1 + int(binary.BigEndian.Uint32(f.buf[1:]))
		if len(f.buf) < n {
			return
		}
		typ, body := f.buf[0], f.buf[5:n]
		m := string(typ)
		switch typ {
		case 'Q':
			m += "[" + oneLine(cstring(body)) + "]"
		case 'P':
			name := cstring(body)
			m += "[" + oneLine(cstring(body[min(len(name)+1, len(body)):])) + "]"
		}
		f.msgs = append(f.msgs, m)
		f.buf = f.buf[n:]
	}
}

// flush returns the messages fed since the last flush.
func (f *frontend) flush() string {
	s := strings.Join(f.msgs, " ")
	f.msgs = f.msgs[:0]
	return s
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
