package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/protocol"
)

// client is one connected page. A reader goroutine reads its messages
// and queues its requests (at most maxQueued); one worker handles them in
// order; events are written between responses. When the connection ends,
// the requests still queued are dropped unanswered and the one at the
// card is cancelled.
type client struct {
	s      *Server
	conn   *websocket.Conn
	origin string
	wmu    sync.Mutex
	// ctx ends with the connection; unblock is the held card session of
	// unblock's first step (cmd_unblock.go). Both belong to the worker.
	ctx     context.Context
	unblock *pendingUnblock
}

func newClient(s *Server, conn *websocket.Conn, origin string) *client {
	return &client{s: s, conn: conn, origin: origin}
}

// send writes one message; errors end the connection through the reader.
func (c *client) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.s.log.Error("bridge: encode", "err", err)
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		c.conn.Close()
	}
}

func (c *client) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	c.ctx = ctx
	defer c.conn.Close()
	queue := make(chan *protocol.Request, maxQueued)
	worked := make(chan struct{})
	go func() {
		defer close(worked)
		c.work(ctx, queue)
	}()
	go c.keepAlive(ctx)
	c.read(queue)
	cancel()
	close(queue)
	<-worked
}

// readDeadline is how long the page may stay silent (no message, no pong).
func (c *client) readDeadline() time.Time { return time.Now().Add(2 * c.s.ping) }

// keepAlive pings the page every ping interval until ctx ends.
func (c *client) keepAlive(ctx context.Context) {
	t := time.NewTicker(c.s.ping)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.conn.Close()
				return
			}
		}
	}
}

// work handles the queued requests in order; once ctx has ended (the
// connection closed) it drops them.
func (c *client) work(ctx context.Context, queue <-chan *protocol.Request) {
	for req := range queue {
		if ctx.Err() == nil {
			c.send(c.handle(ctx, req))
		}
		req.Wipe()
	}
}

// read reads messages until the connection fails or closes (or goes
// silent past the read deadline), queueing the requests.
func (c *client) read(queue chan<- *protocol.Request) {
	c.conn.SetReadDeadline(c.readDeadline())
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(c.readDeadline()) })
	for {
		mt, rd, err := c.conn.NextReader()
		if err != nil {
			return // closed, silent too long, or over readLimit (gorilla sent 1009)
		}
		if mt != websocket.TextMessage {
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
			c.send(protocol.NewError("", protocol.CodeBadRequest, "binary messages are not accepted"))
			continue
		}
		req, err := protocol.DecodeRequest(rd)
		if _, derr := io.Copy(io.Discard, rd); derr != nil {
			req.Wipe()
			return
		}
		c.conn.SetReadDeadline(c.readDeadline())
		if err != nil {
			var de *protocol.DecodeError
			if !errors.As(err, &de) {
				return
			}
			c.s.pageLog.log(slog.LevelDebug, "bridge: bad request", "origin", c.origin, "id", de.ID, "why", de.Msg)
			c.send(protocol.NewError(de.ID, protocol.CodeBadRequest, de.Msg))
			continue
		}
		select {
		case queue <- req:
		default:
			req.Wipe()
			c.s.pageLog.log(slog.LevelDebug, "bridge: request refused, queue full", "origin", c.origin, "id", req.ID)
			c.send(&protocol.Response{ID: req.ID, Error: toProtocolError(errQueueFull)})
		}
	}
}

var errQueueFull = errors.New("bridge: too many requests queued on the connection")

// handler is one command: it returns the result or an error for
// errorResponse.
type handler func(ctx context.Context, c *client, req *protocol.Request) (any, error)

var handlers = map[protocol.Command]handler{
	protocol.CmdStatus:            handleStatus,
	protocol.CmdReadCertificate:   handleReadCertificate,
	protocol.CmdVerifyPIN:         handleVerifyPIN,
	protocol.CmdSign:              handleSign,
	protocol.CmdSignLogin:         handleSignLogin,
	protocol.CmdChangePIN:         handleChangePIN,
	protocol.CmdPersonaliseKeygen: handlePersonaliseKeygen,
	protocol.CmdPersonaliseWrite:  handlePersonaliseWrite,
	protocol.CmdUnblock:           handleUnblock,
	protocol.CmdWriteCertificate:  handleWriteCertificate,
}

func (c *client) handle(ctx context.Context, req *protocol.Request) *protocol.Response {
	start := time.Now()
	h := handlers[req.Command]
	if h == nil { // protocol.DecodeRequest admits only known commands
		return protocol.NewError(req.ID, protocol.CodeBadRequest, "unknown command")
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.opTimeout)
	defer cancel()
	result, err := h(ctx, c, req)
	if err != nil {
		pe := toProtocolError(err)
		c.s.pageLog.log(slog.LevelDebug, "bridge: request failed", "origin", c.origin, "id", req.ID,
			"command", req.Command, "code", pe.Code, "err", err, "took", time.Since(start))
		return &protocol.Response{ID: req.ID, Error: pe}
	}
	resp, err := protocol.NewResult(req.ID, result)
	if err != nil {
		return protocol.NewError(req.ID, protocol.CodeInternal, "encoding the result failed")
	}
	c.s.pageLog.log(slog.LevelDebug, "bridge: request done", "origin", c.origin, "id", req.ID,
		"command", req.Command, "took", time.Since(start))
	return resp
}

// pinBox hands a private copy of a PIN to exactly one owner, who wipes it:
// the card session if it starts, otherwise the handler. A session that
// outlives its timeout thus never reads a wiped (or still used) buffer.
type pinBox struct {
	pin   []byte
	taken atomic.Bool
}

func newPINBox(pin protocol.PIN) *pinBox {
	return &pinBox{pin: append([]byte(nil), pin...)}
}

// newSecretBox is a pinBox for another secret (an admin key).
func newSecretBox(secret []byte) *pinBox {
	return &pinBox{pin: append([]byte(nil), secret...)}
}

// take gives the PIN to the caller, who must wipe it; false if the handler
// already gave up.
func (b *pinBox) take() ([]byte, bool) {
	if !b.taken.CompareAndSwap(false, true) {
		return nil, false
	}
	return b.pin, true
}

// drop wipes the PIN unless a session took it.
func (b *pinBox) drop() {
	if b.taken.CompareAndSwap(false, true) {
		cardapp.Wipe(b.pin)
	}
}

var errAbandoned = errors.New("bridge: request abandoned before the card session started")
