package bridge_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// Benchmarks of one signature through real PC/SC (pcscd + vpcd + soft
// card). The soft card is memory-only, so no file writes blur the figures.
//
//	BenchmarkSignPCSC         raw PC/SC on an open connection: VERIFY + SIGN
//	BenchmarkSignPCSCSession  what the bridge does per sign, without websocket:
//	                          a pcsc.Service session on its kept connection
//	                          (certificate read once), Z_A, VERIFY, SIGN, check
//	BenchmarkSignBridge       a websocket sign request, end to end
//	BenchmarkSignOverhead     the bridge's cost over raw PC/SC per signature
//	                          (overhead-ns/sig), raw and bridge in turn

func benchCard(b *testing.B) *softcard.Card {
	c, err := softcard.New("", softcard.Options{Info: testenv.TestInfo, PIN: []byte(testenv.TestPIN)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkSignPCSC(b *testing.B) {
	env := testenv.Start(b, benchCard(b))
	ctx, err := pcsc.Establish()
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Release()
	card, err := ctx.Connect(env.Reader)
	if err != nil {
		b.Fatal(err)
	}
	defer card.Disconnect(true)
	cl := pcsc.NewClient(card)
	if err := cl.SelectApp(); err != nil {
		b.Fatal(err)
	}
	e, _ := cardsig.SignDigest(env.Card.PublicKey(), bytes.Repeat([]byte{0xD1}, protocol.SignDataSize))
	pin := []byte(testenv.TestPIN)
	b.ResetTimer()
	for b.Loop() {
		if ok, _, _, err := cl.VerifyPIN(pin); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if _, err := cl.Sign(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignPCSCSession(b *testing.B) {
	env := testenv.Start(b, benchCard(b))
	svc := pcsc.NewService(env.Reader)
	defer svc.Release()
	data := bytes.Repeat([]byte{0xD1}, protocol.SignDataSize)
	b.ResetTimer()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := svc.Session(ctx, func(cl *pcsc.Client) error {
			cert, err := cl.ReadCertificate()
			if err != nil {
				return err
			}
			pub, err := cardsig.PublicKey(cert)
			if err != nil {
				return err
			}
			e, _ := cardsig.SignDigest(pub, data)
			if ok, _, _, err := cl.VerifyPIN([]byte(testenv.TestPIN)); !ok || err != nil {
				b.Error(ok, err)
			}
			sig, err := cl.Sign(e)
			if err == nil && !cardsig.VerifySign(pub, data, sig) {
				b.Error("bad signature")
			}
			return err
		})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignBridge(b *testing.B) {
	env := testenv.Start(b, benchCard(b))
	url := startBridge(b, pcsc.NewService(env.Reader), 10*time.Second)
	c := mustDial(b, url, originA)
	params := map[string]any{"pin": testenv.TestPIN, "data": bytes.Repeat([]byte{0xD1}, protocol.SignDataSize)}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		result[protocol.SignResult](b, call(b, c, id, protocol.CmdSign, params))
	}
}

// BenchmarkSignOverhead alternates blocks of signBlock raw PC/SC
// signatures (as BenchmarkSignPCSC) and signBlock websocket sign requests
// (as BenchmarkSignBridge) on one card, so both see the same load on a
// shared machine, and reports the means per signature: raw-ns/sig, and
// for the bridge its requests after the first of a block (warm-ns/sig:
// the transaction of the one before still lingers) and the first
// (cold-ns/sig: pcsc.Linger has passed during the raw block, so it takes
// the transaction and SELECTs again). overhead-ns/sig is warm minus raw.
func BenchmarkSignOverhead(b *testing.B) {
	const signBlock = 10
	env := testenv.Start(b, benchCard(b))
	url := startBridge(b, pcsc.NewService(env.Reader), 10*time.Second)
	c := mustDial(b, url, originA)
	data := bytes.Repeat([]byte{0xD1}, protocol.SignDataSize)
	params := map[string]any{"pin": testenv.TestPIN, "data": data}

	pctx, err := pcsc.Establish()
	if err != nil {
		b.Fatal(err)
	}
	defer pctx.Release()
	card, err := pctx.Connect(env.Reader)
	if err != nil {
		b.Fatal(err)
	}
	defer card.Disconnect(false)
	raw := pcsc.NewClient(card)
	e, _ := cardsig.SignDigest(env.Card.PublicKey(), data)
	pin := []byte(testenv.TestPIN)

	var rawTime, warmTime, coldTime time.Duration
	var blocks int
	i := 0
	for b.Loop() {
		time.Sleep(pcsc.Linger + 10*time.Millisecond) // the bridge's transaction has ended
		err := raw.SelectApp()
		for errors.Is(err, pcsc.ErrBusy) { // not yet, on a loaded machine
			time.Sleep(5 * time.Millisecond)
			err = raw.SelectApp()
		}
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for range signBlock {
			if ok, _, _, err := raw.VerifyPIN(pin); !ok || err != nil {
				b.Fatal(ok, err)
			}
			if _, err := raw.Sign(e); err != nil {
				b.Fatal(err)
			}
		}
		rawTime += time.Since(t0)
		for k := range signBlock {
			i++
			t0 := time.Now()
			result[protocol.SignResult](b, call(b, c, strconv.Itoa(i), protocol.CmdSign, params))
			if d := time.Since(t0); k == 0 {
				coldTime += d
			} else {
				warmTime += d
			}
		}
		blocks++
	}
	rawMean := float64(rawTime.Nanoseconds()) / float64(blocks*signBlock)
	warmMean := float64(warmTime.Nanoseconds()) / float64(blocks*(signBlock-1))
	b.ReportMetric(rawMean, "raw-ns/sig")
	b.ReportMetric(warmMean, "warm-ns/sig")
	b.ReportMetric(float64(coldTime.Nanoseconds())/float64(blocks), "cold-ns/sig")
	b.ReportMetric(warmMean-rawMean, "overhead-ns/sig")
}
