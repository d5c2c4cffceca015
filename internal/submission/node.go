package submission

import (
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/validate"
)

// Node is the submission side of one node: it signs, accepts and answers.
type Reports struct {
	Store    *store.Store
	Verifier *Verifier
	// Identity is the node's key and chain; nil until enrolled.
	Identity *atomic.Pointer[trust.Identity]
	// Forward says whether this node has a parent to relay to.
	Forward bool
	// Queued is called after anything was added to the outbox.
	Queued func()
	// Rules judge every report signed or received here; nil judges none.
	Rules *validate.Set
	// LiveRules, when set, replaces Rules: the rules of the catalogues in
	// use, which change as versions are published.
	LiveRules *validate.Live
	// Previous, when set, gives what a report is compared with when the
	// period before it is in an older map (rollup.Engine.PreviousReport):
	// mapped true replaces the unit's own previous report by cells (nil:
	// nothing to compare with), and a non-empty note, saying the
	// comparison is inexact or estimated, is stated as a warning.
	Previous func(unit, dataSet string, p period.Period) (cells []store.Cell, mapped bool, note string, err error)
	Logger   *zap.Logger
}

// Enrolled is the node's key and chain, or trust.ErrNotEnrolled before it
// enrolled: for what else signs with the node's key (bundle).
func (n *Reports) Enrolled() (trust.Identity, error) { return n.identity() }

func (n *Reports) identity() (trust.Identity, error) {
	id := n.Identity.Load()
	if id == nil {
		return trust.Identity{}, fmt.Errorf("%w: run `tonghop enroll` with a token from the parent", trust.ErrNotEnrolled)
	}
	return *id, nil
}

func (n *Reports) queued() {
	if n.Forward && n.Queued != nil {
		n.Queued()
	}
}

// NotifyQueued tells the forwarder that something was put in the outbox
// (a report queued again by hand), when this node forwards at all.
func (n *Reports) NotifyQueued() {
	if n.Queued != nil {
		n.Queued()
	}
}

// Child checks a calling node's certificate chain and returns its unit
// path, when it is a direct child of this node.
func (n *Reports) Child(chain []*x509.Certificate) ([]string, error) {
	return n.Verifier.Child(chain)
}

// SubmitOwn signs the node's own values and sections of a data set and
// period as the next revision, and stores and queues it in one transaction.
// The rules judge the values first: an error blocks signing (a
// *BlockedError) unless overrides name it with a reason, which the signed
// report then states. The report also states the children's revisions this
// node accepted.
func (n *Reports) SubmitOwn(dataSet string, p period.Period, overrides []envelope.Override) (store.Submission, error) {
	id, err := n.identity()
	if err != nil {
		return store.Submission{}, err
	}
	v := n.Verifier
	ds, ok := v.Catalog.DataSet(dataSet)
	if !ok {
		return store.Submission{}, fmt.Errorf("%w: unknown data set %s", ErrMalformed, dataSet)
	}
	// Read before the store's write transaction, which must not wait on a
	// read of its own.
	prev, err := n.previous(v.Self, dataSet, p)
	if err != nil {
		return store.Submission{}, err
	}
	rec, err := n.Store.AppendOwn(v.Self, dataSet, p, n.Forward, func(snap store.Snapshot) (store.Submission, []byte, error) {
		s := envelope.Submission{
			Unit: v.Self, DataSet: dataSet, Period: p.String(), Revision: snap.Revision,
			CatalogVersion: v.Catalog.Version(), CatalogDigest: v.Catalog.Digest(),
			SignedAt: v.Now().UTC(),
		}
		// Values belong to elements, not to data sets: sign only those of
		// this data set's elements.
		for _, val := range snap.Values {
			if ds.HasElement(val.Element) {
				s.Values = append(s.Values, envelope.Value{Element: val.Element, Option: val.Option, Count: val.Count})
			}
		}
		for _, sec := range snap.Sections {
			s.Sections = append(s.Sections, envelope.Section{Code: sec.Code, Text: sec.Text})
		}
		for _, a := range snap.Accepted {
			s.Accepted = append(s.Accepted, envelope.Acceptance{Unit: a.Unit, Revision: a.Revision, Digest: a.Digest})
		}
		in := validate.Input{PeriodType: p.Type(), Previous: validate.LookupOf(cellsOfValues(snap.Previous))}
		note := prev.apply(&in)
		raw, violations, err := n.signReport(id, s, in, note, overrides)
		if err != nil {
			return store.Submission{}, nil, err
		}
		s.Overrides = overrides
		c := Checked{Digest: envelope.Digest(raw), Raw: raw, SignerPath: id.Path(), SignerFingerprint: trust.Fingerprint(id.Leaf()), Submission: &s}
		rec := c.Record()
		rec.Violations = StoredViolations(violations)
		return rec, raw, nil
	})
	if err != nil {
		return store.Submission{}, err
	}
	n.queued()
	return rec, nil
}

func sign(id trust.Identity, payloadType string, payload []byte) ([]byte, error) {
	return envelope.Seal(payloadType, payload, id.Key, id.Chain)
}

// signReport judges a report's values by the rules (in holds what they are
// compared with; note says how exact that comparison is), refuses it when
// an error is not overridden (see gate), and signs it stating the
// overrides. It returns the signed envelope and what the rules found.
func (n *Reports) signReport(id trust.Identity, s envelope.Submission, in validate.Input, note string, overrides []envelope.Override) ([]byte, []validate.Violation, error) {
	var violations []validate.Violation
	rules, err := n.rules()
	if err != nil {
		return nil, nil, err
	}
	if rules != nil {
		in.Values = validate.LookupOf(cellsOfEnvelope(s.Values))
		violations = withNote(rules.Run(in), note)
	}
	if err := gate(violations, overrides); err != nil {
		return nil, nil, err
	}
	s.Overrides = overrides
	payload, err := envelope.EncodeSubmission(s)
	if err != nil {
		return nil, nil, err
	}
	raw, err := sign(id, envelope.SubmissionType, payload)
	return raw, violations, err
}

// Outcome is the answer to one delivered envelope.
type Outcome struct {
	Digest  string
	Status  store.Outcome
	Err     error  // why it was refused
	Receipt []byte // signed receipt, for Accepted and Duplicate
}

// Receive verifies a batch delivered by the child at path from, stores what
// verifies (queued for the parent if this node has one), and answers each
// envelope, in order. Every envelope answered Stored or Duplicate is durable
// before Receive returns. The batch's reports are stored in one transaction
// at the end; each notice (a revocation or a key endorsement) in its own
// transaction before them, in the batch's order. So an error means no report of the batch was stored, though notices before
// the failure may have been: they are answered Duplicate when the child
// sends the batch again, which its outbox does until it has an answer.
func (n *Reports) Receive(raws [][]byte, from []string) ([]Outcome, error) {
	return n.ReceiveWithProof(raws, nil, from)
}

// ReceiveWithProof is Receive with the first receipts delivered with the
// envelopes, at their indexes (see proofOfTime): a report whose first
// receipt does not verify is refused; one this node is the parent of gets
// its proof here, the receipt this node answers with, stored with it.
func (n *Reports) ReceiveWithProof(raws, firstReceipts [][]byte, from []string) ([]Outcome, error) {
	id, err := n.identity()
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, len(raws))
	checked := n.checkAll(raws, from)
	var (
		items []store.Incoming
		index []int // items[j] answers out[index[j]]
	)
	now := n.Verifier.Now().UTC()
	catalogs := false
	for i, raw := range raws {
		c, err := checked[i].c, checked[i].err
		if errors.Is(err, ErrUnknownCatalog) && catalogs {
			// A report made with a version that came in the same batch,
			// before it.
			checked[i].c, checked[i].err = n.Verifier.Check(raw, from)
			c, err = checked[i].c, checked[i].err
		}
		if err != nil {
			out[i].Digest = envelope.Digest(raw)
			out[i].Status, out[i].Err = store.Refused, err
			continue
		}
		out[i].Digest = c.Digest
		if c.Catalog != nil {
			status, refusal, err := n.receiveCatalog(c)
			if err != nil {
				return nil, err
			}
			out[i].Status, out[i].Err = status, refusal
			catalogs = catalogs || status == store.Stored
			continue
		}
		if c.Revocation != nil || c.Key != nil {
			status, refusal, err := n.receiveNotice(c)
			if err != nil {
				return nil, err
			}
			out[i].Status, out[i].Err = status, refusal
			continue
		}
		rec := c.Record()
		var delivered []byte
		if i < len(firstReceipts) {
			delivered = firstReceipts[i]
		}
		var refusal error
		if rec.FirstReceipt, rec.FirstReceivedAt, refusal, err = n.proof(id, c, delivered, now); err != nil {
			return nil, err
		} else if refusal != nil {
			out[i].Status, out[i].Err = store.Refused, refusal
			continue
		}
		items = append(items, store.Incoming{Record: rec, Envelope: raw, Values: c.Values(), Child: c.Parent == n.Verifier.Self, KeyOwner: c.KeyOwner})
		index = append(index, i)
	}
	if len(items) > 0 {
		reports := make([]*envelope.Submission, len(items))
		for j := range items {
			reports[j] = checked[index[j]].c.Submission
		}
		judged, err := n.judgeReceived(reports)
		if err != nil {
			return nil, err
		}
		for j := range items {
			items[j].Record.Violations = judged[j]
		}
		results, err := n.Store.PutSubmissions(items, n.Forward)
		if err != nil {
			return nil, err
		}
		for j, r := range results {
			out[index[j]].Status, out[index[j]].Err = r.Outcome, r.Err
		}
	}
	for j, it := range items {
		// The parent's first receipt is the one it answers with: the child
		// holds the same proof the levels above see.
		if o := &out[index[j]]; o.Status == store.Stored && it.Record.FirstReceipt != nil && checked[index[j]].c.Parent == n.Verifier.Self {
			o.Receipt = it.Record.FirstReceipt
		}
	}
	for i := range out {
		if (out[i].Status == store.Stored || out[i].Status == store.Duplicate) && out[i].Receipt == nil {
			out[i].Receipt, err = n.receipt(id, checked[i].c, out[i], now)
			if err != nil {
				return nil, err
			}
		}
	}
	n.queued()
	return out, nil
}

// proof is the proof of time to store with the checked report c, given
// the first receipt delivered with it: when this node is the unit's parent,
// the receipt it signs now. refusal says why the delivered receipt is
// refused; err means this node could not sign its own.
func (n *Reports) proof(id trust.Identity, c Checked, delivered []byte, now time.Time) (keep []byte, at time.Time, refusal, err error) {
	keep, at, first, refusal := n.Verifier.proofOfTime(c, delivered)
	if refusal != nil || !first {
		return keep, at, refusal, nil
	}
	keep, err = n.receipt(id, c, Outcome{Digest: c.Digest, Status: store.Stored}, now)
	return keep, now, nil, err
}

type checkResult struct {
	c   Checked
	err error
}

// checkAll verifies a batch on every core: verification is the CPU-bound
// part of accepting, and envelopes are independent of one another. Results
// keep the batch's order; storing stays one transaction.
func (n *Reports) checkAll(raws [][]byte, from []string) []checkResult {
	out := make([]checkResult, len(raws))
	workers := min(runtime.GOMAXPROCS(0), len(raws))
	if workers <= 1 {
		for i, raw := range raws {
			out[i].c, out[i].err = n.Verifier.Check(raw, from)
		}
		return out
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(raws) {
					return
				}
				out[i].c, out[i].err = n.Verifier.Check(raws[i], from)
			}
		}()
	}
	wg.Wait()
	return out
}

// receiveNotice stores a revocation or a key endorsement relayed from below.
// refusal says why one was refused; err means nothing could be stored.
func (n *Reports) receiveNotice(c Checked) (status store.Outcome, refusal, err error) {
	if c.Key == nil {
		status, err := n.receiveRevocation(c)
		return status, nil, err
	}
	stored, err := n.Store.PutKeyEndorsement(c.Key.Unit, c.SignerFingerprint, c.KeyFingerprint, c.Digest, c.Raw, n.Forward)
	switch {
	case errors.Is(err, trust.ErrUnknownKey):
		return store.Refused, err, nil
	case err != nil:
		return 0, nil, err
	case !stored:
		return store.Duplicate, nil, nil
	}
	n.Logger.Info("new key endorsed", zap.String("unit", c.Key.Unit), zap.String("fingerprint", c.KeyFingerprint))
	return store.Stored, nil, nil
}

func (n *Reports) receiveRevocation(c Checked) (store.Outcome, error) {
	rec, fp := c.RevocationRecord()
	// Refuse the certificate in memory before the notice is durable, the
	// one order of revocations (see trust.Revocations).
	n.Verifier.Revocations.Add(fp)
	stored, err := n.Store.PutRevocations([]store.Revocation{rec}, c.Digest, c.Raw, n.Forward)
	if err != nil {
		return 0, err
	}
	if !stored {
		return store.Duplicate, nil
	}
	n.Logger.Info("revocation relayed from below", zap.String("unit", rec.Unit), zap.String("serial", rec.Serial), zap.String("fingerprint", fp))
	return store.Stored, nil
}

func (n *Reports) receipt(id trust.Identity, c Checked, o Outcome, now time.Time) ([]byte, error) {
	r := envelope.Receipt{EnvelopeDigest: o.Digest, Receiver: n.Verifier.Self, ReceivedAt: now, Status: envelope.StatusAccepted}
	if o.Status == store.Duplicate {
		r.Status = envelope.StatusDuplicate
	}
	// The receipt names what it acknowledges; a notice names only its unit.
	switch {
	case c.Submission != nil:
		s := c.Submission
		r.Unit, r.DataSet, r.Period, r.Revision = s.Unit, s.DataSet, s.Period, s.Revision
	case c.Revocation != nil:
		r.Unit = c.Revocation.Unit
	case c.Key != nil:
		r.Unit = c.Key.Unit
	case c.Catalog != nil:
		r.Unit = c.Catalog.Unit
	}
	payload, err := envelope.EncodeReceipt(r)
	if err != nil {
		return nil, err
	}
	return sign(id, envelope.ReceiptType, payload)
}

// ErrBadReceipt means a parent's receipt did not verify; the envelope stays
// in the outbox.
var ErrBadReceipt = errors.New("receipt does not verify")

// CheckReceipt verifies a receipt from the parent at parentPath for the
// envelope with digest.
func CheckReceipt(raw []byte, digest string, parentPath []string, v *Verifier) (envelope.Receipt, error) {
	o, err := Open(raw, Opening[envelope.Receipt]{
		Decode: only(envelope.ReceiptType, envelope.DecodeReceipt),
		At:     fixed[envelope.Receipt](v.Now()),
		Verify: chainAt(v.Roots, v.Revocations.Revoked),
	})
	if err != nil {
		return envelope.Receipt{}, fmt.Errorf("%w: %w", ErrBadReceipt, Cause(err))
	}
	if trust.JoinPath(o.SignerPath) != trust.JoinPath(parentPath) {
		return envelope.Receipt{}, fmt.Errorf("%w: signed by %s, not the parent %s", ErrBadReceipt, trust.JoinPath(o.SignerPath), trust.JoinPath(parentPath))
	}
	if r := o.Payload; r.EnvelopeDigest != digest {
		return envelope.Receipt{}, fmt.Errorf("%w: acknowledges %s, not %s", ErrBadReceipt, r.EnvelopeDigest, digest)
	}
	return o.Payload, nil
}

// EndorseKey signs, with the node's current key, the endorsement of its new
// certificate, records the new key as its own and queues the endorsement for
// the parent, so that every level above accepts reports signed with it.
func EndorseKey(st *store.Store, current trust.Identity, next []*x509.Certificate, now time.Time) error {
	payload, err := envelope.EncodeKeyEndorsement(envelope.KeyEndorsement{
		Unit: current.Path()[len(current.Path())-1], Certificate: next[0].Raw, EndorsedAt: now.UTC(),
	})
	if err != nil {
		return err
	}
	raw, err := sign(current, envelope.KeyType, payload)
	if err != nil {
		return err
	}
	unit := current.Path()[len(current.Path())-1]
	_, err = st.PutKeyEndorsement(unit, trust.Fingerprint(current.Leaf()), trust.Fingerprint(next[0]), envelope.Digest(raw), raw, true)
	return err
}

// rules are the rules that judge reports now: LiveRules when set, else
// Rules (nil judges none).
func (n *Reports) rules() (*validate.Set, error) {
	if n.LiveRules != nil {
		return n.LiveRules.Set()
	}
	return n.Rules, nil
}
