//go:build !(js && wasm)

package apiclient

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

func (c *Client) send(ctx context.Context, method, url string, hdr map[string]string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return response{}, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), body: data}, nil
}
