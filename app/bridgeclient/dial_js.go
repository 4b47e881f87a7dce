//go:build js && wasm

package bridgeclient

import (
	"context"
	"errors"
	"sync"
	"syscall/js"
	"time"
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

// QueryPermission asks the browser for the state of this page's permission
// to reach the loopback address (navigator.permissions.query, under the
// names of permissionNames in turn; one the browser does not know throws).
// It blocks until the browser answers: call it from a goroutine of its
// own, never from a JavaScript callback.
func QueryPermission(ctx context.Context) Permission {
	perms := js.Global().Get("navigator").Get("permissions")
	if !perms.Truthy() {
		return PermissionUnknown
	}
	for _, name := range permissionNames {
		if st, ok := queryPermission(ctx, perms, name); ok {
			return st
		}
	}
	return PermissionUnknown
}

// queryPermission is one query; false when it threw or was rejected.
func queryPermission(ctx context.Context, perms js.Value, name string) (st Permission, ok bool) {
	type answer struct {
		state string
		ok    bool
	}
	ch := make(chan answer, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- answer{state: args[0].Get("state").String(), ok: true}
		return nil
	})
	catch := js.FuncOf(func(js.Value, []js.Value) any {
		ch <- answer{}
		return nil
	})
	func() {
		defer func() {
			if recover() != nil { // query threw synchronously
				ch <- answer{}
			}
		}()
		desc := js.Global().Get("Object").New()
		desc.Set("name", name)
		perms.Call("query", desc).Call("then", then, catch)
	}()
	select {
	case a := <-ch:
		then.Release()
		catch.Release()
		return Permission(a.state), a.ok
	case <-ctx.Done():
		// The callbacks stay: the promise may settle yet.
		return PermissionUnknown, true
	}
}

// Dial connects to the bridge at url (ws://127.0.0.1:34567). It fails with
// ErrPermissionDenied when the browser's permission to reach the loopback
// address is denied (the socket closes with 1006 then, as it does when
// nothing listens: only the permission's state tells the two apart), and
// with ErrNotRunning when the bridge cannot be reached or refuses the page.
func Dial(ctx context.Context, url string) (c *Client, err error) {
	c, err = dial(ctx, url)
	if errors.Is(err, ErrNotRunning) {
		qctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if QueryPermission(qctx) == PermissionDenied {
			err = ErrPermissionDenied
		}
	}
	return c, err
}

func dial(ctx context.Context, url string) (c *Client, err error) {
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
