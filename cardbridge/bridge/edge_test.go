package bridge_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/testenv"
)

// The bridge's edge: what any page or program on the machine can throw
// at it.

func TestOriginsHTTPOnlyForLoopback(t *testing.T) {
	for _, o := range []string{"http://example.com", "http://192.168.1.5:8080", "http://10.0.0.1",
		"http://eportid.example:8080", "http://[fe80::1]:8080"} {
		if _, err := bridge.New(bridge.Config{Origins: []string{o}}); err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("origin %q: %v, want refused (https needed)", o, err)
		}
	}
	for _, o := range []string{"https://eportid.example", "https://192.168.1.5:8443", "http://127.0.0.1:8080",
		"http://127.0.0.2:8080", "http://[::1]:8080", "http://localhost:8080", "http://localhost"} {
		if err := bridge.ValidateOrigins([]string{o}); err != nil {
			t.Errorf("origin %q refused: %v", o, err)
		}
	}
}

// TestKeyCaseCostsNoTry: a PIN under another letter case of "pin" is
// refused before it reaches the card.
func TestKeyCaseCostsNoTry(t *testing.T) {
	card := testenv.NewCard(t)
	c := mustDial(t, startBridge(t, newMemCards(card), 0), originA)
	for i, msg := range []string{
		`{"id":"1","command":"verify_pin","params":{"PIN":"000000"}}`,
		`{"id":"2","command":"verify_pin","params":{"pin":"000000","pin":"111111"}}`,
		`{"id":"3","Command":"verify_pin","params":{"pin":"000000"}}`,
	} {
		wantError(t, callRaw(t, c, fmt.Sprint(i+1), []byte(msg)), protocol.CodeBadRequest)
	}
	if n := card.TriesLeft(); n != 5 {
		t.Fatalf("tries left %d, want 5: a refused request reached the card", n)
	}
}

// TestUnknownCommandNotEchoed: a PIN typed as the command comes back in
// neither the answer nor the log.
func TestUnknownCommandNotEchoed(t *testing.T) {
	var logBuf syncBuffer
	url := startBridgeConfig(t, bridge.Config{
		Origins: []string{originA}, Cards: newMemCards(testenv.NewCard(t)),
		Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	c := mustDial(t, url, originA)
	c.WriteMessage(websocket.TextMessage, []byte(`{"id":"1","command":"24681357"}`))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"bad_request"`)) || bytes.Contains(b, []byte("24681357")) {
		t.Fatalf("answer %s", b)
	}
	c.Close()
	time.Sleep(100 * time.Millisecond)
	if strings.Contains(logBuf.String(), "24681357") {
		t.Fatalf("the log echoes the command:\n%s", logBuf.String())
	}
}

// TestClosedConnectionDropsQueued: requests still queued when the page
// goes away are dropped, not signed.
func TestClosedConnectionDropsQueued(t *testing.T) {
	mc := newMemCards(testenv.NewCard(t))
	// Long enough that a loaded machine still sees the close while the
	// first request waits for the card.
	mc.delay = 2 * time.Second
	c := mustDial(t, startBridge(t, mc, 5*time.Second), originA)
	for i := range 5 {
		msg := fmt.Sprintf(`{"id":"%d","command":"sign","params":{"pin":%q,"data":"%s"}}`,
			i, testenv.TestPIN, strings.Repeat("A", 43)+"=")
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // the first is waiting for the card
	c.Close()
	time.Sleep(mc.delay + time.Second)
	if n := mc.ran.Load(); n != 0 {
		t.Fatalf("%d signing sessions reached the card after the page closed", n)
	}
	if n := mc.sessions.Load(); n > 1 {
		t.Fatalf("%d sessions started after the page closed, want at most the one under way", n)
	}
}

// TestPerConnectionQueueBounded: a page that piles up requests gets busy
// beyond the queue, not unbounded memory.
func TestPerConnectionQueueBounded(t *testing.T) {
	mc := newMemCards(testenv.NewCard(t))
	mc.delay = 200 * time.Millisecond
	c := mustDial(t, startBridge(t, mc, 5*time.Second), originA)
	const n = 30
	for i := range n {
		c.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"id":"%d","command":"read_certificate"}`, i)))
	}
	busy := 0
	for range n {
		m := next(t, c)
		if m.Response != nil && m.Response.Error != nil {
			if m.Response.Error.Code != protocol.CodeBusy {
				t.Fatalf("error %+v", m.Response.Error)
			}
			busy++
		}
	}
	if busy == 0 || busy == n {
		t.Fatalf("%d of %d busy", busy, n)
	}
}

// TestSilentConnectionsClosed: a page that answers no ping, one that
// stops in the middle of a message, and an idle HTTP keep-alive
// connection are closed; a page that answers pings stays.
func TestSilentConnectionsClosed(t *testing.T) {
	url := startBridgeConfig(t, bridge.Config{
		Origins: []string{originA}, Cards: newMemCards(testenv.NewCard(t)),
		Logger: slog.New(slog.DiscardHandler), PingInterval: 100 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
	})
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")

	// Answers pings (gorilla does while it reads): still open and served
	// after 10 intervals.
	alive := mustDial(t, url, originA)
	msgs := make(chan []byte, 1)
	readErr := make(chan error, 1)
	go func() {
		for {
			_, b, err := alive.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			msgs <- b
		}
	}()
	select {
	case err := <-readErr:
		t.Fatalf("a page answering pings was dropped: %v", err)
	case <-time.After(time.Second):
	}
	alive.WriteMessage(websocket.TextMessage, []byte(`{"id":"s","command":"status"}`))
	select {
	case b := <-msgs:
		if !bytes.Contains(b, []byte(`"result"`)) {
			t.Fatalf("status: %s", b)
		}
	case err := <-readErr:
		t.Fatalf("a page answering pings: %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("no answer to status")
	}

	// Answers no ping.
	mute := mustDial(t, url, originA)
	mute.SetPingHandler(func(string) error { return nil })
	mute.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, _, err := mute.ReadMessage(); err == nil || isTimeout(err) {
		t.Fatalf("a page answering no ping: %v, want closed by the bridge", err)
	}

	// Half a message: a text frame header announcing 100 bytes, then 3.
	half := mustDial(t, url, originA)
	nc := half.NetConn()
	nc.Write([]byte{0x81, 0x80 | 100, 1, 2, 3, 4, 'a', 'b', 'c'})
	wantClosed(t, "half a message", nc)

	// An HTTP keep-alive connection that never sends its next request.
	hc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	fmt.Fprintf(hc, "GET /x HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	br := bufio.NewReader(hc)
	if line, _ := br.ReadString('\n'); !strings.Contains(line, "404") {
		t.Fatalf("GET /x: %q", line)
	}
	wantClosed(t, "idle HTTP connection", hc)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// wantClosed reads nc until the peer closes it, within 3 s.
func wantClosed(t *testing.T, what string, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	if isTimeout(err) {
		t.Fatalf("%s: still open after 3 s", what)
	}
}

// TestPageLogsBounded: refused handshakes and requests, however many,
// write a bounded number of log lines; requests log at Debug only.
func TestPageLogsBounded(t *testing.T) {
	var infoBuf, debugBuf syncBuffer
	cards := newMemCards(testenv.NewCard(t))
	info := startBridgeConfig(t, bridge.Config{Origins: []string{originA}, Cards: cards,
		Logger: slog.New(slog.NewTextHandler(&infoBuf, nil))})
	debug := startBridgeConfig(t, bridge.Config{Origins: []string{originA}, Cards: cards,
		Logger: slog.New(slog.NewTextHandler(&debugBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	c := mustDial(t, info, originA)
	for i := range 50 {
		result[protocol.StatusResult](t, call(t, c, fmt.Sprint(i), protocol.CmdStatus, nil))
	}
	if strings.Contains(infoBuf.String(), "request") {
		t.Fatalf("requests logged at Info:\n%s", infoBuf.String())
	}

	for _, url := range []string{info, debug} {
		for range 300 {
			if c, _, err := dial(url, "http://evil.example"); err == nil {
				c.Close()
				t.Fatal("foreign origin upgraded")
			}
		}
		d := mustDial(t, url, originA)
		for range 300 {
			callRaw(t, d, "", []byte(`{"command":"nope"}`))
		}
	}
	// Once the bucket refills, the next line tells how many were dropped.
	time.Sleep(1100 * time.Millisecond)
	for _, url := range []string{info, debug} {
		dial(url, "http://evil.example")
	}
	for name, b := range map[string]*syncBuffer{"info": &infoBuf, "debug": &debugBuf} {
		if n := strings.Count(b.String(), "\n"); n > 40 {
			t.Errorf("%s logger: %d lines for 600 refusals, want the rate limit (burst 20)", name, n)
		}
		if !strings.Contains(b.String(), "dropped") {
			t.Errorf("%s logger does not say lines were dropped", name)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
