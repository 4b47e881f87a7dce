// Command softcard runs a soft eportid IC card in the vpcd virtual reader
// (vsmartcard), for development and tests. pcscd must be running with the
// vpcd driver (cardbridge/testenv/start-pcscd.sh).
//
//	softcard -file card.json -init            # create a demo card if the file is missing, then run
//	softcard -file card.json                  # run an existing card
//	softcard -file card.json -init -cert c.pem -key k.pem   # card with a given key and certificate
//	softcard -file blank.json -blank          # create a blank card if the file is missing, then run
//
// Stopping the program (Ctrl-C) pulls the card out of the reader.
package main

import (
	"context"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
)

func main() {
	file := flag.String("file", "softcard.json", "card state file")
	addr := flag.String("addr", softcard.DefaultVPCDAddr, "vpcd address (35963 = reader slot 00, 35964 = slot 01)")
	initCard := flag.Bool("init", false, "create a demo card in -file if it does not exist")
	pin := flag.String("pin", "123456", "with -init: the PIN (6-16 digits)")
	holder := flag.String("holder", "张三", "with -init: card holder name")
	creditCode := flag.String("credit-code", "", "with -init: enterprise credit code (default: a valid demo code)")
	cardNumber := flag.String("card-number", "8000000000000001", "with -init: card number")
	kind := flag.String("kind", "legal_person", "with -init: legal_person or operator")
	adminKey := flag.String("admin-key", "", "with -init: admin (unblock) key, hex, 16-64 bytes (default: random)")
	certFile := flag.String("cert", "", "with -init: PEM certificate to load instead of a self-signed one (needs -key)")
	keyFile := flag.String("key", "", "with -init: PEM PKCS#8 SM2 private key of -cert")
	blank := flag.Bool("blank", false, "create a blank card (for personalisation) in -file if it does not exist")
	flag.Parse()

	if *blank && *initCard {
		log.Fatal("-blank and -init exclude each other")
	}
	var card *softcard.Card
	var err error
	if *blank {
		card, err = openOrBlank(*file)
	} else {
		card, err = openOrInit(*file, *initCard, initParams{
			pin: *pin, holder: *holder, creditCode: *creditCode, cardNumber: *cardNumber,
			kind: *kind, adminKey: *adminKey, certFile: *certFile, keyFile: *keyFile,
		})
	}
	if err != nil {
		log.Fatal(err)
	}
	if card.Blank() {
		log.Printf("softcard: blank card %s (waiting for personalisation)", card.Path())
	} else {
		info := card.Info()
		log.Printf("softcard: card %s (%s), holder %s, credit code %s, PIN tries left %d",
			info.CardNumber, info.Kind, info.HolderName, info.CreditCode, card.TriesLeft())
	}
	card.Logf = log.Printf

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := card.Run(ctx, *addr); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// openOrBlank opens path, or creates a blank card there if it is missing.
// A card personalised since stays personalised.
func openOrBlank(path string) (*softcard.Card, error) {
	if _, err := os.Stat(path); err == nil {
		return softcard.Open(path)
	}
	card, err := softcard.NewBlank(path)
	if err != nil {
		return nil, err
	}
	fmt.Printf("softcard: created blank card %s\n", path)
	return card, nil
}

type initParams struct {
	pin, holder, creditCode, cardNumber, kind, adminKey, certFile, keyFile string
}

func openOrInit(path string, doInit bool, p initParams) (*softcard.Card, error) {
	if _, err := os.Stat(path); err == nil || !doInit {
		if doInit {
			log.Printf("softcard: %s exists; using it (its PIN is whatever it was set to)", path)
		}
		return softcard.Open(path)
	}
	k, err := cardapp.ParseCardKind(p.kind)
	if err != nil {
		return nil, err
	}
	cc := p.creditCode
	if cc == "" {
		cc = demoCreditCode
	}
	opts := softcard.Options{
		Info: cardapp.CardInfo{CardNumber: p.cardNumber, HolderName: p.holder, CreditCode: cc, Kind: k},
		PIN:  []byte(p.pin),
	}
	if p.adminKey != "" {
		if opts.AdminKey, err = hex.DecodeString(p.adminKey); err != nil {
			return nil, fmt.Errorf("-admin-key: %v", err)
		}
	}
	if (p.certFile == "") != (p.keyFile == "") {
		return nil, errors.New("-cert and -key go together")
	}
	if p.certFile != "" {
		if opts.Key, opts.Certificate, err = loadKeyAndCert(p.keyFile, p.certFile); err != nil {
			return nil, err
		}
	}
	card, err := softcard.New(path, opts)
	if err != nil {
		return nil, err
	}
	fmt.Printf("softcard: created %s\n  PIN:       %s\n  admin key: %s (for 解锁)\n",
		path, p.pin, hex.EncodeToString(card.AdminKey()))
	return card, nil
}

// demoCreditCode is a credit code with a correct GB 32100 check character.
const demoCreditCode = "91310000MA1FL0001R"

func loadKeyAndCert(keyFile, certFile string) (*sm2.PrivateKey, []byte, error) {
	kp, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	kb, _ := pem.Decode(kp)
	if kb == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", keyFile)
	}
	k, err := smx509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", keyFile, err)
	}
	key, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s: not an SM2 key", keyFile)
	}
	cp, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(cp)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, fmt.Errorf("%s: no PEM CERTIFICATE", certFile)
	}
	return key, cb.Bytes, nil
}
