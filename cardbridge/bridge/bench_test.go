package bridge_test

import (
	"bytes"
	"context"
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
//	                          connect, transaction, SELECT, read certificate,
//	                          Z_A, VERIFY, SIGN, check, reset
//	BenchmarkSignBridge       a websocket sign request, end to end

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
