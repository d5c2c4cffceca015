package submission

import (
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/trust"
)

// checkOnBehalf admits a report entered and signed on a unit's behalf: the
// unit it names as having entered it is a unit above the reported one, and
// it is the signer. The signer's certificate, name-constrained to its own
// subtree, already covers the unit; key continuity then holds for the
// signer's keys, never the unit's, so a key that speaks for a unit above
// cannot pass for the unit's own.
func checkOnBehalf(s envelope.Submission, signer []string, tree *hierarchy.Tree) error {
	if _, ok := tree.Unit(s.EnteredBy); !ok {
		return fmt.Errorf("%w: entered_by: unit %s is not in this node's hierarchy", ErrNotAllowed, s.EnteredBy)
	}
	if !tree.InSubtree(s.EnteredBy, s.Unit) {
		return fmt.Errorf("%w: entered_by: %s is not above unit %s, so cannot enter its report", ErrNotAllowed, s.EnteredBy, s.Unit)
	}
	if want := tree.Path(s.EnteredBy); !slices.Equal(signer, want) {
		return fmt.Errorf("%w: %s signed a report it says %s entered (%s)", ErrNotAllowed, trust.JoinPath(signer), s.EnteredBy, trust.JoinPath(want))
	}
	if len(s.Accepted) > 0 {
		return fmt.Errorf("%w: accepted: a report entered on a unit's behalf states no sign-off of its children", ErrNotAllowed)
	}
	return nil
}

// CheckHistory verifies one of the node's own reports as its parent returns
// it when the node starts running (FetchHistory): a report of the node's own
// unit (self is its path), signed either by the unit itself or, entered on
// its behalf, by a unit above it; its chain verified to roots as of when it
// was signed.
func CheckHistory(raw []byte, self []string, roots *x509.CertPool, tree *hierarchy.Tree) (Checked, error) {
	o, err := Open(raw, Opening[envelope.Submission]{
		Decode: only(envelope.SubmissionType, envelope.DecodeSubmission),
		At:     func(s envelope.Submission) (time.Time, error) { return s.SignedAt, nil },
		Verify: chainAt(roots, nil),
	})
	if err != nil {
		return Checked{}, err
	}
	s, path := o.Payload, o.SignerPath
	unit := self[len(self)-1]
	if s.Unit != unit {
		return Checked{}, fmt.Errorf("%w: a report of %s in the history of %s", ErrNotAllowed, s.Unit, unit)
	}
	owner := s.Unit
	if s.EnteredBy != "" {
		if err := checkOnBehalf(s, path, tree); err != nil {
			return Checked{}, err
		}
		owner = s.EnteredBy
	} else if !slices.Equal(path, self) {
		return Checked{}, fmt.Errorf("%w: %s signed a report of unit %s", ErrNotAllowed, trust.JoinPath(path), unit)
	}
	u, _ := tree.Unit(owner)
	return Checked{Digest: o.Digest, Raw: raw, SignerPath: path, SignerFingerprint: o.SignerFingerprint,
		Submission: &s, KeyOwner: UnitIdentity(u)}, nil
}
