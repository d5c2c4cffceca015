package submission

import (
	"fmt"
	"slices"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// The proof of time. A report's signed_at is its signer's own clock, which
// the signer sets: it cannot say whether the report came on time. What
// can is the receipt the unit's parent signs when the report first reaches
// it (its "first receipt"): the parent stores it with the report and sends
// it up with it, and every level above verifies it (signed by the parent's
// key, chained to the root, for exactly this envelope) and judges lateness
// by the time it states. A relay cannot forge it: its own key is not the
// parent's, and it cannot alter the parent's signature. All a relay can
// do is leave it out, and a report without one is judged by when the
// receiving node received it itself, never earlier than the truth.
//
// A report entered on a unit's behalf is signed by the unit above that
// entered it: its signed_at is that unit's own word for when it was
// entered, the same word its receipt would state, and counts as its
// received time. A report imported from a bundle is received when the
// bundle is imported, by the importing node: its receipt is the proof when
// that node is the unit's parent; a bundle carries no first receipts, so a
// report relayed by bundle is judged by its import time there.

// proofOfTime says when c reached the level above its unit, given the
// first receipt delivered with it (nil: none). It returns the receipt to
// keep and its time; zero values when this node holds no proof and the
// report is judged by when this node received it. firstParent is set when
// this node is the unit's parent, which signs the proof itself.
func (v *Verifier) proofOfTime(c Checked, receipt []byte) (keep []byte, at time.Time, firstParent bool, err error) {
	s := c.Submission
	switch {
	case s == nil:
		return nil, time.Time{}, false, nil
	case s.EnteredBy != "":
		at := s.SignedAt
		if now := v.Now(); at.After(now) {
			at = now // within FutureSkew, or Check refused it
		}
		return nil, at.UTC(), false, nil
	case c.Parent == v.Self:
		return nil, time.Time{}, true, nil
	case len(receipt) == 0:
		return nil, time.Time{}, false, nil
	}
	r, err := v.checkFirstReceipt(c, receipt)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("%w: first_receipt: %w", ErrUnauthentic, err)
	}
	return receipt, r.ReceivedAt, false, nil
}

// checkFirstReceipt verifies a first receipt of the checked report c: a
// receipt envelope whose signature and chain verify to the root as of the
// time it states (revocation as of now), signed by the report's unit's
// parent, acknowledging exactly this envelope and report, at a time that
// is neither ahead of this node's clock nor before the report says it was
// signed (beyond FutureSkew either way: the parent refuses such a report).
func (v *Verifier) checkFirstReceipt(c Checked, raw []byte) (envelope.Receipt, error) {
	now := v.Now()
	o, err := Open(raw, Opening[envelope.Receipt]{
		Decode: only(envelope.ReceiptType, envelope.DecodeReceipt),
		At: func(r envelope.Receipt) (time.Time, error) {
			if r.ReceivedAt.After(now.Add(FutureSkew)) {
				return time.Time{}, fmt.Errorf("%w: received_at %s is ahead of this node's clock (%s)", ErrBadReceipt,
					r.ReceivedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
			}
			return r.ReceivedAt, nil
		},
		Verify: v.verifyChain,
	})
	if err != nil {
		return envelope.Receipt{}, fmt.Errorf("%w: %w", ErrBadReceipt, Cause(err))
	}
	r, s := o.Payload, c.Submission
	switch {
	case r.EnvelopeDigest != c.Digest:
		return envelope.Receipt{}, fmt.Errorf("%w: acknowledges %s, not %s", ErrBadReceipt, r.EnvelopeDigest, c.Digest)
	case r.Unit != s.Unit || r.DataSet != s.DataSet || r.Period != s.Period || r.Revision != s.Revision:
		return envelope.Receipt{}, fmt.Errorf("%w: names %s %s %s revision %d, not the report's %s %s %s revision %d", ErrBadReceipt,
			r.Unit, r.DataSet, r.Period, r.Revision, s.Unit, s.DataSet, s.Period, s.Revision)
	case r.Receiver != c.Parent:
		return envelope.Receipt{}, fmt.Errorf("%w: received by %s, not %s's parent %s", ErrBadReceipt, r.Receiver, s.Unit, c.Parent)
	case r.ReceivedAt.Add(FutureSkew).Before(s.SignedAt):
		return envelope.Receipt{}, fmt.Errorf("%w: received_at %s is before the report was signed (%s)", ErrBadReceipt,
			r.ReceivedAt.UTC().Format(time.RFC3339), s.SignedAt.UTC().Format(time.RFC3339))
	}
	if want := v.treeOn(s.SignedAt).Path(c.Parent); !slices.Equal(o.SignerPath, want) {
		return envelope.Receipt{}, fmt.Errorf("%w: signed by %s, not by %s's parent %s", ErrBadReceipt, trust.JoinPath(o.SignerPath), s.Unit, trust.JoinPath(want))
	}
	return r, nil
}
