package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// t0 is the fixed "now" of the tests, so that expiry is deterministic.
var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

const year = 365 * 24 * time.Hour

// tree is the test hierarchy: Tỉnh Lai Châu with two districts and three
// communes.
type tree struct {
	root, d106, c03390, c03394, d105, c03386 Identity
	roots                                    *x509.CertPool
}

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// enrol makes a key and CSR for path and has parent issue it.
func enrol(t testing.TB, parent Identity, path []string, name string, now time.Time, validity time.Duration) Identity {
	t.Helper()
	key := newKey(t)
	csr, err := NewCSR(key, path, name)
	if err != nil {
		t.Fatalf("NewCSR(%v): %v", path, err)
	}
	chain, err := parent.Issue(csr, path, now, validity)
	if err != nil {
		t.Fatalf("Issue(%v): %v", path, err)
	}
	return Identity{Key: key, Chain: chain}
}

func newTree(t testing.TB) *tree {
	t.Helper()
	var tr tree
	var err error
	tr.root, err = NewRoot(newKey(t), []string{"12"}, "Tỉnh Lai Châu", t0, 10*year)
	if err != nil {
		t.Fatalf("NewRoot: %v", err)
	}
	tr.roots = x509.NewCertPool()
	tr.roots.AddCert(tr.root.Root())
	tr.d106 = enrol(t, tr.root, []string{"12", "106"}, "Huyện Tam Đường", t0, 5*year)
	tr.c03390 = enrol(t, tr.d106, []string{"12", "106", "03390"}, "Thị trấn Tam Đường", t0, 2*year)
	tr.c03394 = enrol(t, tr.d106, []string{"12", "106", "03394"}, "Xã Thèn Sin", t0, 2*year)
	tr.d105 = enrol(t, tr.root, []string{"12", "105"}, "Thành phố Lai Châu", t0, 5*year)
	tr.c03386 = enrol(t, tr.d105, []string{"12", "105", "03386"}, "Phường San Thàng", t0, 2*year)
	return &tr
}

func TestDNSNameRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		path []string
		name string
	}{
		{[]string{"12"}, "12.tonghop.internal"},
		{[]string{"vn"}, "vn.tonghop.internal"},
		{[]string{"01", "001", "00001"}, "00001.001.01.tonghop.internal"},
		{[]string{"12", "106", "03390"}, "03390.106.12.tonghop.internal"},
		{[]string{"0"}, "0.tonghop.internal"},
		{[]string{"VN", "aB9"}, "aB9.VN.tonghop.internal"},
	} {
		if got := DNSName(tc.path); got != tc.name {
			t.Errorf("DNSName(%q) = %q, want %q", tc.path, got, tc.name)
		}
		got, err := ParseDNSName(tc.name)
		if err != nil || !slices.Equal(got, tc.path) {
			t.Errorf("ParseDNSName(%q) = %q, %v; want %q", tc.name, got, err, tc.path)
		}
	}
}

func TestParseDNSNameRejects(t *testing.T) {
	for _, name := range []string{
		"",
		"tonghop.internal",
		".tonghop.internal",
		"12..tonghop.internal",
		"03390.106..12.tonghop.internal",
		"12.example.com",
		"12.tonghop.internal.",
		"12.TONGHOP.INTERNAL",
		"12xtonghop.internal",
		"a-b.12.tonghop.internal",
		"a_b.12.tonghop.internal",
		"*.12.tonghop.internal",
		"ấp.12.tonghop.internal",
	} {
		if path, err := ParseDNSName(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ParseDNSName(%q) = %q, %v; want ErrInvalidName", name, path, err)
		}
	}
}

func TestHierarchyVerifies(t *testing.T) {
	tr := newTree(t)
	for _, id := range []Identity{tr.root, tr.d106, tr.c03390, tr.c03394, tr.d105, tr.c03386} {
		want := id.Path()
		got, err := Verify(id.Chain, tr.roots, t0.Add(time.Hour), nil)
		if err != nil {
			t.Errorf("Verify(%v): %v", want, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("Verify = %q, want %q", got, want)
		}
		// Without the root in the chain, as a peer may send it.
		if len(id.Chain) > 1 {
			if got, err := Verify(id.Chain[:len(id.Chain)-1], tr.roots, t0.Add(time.Hour), nil); err != nil || !slices.Equal(got, want) {
				t.Errorf("Verify(%v) without root = %q, %v", want, got, err)
			}
		}
	}
	if got, want := tr.c03390.Path(), []string{"12", "106", "03390"}; !slices.Equal(got, want) {
		t.Errorf("Path = %q, want %q", got, want)
	}
	if got := len(tr.c03390.Chain); got != 3 {
		t.Errorf("commune chain has %d certificates, want 3", got)
	}
	if tr.c03390.Root() != tr.root.Leaf() {
		t.Errorf("commune chain does not end in the root")
	}
}

func TestCertificateContents(t *testing.T) {
	tr := newTree(t)
	root, c := tr.root.Leaf(), tr.c03390.Leaf()

	if !root.IsCA || !root.BasicConstraintsValid || !root.PermittedDNSDomainsCritical ||
		!slices.Equal(root.PermittedDNSDomains, []string{"12.tonghop.internal"}) ||
		!slices.Equal(root.DNSNames, []string{"12.tonghop.internal"}) ||
		root.Subject.CommonName != "Tỉnh Lai Châu" {
		t.Errorf("root certificate: CA %v, constraints %q critical %v, SAN %q, CN %q",
			root.IsCA, root.PermittedDNSDomains, root.PermittedDNSDomainsCritical, root.DNSNames, root.Subject.CommonName)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		t.Errorf("root is not self-signed: %v", err)
	}

	name := "03390.106.12.tonghop.internal"
	if !c.IsCA || !c.BasicConstraintsValid || !c.PermittedDNSDomainsCritical ||
		!slices.Equal(c.PermittedDNSDomains, []string{name}) || !slices.Equal(c.DNSNames, []string{name}) {
		t.Errorf("commune certificate: CA %v, constraints %q critical %v, SAN %q",
			c.IsCA, c.PermittedDNSDomains, c.PermittedDNSDomainsCritical, c.DNSNames)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign {
		t.Errorf("KeyUsage = %v", c.KeyUsage)
	}
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}) {
		t.Errorf("ExtKeyUsage = %v", c.ExtKeyUsage)
	}
	if c.Subject.CommonName != "03390" || len(c.Subject.Organization) != 0 {
		t.Errorf("Subject = %v", c.Subject)
	}
	if len(c.SubjectKeyId) == 0 || string(c.AuthorityKeyId) != string(tr.d106.Leaf().SubjectKeyId) {
		t.Errorf("SubjectKeyId %x, AuthorityKeyId %x, issuer's SubjectKeyId %x",
			c.SubjectKeyId, c.AuthorityKeyId, tr.d106.Leaf().SubjectKeyId)
	}
	if !c.NotBefore.Equal(t0.Add(-5*time.Minute)) || !c.NotAfter.Equal(t0.Add(2*year)) {
		t.Errorf("validity %v .. %v", c.NotBefore, c.NotAfter)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %v", c.SerialNumber)
	}
	if SerialHex(c) == SerialHex(tr.c03394.Leaf()) {
		t.Errorf("two certificates share serial %s", SerialHex(c))
	}
	if _, ok := c.PublicKey.(ed25519.PublicKey); !ok {
		t.Errorf("public key is %T", c.PublicKey)
	}

	// Validity is capped at the issuer's.
	long := enrol(t, tr.d106, []string{"12", "106", "03397"}, "", t0, 100*year)
	if got, want := long.Leaf().NotAfter, tr.d106.Leaf().NotAfter; !got.Equal(want) {
		t.Errorf("NotAfter = %v, want the issuer's %v", got, want)
	}
}

// TestDigitLabels checks that Go's x509 accepts all-digit and leading-zero
// labels in SANs and name constraints, and matches constraints on them label
// by label: the reason DNSName needs no prefix on codes.
func TestDigitLabels(t *testing.T) {
	tr := newTree(t)
	leaf := tr.c03390.Leaf()
	if err := leaf.VerifyHostname("03390.106.12.tonghop.internal"); err != nil {
		t.Errorf("VerifyHostname: %v", err)
	}
	inter := x509.NewCertPool()
	inter.AddCert(tr.d106.Leaf())
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: tr.roots, Intermediates: inter, CurrentTime: t0,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		t.Fatalf("stock Verify of all-digit names: %v", err)
	}
	// Matching is by whole labels: "1060.12" is not under "106.12", nor is
	// "0106.12".
	for _, path := range [][]string{{"12", "1060", "03390"}, {"12", "0106", "03390"}, {"120", "106", "03390"}} {
		forged := forge(t, tr.d106, path)
		_, err := Verify([]*x509.Certificate{forged, tr.d106.Leaf()}, tr.roots, t0, nil)
		assertConstraintViolation(t, err)
	}
}

// forge certifies a new key for path with issuer's key, by hand, bypassing
// the checks of Issue, so that only the verifier stands in the way.
func forge(t testing.TB, issuer Identity, path []string) *x509.Certificate {
	t.Helper()
	pub := newKey(t).Public().(ed25519.PublicKey)
	dns := DNSName(path)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(4242),
		Subject:               pkix.Name{CommonName: path[len(path)-1]},
		NotBefore:             t0.Add(-time.Hour),
		NotAfter:              t0.Add(year),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:              []string{dns},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Leaf(), pub, issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func assertConstraintViolation(t *testing.T, err error) {
	t.Helper()
	var cie x509.CertificateInvalidError
	if !errors.Is(err, ErrUntrusted) || !errors.As(err, &cie) || cie.Reason != x509.CANotAuthorizedForThisName {
		t.Errorf("Verify = %v; want ErrUntrusted from a name constraint violation", err)
	}
}

func TestNameConstraintsEnforced(t *testing.T) {
	tr := newTree(t)
	// District 106 certifies a commune of district 105.
	forged := forge(t, tr.d106, []string{"12", "105", "03386"})
	chain := append([]*x509.Certificate{forged}, tr.d106.Chain...)
	_, err := Verify(chain, tr.roots, t0, nil)
	assertConstraintViolation(t, err)
	t.Logf("forged certificate refused: %v", err)

	// District 106 certifies a sibling district, or the province itself.
	for _, path := range [][]string{{"12", "105"}, {"12"}, {"13", "106"}} {
		forged := forge(t, tr.d106, path)
		_, err := Verify(append([]*x509.Certificate{forged}, tr.d106.Chain...), tr.roots, t0, nil)
		assertConstraintViolation(t, err)
	}

	// A commune's chain through a forged intermediate: 106 makes itself a
	// CA for 105 and certifies 03386 with it. The leaf is still checked
	// against 106's own constraint.
	interKey := newKey(t)
	inter := forgeCA(t, tr.d106, []string{"12", "105"}, interKey)
	leaf := forge(t, Identity{Key: interKey, Chain: []*x509.Certificate{inter}}, []string{"12", "105", "03386"})
	_, err = Verify([]*x509.Certificate{leaf, inter, tr.d106.Leaf()}, tr.roots, t0, nil)
	assertConstraintViolation(t, err)

	// Legitimately, district 106 can certify below its own communes, and
	// Verify accepts it (every node is a CA for its own subtree).
	deep := forge(t, tr.c03390, []string{"12", "106", "03390", "x1"})
	if path, err := Verify(append([]*x509.Certificate{deep}, tr.c03390.Chain...), tr.roots, t0, nil); err != nil ||
		!slices.Equal(path, []string{"12", "106", "03390", "x1"}) {
		t.Errorf("Verify(deep) = %q, %v", path, err)
	}
}

// forgeCA is forge for an intermediate with its own name constraint and a
// given key.
func forgeCA(t testing.TB, issuer Identity, path []string, key ed25519.PrivateKey) *x509.Certificate {
	t.Helper()
	dns := DNSName(path)
	tmpl := &x509.Certificate{
		SerialNumber:                big.NewInt(4343),
		Subject:                     pkix.Name{CommonName: path[len(path)-1]},
		NotBefore:                   t0.Add(-time.Hour),
		NotAfter:                    t0.Add(year),
		IsCA:                        true,
		BasicConstraintsValid:       true,
		KeyUsage:                    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		DNSNames:                    []string{dns},
		PermittedDNSDomains:         []string{dns},
		PermittedDNSDomainsCritical: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Leaf(), key.Public(), issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestCaseOfCodes checks that Verify compares unit paths case-sensitively,
// though DNS constraint matching does not: a unit "ab" cannot vouch for a
// unit under "AB".
func TestCaseOfCodes(t *testing.T) {
	tr := newTree(t)
	dab := enrol(t, tr.root, []string{"12", "ab"}, "", t0, year)
	forged := forge(t, dab, []string{"12", "AB", "01"})
	chain := append([]*x509.Certificate{forged}, dab.Chain...)
	if _, err := Verify(chain, tr.roots, t0, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("Verify = %v, want ErrUntrusted", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	tr := newTree(t)
	key := newKey(t)
	csr, err := NewCSR(key, []string{"12", "106", "03390"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		issuer Identity
		csr    []byte
		path   []string
	}{
		{"grandchild", tr.root, csr, []string{"12", "106", "03390"}},
		{"other district", tr.d105, csr, []string{"12", "105", "03390"}},
		{"sibling", tr.d106, csr, []string{"12", "105"}},
		{"self", tr.d106, csr, []string{"12", "106"}},
		{"SAN differs", tr.d106, csr, []string{"12", "106", "03394"}},
		{"two levels down", tr.root, csr, []string{"12", "106", "03390", "x"}},
		{"case differs", tr.d106, mustCSR(t, []string{"12", "106", "0339a"}), []string{"12", "106", "0339A"}},
		{"bad code", tr.d106, csr, []string{"12", "106", "03-390"}},
		{"garbage CSR", tr.d106, []byte("not a CSR"), []string{"12", "106", "03390"}},
		{"bad signature", tr.d106, tamper(csr), []string{"12", "106", "03390"}},
		{"ECDSA key", tr.d106, ecdsaCSR(t, []string{"12", "106", "03390"}), []string{"12", "106", "03390"}},
		{"two SANs", tr.d106, twoSANCSR(t), []string{"12", "106", "03390"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain, err := tc.issuer.Issue(tc.csr, tc.path, t0, year)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("Issue = %v, %v; want ErrInvalidRequest", chain, err)
			}
		})
	}
	// The valid request, for contrast.
	if _, err := tr.d106.Issue(csr, []string{"12", "106", "03390"}, t0, year); err != nil {
		t.Errorf("Issue of the valid request: %v", err)
	}
	// An issuer whose certificate expired.
	if _, err := tr.d106.Issue(csr, []string{"12", "106", "03390"}, t0.Add(6*year), year); err == nil {
		t.Errorf("Issue by an expired issuer succeeded")
	}
}

func mustCSR(t *testing.T, path []string) []byte {
	t.Helper()
	csr, err := NewCSR(newKey(t), path, "")
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

// tamper flips a bit in the signature at the end of a DER request.
func tamper(der []byte) []byte {
	b := slices.Clone(der)
	b[len(b)-1] ^= 1
	return b
}

func ecdsaCSR(t *testing.T, path []string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{DNSName(path)}}, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func twoSANCSR(t *testing.T) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		DNSNames: []string{"03390.106.12.tonghop.internal", "03394.106.12.tonghop.internal"},
	}, newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestVerifyRefuses(t *testing.T) {
	tr := newTree(t)

	t.Run("expired", func(t *testing.T) {
		_, err := Verify(tr.c03390.Chain, tr.roots, t0.Add(3*year), nil)
		var cie x509.CertificateInvalidError
		if !errors.Is(err, ErrUntrusted) || !errors.As(err, &cie) || cie.Reason != x509.Expired {
			t.Errorf("Verify = %v, want ErrUntrusted (expired)", err)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		if _, err := Verify(tr.c03390.Chain, tr.roots, t0.Add(-time.Hour), nil); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify = %v, want ErrUntrusted", err)
		}
	})
	t.Run("other root", func(t *testing.T) {
		other := newTree(t)
		_, err := Verify(tr.c03390.Chain, other.roots, t0, nil)
		var uae x509.UnknownAuthorityError
		if !errors.Is(err, ErrUntrusted) || !errors.As(err, &uae) {
			t.Errorf("Verify = %v, want ErrUntrusted (unknown authority)", err)
		}
	})
	t.Run("same name, other key", func(t *testing.T) {
		// A root for the same unit "12" with a different key is not ours.
		impostor, err := NewRoot(newKey(t), []string{"12"}, "Tỉnh Lai Châu", t0, year)
		if err != nil {
			t.Fatal(err)
		}
		c := enrol(t, impostor, []string{"12", "106"}, "", t0, year)
		if _, err := Verify(c.Chain, tr.roots, t0, nil); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify = %v, want ErrUntrusted", err)
		}
	})
	t.Run("missing intermediate", func(t *testing.T) {
		chain := []*x509.Certificate{tr.c03390.Leaf(), tr.root.Leaf()}
		if _, err := Verify(chain, tr.roots, t0, nil); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify = %v, want ErrUntrusted", err)
		}
	})
	t.Run("empty chain", func(t *testing.T) {
		if _, err := Verify(nil, tr.roots, t0, nil); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify = %v, want ErrUntrusted", err)
		}
	})
	t.Run("nil roots", func(t *testing.T) {
		if _, err := Verify(tr.c03390.Chain, nil, t0, nil); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify = %v, want ErrUntrusted", err)
		}
	})
}

func TestRevoked(t *testing.T) {
	tr := newTree(t)
	revokedSerial := SerialHex(tr.d106.Leaf())
	revoked := func(c *x509.Certificate) bool { return SerialHex(c) == revokedSerial }

	for _, id := range []Identity{tr.d106, tr.c03390, tr.c03394} {
		_, err := Verify(id.Chain, tr.roots, t0, revoked)
		if !errors.Is(err, ErrRevoked) || errors.Is(err, ErrUntrusted) {
			t.Errorf("Verify(%q) = %v, want ErrRevoked", id.Path(), err)
		}
	}
	for _, id := range []Identity{tr.root, tr.d105, tr.c03386} {
		if _, err := Verify(id.Chain, tr.roots, t0, revoked); err != nil {
			t.Errorf("Verify(%q) = %v, want success", id.Path(), err)
		}
	}

	// After the district is re-certified with the same key, under a new
	// name, its communes' certificates verify through the new certificate.
	csr, err := NewCSR(tr.d106.Key, []string{"12", "106"}, "Huyện Tam Đường (mới)")
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := tr.root.Issue(csr, []string{"12", "106"}, t0, year)
	if err != nil {
		t.Fatal(err)
	}
	chain := append([]*x509.Certificate{tr.c03390.Leaf()}, renewed...)
	chain = append(chain, tr.d106.Leaf()) // the revoked one, too, as a stale peer might send
	if path, err := Verify(chain, tr.roots, t0, revoked); err != nil || !slices.Equal(path, tr.c03390.Path()) {
		t.Errorf("Verify through the renewed district = %q, %v", path, err)
	}
}

func TestFingerprint(t *testing.T) {
	tr := newTree(t)
	fp := Fingerprint(tr.root.Leaf())
	if len(fp) != 64 {
		t.Errorf("Fingerprint = %q, want 64 hex digits", fp)
	}
	for _, r := range fp {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			t.Fatalf("Fingerprint = %q, want lowercase hex", fp)
		}
	}
	if fp == Fingerprint(tr.d106.Leaf()) {
		t.Errorf("two certificates share a fingerprint")
	}
	if got := SerialHex(&x509.Certificate{SerialNumber: big.NewInt(0xabc)}); got != "abc" {
		t.Errorf("SerialHex = %q, want abc", got)
	}
}

func TestSaveLoad(t *testing.T) {
	tr := newTree(t)
	dir := t.TempDir()

	if _, err := Load(dir); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("Load of an empty dir = %v, want ErrNoIdentity", err)
	}
	if _, err := LoadKey(dir); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("LoadKey of an empty dir = %v, want ErrNoIdentity", err)
	}

	// Before enrolment: a key, no certificate.
	if err := SaveKey(dir, tr.c03390.Key); err != nil {
		t.Fatal(err)
	}
	key, err := LoadKey(dir)
	if err != nil || !key.Equal(tr.c03390.Key) {
		t.Errorf("LoadKey = %v; want the saved key", err)
	}
	if _, err := Load(dir); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("Load without a certificate = %v, want ErrNoIdentity", err)
	}

	if err := Save(dir, tr.c03390); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Key.Equal(tr.c03390.Key) || len(got.Chain) != len(tr.c03390.Chain) {
		t.Fatalf("Load = %d certificates, want %d", len(got.Chain), len(tr.c03390.Chain))
	}
	for i := range got.Chain {
		if !got.Chain[i].Equal(tr.c03390.Chain[i]) {
			t.Errorf("certificate %d differs after the round trip", i)
		}
	}
	if p, err := Verify(got.Chain, tr.roots, t0, nil); err != nil || !slices.Equal(p, tr.c03390.Path()) {
		t.Errorf("Verify(loaded) = %q, %v", p, err)
	}

	fi, err := os.Stat(filepath.Join(dir, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("node.key mode = %v, want 0600", mode)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("dir holds %d entries, want node.key and node.crt only (no temporary files)", len(entries))
	}

	// A key that the certificate does not certify.
	if err := Save(dir, Identity{Key: tr.c03394.Key, Chain: tr.c03390.Chain}); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Save of a mismatched pair = %v, want ErrKeyMismatch", err)
	}
	if err := SaveKey(dir, tr.c03394.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Load of a mismatched pair = %v, want ErrKeyMismatch", err)
	}

	// Damaged files.
	if err := os.WriteFile(filepath.Join(dir, "node.crt"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, ErrMalformed) {
		t.Errorf("Load of a damaged chain = %v, want ErrMalformed", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node.key"), EncodeChainPEM(tr.root.Chain), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); !errors.Is(err, ErrMalformed) {
		t.Errorf("LoadKey of a certificate = %v, want ErrMalformed", err)
	}

	if err := Save(filepath.Join(dir, "missing"), tr.c03390); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Save to a missing dir = %v, want fs.ErrNotExist", err)
	}
}

func TestChainPEM(t *testing.T) {
	tr := newTree(t)
	data := EncodeChainPEM(tr.c03386.Chain)
	chain, err := DecodeChainPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 3 || !chain[0].Equal(tr.c03386.Leaf()) || !chain[2].Equal(tr.root.Leaf()) {
		t.Errorf("DecodeChainPEM returned %d certificates, not the chain", len(chain))
	}
	for _, bad := range [][]byte{nil, []byte("\n"), append(slices.Clone(data), "trailing"...)} {
		if _, err := DecodeChainPEM(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeChainPEM(%.20q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	tr := newTree(b)
	chain := tr.c03390.Chain
	revoked := func(*x509.Certificate) bool { return false }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(chain, tr.roots, t0, revoked); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNewChild: a child made in one step verifies to its path, as one
// enrolled through a request does.
func TestNewChild(t *testing.T) {
	tr := newTree(t)
	child, err := tr.d106.NewChild([]string{"12", "106", "03400"}, t0, year)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(child.Chain, tr.roots, t0.Add(time.Hour), nil)
	if err != nil || !slices.Equal(got, []string{"12", "106", "03400"}) {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	if _, err := tr.d106.NewChild([]string{"12", "105", "03386"}, t0, year); err == nil {
		t.Fatal("a district made a child outside its subtree")
	}
}

// TestSaveCrashMended: a node renewing by itself can stop at any step of
// Save. Stopped after the new key is beside the old one, it loads the old
// pair; stopped after the chain is replaced too, Load finishes the job and
// the node starts with the new pair.
func TestSaveCrashMended(t *testing.T) {
	tr := newTree(t)
	old := tr.c03390
	next := enrol(t, tr.d106, []string{"12", "106", "03390"}, "Thị trấn Tam Đường", t0, 24*time.Hour)
	dir := t.TempDir()
	if err := Save(dir, old); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, nextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a finished Save leaves %s: %v", nextKeyFile, err)
	}

	// Stopped after the first step.
	if err := saveKeyAs(filepath.Join(dir, nextKeyFile), next.Key); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(dir); err != nil || !got.Key.Equal(old.Key) || SerialHex(got.Leaf()) != SerialHex(old.Leaf()) {
		t.Fatalf("after the first step: %v", err)
	}
	// Stopped after the second.
	if err := writeFileAtomic(filepath.Join(dir, certFile), EncodeChainPEM(next.Chain), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil || !got.Key.Equal(next.Key) || SerialHex(got.Leaf()) != SerialHex(next.Leaf()) {
		t.Fatalf("after the second step: %v", err)
	}
	if key, err := LoadKey(dir); err != nil || !key.Equal(next.Key) {
		t.Fatalf("the key file after mending: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, nextKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("mending leaves %s: %v", nextKeyFile, err)
	}

	// A chain for neither key is still a mismatch.
	if err := writeFileAtomic(filepath.Join(dir, certFile), EncodeChainPEM(tr.c03394.Chain), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("a chain for another key: %v", err)
	}
}
