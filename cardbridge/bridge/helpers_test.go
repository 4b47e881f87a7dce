package bridge_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/softcard"
)

const (
	originA = "http://127.0.0.1:8080"
	originB = "http://localhost:8080"
)

// memCards is bridge.Cards over an in-process soft card (no pcscd).
type memCards struct {
	card    *softcard.Card
	mu      sync.Mutex
	present bool
	delay   time.Duration
	events  chan pcsc.Event
	// sessions counts the sessions started, ran those that reached the
	// card.
	sessions, ran atomic.Int32
}

func newMemCards(card *softcard.Card) *memCards {
	return &memCards{card: card, present: true, events: make(chan pcsc.Event, 8)}
}

func (m *memCards) Status(ctx context.Context) ([]pcsc.ReaderStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return []pcsc.ReaderStatus{{Name: "mem", CardPresent: m.present}}, nil
}

func (m *memCards) Session(ctx context.Context, fn func(*pcsc.Client) error) error {
	m.mu.Lock()
	present, delay := m.present, m.delay
	m.mu.Unlock()
	m.sessions.Add(1)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !present {
		return pcsc.ErrNoCard
	}
	m.ran.Add(1)
	m.card.Reset()
	defer m.card.Reset()
	cl := pcsc.NewClient(m.card)
	if err := cl.SelectApp(); err != nil {
		return err
	}
	return fn(cl)
}

func (m *memCards) Watch(ctx context.Context, fn func(pcsc.Event)) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-m.events:
			fn(e)
		}
	}
}

func (m *memCards) setPresent(p bool) {
	m.mu.Lock()
	m.present = p
	m.mu.Unlock()
	kind := pcsc.CardRemoved
	if p {
		kind = pcsc.CardInserted
	}
	m.events <- pcsc.Event{Kind: kind, Reader: "mem"}
}

// startBridge serves a bridge on a free loopback port and returns its
// ws:// URL.
func startBridge(tb testing.TB, cards bridge.Cards, opTimeout time.Duration, origins ...string) string {
	tb.Helper()
	if len(origins) == 0 {
		origins = []string{originA, originB}
	}
	return startBridgeConfig(tb, bridge.Config{
		Origins: origins, Cards: cards, OpTimeout: opTimeout,
		Logger: slog.New(slog.DiscardHandler),
	})
}

// startBridgeConfig serves a bridge of cfg on a free loopback port and
// returns its ws:// URL.
func startBridgeConfig(tb testing.TB, cfg bridge.Config) string {
	tb.Helper()
	srv, err := bridge.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ctx, ln)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			tb.Error("bridge did not stop")
		}
	})
	return "ws://" + ln.Addr().String() + "/"
}

func dial(url, origin string, extra ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial(url, h)
}

func mustDial(tb testing.TB, url, origin string) *websocket.Conn {
	tb.Helper()
	c, _, err := dial(url, origin)
	if err != nil {
		tb.Fatalf("dial as %s: %v", origin, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// next reads the next server message, bounded.
func next(tb testing.TB, c *websocket.Conn) protocol.ServerMessage {
	tb.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	m, err := protocol.DecodeServerMessage(b)
	if err != nil {
		tb.Fatalf("server message %s: %v", b, err)
	}
	return m
}

// call sends a request and returns its response, skipping events.
func call(tb testing.TB, c *websocket.Conn, id string, cmd protocol.Command, params any) *protocol.Response {
	tb.Helper()
	req := protocol.WireRequest{ID: id, Command: cmd}
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			tb.Fatal(err)
		}
		req.Params = b
	}
	b, _ := json.Marshal(req)
	return callRaw(tb, c, id, b)
}

func callRaw(tb testing.TB, c *websocket.Conn, id string, msg []byte) *protocol.Response {
	tb.Helper()
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
		tb.Fatalf("write: %v", err)
	}
	for {
		m := next(tb, c)
		if m.Response != nil {
			if m.Response.ID != id {
				tb.Fatalf("response id %q, want %q", m.Response.ID, id)
			}
			return m.Response
		}
	}
}

func result[T any](tb testing.TB, r *protocol.Response) T {
	tb.Helper()
	var v T
	if r.Error != nil {
		tb.Fatalf("request %s failed: %+v", r.ID, r.Error)
	}
	if err := json.Unmarshal(r.Result, &v); err != nil {
		tb.Fatalf("result %s: %v", r.Result, err)
	}
	return v
}

func wantError(tb testing.TB, r *protocol.Response, code protocol.ErrorCode) *protocol.Error {
	tb.Helper()
	if r.Error == nil || r.Error.Code != code {
		tb.Fatalf("response %+v (result %s), want error %s", r.Error, r.Result, code)
	}
	return r.Error
}

func waitEvent(tb testing.TB, c *websocket.Conn, name protocol.EventName) protocol.Event {
	tb.Helper()
	for {
		m := next(tb, c)
		if m.Event != nil && m.Event.Event == name {
			return *m.Event
		}
	}
}
