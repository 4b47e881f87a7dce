//go:build js && wasm

package apiclient

import (
	"context"
	"errors"
	"syscall/js"
)

// send makes one request with the browser's fetch: same-origin cookies,
// no HTTP cache, aborted when ctx ends.
func (c *Client) send(ctx context.Context, method, url string, hdr map[string]string, body []byte) (response, error) {
	global := js.Global()
	fetch := global.Get("fetch")
	if !fetch.Truthy() {
		return response{}, errors.New("fetch is not available")
	}
	abort := global.Get("AbortController").New()
	headers := global.Get("Headers").New()
	for k, v := range hdr {
		headers.Call("set", k, v)
	}
	opts := map[string]any{
		"method":      method,
		"headers":     headers,
		"credentials": "same-origin",
		"cache":       "no-store",
		"redirect":    "follow",
		"signal":      abort.Get("signal"),
	}
	if body != nil {
		u8 := global.Get("Uint8Array").New(len(body))
		js.CopyBytesToJS(u8, body)
		opts["body"] = u8
	}

	type result struct {
		res response
		err error
	}
	done := make(chan result, 1)
	var res response
	var onResponse, onBody, onError js.Func
	release := func() {
		onResponse.Release()
		onBody.Release()
		onError.Release()
	}
	onError = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "fetch failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	onBody = js.FuncOf(func(this js.Value, args []js.Value) any {
		u8 := global.Get("Uint8Array").New(args[0])
		res.body = make([]byte, u8.Get("length").Int())
		js.CopyBytesToGo(res.body, u8)
		done <- result{res: res}
		return nil
	})
	onResponse = js.FuncOf(func(this js.Value, args []js.Value) any {
		r := args[0]
		res.status = r.Get("status").Int()
		if ra := r.Get("headers").Call("get", "Retry-After"); ra.Type() == js.TypeString {
			res.retryAfter = ra.String()
		}
		r.Call("arrayBuffer").Call("then", onBody).Call("catch", onError)
		return nil
	})
	fetch.Invoke(url, opts).Call("then", onResponse).Call("catch", onError)

	select {
	case r := <-done:
		release()
		return r.res, r.err
	case <-ctx.Done():
		abort.Call("abort")
		// Wait for the promise to settle before releasing its callbacks.
		<-done
		release()
		return response{}, ctx.Err()
	}
}
