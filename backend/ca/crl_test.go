package ca

import (
	"crypto/x509"
	"slices"
	"testing"

	"github.com/emmansun/gmsm/smx509"
)

// The CRL parses with the standard library's x509.ParseRevocationList,
// its signature verifies with the root's SM2 key (gmsm), and it lists
// each serial with its RFC 5280 reason; new certificates name its URL.
func TestCRLParsesAndVerifies(t *testing.T) {
	c := newTestCA(t)
	const url = "http://127.0.0.1:8080/ca/eportid.crl"
	c.SetCRLURL(url)
	cert, _, err := c.Issue(legalRequest(t, cardKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.CRLDistributionPoints, []string{url}) {
		t.Fatalf("CRL distribution points %v", cert.CRLDistributionPoints)
	}
	ext, _, err := c.Extend(cert, cert.NotAfter.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ext.CRLDistributionPoints, []string{url}) {
		t.Fatalf("extended certificate's CRL distribution points %v", ext.CRLDistributionPoints)
	}

	entries := []CRLEntry{
		{SerialHex: cert.SerialNumber.Text(16), Reason: "certificateHold", At: t0},
		{SerialHex: "1a2b", Reason: "keyCompromise", At: t0},
		{SerialHex: "3c", Reason: "removeFromCRL", At: t0},
		{SerialHex: "4d", Reason: "superseded", At: t0},
	}
	der, next, err := c.CRL(7, entries, t0)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	root := c.Certificate()
	if err := root.CheckSignature(smx509.SM2WithSM3, rl.RawTBSRevocationList, rl.Signature); err != nil {
		t.Fatalf("CRL signature does not verify under the CA certificate: %v", err)
	}
	rl.Signature[len(rl.Signature)-1] ^= 1
	if err := root.CheckSignature(smx509.SM2WithSM3, rl.RawTBSRevocationList, rl.Signature); err == nil {
		t.Fatal("a tampered CRL signature verified")
	}
	if rl.Number.Int64() != 7 || !rl.ThisUpdate.Equal(t0) || !rl.NextUpdate.Equal(next) || !next.Equal(t0.Add(CRLValidity)) {
		t.Fatalf("number %v, this %v, next %v", rl.Number, rl.ThisUpdate, rl.NextUpdate)
	}
	if string(rl.RawIssuer) != string(root.RawSubject) {
		t.Fatal("CRL issuer is not the root's subject")
	}
	want := map[string]int{cert.SerialNumber.Text(16): 6, "1a2b": 1, "3c": 8, "4d": 4}
	if len(rl.RevokedCertificateEntries) != len(want) {
		t.Fatalf("%d entries", len(rl.RevokedCertificateEntries))
	}
	for _, e := range rl.RevokedCertificateEntries {
		if code, ok := want[e.SerialNumber.Text(16)]; !ok || e.ReasonCode != code {
			t.Errorf("entry %s reason %d, want %d", e.SerialNumber.Text(16), e.ReasonCode, code)
		}
	}
	if _, _, err := c.CRL(8, []CRLEntry{{SerialHex: "zz", Reason: "keyCompromise"}}, t0); err == nil {
		t.Error("a serial that is not hex was accepted")
	}
	if _, _, err := c.CRL(8, []CRLEntry{{SerialHex: "1", Reason: "unspecified-ish"}}, t0); err == nil {
		t.Error("an unknown reason was accepted")
	}
}
