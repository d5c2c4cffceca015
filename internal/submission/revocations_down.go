package submission

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// Revocations flow down as well as up. A parent revokes a child's
// certificate and the notice goes up, so that every level above refuses it;
// the levels below must learn it too, or a commune would go on trusting a
// district whose certificate was revoked, taking its receipts for proof
// and its targets and rounds for the province's. So each node fetches from
// its parent the notices of the certificates on its own path (its own, its
// parent's, those above), checks each as it checks a notice from below
// (signed by the issuer of the certificate it revokes, chained to the
// root), keeps it and hands it on to its own children.

// errNotOnPath marks a notice handed down that revokes a certificate of a
// unit off this node's path.
var errNotOnPath = errors.New("not on this node's path")

// CheckRevocationFromAbove verifies a revocation notice handed down by the
// parent: the certificate it revokes names a unit on self's path (self, or
// a unit above it, not the root), and the notice is signed by that unit's
// parent with the certificate it names as the issuer, chained to the root
// as of when it says it revoked (a revoked issuer's earlier revocations
// stand: they can only refuse more).
func (v *Verifier) CheckRevocationFromAbove(raw []byte, self []string) (store.Revocation, string, error) {
	now := v.Now()
	o, err := Open(raw, Opening[envelope.Revocation]{
		Decode: only(envelope.RevocationType, envelope.DecodeRevocation),
		At:     func(r envelope.Revocation) (time.Time, error) { return signingTime(r.RevokedAt, now) },
		Verify: chainAt(v.Roots, nil),
	})
	if err != nil {
		return store.Revocation{}, "", err
	}
	r := o.Payload
	cert, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return store.Revocation{}, "", fmt.Errorf("%w: revoked certificate: %w", ErrMalformed, err)
	}
	if trust.SerialHex(cert) != r.Serial {
		return store.Revocation{}, "", fmt.Errorf("%w: revocation names serial %s but carries certificate %s", ErrMalformed, r.Serial, trust.SerialHex(cert))
	}
	if len(cert.DNSNames) != 1 {
		return store.Revocation{}, "", fmt.Errorf("%w: the revoked certificate names %d units", ErrNotAllowed, len(cert.DNSNames))
	}
	path, err := trust.ParseDNSName(cert.DNSNames[0])
	switch {
	case err != nil:
		return store.Revocation{}, "", fmt.Errorf("%w: revoked certificate: %w", ErrMalformed, err)
	case path[len(path)-1] != r.Unit:
		return store.Revocation{}, "", fmt.Errorf("%w: the revoked certificate is of %s, not of unit %s", ErrNotAllowed, trust.JoinPath(path), r.Unit)
	case len(path) < 2 || len(path) > len(self) || !slices.Equal(path, self[:len(path)]):
		return store.Revocation{}, "", fmt.Errorf("%w: %w: the revoked certificate is of %s, off this node's path %s",
			ErrNotAllowed, errNotOnPath, trust.JoinPath(path), trust.JoinPath(self))
	case !slices.Equal(o.SignerPath, path[:len(path)-1]):
		return store.Revocation{}, "", fmt.Errorf("%w: %s may not revoke certificates of unit %s", ErrNotAllowed, trust.JoinPath(o.SignerPath), r.Unit)
	case r.IssuerFingerprint != o.SignerFingerprint:
		return store.Revocation{}, "", fmt.Errorf("%w: revocation names issuer %.12s…, signed by %.12s…", ErrNotAllowed, r.IssuerFingerprint, o.SignerFingerprint)
	}
	fp := trust.Fingerprint(cert)
	return store.Revocation{
		Fingerprint: fp, Serial: r.Serial, Unit: r.Unit, IssuerFingerprint: r.IssuerFingerprint,
		Reason: r.Reason, RevokedAt: r.RevokedAt, Notice: o.Digest,
	}, fp, nil
}

// KeepRevocationsFromAbove checks and keeps the notices the parent handed
// down (see CheckRevocationFromAbove): each revoked certificate is refused
// at once, and the notice kept, not sent back up, for this node's children.
// It returns how many were new here; a notice that does not verify is
// skipped and the first such error returned, after the others are kept.
func (n *Reports) KeepRevocationsFromAbove(notices [][]byte) (int, error) {
	id, err := n.identity()
	if err != nil {
		return 0, err
	}
	var (
		learnt int
		first  error
	)
	for _, raw := range notices {
		rec, fp, err := n.Verifier.CheckRevocationFromAbove(raw, id.Path())
		if errors.Is(err, errNotOnPath) {
			// Of another unit with a code on this path (a code reused
			// after a reorganisation): it says nothing of this node.
			continue
		}
		if err != nil {
			first = cmpOr(first, fmt.Errorf("a revocation from the parent: %w", err))
			continue
		}
		// Memory first, then the store: the one order (trust.Revocations).
		n.Verifier.Revocations.Add(fp)
		stored, err := n.Store.PutRevocations([]store.Revocation{rec}, rec.Notice, raw, false)
		if err != nil {
			return learnt, err
		}
		if stored {
			learnt++
			n.Logger.Warn("a certificate on this node's path was revoked above", zap.String("unit", rec.Unit),
				zap.String("serial", rec.Serial), zap.String("reason", rec.Reason))
		}
	}
	return learnt, first
}

// cmpOr returns a unless it is nil, else b.
func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
