package ca

import (
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
)

// # Card certificate profile (version 1)
//
// A card certificate is an X.509 v3 certificate signed SM2-with-SM3 by the
// CA's root, over the card's SM2 public key:
//
//   - serial number: 16 random bytes (positive);
//   - subject: C=CN, O=<enterprise name> (when given), OU=<credit code>,
//     SERIALNUMBER=<card number>, CN=<holder name>; for people and
//     certificate viewers;
//   - validity: NotBefore = issuance time, NotAfter = 2 years later by
//     default, never beyond the root's NotAfter; 证书延期 (Extend) issues a
//     new certificate (new serial, same subject and key) with a later
//     NotAfter;
//   - keyUsage (critical): digitalSignature, contentCommitment (the card
//     signs logins and declarations); extKeyUsage: clientAuth;
//     basicConstraints (critical): CA:FALSE; subjectKeyIdentifier (RFC
//     5280 method 1) and authorityKeyIdentifier (the root's);
//   - cRLDistributionPoints: the URL of the CA's CRL (crl.go), when the
//     server set one (SetCRLURL);
//   - the eportid card-identity extension, non-critical, OID
//     OIDCardIdentity, whose value is the DER of
//
//	CardIdentity ::= SEQUENCE {
//	    version     INTEGER (1),
//	    creditCode  PrintableString (SIZE (18)),   -- 统一社会信用代码
//	    cardKind    ENUMERATED { legalPerson (1), operator (2) },
//	    cardNumber  UTF8String (SIZE (1..32))      -- printable ASCII
//	}
//
//     (cardKind has the values of tag 83 of the card's info file,
//     cardbridge/CARDAPP.md).
//
// The extension is authoritative for the credit code, card kind and card
// number; the subject repeats them for display and CardIdentity refuses a
// certificate where the two disagree. The holder name is the subject CN.

// OIDCardIdentity identifies the card-identity extension.
//
// It lies under IANA Private Enterprise Number 32473, which RFC 5612
// reserves for documentation and examples: a placeholder until eportid
// registers a PEN of its own (free, at IANA). Changing it means re-issuing
// every card certificate, as CardIdentity looks for exactly this OID.
var OIDCardIdentity = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7001, 1, 1}

const cardIdentityVersion = 1

// DefaultCardYears is the default validity of a card certificate.
const DefaultCardYears = 2

// CardKind is the kind of a card. Its values are the names the card bridge
// uses (cardapp.CardKind.String, protocol.CardInfo.Kind).
type CardKind string

// Card kinds.
const (
	CardLegalPerson CardKind = "legal_person" // 企业法人卡
	CardOperator    CardKind = "operator"     // 企业操作员卡
)

// Valid reports whether k is a known kind.
func (k CardKind) Valid() bool { return k == CardLegalPerson || k == CardOperator }

// Label is the kind's Chinese name.
func (k CardKind) Label() string {
	switch k {
	case CardLegalPerson:
		return "企业法人卡"
	case CardOperator:
		return "企业操作员卡"
	}
	return string(k)
}

func (k CardKind) enumerated() asn1.Enumerated {
	switch k {
	case CardLegalPerson:
		return 1
	case CardOperator:
		return 2
	}
	return 0
}

func cardKindFromEnumerated(e asn1.Enumerated) (CardKind, bool) {
	switch e {
	case 1:
		return CardLegalPerson, true
	case 2:
		return CardOperator, true
	}
	return "", false
}

// Identity is who a card certificate certifies.
type Identity struct {
	CreditCode string   // 统一社会信用代码 of the enterprise
	CardKind   CardKind // legal-person or operator card
	CardNumber string
	HolderName string
	NotBefore  time.Time
	NotAfter   time.Time
	SerialHex  string // certificate serial number, lower-case hex
}

// IssueRequest asks for a card certificate.
type IssueRequest struct {
	PublicKey      *ecdsa.PublicKey // the card's SM2 key
	CreditCode     string           // valid per GB 32100-2015
	CardKind       CardKind
	CardNumber     string // 1..32 printable ASCII characters
	HolderName     string // 1..64 bytes of UTF-8, no control characters
	EnterpriseName string // optional: subject O
	// NotBefore defaults to now; NotAfter to NotBefore + DefaultCardYears.
	NotBefore time.Time
	NotAfter  time.Time
}

// Errors of Issue and Extend.
var (
	ErrBadRequest = errors.New("ca: bad issue request")
	// ErrBeyondCA: the requested validity ends after the root's.
	ErrBeyondCA = errors.New("ca: certificate would outlive the CA")
)

// cardIdentityASN1 is the CardIdentity SEQUENCE.
type cardIdentityASN1 struct {
	Version    int
	CreditCode string `asn1:"printable"`
	CardKind   asn1.Enumerated
	CardNumber string `asn1:"utf8"`
}

// Issue issues a card certificate. It returns the parsed certificate and
// its DER.
func (c *CA) Issue(req IssueRequest) (*smx509.Certificate, []byte, error) {
	if err := req.check(); err != nil {
		return nil, nil, err
	}
	ext, err := marshalCardIdentity(req.CreditCode, req.CardKind, req.CardNumber)
	if err != nil {
		return nil, nil, err
	}
	subject := pkix.Name{
		Country:            []string{"CN"},
		OrganizationalUnit: []string{req.CreditCode},
		SerialNumber:       req.CardNumber,
		CommonName:         req.HolderName,
	}
	if req.EnterpriseName != "" {
		subject.Organization = []string{req.EnterpriseName}
	}
	tmpl := &x509.Certificate{Subject: subject, ExtraExtensions: []pkix.Extension{ext}}
	return c.sign(tmpl, req.PublicKey, req.NotBefore, req.NotAfter)
}

// Extend (证书延期) re-issues cert, which must be one of this CA's card
// certificates (expired or not), with the same subject, key and identity,
// valid from now until until, which must be later than cert's NotAfter.
func (c *CA) Extend(cert *smx509.Certificate, until time.Time) (*smx509.Certificate, []byte, error) {
	if err := c.checkIssued(cert, false); err != nil {
		return nil, nil, err
	}
	id, err := CardIdentity(cert)
	if err != nil {
		return nil, nil, err
	}
	if !until.After(cert.NotAfter) {
		return nil, nil, fmt.Errorf("%w: the new end %s is not after the current one %s",
			ErrBadRequest, until.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, fmt.Errorf("%w: not an SM2 key", ErrNotCardCertificate)
	}
	ext, err := marshalCardIdentity(id.CreditCode, id.CardKind, id.CardNumber)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{RawSubject: cert.RawSubject, ExtraExtensions: []pkix.Extension{ext}}
	return c.sign(tmpl, pub, time.Time{}, until)
}

// sign completes tmpl with the common parts of the profile and signs it.
func (c *CA) sign(tmpl *x509.Certificate, pub *ecdsa.PublicKey, notBefore, notAfter time.Time) (*smx509.Certificate, []byte, error) {
	if notBefore.IsZero() {
		notBefore = c.now()
	}
	notBefore = notBefore.UTC().Truncate(time.Second)
	if notAfter.IsZero() {
		notAfter = notBefore.AddDate(DefaultCardYears, 0, 0)
	}
	notAfter = notAfter.UTC().Truncate(time.Second)
	if !notAfter.After(notBefore) {
		return nil, nil, fmt.Errorf("%w: NotAfter is not after NotBefore", ErrBadRequest)
	}
	if notAfter.After(c.cert.NotAfter) {
		return nil, nil, fmt.Errorf("%w: %s is after the root's end %s", ErrBeyondCA,
			notAfter.Format(time.RFC3339), c.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if notBefore.Before(c.cert.NotBefore) {
		return nil, nil, fmt.Errorf("%w: NotBefore is before the root's start", ErrBadRequest)
	}
	serial, err := newSerial(c.rand)
	if err != nil {
		return nil, nil, err
	}
	skid, err := subjectKeyID(pub)
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = notBefore
	tmpl.NotAfter = notAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	tmpl.MaxPathLen = -1
	tmpl.SubjectKeyId = skid
	if c.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{c.crlURL}
	}
	der, err := smx509.CreateCertificate(c.rand, tmpl, c.cert.ToX509(), pub, c.key)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: signing the card certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: parsing the new certificate: %w", err)
	}
	return cert, der, nil
}

func (r *IssueRequest) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, a...)...)
	}
	if r.PublicKey == nil || !sm2.IsSM2PublicKey(r.PublicKey) {
		return bad("the card key must be an SM2 public key")
	}
	if err := model.ValidateCreditCode(r.CreditCode); err != nil {
		return bad("credit code %q: %v", r.CreditCode, err)
	}
	if !r.CardKind.Valid() {
		return bad("unknown card kind %q", r.CardKind)
	}
	if !validCardNumber(r.CardNumber) {
		return bad("card number must be 1 to 32 printable ASCII characters")
	}
	if !validHolderName(r.HolderName) {
		return bad("holder name must be 1 to 64 bytes of UTF-8 without control characters")
	}
	if !utf8.ValidString(r.EnterpriseName) || len(r.EnterpriseName) > 256 {
		return bad("enterprise name must be UTF-8 of at most 256 bytes")
	}
	return nil
}

func validCardNumber(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func validHolderName(s string) bool {
	if len(s) < 1 || len(s) > 64 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func validCreditCodeChars(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

func marshalCardIdentity(creditCode string, kind CardKind, cardNumber string) (pkix.Extension, error) {
	v, err := asn1.Marshal(cardIdentityASN1{
		Version:    cardIdentityVersion,
		CreditCode: creditCode,
		CardKind:   kind.enumerated(),
		CardNumber: cardNumber,
	})
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("ca: card identity: %w", err)
	}
	return pkix.Extension{Id: OIDCardIdentity, Critical: false, Value: v}, nil
}

// ParseCardIdentityExtension decodes the value of the card-identity
// extension (see the profile above).
func ParseCardIdentityExtension(value []byte) (creditCode string, kind CardKind, cardNumber string, err error) {
	var v cardIdentityASN1
	rest, err := asn1.Unmarshal(value, &v)
	if err != nil {
		return "", "", "", fmt.Errorf("%w: card identity: %v", ErrNotCardCertificate, err)
	}
	if len(rest) != 0 {
		return "", "", "", fmt.Errorf("%w: card identity: trailing data", ErrNotCardCertificate)
	}
	if v.Version != cardIdentityVersion {
		return "", "", "", fmt.Errorf("%w: card identity version %d", ErrNotCardCertificate, v.Version)
	}
	kind, ok := cardKindFromEnumerated(v.CardKind)
	if !ok {
		return "", "", "", fmt.Errorf("%w: card kind %d", ErrNotCardCertificate, v.CardKind)
	}
	if !validCreditCodeChars(v.CreditCode) || !validCardNumber(v.CardNumber) {
		return "", "", "", fmt.Errorf("%w: card identity: malformed credit code or card number", ErrNotCardCertificate)
	}
	return v.CreditCode, kind, v.CardNumber, nil
}

// CardIdentity reads who a card certificate certifies. It does not check
// who issued it or when it is valid (VerifyChain does).
func CardIdentity(cert *smx509.Certificate) (Identity, error) {
	var ext *pkix.Extension
	for i := range cert.Extensions {
		if cert.Extensions[i].Id.Equal(OIDCardIdentity) {
			if ext != nil {
				return Identity{}, fmt.Errorf("%w: two card-identity extensions", ErrNotCardCertificate)
			}
			ext = &cert.Extensions[i]
		}
	}
	if ext == nil {
		return Identity{}, fmt.Errorf("%w: no card-identity extension", ErrNotCardCertificate)
	}
	creditCode, kind, cardNumber, err := ParseCardIdentityExtension(ext.Value)
	if err != nil {
		return Identity{}, err
	}
	s := cert.Subject
	if !slices.Equal(s.OrganizationalUnit, []string{creditCode}) || s.SerialNumber != cardNumber {
		return Identity{}, fmt.Errorf("%w: subject disagrees with the card-identity extension", ErrNotCardCertificate)
	}
	if !validHolderName(s.CommonName) {
		return Identity{}, fmt.Errorf("%w: no holder name (CN)", ErrNotCardCertificate)
	}
	return Identity{
		CreditCode: creditCode,
		CardKind:   kind,
		CardNumber: cardNumber,
		HolderName: s.CommonName,
		NotBefore:  cert.NotBefore,
		NotAfter:   cert.NotAfter,
		SerialHex:  SerialHex(cert.SerialNumber),
	}, nil
}

// SerialHex is how a certificate's serial number is written wherever it
// is kept or compared: lower-case hex without leading zeros.
func SerialHex(n *big.Int) string { return n.Text(16) }

// subjectKeyID is RFC 5280 method 1: SHA-1 of the subjectPublicKey bits.
func subjectKeyID(pub *ecdsa.PublicKey) ([]byte, error) {
	spki, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	h := sha1.Sum(info.PublicKey.Bytes)
	return h[:], nil
}
