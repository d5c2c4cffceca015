package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// Errors of the transfer, beside ErrInvalid.
var (
	// ErrEmpty means an export of an empty outbox.
	ErrEmpty = errors.New("the outbox is empty: nothing to export")
	// ErrNotBelow means a bundle of envelopes from a node that is not below
	// the importing one.
	ErrNotBelow = errors.New("bundle is not from a node below this one")
	// ErrNotForThisNode means receipts that acknowledge another node's
	// envelopes, or are signed by a node other than this one's parent.
	ErrNotForThisNode = errors.New("receipts are not for this node")
)

// importBatch is how many envelopes one transaction of an import stores,
// as a delivery over the network does (server.MaxDeliverBatch).
const importBatch = 500

// Transfer exports and imports bundles at one node. It goes through the
// node's submission.Reports: an import is verified, judged, stored and
// receipted by the same code as a delivery over the peer port.
type Transfer struct {
	// Reports receives the envelopes of an imported bundle, and holds the
	// key bundles are signed with.
	Reports Reports
	// Outbox is what waits for the parent's receipts.
	Outbox Outbox
	// Verifier judges bundles and receipts by this node's trust, hierarchy
	// and clock.
	Verifier *submission.Verifier
	Logger   *zap.Logger
}

// Reports is the submission side of a node a transfer goes through:
// submission.Reports.
type Reports interface {
	Enrolled() (trust.Identity, error)
	Receive(raws [][]byte, from []string) ([]submission.Outcome, error)
}

// Outbox is the node's outbox: store.Store.
type Outbox interface {
	Outbox(limit int) ([]store.OutboxEntry, [][]byte, error)
	CompleteDeliveries(ds []store.Delivery) error
}

// Exported is a bundle of the outbox.
type Exported struct {
	Bundle   []byte
	Manifest Manifest
	// Remaining counts the envelopes left out because the bundle was full;
	// they go in the next bundle, once this one's receipts are back.
	Remaining int
}

func (t *Transfer) log() *zap.Logger {
	if t.Logger == nil {
		return zap.NewNop()
	}
	return t.Logger
}

// Export writes the outbox, oldest first, to one bundle signed by this
// node. Nothing leaves the outbox: only the receipts do that.
func (t *Transfer) Export() (Exported, error) {
	id, err := t.Reports.Enrolled()
	if err != nil {
		return Exported{}, err
	}
	_, envs, err := t.Outbox.Outbox(0)
	if err != nil {
		return Exported{}, err
	}
	if len(envs) == 0 {
		return Exported{}, ErrEmpty
	}
	// Leave room for the manifest (one line per entry, and the chain) and
	// the archive's headers.
	budget, n := MaxBytes-64<<10, 0
	for n < len(envs) && n < MaxEntries {
		cost := len(envs[n]) + 300
		if cost > budget {
			break
		}
		budget -= cost
		n++
	}
	if n == 0 {
		return Exported{}, fmt.Errorf("%w: the oldest envelope alone is %d bytes", envelope.ErrTooLarge, len(envs[0]))
	}
	var buf bytes.Buffer
	m, err := Write(&buf, Envelopes, envs[:n], nil, id, t.Verifier.Now())
	if err != nil {
		return Exported{}, err
	}
	t.log().Info("outbox exported to a bundle", zap.Int("envelopes", n), zap.Int("remaining", len(envs)-n), zap.Int("bytes", buf.Len()))
	return Exported{Bundle: buf.Bytes(), Manifest: m, Remaining: len(envs) - n}, nil
}

// Imported is what an import did.
type Imported struct {
	Manifest Manifest
	// Outcomes answer the envelopes in the bundle's order.
	Outcomes []submission.Outcome
	// Receipts is the bundle of receipts for the exporting node, holding
	// one for each envelope accepted or already held.
	Receipts []byte
}

// Import verifies a bundle of envelopes from a node below this one and
// accepts them exactly as if that node had delivered them. A bundle that
// does not verify as a whole is refused and changes nothing; each envelope
// is then accepted, found a duplicate, or refused on its own, as over the
// network. Accepted envelopes are durable before Import returns.
func (t *Transfer) Import(data []byte) (Imported, error) {
	id, err := t.Reports.Enrolled()
	if err != nil {
		return Imported{}, err
	}
	v := t.Verifier
	b, err := Read(data, v.Roots, v.Now(), v.Revocations.Revoked)
	if err != nil {
		return Imported{}, err
	}
	if b.Manifest.Kind != Envelopes {
		return Imported{}, fmt.Errorf("%w: a bundle of %s, not of envelopes: import it with `tonghop bundle receipts` on the node that exported", ErrInvalid, b.Manifest.Kind)
	}
	from := b.Signer
	unit := from[len(from)-1]
	if unit == v.Self || !v.Tree.InSubtree(v.Self, unit) || !slices.Equal(v.Tree.Path(unit), from) {
		return Imported{}, fmt.Errorf("%w: it is from %s; this node is %s", ErrNotBelow, strings.Join(from, "/"), strings.Join(v.Tree.Path(v.Self), "/"))
	}
	var (
		out      []submission.Outcome
		receipts [][]byte
	)
	for start := 0; start < len(b.Items); start += importBatch {
		batch := b.Items[start:min(start+importBatch, len(b.Items))]
		os, err := t.Reports.Receive(batch, from)
		if err != nil {
			return Imported{}, err
		}
		out = append(out, os...)
	}
	for _, o := range out {
		if o.Status == store.Stored || o.Status == store.Duplicate {
			receipts = append(receipts, o.Receipt)
		}
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, Receipts, receipts, from, id, v.Now()); err != nil {
		return Imported{}, err
	}
	t.log().Info("bundle imported", zap.String("from", b.Manifest.From), zap.Int("envelopes", len(b.Items)), zap.Int("receipts", len(receipts)))
	return Imported{Manifest: b.Manifest, Outcomes: out, Receipts: buf.Bytes()}, nil
}

// Cleared is what importing receipts did.
type Cleared struct {
	Manifest Manifest
	// Cleared counts outbox entries the receipts removed; AlreadyCleared
	// those they acknowledge that had left the outbox before (over the
	// network, or by the same receipts imported before).
	Cleared, AlreadyCleared int
	// Waiting counts the entries still in the outbox.
	Waiting int
}

// ImportReceipts verifies a bundle of receipts signed by this node's parent
// for this node's envelopes, and clears from the outbox every envelope one
// of them acknowledges, as a receipt over the network does. Every receipt
// is verified before anything changes; one that does not verify refuses
// the whole file.
func (t *Transfer) ImportReceipts(data []byte) (Cleared, error) {
	id, err := t.Reports.Enrolled()
	if err != nil {
		return Cleared{}, err
	}
	v := t.Verifier
	b, err := Read(data, v.Roots, v.Now(), v.Revocations.Revoked)
	if err != nil {
		return Cleared{}, err
	}
	self := id.Path()
	parent := self[:len(self)-1]
	switch {
	case b.Manifest.Kind != Receipts:
		return Cleared{}, fmt.Errorf("%w: a bundle of %s, not of receipts: import it with `tonghop bundle import` on a node above", ErrInvalid, b.Manifest.Kind)
	case b.Manifest.For != strings.Join(self, "/"):
		return Cleared{}, fmt.Errorf("%w: they acknowledge %s; this node is %s", ErrNotForThisNode, b.Manifest.For, strings.Join(self, "/"))
	case !slices.Equal(b.Signer, parent):
		return Cleared{}, fmt.Errorf("%w: signed by %s, not this node's parent %s", ErrNotForThisNode, strings.Join(b.Signer, "/"), strings.Join(parent, "/"))
	}
	receipts := make(map[string][]byte, len(b.Items))
	for i, raw := range b.Items {
		env, err := envelope.Parse(raw)
		if err != nil {
			return Cleared{}, fmt.Errorf("%w: %s: %v", ErrInvalid, b.Manifest.Entries[i].Name, err)
		}
		r, err := envelope.DecodeReceipt(env.Payload)
		if err != nil {
			return Cleared{}, fmt.Errorf("%w: %s: %v", ErrInvalid, b.Manifest.Entries[i].Name, err)
		}
		if _, err := submission.CheckReceipt(raw, r.EnvelopeDigest, parent, v); err != nil {
			return Cleared{}, fmt.Errorf("%w: %s: %v", ErrInvalid, b.Manifest.Entries[i].Name, err)
		}
		receipts[r.EnvelopeDigest] = raw
	}
	entries, _, err := t.Outbox.Outbox(0)
	if err != nil {
		return Cleared{}, err
	}
	var ds []store.Delivery
	for _, e := range entries {
		if raw, ok := receipts[e.Digest]; ok {
			ds = append(ds, store.Delivery{Seq: e.Seq, Digest: e.Digest, Done: store.Delivered, Receipt: raw})
		}
	}
	if err := t.Outbox.CompleteDeliveries(ds); err != nil {
		return Cleared{}, err
	}
	t.log().Info("receipts imported", zap.String("from", b.Manifest.From), zap.Int("cleared", len(ds)), zap.Int("already_cleared", len(receipts)-len(ds)))
	return Cleared{Manifest: b.Manifest, Cleared: len(ds), AlreadyCleared: len(receipts) - len(ds), Waiting: len(entries) - len(ds)}, nil
}
