package softcard

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
)

// SelfSignedCertificate makes a demo card certificate (SM2 with SM3) over
// key until the back-end CA issues real ones. Subject: CN = holder name,
// SERIALNUMBER = enterprise credit code, OU = card number and card kind,
// O = "eportid demo card".
func SelfSignedCertificate(rnd io.Reader, key *sm2.PrivateKey, info cardapp.CardInfo) ([]byte, error) {
	serial := make([]byte, 16)
	if _, err := io.ReadFull(rnd, serial); err != nil {
		return nil, err
	}
	serial[0] &= 0x7F
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial),
		Subject: pkix.Name{
			CommonName:         info.HolderName,
			SerialNumber:       info.CreditCode,
			OrganizationalUnit: []string{info.CardNumber, info.Kind.String()},
			Organization:       []string{"eportid demo card"},
			Country:            []string{"CN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	return smx509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
}
