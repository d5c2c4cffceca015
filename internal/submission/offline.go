package submission

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// Verified is what an offline verification establishes.
type Verified struct {
	Submission envelope.Submission
	// SignerPath is the signer's unit path, root first; its last code is the
	// submission's unit.
	SignerPath        []string
	SignerFingerprint string
	Digest            string
}

// VerifyOffline checks an envelope with nothing but the root certificate:
// the signature over the DSSE pre-authentication encoding, the signer's
// chain to root as of the report's signing time (name constraints
// included; a signing time ahead of at by more than FutureSkew is refused),
// and that the signer is the unit the report is about. A report signed
// under a certificate that has ended since, such as that of a unit
// abolished in a reorganisation, verifies for ever; one that says it was
// signed after its certificate's end does not. It needs no node, no store and no
// hierarchy, so anyone holding the root certificate can check a report.
func VerifyOffline(raw []byte, root *x509.Certificate, at time.Time) (Verified, error) {
	roots := x509.NewCertPool()
	roots.AddCert(root)
	o, err := Open(raw, Opening[envelope.Submission]{
		Decode: only(envelope.SubmissionType, envelope.DecodeSubmission),
		At:     func(s envelope.Submission) (time.Time, error) { return signingTime(s.SignedAt, at) },
		Verify: chainAt(roots, nil),
	})
	if err != nil {
		return Verified{}, err
	}
	if s, path := o.Payload, o.SignerPath; path[len(path)-1] != s.Unit {
		return Verified{}, fmt.Errorf("%w: %s signed a report of unit %s", ErrNotAllowed, trust.JoinPath(path), s.Unit)
	}
	return Verified{Submission: o.Payload, SignerPath: o.SignerPath, SignerFingerprint: o.SignerFingerprint, Digest: o.Digest}, nil
}
