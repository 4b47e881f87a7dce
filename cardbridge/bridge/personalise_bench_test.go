package bridge_test

import (
	"fmt"
	"testing"

	"eportid/cardbridge/protocol"
	"eportid/cardbridge/testenv"
)

// BenchmarkPersonalise is one personalisation of a blank card through the
// bridge as the review console does it: keygen (the key pair made on the
// card), the certificate for that key, write (card info, certificate,
// admin key, PIN, finalise). The card is in the in-process reader, so the
// figure is the bridge's and the card application's work without the
// PC/SC transport; the PC/SC round trips add what BenchmarkSignPCSC
// shows per command.
func BenchmarkPersonalise(b *testing.B) {
	ca := newTestCA(b, "eportid bench CA")
	reader := testenv.NewMemReader(testenv.NewBlankCard(b))
	con := mustDial(b, startIssuerBridge(b, reader, ca), issuerOrigin)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		reader.Swap(testenv.NewBlankCard(b))
		tok := operatorToken(fmt.Sprintf("bench-%d", i))
		good := ca.token(b, tok)
		b.StartTimer()
		kg := result[protocol.PersonaliseKeygenResult](b, call(b, con, "k", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}))
		cert := ca.issue(b, kg.PublicKey, tok)
		result[protocol.PersonaliseWriteResult](b, call(b, con, "w", protocol.CmdPersonaliseWrite, map[string]any{
			"token": good, "certificate": cert, "admin_key": make([]byte, 16), "pin": "123456"}))
	}
}
