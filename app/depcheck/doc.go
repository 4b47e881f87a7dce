// Package depcheck holds only a test: that the js/wasm build of everything
// under app/ pulls in no server-side or card package, except
// cardbridge/protocol (standard library only), the messages the page
// exchanges with the card bridge. The WASM pages must stay portable and
// small, and the server's drivers must never end up in the browser.
package depcheck
