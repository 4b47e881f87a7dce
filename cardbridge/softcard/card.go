// Package softcard is a software implementation of the eportid card
// application (cardbridge/CARDAPP.md) that plugs into the vpcd virtual
// smart-card reader of vsmartcard, so the whole PC/SC stack (pcscd, the
// PC/SC client library, cardbridge/pcsc) runs against it exactly as against
// a real IC card. It is for development and tests: its private key sits in
// a file.
//
// State (card info, PIN, retry counter, admin key, SM2 key, certificate,
// and whether the card is still blank) is kept in a JSON file written
// atomically after every change, so a retry counter, or a card half way
// through personalisation, survives a restart as on a real card.
//
// A card is made personalised (New, from a key and certificate given or
// made here) or blank (NewBlank): a blank card generates its key pair
// itself and takes its card info, certificate, admin key and initial PIN
// through the personalisation commands of CARDAPP.md.
package softcard

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
)

const fileVersion = 1

// fileState is the JSON layout of a card file.
type fileState struct {
	Version     int    `json:"version"`
	Blank       bool   `json:"blank,omitempty"` // not yet finalised; the fields below may be empty
	CardNumber  string `json:"card_number"`
	HolderName  string `json:"holder_name"`
	CreditCode  string `json:"credit_code"`
	Kind        string `json:"kind"`
	PINSalt     string `json:"pin_salt"` // hex
	PINHash     string `json:"pin_hash"` // hex SM3(salt || PIN)
	MaxTries    int    `json:"max_tries"`
	TriesLeft   int    `json:"tries_left"`
	Blocked     bool   `json:"blocked"`     // always TriesLeft == 0; for humans
	AdminKey    string `json:"admin_key"`   // hex
	PrivateKey  string `json:"private_key"` // PEM, PKCS#8 SM2
	Certificate string `json:"certificate"` // PEM
}

// Options describe a new card for New.
type Options struct {
	Info     cardapp.CardInfo
	PIN      []byte // 6..16 digits; New copies it
	MaxTries int    // default cardapp.DefaultTries (5); at most 15
	AdminKey []byte // default: 16 random bytes
	// Key is the card's SM2 key; generated when nil.
	Key *sm2.PrivateKey
	// Certificate is the card certificate (DER). When nil a self-signed
	// certificate over Key is made; when set it must certify Key.
	Certificate []byte
	// Rand defaults to crypto/rand.Reader.
	Rand io.Reader
}

// Card is one soft card. Its methods are safe for concurrent use.
type Card struct {
	mu        sync.Mutex
	path      string // "" = memory only
	info      cardapp.CardInfo
	pinSalt   []byte
	pinHash   []byte
	maxTries  int
	triesLeft int
	adminKey  []byte
	key       *sm2.PrivateKey
	cert      []byte
	rand      io.Reader
	// blank: not finalised yet. infoSet: PUT CARD INFO done (info is
	// always set on a personalised card).
	blank   bool
	infoSet bool

	// Session state, cleared by power off, reset and (re)connection.
	selected  bool
	verified  bool
	challenge []byte
	pending   []byte // data for GET RESPONSE
	newCert   []byte // a replacement certificate being written (personalised card)

	link link

	// Logf, when set, receives connection events (never APDUs).
	Logf func(format string, args ...any)
}

// New creates a card and, when path is not empty, writes its file. It
// refuses to overwrite an existing file.
func New(path string, opts Options) (*Card, error) {
	if err := opts.Info.Validate(); err != nil {
		return nil, err
	}
	if !cardapp.ValidPIN(opts.PIN) {
		return nil, errors.New("softcard: PIN must be 6..16 digits")
	}
	if opts.MaxTries == 0 {
		opts.MaxTries = cardapp.DefaultTries
	}
	if opts.MaxTries < 1 || opts.MaxTries > 15 {
		return nil, errors.New("softcard: max tries must be 1..15")
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.AdminKey == nil {
		opts.AdminKey = make([]byte, 16)
		if _, err := io.ReadFull(opts.Rand, opts.AdminKey); err != nil {
			return nil, err
		}
	}
	if l := len(opts.AdminKey); l < cardapp.AdminKeyMinLen || l > cardapp.AdminKeyMaxLen {
		return nil, errors.New("softcard: admin key must be 16..64 bytes")
	}
	if opts.Key == nil {
		k, err := sm2.GenerateKey(opts.Rand)
		if err != nil {
			return nil, err
		}
		opts.Key = k
	}
	if opts.Certificate == nil {
		der, err := SelfSignedCertificate(opts.Rand, opts.Key, opts.Info)
		if err != nil {
			return nil, err
		}
		opts.Certificate = der
	} else if err := certifiesKey(opts.Certificate, opts.Key); err != nil {
		return nil, err
	}
	c := &Card{
		path:      path,
		info:      opts.Info,
		infoSet:   true,
		maxTries:  opts.MaxTries,
		triesLeft: opts.MaxTries,
		adminKey:  append([]byte(nil), opts.AdminKey...),
		key:       opts.Key,
		cert:      append([]byte(nil), opts.Certificate...),
		rand:      opts.Rand,
	}
	c.link.init()
	if err := c.setPIN(opts.PIN); err != nil {
		return nil, err
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return nil, fmt.Errorf("softcard: %s exists; not overwriting it", path)
		}
		if err := c.save(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// NewBlank creates a blank card: no key, card info, certificate, admin key
// or PIN until the personalisation commands set them (CARDAPP.md). When
// path is not empty its file is written; an existing file is refused.
func NewBlank(path string) (*Card, error) {
	c := &Card{path: path, blank: true, maxTries: cardapp.DefaultTries, triesLeft: cardapp.DefaultTries, rand: rand.Reader}
	c.link.init()
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return nil, fmt.Errorf("softcard: %s exists; not overwriting it", path)
		}
		if err := c.save(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Open loads a card file written by New or NewBlank (and perhaps
// personalised since).
func Open(path string) (*Card, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st fileState
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("softcard: %s: %v", path, err)
	}
	if st.Version != fileVersion {
		return nil, fmt.Errorf("softcard: %s: version %d, want %d", path, st.Version, fileVersion)
	}
	if st.Blank {
		return openBlank(path, st)
	}
	kind, err := cardapp.ParseCardKind(st.Kind)
	if err != nil {
		return nil, err
	}
	c := &Card{
		path: path,
		info: cardapp.CardInfo{
			CardNumber: st.CardNumber, HolderName: st.HolderName,
			CreditCode: st.CreditCode, Kind: kind,
		},
		maxTries:  st.MaxTries,
		triesLeft: st.TriesLeft,
		rand:      rand.Reader,
	}
	c.link.init()
	if err := c.info.Validate(); err != nil {
		return nil, err
	}
	if c.maxTries < 1 || c.maxTries > 15 || c.triesLeft < 0 || c.triesLeft > c.maxTries {
		return nil, fmt.Errorf("softcard: %s: bad retry counter %d/%d", path, c.triesLeft, c.maxTries)
	}
	if st.Blocked != (c.triesLeft == 0) {
		return nil, fmt.Errorf("softcard: %s: blocked flag disagrees with tries_left", path)
	}
	if c.pinSalt, err = hex.DecodeString(st.PINSalt); err != nil || len(c.pinSalt) != 16 {
		return nil, fmt.Errorf("softcard: %s: bad pin_salt", path)
	}
	if c.pinHash, err = hex.DecodeString(st.PINHash); err != nil || len(c.pinHash) != sm3.Size {
		return nil, fmt.Errorf("softcard: %s: bad pin_hash", path)
	}
	if c.adminKey, err = parseAdminKey(st.AdminKey); err != nil || c.adminKey == nil {
		return nil, fmt.Errorf("softcard: %s: bad admin_key", path)
	}
	if c.key, err = parseKey(st.PrivateKey); err != nil || c.key == nil {
		return nil, fmt.Errorf("softcard: %s: private_key: %v", path, err)
	}
	if c.cert, err = parseCert(st.Certificate); err != nil || c.cert == nil {
		return nil, fmt.Errorf("softcard: %s: certificate: %v", path, err)
	}
	if err := certifiesKey(c.cert, c.key); err != nil {
		return nil, err
	}
	return c, nil
}

// openBlank loads a blank card's file: every field is optional, as
// personalisation sets them one by one.
func openBlank(path string, st fileState) (*Card, error) {
	c := &Card{path: path, blank: true, maxTries: cardapp.DefaultTries, triesLeft: cardapp.DefaultTries, rand: rand.Reader}
	c.link.init()
	if st.PINSalt != "" || st.PINHash != "" || st.Blocked {
		return nil, fmt.Errorf("softcard: %s: a blank card has no PIN", path)
	}
	if st.Kind != "" || st.CardNumber != "" {
		kind, err := cardapp.ParseCardKind(st.Kind)
		if err != nil {
			return nil, err
		}
		c.info = cardapp.CardInfo{CardNumber: st.CardNumber, HolderName: st.HolderName, CreditCode: st.CreditCode, Kind: kind}
		if err := c.info.Validate(); err != nil {
			return nil, fmt.Errorf("softcard: %s: %v", path, err)
		}
		c.infoSet = true
	}
	var err error
	if c.adminKey, err = parseAdminKey(st.AdminKey); err != nil {
		return nil, fmt.Errorf("softcard: %s: bad admin_key", path)
	}
	if c.key, err = parseKey(st.PrivateKey); err != nil {
		return nil, fmt.Errorf("softcard: %s: private_key: %v", path, err)
	}
	if st.Certificate != "" {
		// A certificate part way through PUT CERTIFICATE is raw bytes.
		if c.cert, err = hex.DecodeString(st.Certificate); err != nil || len(c.cert) > cardapp.MaxCertSize {
			return nil, fmt.Errorf("softcard: %s: bad partial certificate", path)
		}
	}
	return c, nil
}

// parseAdminKey decodes a hex admin key; "" is none.
func parseAdminKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	k, err := hex.DecodeString(s)
	if err != nil || len(k) < cardapp.AdminKeyMinLen || len(k) > cardapp.AdminKeyMaxLen {
		return nil, errors.New("bad admin key")
	}
	return k, nil
}

// parseKey decodes a PKCS#8 PEM SM2 private key; "" is none.
func parseKey(s string) (*sm2.PrivateKey, error) {
	if s == "" {
		return nil, nil
	}
	kb, _ := pem.Decode([]byte(s))
	if kb == nil || kb.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PKCS#8 PEM block")
	}
	k, err := smx509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%T, not SM2", k)
	}
	return key, nil
}

// parseCert decodes a PEM certificate; "" is none.
func parseCert(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	cb, _ := pem.Decode([]byte(s))
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM CERTIFICATE")
	}
	return cb.Bytes, nil
}

// certifiesKey checks that the certificate's public key is key's.
func certifiesKey(der []byte, key *sm2.PrivateKey) error {
	if len(der) > cardapp.MaxCertSize {
		return errors.New("softcard: certificate too large")
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("softcard: certificate: %v", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) || !key.PublicKey.Equal(pub) {
		return errors.New("softcard: the certificate does not certify the card's SM2 key")
	}
	return nil
}

func (c *Card) setPIN(pin []byte) error {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(c.rand, salt); err != nil {
		return err
	}
	c.pinSalt = salt
	c.pinHash = pinHash(salt, pin)
	return nil
}

func pinHash(salt, pin []byte) []byte {
	h := sm3.New()
	h.Write(salt)
	h.Write(pin)
	return h.Sum(nil)
}

func (c *Card) pinMatches(pin []byte) bool {
	return subtle.ConstantTimeCompare(pinHash(c.pinSalt, pin), c.pinHash) == 1
}

// save writes the card file atomically: a temporary file in the same
// directory, fsync, rename, fsync of the directory. Callers hold c.mu.
func (c *Card) save() error {
	if c.path == "" {
		return nil
	}
	st := fileState{
		Version:   fileVersion,
		Blank:     c.blank,
		PINSalt:   hex.EncodeToString(c.pinSalt),
		PINHash:   hex.EncodeToString(c.pinHash),
		MaxTries:  c.maxTries,
		TriesLeft: c.triesLeft,
		Blocked:   c.triesLeft == 0,
		AdminKey:  hex.EncodeToString(c.adminKey),
	}
	if c.infoSet {
		st.CardNumber, st.HolderName, st.CreditCode = c.info.CardNumber, c.info.HolderName, c.info.CreditCode
		st.Kind = c.info.Kind.String()
	}
	if c.key != nil {
		keyDER, err := smx509.MarshalPKCS8PrivateKey(c.key)
		if err != nil {
			return err
		}
		st.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	}
	switch {
	case c.blank:
		st.Certificate = hex.EncodeToString(c.cert)
	default:
		st.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert}))
	}
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	return writeFileAtomic(c.path, raw, 0o600)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort; not supported everywhere
		d.Close()
	}
	return nil
}

// Info returns the card info (zero while a blank card has none).
func (c *Card) Info() cardapp.CardInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Certificate returns a copy of the card certificate (DER).
func (c *Card) Certificate() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.cert...)
}

// PublicKey returns the card's SM2 public key (nil on a blank card that
// has not generated one yet).
func (c *Card) PublicKey() *ecdsa.PublicKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil {
		return nil
	}
	pub := c.key.PublicKey
	return &pub
}

// Blank reports whether the card is still blank (not finalised).
func (c *Card) Blank() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blank
}

// AdminKey returns a copy of the admin (unblock) key. Only the issuer and
// tests have any business with it.
func (c *Card) AdminKey() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.adminKey...)
}

// TriesLeft returns the PIN retry counter.
func (c *Card) TriesLeft() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.triesLeft
}

// Path returns the card file, "" for a memory-only card.
func (c *Card) Path() string { return c.path }

func (c *Card) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}
