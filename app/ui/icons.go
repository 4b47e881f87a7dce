package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Icons are inline SVG (no icon font, no external asset), drawn with the
// current text colour.
var iconPaths = map[string]string{
	"menu":     `<path d="M3 6h18M3 12h18M3 18h18"/>`,
	"filing":   `<path d="M4 21V5l8-3 8 3v16"/><path d="M9 21v-5h6v5M8 8h2M14 8h2M8 12h2M14 12h2"/>`,
	"form":     `<path d="M6 2h9l5 5v15H6z"/><path d="M14 2v6h6M9 13h8M9 17h6"/>`,
	"pin":      `<path d="M12 22s7-7.2 7-12.5A7 7 0 0 0 5 9.5C5 14.8 12 22 12 22z"/><circle cx="12" cy="9.5" r="2.5"/>`,
	"left":     `<path d="M15 5l-7 7 7 7"/>`,
	"right":    `<path d="M9 5l7 7-7 7"/>`,
	"down":     `<path d="M6 9l6 6 6-6"/>`,
	"close":    `<path d="M6 6l12 12M18 6L6 18"/>`,
	"logout":   `<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11"/>`,
	"user":     `<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4.5-6.5 8-6.5s7 2 8 6.5"/>`,
	"home":     `<path d="M3 11l9-8 9 8M5 9.5V21h14V9.5"/>`,
	"building": `<path d="M3 21h18M5 21V7l7-4 7 4v14M9 10h1M14 10h1M9 14h1M14 14h1"/>`,
}

// icon returns the named icon as an inline <svg>.
func icon(name string) app.UI {
	return app.Raw(`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">` + iconPaths[name] + `</svg>`)
}
