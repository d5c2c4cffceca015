package trust

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// backdate is how far before "now" a certificate starts to be valid, so that
// a peer whose clock is a few minutes behind the issuer's still accepts it.
const backdate = 5 * time.Minute

// GenerateKey returns a new Ed25519 private key from crypto/rand.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("trust: generate key: %w", err)
	}
	return key, nil
}

// Identity is a node's key and its certificate chain: the leaf (the node's own
// certificate) first, the root last. The root's Identity has a chain of one.
type Identity struct {
	Key   ed25519.PrivateKey
	Chain []*x509.Certificate
}

// Leaf returns the node's own certificate, or nil if the chain is empty.
func (id Identity) Leaf() *x509.Certificate {
	if len(id.Chain) == 0 {
		return nil
	}
	return id.Chain[0]
}

// Root returns the last certificate of the chain, the root CA, or nil if the
// chain is empty.
func (id Identity) Root() *x509.Certificate {
	if len(id.Chain) == 0 {
		return nil
	}
	return id.Chain[len(id.Chain)-1]
}

// Path returns the unit path named by the leaf's single DNS SAN, or nil if
// there is no leaf or it names no unit.
func (id Identity) Path() []string {
	leaf := id.Leaf()
	if leaf == nil {
		return nil
	}
	path, err := certPath(leaf)
	if err != nil {
		return nil
	}
	return path
}

// certPath returns the unit path named by cert, which must carry exactly one
// SAN, a DNS name under Suffix. Other SAN types are refused so that a
// certificate means one unit and nothing else.
func certPath(cert *x509.Certificate) ([]string, error) {
	if len(cert.DNSNames) != 1 || len(cert.IPAddresses) != 0 ||
		len(cert.EmailAddresses) != 0 || len(cert.URIs) != 0 {
		return nil, fmt.Errorf("%w: certificate must name exactly one DNS SAN and nothing else, has %q",
			ErrInvalidName, cert.DNSNames)
	}
	return ParseDNSName(cert.DNSNames[0])
}

// NewRoot makes the self-signed CA certificate of the root unit at path
// (usually of length 1: ["12"] for a province-rooted deployment, ["vn"] for
// the centre). The certificate is a CA valid from now-5m to now+validity,
// with SAN DNSName(path) and a critical name constraint permitting only
// DNSName(path) and its subdomains; name, the unit's human name (e.g. "Tỉnh
// Lai Châu"), is its Subject CommonName, or the unit code if name is empty.
func NewRoot(key ed25519.PrivateKey, path []string, name string, now time.Time, validity time.Duration) (Identity, error) {
	if err := checkKey(key); err != nil {
		return Identity{}, fmt.Errorf("trust: new root: %w", err)
	}
	if err := checkPath(path); err != nil {
		return Identity{}, fmt.Errorf("trust: new root: %w", err)
	}
	if validity <= 0 {
		return Identity{}, fmt.Errorf("trust: new root: validity %v must be positive", validity)
	}
	if name == "" {
		name = path[len(path)-1]
	}
	pub := key.Public().(ed25519.PublicKey)
	dns := DNSName(path)
	tmpl := &x509.Certificate{
		SerialNumber:                newSerial(),
		Subject:                     pkix.Name{CommonName: name},
		NotBefore:                   now.Add(-backdate),
		NotAfter:                    now.Add(validity),
		IsCA:                        true,
		BasicConstraintsValid:       true,
		KeyUsage:                    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		DNSNames:                    []string{dns},
		PermittedDNSDomains:         []string{dns},
		PermittedDNSDomainsCritical: true,
		SubjectKeyId:                keyID(pub),
		// No ExtKeyUsage: a root without one does not restrict its subtree,
		// and each issued certificate lists its own.
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return Identity{}, fmt.Errorf("trust: new root %s: %w", dns, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return Identity{}, fmt.Errorf("trust: new root %s: %w", dns, err)
	}
	return Identity{Key: key, Chain: []*x509.Certificate{cert}}, nil
}

// NewCSR makes a DER certificate request for the unit at path, signed by key,
// with SAN DNSName(path) and Subject CommonName the unit's code. name, the
// unit's human name, goes into the request's Subject Organization, for the
// administrator who approves the enrolment to read; [Issue] does not copy it
// into the certificate.
func NewCSR(key ed25519.PrivateKey, path []string, name string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("trust: new CSR: %w", err)
	}
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("trust: new CSR: %w", err)
	}
	subject := pkix.Name{CommonName: path[len(path)-1]}
	if name != "" {
		subject.Organization = []string{name}
	}
	tmpl := &x509.CertificateRequest{
		Subject:  subject,
		DNSNames: []string{DNSName(path)},
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("trust: new CSR for %s: %w", DNSName(path), err)
	}
	return der, nil
}

// Issue certifies the key in the child's DER certificate request csrDER for
// the unit at childPath, and returns the child's full chain: the new
// certificate first, then id's chain.
//
// It refuses, with an error wrapping [ErrInvalidRequest], a request whose
// signature does not verify, whose key is not Ed25519, that does not name
// exactly one DNS SAN (and no other SAN), or whose SAN is not
// DNSName(childPath); and a childPath that is not id's own path plus exactly
// one more code. These checks make Issue refuse what the verifier would
// reject anyway, so that mistakes surface at enrolment, not at first use.
//
// The certificate's subject is the unit's code alone (CommonName), whatever
// the request asked for: a child's certificate names its issuer by subject,
// so the subject must not change when a unit is renamed and re-certified
// with the same key, or every certificate below it would stop chaining.
// It has a random 128-bit serial; is valid from now-5m to
// now+validity, but never beyond the issuer's own NotAfter; is a CA
// (every node is a CA for its own subtree) with key usages DigitalSignature
// and CertSign and extended key usages ServerAuth and ClientAuth; carries a
// critical name constraint permitting only DNSName(childPath) and its
// subdomains; and has SAN DNSName(childPath) and subject and authority key
// identifiers.
func (id Identity) Issue(csrDER []byte, childPath []string, now time.Time, validity time.Duration) ([]*x509.Certificate, error) {
	issuer := id.Leaf()
	if issuer == nil {
		return nil, fmt.Errorf("trust: issue: %w: issuer has no certificate", ErrNoIdentity)
	}
	if err := checkKey(id.Key); err != nil {
		return nil, fmt.Errorf("trust: issue: %w", err)
	}
	if !id.Key.Public().(ed25519.PublicKey).Equal(issuer.PublicKey) {
		return nil, fmt.Errorf("trust: issue: %w", ErrKeyMismatch)
	}
	issuerPath, err := certPath(issuer)
	if err != nil {
		return nil, fmt.Errorf("trust: issue: issuer certificate: %w", err)
	}
	if err := checkPath(childPath); err != nil {
		return nil, fmt.Errorf("trust: issue: %w: child path: %w", ErrInvalidRequest, err)
	}
	if !isDirectChild(issuerPath, childPath) {
		return nil, fmt.Errorf("trust: issue: %w: unit %s is not directly under the issuer %s",
			ErrInvalidRequest, JoinPath(childPath), JoinPath(issuerPath))
	}
	if validity <= 0 {
		return nil, fmt.Errorf("trust: issue: validity %v must be positive", validity)
	}
	if !now.Before(issuer.NotAfter) {
		return nil, fmt.Errorf("trust: issue: issuer certificate expired at %s", issuer.NotAfter.Format(time.RFC3339))
	}

	dns := DNSName(childPath)
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, fmt.Errorf("trust: issue %s: %w: %w", dns, ErrInvalidRequest, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("trust: issue %s: %w: signature: %w", dns, ErrInvalidRequest, err)
	}
	pub, ok := csr.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("trust: issue %s: %w: key is %T, want Ed25519", dns, ErrInvalidRequest, csr.PublicKey)
	}
	if len(csr.DNSNames) != 1 || len(csr.IPAddresses) != 0 || len(csr.EmailAddresses) != 0 || len(csr.URIs) != 0 {
		return nil, fmt.Errorf("trust: issue %s: %w: request must name exactly one DNS SAN and nothing else, has %q",
			dns, ErrInvalidRequest, csr.DNSNames)
	}
	if csr.DNSNames[0] != dns {
		return nil, fmt.Errorf("trust: issue %s: %w: request names %q", dns, ErrInvalidRequest, csr.DNSNames[0])
	}

	notAfter := now.Add(validity)
	if notAfter.After(issuer.NotAfter) {
		notAfter = issuer.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:                newSerial(),
		Subject:                     pkix.Name{CommonName: childPath[len(childPath)-1]},
		NotBefore:                   now.Add(-backdate),
		NotAfter:                    notAfter,
		IsCA:                        true,
		BasicConstraintsValid:       true,
		KeyUsage:                    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:                 []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:                    []string{dns},
		PermittedDNSDomains:         []string{dns},
		PermittedDNSDomainsCritical: true,
		SubjectKeyId:                keyID(pub),
		AuthorityKeyId:              issuer.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, id.Key)
	if err != nil {
		return nil, fmt.Errorf("trust: issue %s: %w", dns, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("trust: issue %s: %w", dns, err)
	}
	chain := make([]*x509.Certificate, 0, len(id.Chain)+1)
	chain = append(chain, cert)
	return append(chain, id.Chain...), nil
}

// NewChild makes a key for the unit at childPath and certifies it, as
// enrolment does in two steps across the network (the child's request, the
// parent's Issue): for tests and load generation, which hold both ends.
func (id Identity) NewChild(childPath []string, now time.Time, validity time.Duration) (Identity, error) {
	key, err := GenerateKey()
	if err != nil {
		return Identity{}, err
	}
	csr, err := NewCSR(key, childPath, "")
	if err != nil {
		return Identity{}, err
	}
	chain, err := id.Issue(csr, childPath, now, validity)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Key: key, Chain: chain}, nil
}

// checkKey rejects a key of the wrong length, which ed25519 would otherwise
// answer with a panic.
func checkKey(key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("%w: Ed25519 private key has %d bytes, want %d", ErrMalformed, len(key), ed25519.PrivateKeySize)
	}
	return nil
}

// newSerial returns a random positive 128-bit serial number. RFC 5280 wants
// serials positive and unique per issuer; 128 random bits make a collision
// negligible without any state to keep.
func newSerial() *big.Int {
	var b [16]byte
	for {
		rand.Read(b[:]) // never fails (crypto/rand, Go ≥ 1.24)
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n
		}
	}
}

// keyID is a key identifier for pub: the leftmost 160 bits of the SHA-256 of
// the subjectPublicKey bits (RFC 7093 method 1), which for Ed25519 are the 32
// raw key bytes.
func keyID(pub ed25519.PublicKey) []byte {
	sum := sha256.Sum256(pub)
	return sum[:20]
}

// CertPath returns the unit path a certificate names, refusing a
// certificate that names anything else or more than one unit.
func CertPath(cert *x509.Certificate) ([]string, error) { return certPath(cert) }
