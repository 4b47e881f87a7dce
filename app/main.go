//go:build js && wasm

// Command app is the enterprise side's page: a go-app PWA compiled to
// WebAssembly (web/app.wasm), served by backend through ui.Handler.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
