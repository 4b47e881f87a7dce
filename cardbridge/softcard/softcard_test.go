package softcard_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

func apdu(t *testing.T, c *softcard.Card, hexAPDU string) (data []byte, sw uint16) {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(hexAPDU, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cardapp.ParseResponse(c.Process(b))
	if err != nil {
		t.Fatal(err)
	}
	return r.Data, r.SW
}

const selectAID = "00 A4 04 0C 09 F0 45 50 4F 52 54 49 44 01"

func TestStatusWords(t *testing.T) {
	c := testenv.NewCard(t)
	for _, tc := range []struct {
		apdu string
		sw   uint16
	}{
		{"80 CA 00 70 00", 0x6985},                                     // not selected
		{"00 A4 04 00 05 A0 00 00 00 01", 0x6A82},                      // other AID
		{selectAID, 0x9000},                                            //
		{"00 A4 04 00 09 F0 45 50 4F 52 54 49 44 01 00", 0x9000},       // with FCI
		{"00 C0 00 00 00", 0x6985},                                     // GET RESPONSE, nothing pending
		{"A0 CA 00 70 00", 0x6E00},                                     // CLA
		{"00 EE 00 00", 0x6D00},                                        // INS
		{"00 20", 0x6700},                                              // malformed
		{"80 CA 00 71 00", 0x6A86},                                     // GET DATA other tag
		{"80 B0 7F 00 10", 0x6B00},                                     // offset past the end
		{"00 2A 9E 9A 20 " + strings.Repeat("00", 32) + " 00", 0x6982}, // not verified
		{"00 20 00 81", 0x63C5},                                        // PIN status: 5 tries
		{"00 20 00 81 03 31 32 33", 0x6A80},                            // too short: no try used
		{"00 20 00 81", 0x63C5},                                        //
		{"00 20 00 81 06 31 32 33 34 35 36", 0x9000},                   // right PIN
		{"00 20 00 81", 0x9000},                                        // verified
		{"00 2A 9E 9A 10 " + strings.Repeat("00", 16) + " 00", 0x6700}, // 16-byte digest
		{"00 2C 00 81 20 " + strings.Repeat("00", 32), 0x6985},         // unblock without challenge
		{"00 84 00 00 08", 0x6C10},                                     // challenge Le
	} {
		if _, sw := apdu(t, c, tc.apdu); sw != tc.sw {
			t.Errorf("%s: SW %04X, want %04X", tc.apdu, sw, tc.sw)
		}
	}
	c.Reset() // power cycle: selection and PIN state gone
	if _, sw := apdu(t, c, "00 20 00 81"); sw != 0x6985 {
		t.Errorf("after reset, not selected: %04X", sw)
	}
	apdu(t, c, selectAID)
	if _, sw := apdu(t, c, "00 20 00 81"); sw != 0x63C5 {
		t.Errorf("after reset, PIN state: %04X", sw)
	}
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	c, err := softcard.New(path, softcard.Options{Info: testenv.TestInfo, PIN: []byte("123456")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := softcard.New(path, softcard.Options{Info: testenv.TestInfo, PIN: []byte("123456")}); err == nil {
		t.Fatal("New overwrote an existing card file")
	}
	apdu(t, c, selectAID)
	apdu(t, c, "00 20 00 81 06 30 30 30 30 30 30")
	apdu(t, c, "00 20 00 81 06 30 30 30 30 30 30")

	c2, err := softcard.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if c2.TriesLeft() != 3 {
		t.Fatalf("tries left after reopening: %d, want 3", c2.TriesLeft())
	}
	if string(c2.Certificate()) != string(c.Certificate()) || !c2.PublicKey().Equal(c.PublicKey()) {
		t.Fatal("key or certificate changed across reopening")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("card file mode %v %v, want 0600", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
	raw, _ := os.ReadFile(path)
	for _, want := range []string{"BEGIN PRIVATE KEY", "BEGIN CERTIFICATE", `"tries_left": 3`, `"blocked": false`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("card file lacks %q", want)
		}
	}
	if strings.Contains(string(raw), "123456") {
		t.Error("card file holds the PIN in clear")
	}
	// Unknown fields are refused.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(raw), `"version"`, `"extra": 1, "version"`, 1)), 0o600)
	if _, err := softcard.Open(bad); err == nil {
		t.Fatal("a card file with an unknown field opened")
	}
}

func TestBadOptionsRefused(t *testing.T) {
	info := testenv.TestInfo
	info.CreditCode = "9131000" // not 18 characters
	if _, err := softcard.New("", softcard.Options{Info: info, PIN: []byte("123456")}); err == nil {
		t.Error("bad credit code accepted")
	}
	if _, err := softcard.New("", softcard.Options{Info: testenv.TestInfo, PIN: []byte("12a456")}); err == nil {
		t.Error("non-digit PIN accepted")
	}
	other := testenv.NewCard(t)
	if _, err := softcard.New("", softcard.Options{Info: testenv.TestInfo, PIN: []byte("123456"), Certificate: other.Certificate()}); err == nil {
		t.Error("certificate of another key accepted")
	}
}

// fakeVPCD plays vpcd: it listens, accepts the card, and speaks the
// length-prefixed protocol.
type fakeVPCD struct {
	ln net.Listener
}

func (f *fakeVPCD) accept(t *testing.T) net.Conn {
	t.Helper()
	f.ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := f.ln.Accept()
	if err != nil {
		t.Fatalf("the card did not connect: %v", err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func send(t *testing.T, c net.Conn, payload []byte) {
	t.Helper()
	b := binary.BigEndian.AppendUint16(nil, uint16(len(payload)))
	if _, err := c.Write(append(b, payload...)); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c net.Conn) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVPCDProtocolAndRemoval(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	v := &fakeVPCD{ln: ln}
	card := testenv.NewCard(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- card.Run(ctx, ln.Addr().String()) }()

	conn := v.accept(t)
	send(t, conn, []byte{0x04}) // get ATR
	if atr := recv(t, conn); string(atr) != string(cardapp.ATR) {
		t.Fatalf("ATR % X", atr)
	}
	send(t, conn, []byte{0x01}) // power on: no answer
	sel, _ := hex.DecodeString(strings.ReplaceAll(selectAID, " ", ""))
	send(t, conn, sel)
	if r := recv(t, conn); string(r) != "\x90\x00" {
		t.Fatalf("SELECT answered % X", r)
	}
	send(t, conn, []byte{0x00, 0x20, 0x00, 0x81, 0x06, '1', '2', '3', '4', '5', '6'})
	if r := recv(t, conn); string(r) != "\x90\x00" {
		t.Fatalf("VERIFY answered % X", r)
	}
	send(t, conn, []byte{0x02}) // reset: PIN state and selection gone
	send(t, conn, []byte{0x00, 0x20, 0x00, 0x81})
	if r := recv(t, conn); string(r) != "\x69\x85" {
		t.Fatalf("after reset, VERIFY answered % X", r)
	}

	// Pull the card: the connection closes and stays closed.
	card.Remove()
	var one [1]byte
	if _, err := conn.Read(one[:]); err == nil {
		t.Fatal("connection still open after Remove")
	}
	conn.Close()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(400 * time.Millisecond))
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("the removed card reconnected")
	}
	// Put it back: it reconnects.
	card.Insert()
	conn = v.accept(t)
	send(t, conn, []byte{0x04})
	if atr := recv(t, conn); string(atr) != string(cardapp.ATR) {
		t.Fatalf("ATR after re-insertion % X", atr)
	}
	// vpcd going away: the card reconnects by itself.
	conn.Close()
	conn = v.accept(t)
	conn.Close()

	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
