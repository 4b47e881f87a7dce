// Command wasmpack compresses the page's WebAssembly for serving: given
// web/app.wasm it writes web/app.wasm.br (brotli) beside it, which
// ui.Handler serves to browsers that accept br, and prints both sizes.
//
//	go run ./backend/cmd/wasmpack [-q quality] [-max bytes] web/app.wasm
//
// The budget is 2 MiB of brotli: over it, a warning is printed, and with
// -max it fails when the brotli size is over that many bytes.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/andybalholm/brotli"
)

// budget is the size app.wasm.br should stay under.
const budget = 2 << 20

func main() {
	quality := flag.Int("q", 10, "brotli quality, 0–11 (11 is ~5% smaller but takes twice as long)")
	max := flag.Int64("max", 0, "fail when the brotli size is over this many bytes (0: no limit)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wasmpack [-q quality] [-max bytes] path/to/app.wasm")
		flag.PrintDefaults()
	}
	flag.Parse()
	in := "web/app.wasm"
	if flag.NArg() > 0 {
		in = flag.Arg(0)
	}
	if err := run(in, *quality, *max); err != nil {
		fmt.Fprintln(os.Stderr, "wasmpack:", err)
		os.Exit(1)
	}
}

func run(in string, quality int, max int64) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	start := time.Now()
	var b bytes.Buffer
	w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: quality, LGWin: 24})
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	out := in + ".br"
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Printf("%s: raw %s, brotli %s (%.1f%%, q%d, %s) → %s\n",
		in, size(int64(len(raw))), size(int64(b.Len())),
		100*float64(b.Len())/float64(len(raw)), quality, time.Since(start).Round(time.Millisecond), out)
	if max > 0 && int64(b.Len()) > max {
		return fmt.Errorf("brotli size %s is over the budget of %s", size(int64(b.Len())), size(max))
	}
	if b.Len() > budget {
		fmt.Fprintf(os.Stderr, "wasmpack: warning: brotli size %s is over the budget of %s\n", size(int64(b.Len())), size(budget))
	}
	return nil
}

func size(n int64) string {
	return fmt.Sprintf("%d bytes (%.2f MiB)", n, float64(n)/(1<<20))
}
