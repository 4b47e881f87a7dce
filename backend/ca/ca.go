// Package ca is the back end's certificate authority for IC cards: an SM2
// key and a self-signed SM2 root certificate kept as files outside the
// database, which issue and extend (证书延期) card
// certificates and check that a card certificate is one of theirs.
//
// Files, in the CA directory (default ./var/ca):
//
//	ca.key  PEM "PRIVATE KEY", PKCS#8 SM2 (smx509), mode 0600: OpenOrCreate
//	        refuses to start when group or others may read or write it.
//	ca.crt  PEM "CERTIFICATE", the self-signed root.
//
// Both are written atomically (temporary file, fsync, link into place) and
// never overwritten. In development (Options.Create) a missing key and
// root are made on first start and reused afterwards; in production they
// must already be there.
//
// The card certificate profile is described in profile.go.
package ca

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// File names inside the CA directory, and defaults.
const (
	KeyFile           = "ca.key"
	CertFile          = "ca.crt"
	DefaultDir        = "./var/ca"
	DevCommonName     = "eportid 开发测试 CA"
	DefaultRootYears  = 20
	pemPrivateKey     = "PRIVATE KEY"
	pemCertificate    = "CERTIFICATE"
	rootOrganization  = "eportid"
	keyFileMode       = 0o600
	certFileMode      = 0o644
	dirMode           = 0o700
	serialNumberBytes = 16
)

// Errors of OpenOrCreate.
var (
	// ErrNoCA: the directory has no key (or no root) and Options.Create is
	// false.
	ErrNoCA = errors.New("ca: no CA key or certificate")
	// ErrInsecureKeyFile: the key file may be read or written by group or
	// others.
	ErrInsecureKeyFile = errors.New("ca: CA key file is accessible to group or others (want mode 0600)")
	// ErrBadCAFiles: the key or root cannot be used (unparsable, not SM2,
	// not a CA, key and certificate do not match).
	ErrBadCAFiles = errors.New("ca: unusable CA files")
)

// Options configure OpenOrCreate.
type Options struct {
	// Create lets OpenOrCreate make the directory, a new key and a new
	// root when they are missing (development). When false a missing key
	// or root is ErrNoCA.
	Create bool
	// CommonName of a new root; default DevCommonName.
	CommonName string
	// RootYears is the validity of a new root; default DefaultRootYears.
	RootYears int
	// Now is the clock (issuance times); default time.Now.
	Now func() time.Time
	// Rand is the randomness for keys, serials and signatures; default
	// crypto/rand.Reader.
	Rand io.Reader
}

// CA is an open certificate authority. Its methods are safe for
// concurrent use.
type CA struct {
	dir  string
	key  *sm2.PrivateKey
	cert *smx509.Certificate
	now  func() time.Time
	rand io.Reader
	// crlURL is the CRL distribution point of new certificates (crl.go).
	crlURL string
}

// OpenOrCreate opens the CA in dir ("" = DefaultDir), creating its key and
// root first when they are missing and opts.Create is set.
func OpenOrCreate(dir string, opts Options) (*CA, error) {
	if dir == "" {
		dir = DefaultDir
	}
	if opts.CommonName == "" {
		opts.CommonName = DevCommonName
	}
	if opts.RootYears <= 0 {
		opts.RootYears = DefaultRootYears
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Create {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return nil, fmt.Errorf("ca: %w", err)
		}
	}
	c := &CA{dir: dir, now: opts.Now, rand: opts.Rand}

	keyPath := filepath.Join(dir, KeyFile)
	key, err := readKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) && opts.Create {
		key, err = createKey(keyPath, opts.Rand)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing", ErrNoCA, keyPath)
	}
	if err != nil {
		return nil, err
	}
	c.key = key

	certPath := filepath.Join(dir, CertFile)
	cert, err := readRoot(certPath)
	if errors.Is(err, fs.ErrNotExist) && opts.Create {
		cert, err = createRoot(certPath, key, opts)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is missing", ErrNoCA, certPath)
	}
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: %s does not certify the key in %s", ErrBadCAFiles, certPath, keyPath)
	}
	c.cert = cert
	return c, nil
}

// Certificate is the root certificate. Do not modify it.
func (c *CA) Certificate() *smx509.Certificate { return c.cert }

// CertificatePEM is the root certificate in PEM.
func (c *CA) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: c.cert.Raw})
}

// Dir is the directory of the CA files.
func (c *CA) Dir() string { return c.dir }

func readKey(path string) (*sm2.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkKeyMode(path, fi); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != pemPrivateKey || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %s is not one PEM %q block", ErrBadCAFiles, path, pemPrivateKey)
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadCAFiles, path, err)
	}
	key, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s holds a %T, not an SM2 key", ErrBadCAFiles, path, k)
	}
	return key, nil
}

// checkKeyMode refuses a key file that group or others may access. (On
// Windows file modes say nothing about ACLs, so it is skipped there.)
func checkKeyMode(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrBadCAFiles, path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrInsecureKeyFile, path, fi.Mode().Perm(), path)
	}
	return nil
}

func createKey(path string, rnd io.Reader) (*sm2.PrivateKey, error) {
	key, err := sm2.GenerateKey(rnd)
	if err != nil {
		return nil, fmt.Errorf("ca: generating the CA key: %w", err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})
	clear(der)
	err = writeNew(path, data, keyFileMode)
	clear(data)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path) // another process made it first
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

func readRoot(path string) (*smx509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != pemCertificate || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %s is not one PEM %q block", ErrBadCAFiles, path, pemCertificate)
	}
	cert, err := smx509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadCAFiles, path, err)
	}
	if !cert.IsCA || !sm2.IsSM2PublicKey(cert.PublicKey) || cert.SignatureAlgorithm != smx509.SM2WithSM3 {
		return nil, fmt.Errorf("%w: %s is not an SM2 CA certificate", ErrBadCAFiles, path)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return nil, fmt.Errorf("%w: %s is not self-signed: %v", ErrBadCAFiles, path, err)
	}
	return cert, nil
}

func createRoot(path string, key *sm2.PrivateKey, opts Options) (*smx509.Certificate, error) {
	serial, err := newSerial(opts.Rand)
	if err != nil {
		return nil, err
	}
	now := opts.Now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Country:      []string{"CN"},
			Organization: []string{rootOrganization},
			CommonName:   opts.CommonName,
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(opts.RootYears, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := smx509.CreateCertificate(opts.Rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ca: making the root certificate: %w", err)
	}
	err = writeNew(path, pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der}), certFileMode)
	if errors.Is(err, fs.ErrExist) {
		return readRoot(path)
	}
	if err != nil {
		return nil, err
	}
	return smx509.ParseCertificate(der)
}

// writeNew writes data to path atomically and only if path does not exist
// yet (fs.ErrExist otherwise): a temporary file in the same directory,
// synced, then hard-linked into place, then the directory synced.
func writeNew(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("ca: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("ca: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("ca: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// No hard links on this file system: rename, which replaces,
		// so check first (a narrow race, development only).
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("ca: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// newSerial is a random positive serial number of at most 16 bytes.
func newSerial(rnd io.Reader) (*big.Int, error) {
	b := make([]byte, serialNumberBytes)
	for {
		if _, err := io.ReadFull(rnd, b); err != nil {
			return nil, fmt.Errorf("ca: serial number: %w", err)
		}
		b[0] &= 0x7F
		if n := new(big.Int).SetBytes(b); n.Sign() > 0 {
			return n, nil
		}
	}
}
