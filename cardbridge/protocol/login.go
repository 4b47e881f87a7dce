package protocol

// LoginDigest is what a card login signature covers, bound to the page's
// origin as Web eID binds its authentication token:
//
//	SM3( SM3(origin) || SM3(nonce) )
//
// origin is the ASCII serialization of the page's origin exactly as the
// browser sends it in the Origin header (RFC 6454: scheme "://" host
// [":" port], no trailing slash, e.g. "http://127.0.0.1:8080"); nonce is the
// raw nonce bytes the server issued (not their base64 text).
//
// The card signs it as an SM2 message M (GB/T 32918.2: e = SM3(Z_A || M),
// default user id), so the server checks a login with
//
//	sm2.VerifyASN1WithSM2(pub, nil, digest[:], signature)
//
// (cardbridge/cardsig.VerifyLogin does exactly this). A signature made
// for one origin or nonce does not verify for any other.
func LoginDigest(origin string, nonce []byte) [32]byte {
	ho := sm3Sum([]byte(origin))
	hn := sm3Sum(nonce)
	return sm3Sum(ho[:], hn[:])
}

// signPrefix separates declaration signatures from login signatures: a
// sign request can never produce a signature over a LoginDigest (that
// would need a digest starting with this prefix), so a page allowed to ask
// for declaration signatures cannot forge a login for another origin.
const signPrefix = "EPORTID-SIGN-V1\x00"

// SignedMessage is the SM2 message M that the sign command has the card
// sign for data: the prefix "EPORTID-SIGN-V1" and a zero byte, then data.
// The server verifies with sm2.VerifyASN1WithSM2(pub, nil,
// SignedMessage(data), signature) (cardsig.VerifySign).
func SignedMessage(data []byte) []byte {
	m := make([]byte, 0, len(signPrefix)+len(data))
	m = append(m, signPrefix...)
	return append(m, data...)
}
