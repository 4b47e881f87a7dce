package ca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// creditCode completes first17 with its check character.
func creditCode(t testing.TB, first17 string) string {
	t.Helper()
	c, err := model.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func newTestCA(t testing.TB) *CA {
	t.Helper()
	c, err := OpenOrCreate(filepath.Join(t.TempDir(), "ca"), Options{Create: true, Now: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cardKey(t testing.TB) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func legalRequest(t testing.TB, key *sm2.PrivateKey) IssueRequest {
	return IssueRequest{
		PublicKey:      &key.PublicKey,
		CreditCode:     creditCode(t, "91310115MA1K4ABCD"),
		CardKind:       CardLegalPerson,
		CardNumber:     "8931000012345678",
		HolderName:     "张三",
		EnterpriseName: "上海示例进出口有限公司",
	}
}

func TestOpenOrCreateCreatesOnceThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "ca")
	c1, err := OpenOrCreate(dir, Options{Create: true, Now: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, CertFile)); err != nil {
		t.Fatal(err)
	}
	root := c1.Certificate()
	if root.Subject.CommonName != DevCommonName || !root.IsCA || root.SignatureAlgorithm != smx509.SM2WithSM3 {
		t.Errorf("root: CN %q, CA %v, alg %v", root.Subject.CommonName, root.IsCA, root.SignatureAlgorithm)
	}
	if !root.MaxPathLenZero || root.KeyUsage&smx509.KeyUsageCertSign == 0 {
		t.Errorf("root: pathlen0 %v, key usage %v", root.MaxPathLenZero, root.KeyUsage)
	}

	// Second start, later, without Create: the same key and root.
	c2, err := OpenOrCreate(dir, Options{Now: fixedClock(t0.Add(24 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if !c1.key.Equal(c2.key) || !bytes.Equal(c1.cert.Raw, c2.cert.Raw) {
		t.Fatal("second start did not reuse the key and root")
	}
	// A card issued by the first verifies with the second.
	cert, _, err := c1.Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.VerifyChain(cert, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("CA dir holds %d entries, want 2 (key and cert)", len(entries))
	}
}

func TestOpenWithoutCreate(t *testing.T) {
	_, err := OpenOrCreate(t.TempDir(), Options{})
	if !errors.Is(err, ErrNoCA) {
		t.Fatalf("got %v, want ErrNoCA", err)
	}
}

func TestKeyFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes")
	}
	dir := t.TempDir()
	if _, err := OpenOrCreate(dir, Options{Create: true}); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, KeyFile)
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644, 0o610} {
		if err := os.Chmod(key, mode); err != nil {
			t.Fatal(err)
		}
		_, err := OpenOrCreate(dir, Options{Create: true})
		if !errors.Is(err, ErrInsecureKeyFile) {
			t.Errorf("mode %04o: got %v, want ErrInsecureKeyFile", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(key, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenOrCreate(dir, Options{}); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
}

func TestMissingRootIsRemadeFromKeyInDevelopment(t *testing.T) {
	dir := t.TempDir()
	c1, err := OpenOrCreate(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, CertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenOrCreate(dir, Options{}); !errors.Is(err, ErrNoCA) {
		t.Fatalf("production start without root: got %v, want ErrNoCA", err)
	}
	c2, err := OpenOrCreate(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if !c1.key.Equal(c2.key) {
		t.Fatal("key replaced")
	}
}

func TestMismatchedKeyAndRootRefused(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := OpenOrCreate(d, Options{Create: true}); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.ReadFile(filepath.Join(b, CertFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a, CertFile), root, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenOrCreate(a, Options{}); !errors.Is(err, ErrBadCAFiles) {
		t.Fatalf("got %v, want ErrBadCAFiles", err)
	}
}

func TestIssueIdentityRoundTrip(t *testing.T) {
	c := newTestCA(t)
	for _, kind := range []CardKind{CardLegalPerson, CardOperator} {
		key := cardKey(t)
		req := legalRequest(t, key)
		req.CardKind = kind
		cert, der, err := c.Issue(req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cert.Raw, der) {
			t.Fatal("DER and parsed certificate differ")
		}
		id, err := CardIdentity(cert)
		if err != nil {
			t.Fatal(err)
		}
		want := Identity{
			CreditCode: req.CreditCode, CardKind: kind, CardNumber: req.CardNumber, HolderName: req.HolderName,
			NotBefore: t0, NotAfter: t0.AddDate(2, 0, 0), SerialHex: cert.SerialNumber.Text(16),
		}
		if !id.NotBefore.Equal(want.NotBefore) || !id.NotAfter.Equal(want.NotAfter) {
			t.Errorf("validity %v..%v, want %v..%v", id.NotBefore, id.NotAfter, want.NotBefore, want.NotAfter)
		}
		id.NotBefore, id.NotAfter, want.NotBefore, want.NotAfter = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if id != want {
			t.Errorf("identity %+v, want %+v", id, want)
		}
		// The profile.
		if cert.IsCA || cert.KeyUsage != smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment {
			t.Errorf("IsCA %v, key usage %v", cert.IsCA, cert.KeyUsage)
		}
		if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != smx509.ExtKeyUsageClientAuth {
			t.Errorf("ext key usage %v", cert.ExtKeyUsage)
		}
		if cert.Subject.CommonName != "张三" || cert.Subject.Organization[0] != req.EnterpriseName {
			t.Errorf("subject %v", cert.Subject)
		}
		if !bytes.Equal(cert.AuthorityKeyId, c.cert.SubjectKeyId) || len(cert.SubjectKeyId) != 20 {
			t.Errorf("AKI/SKI")
		}
		if !key.PublicKey.Equal(cert.PublicKey) {
			t.Error("certificate is not over the card's key")
		}
		if err := c.VerifyChain(cert, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Interoperability: the standard path validation accepts it too.
		pool := smx509.NewCertPool()
		pool.AddCert(c.Certificate())
		if _, err := cert.Verify(smx509.VerifyOptions{
			Roots: pool, CurrentTime: t0.Add(time.Minute), KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageClientAuth},
		}); err != nil {
			t.Fatalf("smx509 Verify: %v", err)
		}
		_, id2, err := c.VerifyCard(der, t0.Add(time.Minute))
		if err != nil || id2.CardNumber != req.CardNumber {
			t.Fatalf("VerifyCard: %v %+v", err, id2)
		}
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	c := newTestCA(t)
	key := cardKey(t)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := map[string]func(*IssueRequest){
		"no key":          func(r *IssueRequest) { r.PublicKey = nil },
		"P-256 key":       func(r *IssueRequest) { r.PublicKey = &p256.PublicKey },
		"bad check char":  func(r *IssueRequest) { r.CreditCode = r.CreditCode[:17] + "0" },
		"short code":      func(r *IssueRequest) { r.CreditCode = "91310115" },
		"kind":            func(r *IssueRequest) { r.CardKind = "legal" },
		"no card number":  func(r *IssueRequest) { r.CardNumber = "" },
		"card number sp":  func(r *IssueRequest) { r.CardNumber = "89 31" },
		"no holder":       func(r *IssueRequest) { r.HolderName = "" },
		"holder newline":  func(r *IssueRequest) { r.HolderName = "张\n三" },
		"ends too early":  func(r *IssueRequest) { r.NotAfter = t0.Add(-time.Hour) },
		"starts pre-root": func(r *IssueRequest) { r.NotBefore = t0.AddDate(-1, 0, 0) },
	}
	for name, mutate := range cases {
		req := legalRequest(t, key)
		mutate(&req)
		if _, _, err := c.Issue(req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: got %v, want ErrBadRequest", name, err)
		}
	}
	req := legalRequest(t, key)
	req.NotAfter = t0.AddDate(30, 0, 0)
	if _, _, err := c.Issue(req); !errors.Is(err, ErrBeyondCA) {
		t.Errorf("beyond the root: got %v, want ErrBeyondCA", err)
	}
}

// errKinds are the VerifyChain sentinels; a failure must wrap exactly one.
var errKinds = []error{ErrUnknownIssuer, ErrExpired, ErrNotYetValid, ErrNotCardCertificate}

func wantOnly(t *testing.T, what string, err, want error) {
	t.Helper()
	for _, e := range errKinds {
		if got := errors.Is(err, e); got != (e == want) {
			t.Errorf("%s: errors.Is(%v, %v) = %v", what, err, e, got)
		}
	}
}

func TestVerifyChainRefusals(t *testing.T) {
	c := newTestCA(t)
	cert, _, err := c.Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyChain(cert, cert.NotAfter); err != nil {
		t.Errorf("at NotAfter: %v", err)
	}
	wantOnly(t, "expired", c.VerifyChain(cert, cert.NotAfter.Add(time.Second)), ErrExpired)
	wantOnly(t, "not yet valid", c.VerifyChain(cert, cert.NotBefore.Add(-time.Second)), ErrNotYetValid)

	// Another CA with the very same name: only the signature tells.
	other := newTestCA(t)
	if !bytes.Equal(other.cert.RawSubject, c.cert.RawSubject) {
		t.Fatal("test wants two CAs with the same subject")
	}
	foreign, _, err := other.Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	wantOnly(t, "foreign CA", c.VerifyChain(foreign, t0.Add(time.Hour)), ErrUnknownIssuer)
	// An expired foreign certificate is still, first, foreign.
	wantOnly(t, "foreign expired", c.VerifyChain(foreign, t0.AddDate(3, 0, 0)), ErrUnknownIssuer)

	// A self-signed card certificate (as the soft card makes by default).
	key := cardKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "张三"},
		NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := smx509.ParseCertificate(der)
	wantOnly(t, "self-signed", c.VerifyChain(self, t0.Add(time.Hour)), ErrUnknownIssuer)
	if _, err := CardIdentity(self); !errors.Is(err, ErrNotCardCertificate) {
		t.Errorf("CardIdentity of a certificate without the extension: %v", err)
	}

	// The root itself (self-issued, so past the issuer check) is no card certificate.
	wantOnly(t, "root", c.VerifyChain(c.cert, t0.Add(time.Hour)), ErrNotCardCertificate)

	// Garbage DER.
	if _, _, err := c.VerifyCard([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, t0); !errors.Is(err, ErrNotCardCertificate) {
		t.Errorf("garbage: %v", err)
	}
}

// TestVerifyCardAgainstStored: a card's certificate sent again as the
// store holds it is accepted without the root's signature checked again,
// but still refused when out of its validity; any other certificate, a
// foreign CA's with the same name in particular, is verified in full.
func TestVerifyCardAgainstStored(t *testing.T) {
	c := newTestCA(t)
	cert, der, err := c.Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, id, err := c.VerifyCardAgainst(der, der, t0.Add(time.Hour)); err != nil || id.SerialHex != SerialHex(cert.SerialNumber) {
		t.Fatalf("stored certificate: %v %+v", err, id)
	}
	_, _, err = c.VerifyCardAgainst(der, der, cert.NotAfter.Add(time.Second))
	wantOnly(t, "stored, expired", err, ErrExpired)
	_, foreign, err := newTestCA(t).Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.VerifyCardAgainst(foreign, der, t0.Add(time.Hour))
	wantOnly(t, "foreign, another stored", err, ErrUnknownIssuer)
	_, _, err = c.VerifyCardAgainst(foreign, nil, t0.Add(time.Hour))
	wantOnly(t, "foreign, none stored", err, ErrUnknownIssuer)
}

func TestVerifyChainRefusesOffProfile(t *testing.T) {
	c := newTestCA(t)
	key := cardKey(t)
	cc := creditCode(t, "91310115MA1K4ABCD")
	ext, err := marshalCardIdentity(cc, CardOperator, "0001")
	if err != nil {
		t.Fatal(err)
	}
	// Subject disagreeing with the extension.
	tmpl := &x509.Certificate{
		Subject:         pkix.Name{CommonName: "李四", OrganizationalUnit: []string{cc}, SerialNumber: "0002"},
		ExtraExtensions: []pkix.Extension{ext},
	}
	cert, _, err := c.sign(tmpl, &key.PublicKey, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wantOnly(t, "subject mismatch", c.VerifyChain(cert, t0.Add(time.Hour)), ErrNotCardCertificate)

	// No card-identity extension.
	tmpl = &x509.Certificate{Subject: pkix.Name{CommonName: "李四", OrganizationalUnit: []string{cc}, SerialNumber: "0001"}}
	cert, _, err = c.sign(tmpl, &key.PublicKey, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wantOnly(t, "no extension", c.VerifyChain(cert, t0.Add(time.Hour)), ErrNotCardCertificate)
}

func TestCardIdentityExtensionParser(t *testing.T) {
	cc := creditCode(t, "91310115MA1K4ABCD")
	ext, err := marshalCardIdentity(cc, CardOperator, "OP-0001")
	if err != nil {
		t.Fatal(err)
	}
	gotCC, kind, num, err := ParseCardIdentityExtension(ext.Value)
	if err != nil || gotCC != cc || kind != CardOperator || num != "OP-0001" {
		t.Fatalf("%q %q %q %v", gotCC, kind, num, err)
	}
	if ext.Critical {
		t.Error("the extension must be non-critical")
	}
	bad := [][]byte{
		nil,
		append(append([]byte(nil), ext.Value...), 0),
		ext.Value[:len(ext.Value)-1],
	}
	// Unknown kind: ENUMERATED 3.
	v3 := append([]byte(nil), ext.Value...)
	i := bytes.Index(v3, []byte{0x0A, 0x01, 0x02})
	v3[i+2] = 3
	bad = append(bad, v3)
	for i, b := range bad {
		if _, _, _, err := ParseCardIdentityExtension(b); !errors.Is(err, ErrNotCardCertificate) {
			t.Errorf("bad %d: %v", i, err)
		}
	}
}

func TestExtend(t *testing.T) {
	c := newTestCA(t)
	key := cardKey(t)
	old, _, err := c.Issue(legalRequest(t, key))
	if err != nil {
		t.Fatal(err)
	}
	later := t0.AddDate(1, 6, 0)
	c.now = fixedClock(later)
	until := old.NotAfter.AddDate(2, 0, 0)
	renewed, _, err := c.Extend(old, until)
	if err != nil {
		t.Fatal(err)
	}
	if !renewed.NotAfter.Equal(until) || !renewed.NotBefore.Equal(later) {
		t.Errorf("validity %v..%v", renewed.NotBefore, renewed.NotAfter)
	}
	if renewed.SerialNumber.Cmp(old.SerialNumber) == 0 || !bytes.Equal(renewed.RawSubject, old.RawSubject) {
		t.Error("want a new serial and the same subject")
	}
	if !key.PublicKey.Equal(renewed.PublicKey) {
		t.Error("key changed")
	}
	idOld, _ := CardIdentity(old)
	idNew, err := CardIdentity(renewed)
	if err != nil || idNew.CreditCode != idOld.CreditCode || idNew.CardKind != idOld.CardKind ||
		idNew.CardNumber != idOld.CardNumber || idNew.HolderName != idOld.HolderName {
		t.Errorf("identity changed: %+v vs %+v (%v)", idNew, idOld, err)
	}
	afterOld := old.NotAfter.Add(time.Hour)
	wantOnly(t, "old after its end", c.VerifyChain(old, afterOld), ErrExpired)
	if err := c.VerifyChain(renewed, afterOld); err != nil {
		t.Errorf("renewed: %v", err)
	}
	// An expired certificate can be extended too.
	c.now = fixedClock(afterOld)
	if _, _, err := c.Extend(old, until.AddDate(0, 1, 0)); err != nil {
		t.Errorf("extending an expired certificate: %v", err)
	}
	if _, _, err := c.Extend(renewed, renewed.NotAfter); !errors.Is(err, ErrBadRequest) {
		t.Errorf("not later: %v", err)
	}
	if _, _, err := c.Extend(renewed, t0.AddDate(40, 0, 0)); !errors.Is(err, ErrBeyondCA) {
		t.Errorf("beyond the root: %v", err)
	}
	other := newTestCA(t)
	foreign, _, _ := other.Issue(legalRequest(t, cardKey(t)))
	if _, _, err := c.Extend(foreign, until); !errors.Is(err, ErrUnknownIssuer) {
		t.Errorf("foreign: %v", err)
	}
}
