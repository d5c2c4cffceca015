package envelope

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testPKI is a self-signed Ed25519 CA and leaves it signs. Keys come from
// fixed seeds, so certificates are the same on every run.
type testPKI struct {
	caKey ed25519.PrivateKey
	ca    *x509.Certificate
}

func seedKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func newTestPKI(tb testing.TB) *testPKI {
	tb.Helper()
	key := seedKey(1)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test root"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return &testPKI{caKey: key, ca: createCert(tb, tmpl, tmpl, key.Public(), key)}
}

// leaf returns a key with seed and a certificate for it signed by the CA.
func (p *testPKI) leaf(tb testing.TB, seed byte, unit string) (ed25519.PrivateKey, []*x509.Certificate) {
	tb.Helper()
	key := seedKey(seed)
	return key, []*x509.Certificate{p.leafCert(tb, int64(seed)+100, unit, key.Public()), p.ca}
}

func (p *testPKI) leafCert(tb testing.TB, serial int64, unit string, pub crypto.PublicKey) *x509.Certificate {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: unit},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	return createCert(tb, tmpl, p.ca, pub, p.caKey)
}

// ecdsaLeaf returns a certificate for a P-256 key, which envelopes must
// not accept as a signer.
func (p *testPKI) ecdsaLeaf(tb testing.TB) *x509.Certificate {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return p.leafCert(tb, 999, "ecdsa", k.Public())
}

func createCert(tb testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// wireEnvelope writes an envelope by hand, for inputs Marshal would never
// produce.
func wireEnvelope(payloadType, payload, keyID, sig string, certs ...string) string {
	quoted := make([]string, len(certs))
	for i, c := range certs {
		quoted[i] = `"` + c + `"`
	}
	return fmt.Sprintf(`{"payloadType":%q,"payload":%q,"signatures":[{"keyid":%q,"sig":%q,"certificates":[%s]}]}`,
		payloadType, payload, keyID, sig, strings.Join(quoted, ","))
}

// sampleSubmission is a tiny submission whose canonical encoding the
// tests spell out by hand.
func sampleSubmission() Submission {
	return Submission{
		Unit:           "03390",
		DataSet:        "tong_ket_nam",
		Period:         "2021",
		Revision:       2,
		CatalogVersion: "2024.1",
		CatalogDigest:  "9f86d081",
		SignedAt:       time.Date(2021, 12, 31, 23, 59, 58, 123456789, time.UTC),
		// Deliberately unsorted.
		Values: []Value{
			{Element: "ho_ngheo", Count: 0},
			{Element: "dan_so", Option: "nu", Count: 5120},
			{Element: "dan_so", Count: 10300},
		},
		Sections: []Section{
			{Code: "uu_diem", Text: "Ưu điểm: \"tốt\"\nhết"},
			{Code: "han_che", Text: "Hạn chế"},
		},
	}
}

const sampleSubmissionJSON = `{"version":1,"unit":"03390","data_set":"tong_ket_nam","period":"2021","revision":2,` +
	`"catalog_version":"2024.1","catalog_digest":"9f86d081","signed_at":"2021-12-31T23:59:58.123456789Z",` +
	`"values":[{"element":"dan_so","option":"","count":10300},{"element":"dan_so","option":"nu","count":5120},{"element":"ho_ngheo","option":"","count":0}],` +
	`"sections":[{"code":"han_che","text":"Hạn chế"},{"code":"uu_diem","text":"Ưu điểm: \"tốt\"\nhết"}]}`

// sorted returns the sample as it decodes: lists in canonical order.
func sortedSampleSubmission() Submission {
	s := sampleSubmission()
	s.Values = []Value{s.Values[2], s.Values[1], s.Values[0]}
	s.Sections = []Section{s.Sections[1], s.Sections[0]}
	return s
}

// bigSubmission returns a submission with n values.
func bigSubmission(n int) Submission {
	s := sampleSubmission()
	s.Values = make([]Value, n)
	for i := range s.Values {
		s.Values[i] = Value{Element: fmt.Sprintf("chi_tieu_%03d", i/3), Option: []string{"", "nam", "nu"}[i%3], Count: int64(i * 37)}
	}
	return s
}

func wantErr(tb testing.TB, err, sentinel error, contains string) {
	tb.Helper()
	if !errors.Is(err, sentinel) {
		tb.Fatalf("error = %v, want %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), contains) {
		tb.Fatalf("error %q does not mention %q", err, contains)
	}
}
