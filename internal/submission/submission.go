// Package submission owns the life of a signed report at a node: signing the
// node's own report as the next revision, verifying what children deliver
// end to end (signature, certificate chain to the root, the signer's
// authority over the unit, the catalogue, the contents), storing it durably
// before answering, and the signed receipts that let a child forget what the
// parent holds. Nothing is trusted because of where it came from: the same
// checks run at every level an envelope passes.
package submission

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// Why an envelope is refused. The API edge maps each to a gRPC code.
var (
	// ErrMalformed: the envelope or its payload cannot be read.
	ErrMalformed = errors.New("malformed envelope")
	// ErrUnauthentic: the signature or the certificate chain does not verify.
	ErrUnauthentic = errors.New("envelope does not verify")
	// ErrNotAllowed: the signer may not speak for the unit, the unit is not
	// in this node's subtree, or the signer's certificate is revoked.
	ErrNotAllowed = errors.New("not allowed")
	// ErrUnknownCatalog: the report was made against a catalogue this node
	// does not know.
	ErrUnknownCatalog = errors.New("unknown catalogue")
)

// Verifier checks envelopes against this node's view of the world.
type Verifier struct {
	Roots       *x509.CertPool
	Revocations *trust.Revocations
	Tree        *hierarchy.Tree
	// TreeOn, when set, is the hierarchy in force on a day; who may sign
	// for a unit is decided by the hierarchy of the day the report was
	// signed, so reports signed before a reorganisation keep verifying
	// after it, and an abolished unit's key cannot sign after its end.
	// Nil means Tree on every day.
	TreeOn func(day time.Time) *hierarchy.Tree
	// Retiring, when set, admits a direct child whose certificate ended
	// with its unit (see [Verifier.Child]).
	Retiring func(path []string, leaf *x509.Certificate) bool
	Catalog  *catalog.Catalog
	// Earlier are catalogues Catalog extends, keeping all their codes:
	// reports made with them are accepted and read with Catalog.
	Earlier []*catalog.Catalog
	// Versions, when set, are the catalogues this node knows, published
	// versions included; it then decides which catalogue a report may
	// name, in place of Catalog and Earlier.
	Versions *catalog.Versions
	// Self is this node's unit code.
	Self string
	Now  func() time.Time

	chains chainCache
}

// chainCache remembers certificate chains that verified, so that the
// hundred reports a commune's chain signs do not rebuild and re-verify the
// same X.509 path each time. A hit still checks every certificate's validity
// period and revocation, so a revocation takes effect at once.
type chainCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cachedChain
}

type cachedChain struct {
	path      []string
	certs     []*x509.Certificate
	notBefore time.Time // the latest NotBefore of the chain
	notAfter  time.Time // the earliest NotAfter
}

// maxCachedChains bounds the cache: about one chain per unit of a national
// subtree, with room for rotated keys.
const maxCachedChains = 1 << 15

func chainKey(chain []*x509.Certificate) [32]byte {
	h := sha256.New()
	for _, c := range chain {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// verifyChain is trust.Verify with the cache in front.
func (v *Verifier) verifyChain(chain []*x509.Certificate, now time.Time) ([]string, error) {
	key := chainKey(chain)
	v.chains.mu.Lock()
	e, ok := v.chains.entries[key]
	v.chains.mu.Unlock()
	if ok && !now.Before(e.notBefore) && !now.After(e.notAfter) {
		for _, c := range e.certs {
			if v.Revocations.Revoked(c) {
				// Let the full check say which certificate and why.
				return trust.Verify(chain, v.Roots, now, v.Revocations.Revoked)
			}
		}
		return e.path, nil
	}
	path, err := trust.Verify(chain, v.Roots, now, v.Revocations.Revoked)
	if err != nil {
		return nil, err
	}
	e = cachedChain{path: path, certs: chain, notBefore: chain[0].NotBefore, notAfter: chain[0].NotAfter}
	for _, c := range chain[1:] {
		if c.NotBefore.After(e.notBefore) {
			e.notBefore = c.NotBefore
		}
		if c.NotAfter.Before(e.notAfter) {
			e.notAfter = c.NotAfter
		}
	}
	v.chains.mu.Lock()
	if v.chains.entries == nil || len(v.chains.entries) >= maxCachedChains {
		v.chains.entries = map[[32]byte]cachedChain{}
	}
	v.chains.entries[key] = e
	v.chains.mu.Unlock()
	return path, nil
}

// Checked is an envelope that verified.
type Checked struct {
	Digest string
	Raw    []byte
	// SignerPath is the signer's unit path, root first.
	SignerPath        []string
	SignerFingerprint string
	// Exactly one of these is set, by payload type.
	Submission *envelope.Submission
	Revocation *envelope.Revocation
	Key        *envelope.KeyEndorsement
	Catalog    *envelope.CatalogVersion
	// KeyFingerprint is the endorsed certificate's fingerprint, with Key.
	KeyFingerprint string
	// With Submission: the unit as identified on the day it signed (see
	// [UnitIdentity]), and its parent that day.
	KeyOwner, Parent string
}

// UnitIdentity names a unit by its code and the first day of its validity,
// "03390@2025-07-01", or by its code alone when it has always existed: a
// code reused by a new unit then names another unit, with its own keys.
func UnitIdentity(u hierarchy.Unit) string {
	if u.ValidFrom.IsZero() {
		return u.Code
	}
	return u.Code + "@" + hierarchy.FormatDate(u.ValidFrom)
}

// Check verifies one envelope end to end. from is the unit path of the
// child that delivered it (nil when it did not come from a child); the unit
// it speaks of must then lie in that child's subtree.
func (v *Verifier) Check(raw []byte, from []string) (Checked, error) {
	now := v.Now()
	o, err := Open(raw, Opening[payload]{Decode: decodePayload, At: func(p payload) (time.Time, error) { return p.at(now) }, Verify: v.verifyChain})
	if err != nil {
		return Checked{}, err
	}
	p, path := o.Payload, o.SignerPath
	c := Checked{Digest: o.Digest, Raw: raw, SignerPath: path, SignerFingerprint: o.SignerFingerprint}
	switch {
	case p.submission != nil:
		s := *p.submission
		tree := v.treeOn(o.At)
		if err := v.checkSubmission(s, path, from, tree); err != nil {
			return Checked{}, err
		}
		c.Submission = &s
		u, _ := tree.Unit(s.Unit)
		c.KeyOwner = UnitIdentity(u)
		c.Parent = u.Parent
		if s.EnteredBy != "" {
			// Key continuity holds for the unit that entered and signed it.
			e, _ := tree.Unit(s.EnteredBy)
			c.KeyOwner = UnitIdentity(e)
		}
	case p.revocation != nil:
		if err := v.checkRevocation(*p.revocation, path, c.SignerFingerprint, from); err != nil {
			return Checked{}, err
		}
		c.Revocation = p.revocation
	case p.key != nil:
		fp, err := v.checkKey(*p.key, path, o.Chain, from)
		if err != nil {
			return Checked{}, err
		}
		c.Key, c.KeyFingerprint = p.key, fp
	case p.catalog != nil:
		if err := v.checkCatalogBelow(*p.catalog, path, from); err != nil {
			return Checked{}, err
		}
		c.Catalog = p.catalog
	}
	return c, nil
}

// payload is the payload of an envelope a node accepts from below: exactly
// one is set.
type payload struct {
	submission *envelope.Submission
	revocation *envelope.Revocation
	key        *envelope.KeyEndorsement
	catalog    *envelope.CatalogVersion
}

func decodePayload(payloadType string, raw []byte) (payload, error) {
	switch payloadType {
	case envelope.SubmissionType:
		s, err := envelope.DecodeSubmission(raw)
		return payload{submission: &s}, err
	case envelope.RevocationType:
		r, err := envelope.DecodeRevocation(raw)
		return payload{revocation: &r}, err
	case envelope.KeyType:
		k, err := envelope.DecodeKeyEndorsement(raw)
		return payload{key: &k}, err
	case envelope.CatalogType:
		cv, err := envelope.DecodeCatalogVersion(raw)
		return payload{catalog: &cv}, err
	}
	return payload{}, fmt.Errorf("payload type %q is not one this node accepts", payloadType)
}

// at is the moment an envelope is judged at. A report is judged as of when
// it was signed: its chain must have been valid then (revocation applies as
// of now), so that a report signed under a certificate that has since
// ended, with its unit or of age, stays verifiable; a key cannot sign for a
// time after its certificate's end, and the hierarchy of that day says who
// may sign. Likewise a notice: a district revoking its communes'
// certificates as it retires signs with a certificate that ends with it. A
// key endorsement is judged as of now.
func (p payload) at(now time.Time) (time.Time, error) {
	switch {
	case p.submission != nil:
		return signingTime(p.submission.SignedAt, now)
	case p.revocation != nil:
		return signingTime(p.revocation.RevokedAt, now)
	}
	return now, nil
}

// Child checks the certificate chain a calling node presented (its TLS
// client chain) as of now, revocation included, and that it is a direct
// child of this node. The TLS handshake checked it once; a connection can
// outlive a revocation, so every call checks again.
func (v *Verifier) Child(chain []*x509.Certificate) ([]string, error) {
	return v.child(chain, v.verifyChain)
}

// ChildEvenRevoked is Child without revocation: a child whose chain is
// revoked may still ask which of its certificates are (FetchRevocations).
func (v *Verifier) ChildEvenRevoked(chain []*x509.Certificate) ([]string, error) {
	return v.child(chain, chainAt(v.Roots, nil))
}

func (v *Verifier) child(chain []*x509.Certificate, verify func([]*x509.Certificate, time.Time) ([]string, error)) ([]string, error) {
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no client certificate", ErrUnauthentic)
	}
	at := v.Now()
	if v.Retiring != nil && at.After(chain[0].NotAfter) {
		if p, err := trust.CertPath(chain[0]); err == nil && v.Retiring(p, chain[0]) {
			// A child whose unit ended may still hand over what it signed
			// before the end: its chain is judged on its last valid moment.
			at = chain[0].NotAfter.Add(-time.Nanosecond)
		}
	}
	path, err := verify(chain, at)
	switch {
	case errors.Is(err, trust.ErrRevoked):
		return nil, fmt.Errorf("%w: %w", ErrNotAllowed, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnauthentic, err)
	}
	unit := path[len(path)-1]
	tree := v.treeOn(at)
	if u, ok := tree.Unit(unit); !ok || u.Parent != v.Self || !slices.Equal(path, tree.Path(unit)) {
		return nil, fmt.Errorf("%w: %s is not a direct child of this node (%s)", ErrNotAllowed, trust.JoinPath(path), v.Self)
	}
	return path, nil
}

// treeOn is the hierarchy in force at t.
func (v *Verifier) treeOn(t time.Time) *hierarchy.Tree {
	if v.TreeOn == nil {
		return v.Tree
	}
	return v.TreeOn(t)
}

// FutureSkew is how far ahead of this node's clock a report may say it
// was signed: clocks of nodes differ by seconds, not by minutes.
const FutureSkew = 5 * time.Minute

// signingTime is the moment a report is judged at: when it says it was
// signed, which may not lie ahead of now by more than FutureSkew.
func signingTime(signed, now time.Time) (time.Time, error) {
	if signed.After(now.Add(FutureSkew)) {
		return time.Time{}, fmt.Errorf("%w: signed_at %s is ahead of this node's clock (%s)", ErrNotAllowed,
			signed.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if signed.After(now) {
		return now, nil
	}
	return signed, nil
}

// checkUnit checks that unit is a unit of this node's subtree below it, and
// of the delivering child's subtree.
func (v *Verifier) checkUnit(unit string, from []string) error {
	return checkUnitIn(v.treeOn(v.Now()), v.Self, unit, from)
}

func checkUnitIn(tree *hierarchy.Tree, self, unit string, from []string) error {
	if _, ok := tree.Unit(unit); !ok {
		return fmt.Errorf("%w: unit %s is not in this node's hierarchy", ErrNotAllowed, unit)
	}
	if unit == self || !tree.InSubtree(self, unit) {
		return fmt.Errorf("%w: unit %s is not below this node (%s)", ErrNotAllowed, unit, self)
	}
	if from != nil && !tree.InSubtree(from[len(from)-1], unit) {
		return fmt.Errorf("%w: unit %s is not in the subtree of %s, which delivered it", ErrNotAllowed, unit, trust.JoinPath(from))
	}
	return nil
}

func (v *Verifier) checkSubmission(s envelope.Submission, signer, from []string, tree *hierarchy.Tree) error {
	if err := checkUnitIn(tree, v.Self, s.Unit, from); err != nil {
		return err
	}
	// Only the unit's own key speaks for the unit: a district may relay its
	// commune's report but never sign one, except one that says plainly it
	// was entered on the commune's behalf by the unit that signs it, a unit
	// above it (see checkOnBehalf).
	if s.EnteredBy != "" {
		if err := checkOnBehalf(s, signer, tree); err != nil {
			return err
		}
	} else if want := tree.Path(s.Unit); !slices.Equal(signer, want) {
		return fmt.Errorf("%w: %s signed a report of unit %s (%s)", ErrNotAllowed, trust.JoinPath(signer), s.Unit, trust.JoinPath(want))
	}
	// A report may state acceptances only of its own unit's children:
	// levels above count them as signed off.
	for i, a := range s.Accepted {
		if p, ok := tree.Parent(a.Unit); !ok || p.Code != s.Unit {
			return fmt.Errorf("%w: accepted[%d]: %s is not a child of %s", ErrNotAllowed, i, a.Unit, s.Unit)
		}
	}
	cat, err := v.catalogOf(s, tree)
	if err != nil {
		return err
	}
	raws := make([]entry.Raw, len(s.Values))
	for i, val := range s.Values {
		raws[i] = entry.Raw{Element: val.Element, Option: val.Option, Value: strconv.FormatInt(val.Count, 10)}
	}
	secs := make([]entry.Section, len(s.Sections))
	for i, sec := range s.Sections {
		secs[i] = entry.Section{Code: sec.Code, Text: sec.Text}
	}
	_, err = entry.Checker{Catalog: cat}.Contents(s.DataSet, s.Period, raws, secs)
	return err
}

func (v *Verifier) checkRevocation(r envelope.Revocation, signer []string, signerFP string, from []string) error {
	// The notice names the certificate itself, which must be one for the
	// unit it says: so no one can revoke a certificate outside their own
	// children by naming its serial.
	cert, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return fmt.Errorf("%w: revoked certificate: %w", ErrMalformed, err)
	}
	// The hierarchy that counts is the one of the certificate's last day
	// when it has ended: a unit that retired is not in today's map.
	day := v.Now()
	if cert.NotAfter.Before(day) {
		day = cert.NotAfter.Add(-time.Nanosecond)
	}
	tree := v.treeOn(day)
	if err := checkUnitIn(tree, v.Self, r.Unit, from); err != nil {
		return err
	}
	if trust.SerialHex(cert) != r.Serial {
		return fmt.Errorf("%w: revocation names serial %s but carries certificate %s", ErrMalformed, r.Serial, trust.SerialHex(cert))
	}
	if len(cert.DNSNames) != 1 {
		return fmt.Errorf("%w: the revoked certificate names %d units", ErrNotAllowed, len(cert.DNSNames))
	}
	certPath, err := trust.ParseDNSName(cert.DNSNames[0])
	if err != nil || !slices.Equal(certPath, tree.Path(r.Unit)) {
		return fmt.Errorf("%w: the revoked certificate is not one of unit %s", ErrNotAllowed, r.Unit)
	}
	// A revocation is signed by the revoked unit's parent, which issued the
	// certificate.
	parent, ok := tree.Parent(r.Unit)
	if !ok || !slices.Equal(signer, tree.Path(parent.Code)) {
		return fmt.Errorf("%w: %s may not revoke certificates of unit %s", ErrNotAllowed, trust.JoinPath(signer), r.Unit)
	}
	if r.IssuerFingerprint != signerFP {
		return fmt.Errorf("%w: revocation names issuer %.12s…, signed by %.12s…", ErrNotAllowed, r.IssuerFingerprint, signerFP)
	}
	return nil
}

// checkKey checks a key endorsement: signed by the unit itself (with the key
// it is replacing), for a new certificate that verifies and names the unit.
// It returns the new certificate's fingerprint.
func (v *Verifier) checkKey(k envelope.KeyEndorsement, signer []string, chain []*x509.Certificate, from []string) (string, error) {
	if err := v.checkUnit(k.Unit, from); err != nil {
		return "", err
	}
	if want := v.treeOn(v.Now()).Path(k.Unit); !slices.Equal(signer, want) {
		return "", fmt.Errorf("%w: %s endorsed a key of unit %s (%s)", ErrNotAllowed, trust.JoinPath(signer), k.Unit, trust.JoinPath(want))
	}
	cert, err := x509.ParseCertificate(k.Certificate)
	if err != nil {
		return "", fmt.Errorf("%w: endorsed certificate: %w", ErrMalformed, err)
	}
	// The new certificate comes from the same parent chain as the old one.
	path, err := v.verifyChain(append([]*x509.Certificate{cert}, chain[1:]...), v.Now())
	if err != nil {
		return "", fmt.Errorf("%w: endorsed certificate: %w", ErrUnauthentic, err)
	}
	if !slices.Equal(path, signer) {
		return "", fmt.Errorf("%w: endorsed certificate names %s, not %s", ErrNotAllowed, trust.JoinPath(path), trust.JoinPath(signer))
	}
	return trust.Fingerprint(cert), nil
}

// RevocationRecord is the store record of a checked revocation notice.
func (c Checked) RevocationRecord() (store.Revocation, string) {
	r := c.Revocation
	cert, _ := x509.ParseCertificate(r.Certificate) // Check parsed it
	fp := trust.Fingerprint(cert)
	return store.Revocation{
		Fingerprint: fp, Serial: r.Serial, Unit: r.Unit, IssuerFingerprint: r.IssuerFingerprint,
		Reason: r.Reason, RevokedAt: r.RevokedAt,
	}, fp
}

// Values are the checked submission's values as the store keeps them.
func (c Checked) Values() []store.Value {
	vals := make([]store.Value, len(c.Submission.Values))
	for i, v := range c.Submission.Values {
		vals[i] = store.Value{Element: v.Element, Option: v.Option, Count: v.Count}
	}
	return vals
}

// Report decodes a stored envelope for store.Rebuild.
func Report(raw []byte) (store.Report, error) {
	s, err := envelope.ReadSubmission(raw)
	if err != nil {
		return store.Report{}, err
	}
	c := Checked{Submission: &s}
	return store.Report{Unit: s.Unit, DataSet: s.DataSet, Period: s.Period, Values: c.Values()}, nil
}

// Record is the store record of a checked submission.
func (c Checked) Record() store.Submission {
	s := c.Submission
	return store.Submission{
		Digest: c.Digest, Unit: s.Unit, DataSet: s.DataSet, Period: s.Period, Revision: s.Revision,
		CatalogVersion: s.CatalogVersion, SignedAt: s.SignedAt,
		Signer: trust.JoinPath(c.SignerPath), SignerFingerprint: c.SignerFingerprint,
		ValueCount: len(s.Values), SectionCount: len(s.Sections),
		Overrides: convert(s.Overrides, func(o envelope.Override) store.Override { return store.Override(o) }),
		Accepted:  convert(s.Accepted, func(a envelope.Acceptance) store.Acceptance { return store.Acceptance(a) }),
		EnteredBy: s.EnteredBy,
	}
}

// convert converts a slice element by element; nil stays nil, so that an
// empty list is left out of the stored record.
func convert[S, T any](in []S, f func(S) T) []T {
	if len(in) == 0 {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
