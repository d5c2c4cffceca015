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
	env, err := envelope.Parse(raw)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if env.PayloadType != envelope.SubmissionType {
		return Verified{}, fmt.Errorf("%w: payload type %q is not a submission", ErrMalformed, env.PayloadType)
	}
	if err := env.VerifySignature(); err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrUnauthentic, err)
	}
	s, err := envelope.DecodeSubmission(env.Payload)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	signed, err := signingTime(s.SignedAt, at)
	if err != nil {
		return Verified{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	path, err := trust.Verify(env.Signatures[0].Chain, roots, signed, nil)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrUnauthentic, err)
	}
	if path[len(path)-1] != s.Unit {
		return Verified{}, fmt.Errorf("%w: %s signed a report of unit %s", ErrNotAllowed, trust.JoinPath(path), s.Unit)
	}
	return Verified{Submission: s, SignerPath: path, SignerFingerprint: trust.Fingerprint(env.Signatures[0].Chain[0]), Digest: envelope.Digest(raw)}, nil
}
