package bridge

import (
	"context"
	"crypto/ecdsa"

	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/protocol"
)

// sign_login: the card signs protocol.LoginDigest(origin, nonce), origin
// being the page's own (the websocket's Origin header, already checked
// against the allowlist), so the signature is good for that origin only.
func handleSignLogin(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	nonce := req.SignLogin.Nonce
	origin := c.origin
	sig, cert, err := signOnCard(ctx, c, req.SignLogin.PIN, func(pub *ecdsa.PublicKey) ([]byte, func([]byte) bool, error) {
		e, err := cardsig.LoginDigest(pub, origin, nonce)
		return e, func(sig []byte) bool { return cardsig.VerifyLogin(pub, origin, nonce, sig) }, err
	})
	if err != nil {
		return nil, err
	}
	return protocol.SignLoginResult{
		Signature: sig, Certificate: cert, Algorithm: protocol.SignAlgorithm, Origin: origin,
	}, nil
}
