package cardsig

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

func TestIssuanceSignature(t *testing.T) {
	key, _ := sm2.GenerateKey(rand.Reader)
	other, _ := sm2.GenerateKey(rand.Reader)
	payload := []byte(`{"id":"1"}`)
	sig, err := SignIssuance(rand.Reader, key, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyIssuance(&key.PublicKey, payload, sig) {
		t.Fatal("does not verify")
	}
	// The prefix is part of the message: a plain signature of the payload
	// (e.g. a sign of the same bytes) is no issuance signature.
	plain, _ := sm2.SignASN1(rand.Reader, key, payload, sm2.NewSM2SignerOption(true, nil))
	if VerifyIssuance(&key.PublicKey, payload, plain) || VerifyIssuance(&other.PublicKey, payload, sig) ||
		VerifyIssuance(&key.PublicKey, []byte(`{"id":"2"}`), sig) || VerifyIssuance(nil, payload, sig) {
		t.Fatal("verifies what it must not")
	}
	if !bytes.HasPrefix(IssuanceMessage(payload), []byte("EPORTID-ISSUE-V1\x00")) {
		t.Fatal("prefix")
	}
}

func TestParsePoint(t *testing.T) {
	key, _ := sm2.GenerateKey(rand.Reader)
	b := MarshalPoint(&key.PublicKey)
	pub, err := ParsePoint(b)
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("round trip: %v", err)
	}
	off := bytes.Clone(b)
	off[64] ^= 1
	for _, bad := range [][]byte{b[:64], append([]byte{2}, b[1:]...), off} {
		if _, err := ParsePoint(bad); err == nil {
			t.Errorf("accepted % x", bad)
		}
	}
}
