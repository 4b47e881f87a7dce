//go:build !(js && wasm)

package bridgeclient

import "context"

// Dial connects to the bridge at url. Outside the browser there is no
// bridge to reach: it reports ErrNotRunning.
func Dial(ctx context.Context, url string) (*Client, error) { return nil, ErrNotRunning }
