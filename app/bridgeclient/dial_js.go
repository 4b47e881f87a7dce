//go:build js && wasm

package bridgeclient

import (
	"context"
	"errors"
	"sync"
	"syscall/js"
)

// wsConn is a browser WebSocket.
type wsConn struct {
	ws   js.Value
	once sync.Once
	fns  []js.Func
}

func (w *wsConn) Send(msg []byte) error {
	if w.ws.Get("readyState").Int() != 1 { // OPEN
		return ErrClosed
	}
	w.ws.Call("send", string(msg))
	return nil
}

func (w *wsConn) Close() {
	w.ws.Call("close")
}

func (w *wsConn) release() {
	w.once.Do(func() {
		for _, f := range w.fns {
			f.Release()
		}
	})
}

// Dial connects to the bridge at url (ws://127.0.0.1:34567). It fails with
// ErrNotRunning when the bridge cannot be reached or refuses the page.
func Dial(ctx context.Context, url string) (c *Client, err error) {
	defer func() {
		if r := recover(); r != nil { // a malformed URL throws
			c, err = nil, ErrNotRunning
		}
	}()
	ws := js.Global().Get("WebSocket").New(url)
	w := &wsConn{ws: ws}
	// cl, not the result c: the callbacks outlive a failed Dial, which
	// returns c = nil.
	cl := newClient(w)
	opened := make(chan error, 2)
	onOpen := js.FuncOf(func(js.Value, []js.Value) any {
		opened <- nil
		return nil
	})
	onError := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case opened <- ErrNotRunning:
		default:
		}
		return nil
	})
	onClose := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case opened <- ErrNotRunning:
		default:
		}
		cl.closedBy()
		// Release after this callback has returned.
		go w.release()
		return nil
	})
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			if d := args[0].Get("data"); d.Type() == js.TypeString {
				cl.receive([]byte(d.String()))
			}
		}
		return nil
	})
	w.fns = []js.Func{onOpen, onError, onClose, onMessage}
	ws.Set("onopen", onOpen)
	ws.Set("onerror", onError)
	ws.Set("onclose", onClose)
	ws.Set("onmessage", onMessage)
	select {
	case err := <-opened:
		if err != nil {
			ws.Call("close")
			return nil, err
		}
		return cl, nil
	case <-ctx.Done():
		ws.Call("close")
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ErrNotRunning
		}
		return nil, ctx.Err()
	}
}
