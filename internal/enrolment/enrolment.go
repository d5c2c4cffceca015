// Package enrolment owns how a node joins the trust hierarchy and leaves it:
// the parent's one-time tokens, the certificates it issues and renews for its
// children, revocation (which travels up as a signed notice so that every
// level above refuses too), and the child's side of enrolling.
package enrolment

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// Defaults for certificates and tokens.
const (
	CertValidity  = 2 * 365 * 24 * time.Hour
	TokenValidity = 7 * 24 * time.Hour
	tokenPrefix   = "tonghop1"
)

var (
	// ErrBadToken means a token that is not of tonghop's form.
	ErrBadToken = errors.New("enrolment token is malformed")
	// ErrNotChild means the caller is not a direct child of this node.
	ErrNotChild = errors.New("not a direct child of this node")
)

// Token is an enrolment token's parts. The child pins the root through
// RootFingerprint before it holds any certificate.
type Token struct {
	Unit            string
	RootFingerprint string
	Secret          []byte
}

// String writes tonghop1.UNIT.ROOTFINGERPRINT.SECRET.
func (t Token) String() string {
	return strings.Join([]string{tokenPrefix, t.Unit, t.RootFingerprint, base64.RawURLEncoding.EncodeToString(t.Secret)}, ".")
}

// ParseToken reads a token written by String.
func ParseToken(s string) (Token, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 4 || parts[0] != tokenPrefix || parts[1] == "" || len(parts[2]) != 64 {
		return Token{}, ErrBadToken
	}
	if _, err := hex.DecodeString(parts[2]); err != nil {
		return Token{}, ErrBadToken
	}
	secret, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || len(secret) != 32 {
		return Token{}, ErrBadToken
	}
	return Token{Unit: parts[1], RootFingerprint: parts[2], Secret: secret}, nil
}

func secretHash(secret []byte) string {
	h := sha256.Sum256(secret)
	return hex.EncodeToString(h[:])
}

// Parent is the parent's side: it admits, renews and revokes its children.
type Parent struct {
	Store    *store.Store
	Identity *atomic.Pointer[trust.Identity]
	Tree     *hierarchy.Tree
	// TreeOn, when set, is the hierarchy in force on a day: who are this
	// node's children changes with the map. Nil means Tree on every day.
	TreeOn func(day time.Time) *hierarchy.Tree
	// Successions are the reorganisations this node knows: which old
	// units each new unit was formed from (see SourcesOf).
	Successions func() []Succession
	Self        string
	Revocations *trust.Revocations
	// Forward says whether revocation notices go up to a parent.
	Forward bool
	Queued  func()
	Now     func() time.Time
}

func (p *Parent) identity() (trust.Identity, error) {
	id := p.Identity.Load()
	if id == nil {
		return trust.Identity{}, fmt.Errorf("%w: this node has no certificate to issue from", trust.ErrNotEnrolled)
	}
	return *id, nil
}

// child checks that unit is a direct child today and returns its path.
func (p *Parent) child(field, unit string) ([]string, error) {
	_, path, err := p.childOn(field, unit, p.Now())
	return path, err
}

// childOn checks that unit is a direct child on day and returns it and
// its path.
func (p *Parent) childOn(field, unit string, day time.Time) (hierarchy.Unit, []string, error) {
	tree := p.treeOn(day)
	u, ok := tree.Unit(unit)
	switch {
	case unit == "":
		return u, nil, invalid.Field(field, "is required")
	case !ok || u.Parent != p.Self:
		return u, nil, invalid.Field(field, "%s is not a direct child of this node (%s) on %s", unit, p.Self, day.In(numfmt.Zone()).Format(time.DateOnly))
	}
	return u, tree.Path(unit), nil
}

func (p *Parent) treeOn(day time.Time) *hierarchy.Tree {
	if p.TreeOn == nil {
		return p.Tree
	}
	return p.TreeOn(day)
}

// validity is how long a certificate issued now for u is valid: CertValidity,
// but never beyond the end of the unit (see [UnitEnd]), so that an abolished
// unit's key cannot sign after its last day, whoever checks.
func validity(u hierarchy.Unit, now time.Time) time.Duration {
	end := UnitEnd(u)
	if end.IsZero() || end.Sub(now) > CertValidity {
		return CertValidity
	}
	return end.Sub(now)
}

// CreateToken makes a one-time enrolment token for a direct child.
func (p *Parent) CreateToken(unit string, valid time.Duration) (Token, time.Time, error) {
	id, err := p.identity()
	if err != nil {
		return Token{}, time.Time{}, err
	}
	if _, err := p.child("unit_code", unit); err != nil {
		return Token{}, time.Time{}, err
	}
	if valid <= 0 {
		valid = TokenValidity
	}
	t := Token{Unit: unit, RootFingerprint: trust.Fingerprint(id.Root()), Secret: make([]byte, 32)}
	if _, err := rand.Read(t.Secret); err != nil {
		return Token{}, time.Time{}, err
	}
	now := p.Now().UTC()
	expires := now.Add(valid)
	if err := p.Store.PutToken(secretHash(t.Secret), store.Token{Unit: unit, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return Token{}, time.Time{}, err
	}
	return t, expires, nil
}

func issued(chain []*x509.Certificate, unit string) store.Issued {
	c := chain[0]
	return store.Issued{
		Serial: trust.SerialHex(c), Unit: unit, Fingerprint: trust.Fingerprint(c),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, DER: c.Raw,
	}
}

// Enroll spends a token on a certificate request and returns the child's
// chain. A token serves once.
func (p *Parent) Enroll(token string, csr []byte) ([]*x509.Certificate, error) {
	id, err := p.identity()
	if err != nil {
		return nil, err
	}
	t, err := ParseToken(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrTokenInvalid, err)
	}
	var chain []*x509.Certificate
	_, err = p.Store.Enroll(secretHash(t.Secret), p.Now(), func(rec store.Token) (store.Issued, error) {
		if rec.Unit != t.Unit {
			return store.Issued{}, store.ErrTokenInvalid
		}
		now := p.Now()
		u, path, err := p.childOn("token", rec.Unit, now)
		if err != nil {
			return store.Issued{}, err
		}
		chain, err = id.Issue(csr, path, now, validity(u, now))
		if err != nil {
			return store.Issued{}, invalid.Field("csr", "%v", err)
		}
		return issued(chain, rec.Unit), nil
	})
	if err != nil {
		return nil, err
	}
	return chain, nil
}

// Renew certifies a new key of the direct child at peerPath, which proved
// itself with its current certificate; that one stays valid.
func (p *Parent) Renew(peerPath []string, csr []byte) ([]*x509.Certificate, error) {
	id, err := p.identity()
	if err != nil {
		return nil, err
	}
	if len(peerPath) == 0 || !slices.Equal(peerPath, p.treeOn(p.Now()).Path(peerPath[len(peerPath)-1])) {
		return nil, ErrNotChild
	}
	unit := peerPath[len(peerPath)-1]
	now := p.Now()
	u, _, err := p.childOn("unit_code", unit, now)
	if err != nil {
		return nil, ErrNotChild
	}
	chain, err := id.Issue(csr, peerPath, now, validity(u, now))
	if err != nil {
		return nil, invalid.Field("csr", "%v", err)
	}
	if err := p.Store.PutIssued(issued(chain, unit)); err != nil {
		return nil, err
	}
	return chain, nil
}

// Revoke revokes every certificate issued to a direct child, effective here
// at once and, through the queued notices, at every level above.
func (p *Parent) Revoke(unit, reason string) ([]store.Issued, error) {
	id, err := p.identity()
	if err != nil {
		return nil, err
	}
	if _, err := p.child("unit_code", unit); err != nil {
		return nil, err
	}
	fp := trust.Fingerprint(id.Leaf())
	if err := p.refuseFirst(unit, nil); err != nil {
		return nil, err
	}
	revoked, err := p.Store.RevokeIssued(unit, reason, fp, p.Forward, p.notices(id, reason))
	if err != nil {
		return nil, err
	}
	for _, c := range revoked {
		p.Revocations.Add(c.Fingerprint)
	}
	if p.Forward && p.Queued != nil {
		p.Queued()
	}
	return revoked, nil
}

// notices signs the revocation notices of certificates revoked for reason.
func (p *Parent) notices(id trust.Identity, reason string) func([]store.Issued) ([]store.Notice, error) {
	fp := trust.Fingerprint(id.Leaf())
	return func(cs []store.Issued) ([]store.Notice, error) {
		var ns []store.Notice
		for _, c := range cs {
			payload, err := envelope.EncodeRevocation(envelope.Revocation{
				Serial: c.Serial, Unit: c.Unit, IssuerFingerprint: fp, Certificate: c.DER, Reason: reason, RevokedAt: c.RevokedAt,
			})
			if err != nil {
				return nil, err
			}
			raw, err := envelope.Seal(envelope.RevocationType, payload, id.Key, id.Chain)
			if err != nil {
				return nil, err
			}
			ns = append(ns, store.Notice{Digest: envelope.Digest(raw), Envelope: raw})
		}
		return ns, nil
	}
}

// Child is a direct child with what it holds from this node.
type Child struct {
	Unit         hierarchy.Unit
	Certificates []store.Issued
	TokenPending bool
	// Enrolled: it holds a certificate neither revoked nor expired.
	Enrolled bool
	// LastReport is the newest report received from its subtree; nil
	// when none has come.
	LastReport *store.Submission
}

// refuseFirst refuses in memory the certificates of unit that which
// selects (nil: all), before their revocation is stored: the one order of
// revocations (see trust.Revocations). The revoked certificates are added
// again once stored, for one issued in between.
func (p *Parent) refuseFirst(unit string, which func(store.Issued) bool) error {
	certs, err := p.Store.IssuedCerts()
	if err != nil {
		return err
	}
	for _, c := range certs {
		if c.Unit == unit && (which == nil || which(c)) {
			p.Revocations.Add(c.Fingerprint)
		}
	}
	return nil
}

// Children lists the direct children, with the last report of each.
func (p *Parent) Children() ([]Child, error) { return p.children(true) }

// children lists the direct children; withReports finds their last reports.
func (p *Parent) children(withReports bool) ([]Child, error) {
	certs, err := p.Store.IssuedCerts()
	if err != nil {
		return nil, err
	}
	pending, err := p.Store.PendingTokens(p.Now())
	if err != nil {
		return nil, err
	}
	now := p.Now()
	tree := p.treeOn(now)
	last := map[string]store.Submission{}
	if withReports {
		if last, err = p.lastReports(tree); err != nil {
			return nil, err
		}
	}
	var out []Child
	for _, u := range tree.Children(p.Self) {
		c := Child{Unit: u, TokenPending: pending[u.Code] > 0}
		for _, cert := range certs {
			if cert.Unit == u.Code {
				c.Certificates = append(c.Certificates, cert)
			}
		}
		c.Enrolled = validCertificate(c.Certificates, now)
		if r, ok := last[u.Code]; ok {
			c.LastReport = &r
		}
		out = append(out, c)
	}
	return out, nil
}

// EnrollWithParent is the child's side: it sends a certificate request for
// key to the parent's peer address, trusting the parent only through the
// root fingerprint in the token, and checks the chain it gets back: it must
// verify against that root and name exactly this unit's path.
func EnrollWithParent(ctx context.Context, parentAddr, token string, id trust.Identity, path []string, name string, now func() time.Time) (trust.Identity, error) {
	t, err := ParseToken(token)
	if err != nil {
		return trust.Identity{}, err
	}
	if t.Unit != path[len(path)-1] {
		return trust.Identity{}, fmt.Errorf("%w: the token is for unit %s, this node is %s", ErrBadToken, t.Unit, path[len(path)-1])
	}
	csr, err := trust.NewCSR(id.Key, path, name)
	if err != nil {
		return trust.Identity{}, err
	}
	// Pin the parent itself, not only the root: the token must not reach
	// any other node of the hierarchy.
	pinned := trust.PinnedTLS(t.RootFingerprint, path[:len(path)-1], now)
	// Shake hands once before gRPC does, so that an untrusted server is
	// reported as such (gRPC would say only "unavailable").
	d := tls.Dialer{Config: pinned}
	probe, err := d.DialContext(ctx, "tcp", parentAddr)
	if err != nil {
		return trust.Identity{}, fmt.Errorf("parent %s: %w", parentAddr, err)
	}
	probe.Close()
	conn, err := grpc.NewClient(parentAddr, grpc.WithTransportCredentials(credentials.NewTLS(pinned)))
	if err != nil {
		return trust.Identity{}, err
	}
	defer conn.Close()
	resp, err := tonghopv1.NewPeerServiceClient(conn).Enroll(ctx, &tonghopv1.EnrollRequest{Token: token, Csr: csr})
	if err != nil {
		return trust.Identity{}, err
	}
	return acceptChain(resp.Chain, id, path, t.RootFingerprint, now())
}

// RenewWithParent asks the parent, over the current mutual-TLS connection,
// to certify newKey; the result is the identity with the new key.
func RenewWithParent(ctx context.Context, conn *grpc.ClientConn, current trust.Identity, newKey trust.Identity, name string, now time.Time) (trust.Identity, error) {
	csr, err := trust.NewCSR(newKey.Key, current.Path(), name)
	if err != nil {
		return trust.Identity{}, err
	}
	resp, err := tonghopv1.NewPeerServiceClient(conn).Renew(ctx, &tonghopv1.RenewRequest{Csr: csr})
	if err != nil {
		return trust.Identity{}, err
	}
	return acceptChain(resp.Chain, newKey, current.Path(), trust.Fingerprint(current.Root()), now)
}

func acceptChain(ders [][]byte, id trust.Identity, path []string, rootFP string, now time.Time) (trust.Identity, error) {
	var chain []*x509.Certificate
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return trust.Identity{}, fmt.Errorf("parent sent a bad certificate: %w", err)
		}
		chain = append(chain, c)
	}
	if len(chain) < 2 || trust.Fingerprint(chain[len(chain)-1]) != rootFP {
		return trust.Identity{}, fmt.Errorf("%w: the chain does not end in the pinned root", trust.ErrUntrusted)
	}
	roots := x509.NewCertPool()
	roots.AddCert(chain[len(chain)-1])
	got, err := trust.Verify(chain, roots, now, nil)
	if err != nil {
		return trust.Identity{}, err
	}
	if !slices.Equal(got, path) {
		return trust.Identity{}, fmt.Errorf("%w: certificate names %s, not %s", trust.ErrUntrusted, trust.JoinPath(got), trust.JoinPath(path))
	}
	if pub, ok := chain[0].PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(id.Key.Public()) {
		return trust.Identity{}, fmt.Errorf("%w: the certificate is not for this node's key", trust.ErrUntrusted)
	}
	id.Chain = chain
	return id, nil
}
