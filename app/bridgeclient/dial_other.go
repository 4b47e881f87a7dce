//go:build !(js && wasm)

package bridgeclient

import "context"

// Dial connects to the bridge at url. Outside the browser there is no
// bridge to reach: it reports ErrNotRunning.
func Dial(ctx context.Context, url string) (*Client, error) { return nil, ErrNotRunning }

// QueryPermission is the browser's permission to reach the loopback
// address; outside the browser there is none to ask.
func QueryPermission(ctx context.Context) Permission { return PermissionUnknown }
