package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
	"eportid/app/ui"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/cardbridge/bridge"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/softcard"
)

// The world of the filings test: the real server (SQLite, the registries'
// demo records, a card CA), a card bridge in process with a soft
// legal-person card in a memory reader (the browser talks to it over its
// websocket, as to the real bridge), and the fixtures set up through the
// store: an enterprise with its no-card administrator, its legal-person
// filing declared and approved, its legal-person card, and a reviewer of
// its agent point with a known TOTP secret.

// filingsWorld is what the test drives.
type filingsWorld struct {
	srv        *server.Main
	base       string
	ent        store.Enterprise
	agentPoint string
	card       *cardtest.Card
	ca         *ca.CA     // the server's CA, which issued the card
	reader     *memReader // the bridge's reader, holding card
	review     string     // the review console's own origin (worldOptions.Review), or ""

	admin, adminPassword       string
	reviewer, reviewerPassword string
	totpSecret                 []byte
}

// The enterprise is one the registries' demo records know (customs:
// 统一编号 53002016000001), so its filings are back-filled.
const (
	fwCredit   = "91440300MA5F3K2L57"
	fwName     = "深圳市前海示例供应链有限公司"
	fwLegalRep = "陈示例"
	fwRepID    = "440305198001011235"
)

var fastHash = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// worldOptions change the world; zero values take the defaults.
type worldOptions struct {
	Credit, Name string // the enterprise (default fwCredit, fwName)
	// CustomsURL is an HTTP customs registry (default the database's).
	CustomsURL string
	Timeout    time.Duration // of an HTTP registry lookup
	// Review gives the review console an origin of its own, which the
	// bridge lets issue cards (制卡).
	Review bool
	// KioskIdle is the idle timeout of kiosk sessions (default the
	// server's).
	KioskIdle time.Duration
}

func newFilingsWorld(t *testing.T, o worldOptions) *filingsWorld {
	t.Helper()
	ctx := context.Background()
	if o.Credit == "" {
		o.Credit, o.Name = fwCredit, fwName
	}
	authority := cardtest.NewCA(t, nil)

	// The bridge's address is needed by the server (its pages dial it), the
	// server's by the bridge (its origin allowlist): reserve the first.
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		Addr:          "127.0.0.1:0",
		DatabaseURL:   filepath.Join(t.TempDir(), "e2e.db"),
		WebDir:        filepath.Join(repoRoot(), "web"),
		UI:            ui.Handler(),
		Stdout:        io.Discard,
		NoJanitor:     true,
		DemoData:      true,
		SecretKeyFile: filepath.Join(t.TempDir(), "secrets.key"), SecretKeyCreate: true,
		CA:            authority,
		CardBridgeURL: "ws://" + bln.Addr().String() + "/",
		Hasher:        auth.NewHasher(fastHash, 0),

		RegistryCustomsURL: o.CustomsURL,
		RegistryTimeout:    o.Timeout,
		KioskIdle:          o.KioskIdle,
	}
	if o.Review {
		cfg.ReviewAddr = "127.0.0.1:0"
	}
	srv := server.New(cfg)
	if err := srv.Open(ctx); err != nil {
		bln.Close()
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	w := &filingsWorld{srv: srv, base: srv.URL(), ca: authority, review: srv.ReviewURL()}

	// Fixtures.
	w.ent, err = srv.Store.CreateEnterprise(ctx, store.Enterprise{
		CreditCode: o.Credit, NameCN: o.Name, LegalRepName: fwLegalRep, LegalRepIDType: "1",
		LegalRepIDNumber: fwRepID, Province: "440000", City: "440300", Address: "广东省深圳市南山区前海深港合作区示例路1号",
		Phone: "0755-00000201",
	})
	if err != nil {
		t.Fatal(err)
	}
	w.admin, w.adminPassword = "qhadmin", "correct horse battery"
	w.createUser(t, store.User{EnterpriseID: w.ent.ID, Username: w.admin, Role: model.RoleNoCardAdmin,
		Mobile: "13800138000", Email: "admin@qh-example.cn"}, w.adminPassword)

	w.agentPoint = agentPointWithDepts(t, srv)
	market, tax := firstDepts(t, srv)
	sp := model.FilingLegalPerson.Spec()
	lp := sp.Normalize(model.Fields{
		"credit_code": o.Credit, "name_cn": o.Name, "enterprise_type": "1100", "province": "440000", "city": "440300",
		"address": "广东省深圳市南山区前海深港合作区示例路1号", "legal_rep_name": fwLegalRep, "legal_rep_id_type": "1",
		"legal_rep_id_number": fwRepID, "phone": "0755-00000201", "agent_point": w.agentPoint, "market_dept": market, "tax_dept": tax,
	}, false)
	if errs := sp.Validate(lp, false, model.RoleNoCardAdmin, model.Declare); len(errs) > 0 {
		t.Fatalf("legal-person fixture: %v", errs)
	}
	admin := store.Actor{Name: w.admin, Role: model.RoleNoCardAdmin}
	filings := srv.Store.Filings(model.FilingLegalPerson)
	rec, err := filings.Create(ctx, w.ent.ID, 0, admin, store.Input{Fields: lp})
	if err == nil {
		rec, err = filings.Declare(ctx, w.ent.ID, rec.ID, rec.Version, admin, store.Input{Fields: lp})
	}
	if err == nil {
		_, err = srv.Store.Approve(ctx, w.agentPoint, rec.Ref(), rec.Version, store.Actor{Name: "fixture", Role: model.RoleReviewer})
	}
	if err != nil {
		t.Fatalf("legal-person fixture: %v", err)
	}

	w.card = cardtest.New(t, authority, cardtest.Options{CreditCode: o.Credit, HolderName: fwLegalRep,
		CardNumber: "8000000000000077", EnterpriseName: o.Name})
	id := w.card.Identity
	if _, _, _, err := srv.Store.RegisterCard(ctx, store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardLegalPerson, HolderName: id.HolderName,
		Certificate: w.card.CertDER, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: o.Credit,
	}); err != nil {
		t.Fatalf("card fixture: %v", err)
	}

	w.reviewer, w.reviewerPassword = "qhreviewer", "reviewer passphrase 1"
	w.totpSecret = auth.NewTOTPSecret()
	hash := w.hash(t, w.reviewerPassword)
	if _, err := srv.Store.CreateReviewer(ctx, store.User{Username: w.reviewer, PasswordHash: hash,
		Mobile: "13900139000", Email: "reviewer@ap-example.cn"}, w.agentPoint, w.totpSecret); err != nil {
		t.Fatalf("reviewer fixture: %v", err)
	}

	w.reader = startMemBridge(t, bln, w.base, w.review, authority, w.card.Soft)
	return w
}

func (w *filingsWorld) hash(t *testing.T, password string) string {
	t.Helper()
	h, err := w.srv.API.Hasher.Hash(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (w *filingsWorld) createUser(t *testing.T, u store.User, password string) {
	t.Helper()
	u.PasswordHash = w.hash(t, password)
	if _, err := w.srv.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

// totp is the reviewer's code now, as the authenticator app shows it.
func (w *filingsWorld) totp() string { return auth.TOTP(w.totpSecret, time.Now()) }

// ---- a card bridge with a soft card in a memory reader ----

type memReader struct {
	card   *softcard.Card
	mu     sync.Mutex
	events chan pcsc.Event
}

func (m *memReader) Status(ctx context.Context) ([]pcsc.ReaderStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return []pcsc.ReaderStatus{{Name: "Virtual PCD 00 00", CardPresent: m.card != nil}}, nil
}

func (m *memReader) Session(ctx context.Context, fn func(*pcsc.Client) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.card == nil {
		return pcsc.ErrNoCard
	}
	m.card.Reset()
	defer m.card.Reset()
	cl := pcsc.NewClient(m.card)
	if err := cl.SelectApp(); err != nil {
		return err
	}
	return fn(cl)
}

func (m *memReader) Watch(ctx context.Context, fn func(pcsc.Event)) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-m.events:
			fn(e)
		}
	}
}

// pull takes the card out of the reader, as the bridge then reports.
func (m *memReader) pull() {
	m.insert(nil)
	m.events <- pcsc.Event{Kind: pcsc.CardRemoved, Reader: "Virtual PCD 00 00"}
}

// insert puts card into the reader in place of the one there.
func (m *memReader) insert(card *softcard.Card) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.card = card
}

// startMemBridge serves the card bridge on ln for pages of origin, with
// card in its reader; with issuer (the review console's origin) that
// origin may issue cards with tokens of authority.
func startMemBridge(t *testing.T, ln net.Listener, origin, issuer string, authority *ca.CA, card *softcard.Card) *memReader {
	t.Helper()
	reader := &memReader{card: card, events: make(chan pcsc.Event, 1)}
	cfg := bridge.Config{
		Origins: []string{origin},
		Cards:   reader,
		Logger:  slog.New(slog.DiscardHandler),
	}
	if issuer != "" {
		cfg.IssuerOrigins, cfg.IssuerCA = []string{issuer}, authority.Certificate()
	}
	b, err := bridge.New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("card bridge did not stop")
		}
	})
	return reader
}

// newTab opens a tab in a browser context of its own (its own cookies),
// in the browser of ctx: a second person at another PC.
func newTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	return tctx
}
