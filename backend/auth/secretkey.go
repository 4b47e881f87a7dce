package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretKeyLen is the length of the key that seals the secrets the
// database keeps (store.UseSecretKey): 32 bytes, AES-256.
const SecretKeyLen = 32

// ParseSecretKey reads a secret key written in standard base64 (as
// EPORTID_SECRET_KEY and the key file hold it; `openssl rand -base64 32`
// makes one).
func ParseSecretKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace([]byte(s))))
	if err != nil {
		return nil, fmt.Errorf("secret key: not base64: %w", err)
	}
	if len(k) != SecretKeyLen {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(k), SecretKeyLen)
	}
	return k, nil
}

// LoadSecretKeyFile reads the secret key from path (one base64 line); when
// the file does not exist and create is set, it makes a new random key
// there (mode 0600, its directory 0700 if new). A key file readable by
// others than its owner is refused.
func LoadSecretKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		k := make([]byte, SecretKeyLen)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("secret key file: %w", werr)
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s: mode %v, readable by others (chmod 600)", path, st.Mode().Perm())
	}
	k, err := ParseSecretKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
