// Command democard makes and runs the development demo card: a soft
// legal-person card (cardbridge/softcard) whose certificate the back end's
// CA issues, registered with its enterprise in the database, and plugged
// into the vpcd virtual reader until stopped (Ctrl-C pulls it out). `make
// run` starts it where pcscd and vpcd are installed.
//
//	democard [-setup] [-file var/democard.json] [-ca-dir ./var/ca] [-database ./var/eportid.db] [-vpcd 127.0.0.1:35963]
//
// -setup only makes (or renews) the card and registers it, then prints it
// and exits. A card file whose certificate the CA does not verify (the CA
// was made anew, or the certificate expired) is put aside and a new card
// made. DATABASE_URL and EPORTID_CA_DIR are read as the server reads them.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
)

// The demo card: the legal-person card of the server's demo enterprise
// (server.DemoEnterprise, one of the made-up registry records, so its
// qualification filings back-fill), to which the server gives an approved
// legal-person filing at start.
const (
	demoCardNumber = "8000000000000001"
	demoHolder     = server.DemoLegalRep
	demoCreditCode = server.DemoCreditCode
	demoEnterprise = server.DemoEnterpriseName
	demoPIN        = "123456"
)

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	setup := flag.Bool("setup", false, "make or renew the card, register it, print it and exit")
	file := flag.String("file", "var/democard.json", "the soft card's file")
	caDir := flag.String("ca-dir", getenv("EPORTID_CA_DIR", ca.DefaultDir), "the card CA's directory (EPORTID_CA_DIR)")
	dbURL := flag.String("database", getenv("DATABASE_URL", "./var/eportid.db"), "postgres:// URL or SQLite file (DATABASE_URL)")
	vpcd := flag.String("vpcd", softcard.DefaultVPCDAddr, "vpcd address (35963 = reader slot 00)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	card, err := prepare(ctx, *file, *caDir, *dbURL, os.Stdout)
	if err != nil {
		log.Fatalf("democard: %v", err)
	}
	if *setup {
		return
	}
	card.Logf = func(f string, a ...any) { log.Printf("democard: "+f, a...) }
	if err := card.Run(ctx, *vpcd); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatalf("democard: %v", err)
	}
}

// prepare opens or makes the card, registers it and prints it.
func prepare(ctx context.Context, file, caDir, dbURL string, out io.Writer) (*softcard.Card, error) {
	authority, err := ca.OpenOrCreate(caDir, ca.Options{Create: os.Getenv("EPORTID_CA_DIR") == "" || os.Getenv("EPORTID_CA_CREATE") == "true"})
	if err != nil {
		return nil, err
	}
	card, err := openOrMake(authority, file)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	_, id, err := authority.VerifyCard(card.Certificate(), time.Now())
	if err != nil {
		return nil, err
	}
	state, err := register(ctx, st, card, id)
	if err != nil {
		return nil, err
	}
	tries := card.TriesLeft()
	fmt.Fprintf(out, "演示法人卡（仅供开发）：卡号 %s，持卡人 %s，企业 %s（统一社会信用代码 %s）\n",
		id.CardNumber, id.HolderName, demoEnterprise, id.CreditCode)
	switch {
	case tries == 0:
		fmt.Fprintf(out, "  PIN 已锁定：删除 %s 后重新运行即生成新卡\n", file)
	default:
		fmt.Fprintf(out, "  PIN: %s（如未修改；剩余尝试次数 %d）  证书有效期至 %s  卡文件 %s\n",
			demoPIN, tries, id.NotAfter.Local().Format("2006-01-02"), file)
	}
	if state != store.CardActive {
		fmt.Fprintf(out, "  注意：该卡在数据库中的状态为“%s”，不能登录\n", state.Label())
	}
	return card, nil
}

// openOrMake opens the card file, or makes a new card when there is none
// or its certificate is not one of authority's valid ones (the old file is
// kept beside it).
func openOrMake(authority *ca.CA, file string) (*softcard.Card, error) {
	if card, err := softcard.Open(file); err == nil {
		if _, _, verr := authority.VerifyCard(card.Certificate(), time.Now()); verr == nil {
			return card, nil
		} else {
			aside := file + ".old-" + time.Now().Format("20060102-150405")
			log.Printf("democard: %s: %v; keeping it as %s and making a new card", file, verr, aside)
			if err := os.Rename(file, aside); err != nil {
				return nil, err
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	_, der, err := authority.Issue(ca.IssueRequest{
		PublicKey: &key.PublicKey, CreditCode: demoCreditCode, CardKind: ca.CardLegalPerson,
		CardNumber: demoCardNumber, HolderName: demoHolder, EnterpriseName: demoEnterprise,
	})
	if err != nil {
		return nil, err
	}
	return softcard.New(file, softcard.Options{
		Info: cardapp.CardInfo{CardNumber: demoCardNumber, HolderName: demoHolder, CreditCode: demoCreditCode, Kind: cardapp.KindLegalPerson},
		PIN:  []byte(demoPIN), Key: key, Certificate: der,
	})
}

// register puts the card into the database (with its enterprise when
// new), or records its certificate when it changed; it returns the card's
// state.
func register(ctx context.Context, st *store.Store, card *softcard.Card, id ca.Identity) (store.CardState, error) {
	der := card.Certificate()
	have, err := st.CardByNumber(ctx, id.CardNumber)
	switch {
	case errors.Is(err, store.ErrNotFound):
		_, _, _, err := st.RegisterCard(ctx, store.CardRegistration{
			CardNumber: id.CardNumber, Kind: model.CardKind(id.CardKind), HolderName: id.HolderName,
			Certificate: der, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: id.CreditCode,
			NewEnterprise: server.DemoEnterprise,
		})
		return store.CardActive, err
	case err != nil:
		return "", err
	case have.Serial != id.SerialHex:
		if err := st.UpdateCardCertificate(ctx, id.CardNumber, der, id.SerialHex, id.NotAfter); err != nil {
			return "", err
		}
		have, err = st.CardByNumber(ctx, id.CardNumber)
		return have.State, err
	}
	return have.State, nil
}
