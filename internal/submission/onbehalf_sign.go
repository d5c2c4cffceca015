package submission

import (
	"errors"
	"fmt"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/validate"
)

// OnBehalf is one report to enter on a unit's behalf.
type OnBehalf struct {
	Unit, DataSet string
	Period        period.Period
	Values        []store.Value
	Overrides     []envelope.Override
}

// SubmitOnBehalf signs, as the next revision, the report of a unit below
// this node that runs no node of its own: this node entered it, and the
// report says so (EnteredBy). The values are judged by the rules as the
// unit's own would be (an error blocks unless overridden), the signed
// envelope is checked as every level above will check it, and it is stored
// and queued as if the unit had delivered it.
func (n *Reports) SubmitOnBehalf(unit, dataSet string, p period.Period, values []store.Value, overrides []envelope.Override) (store.Submission, error) {
	out, err := n.SubmitOnBehalfAll([]OnBehalf{{Unit: unit, DataSet: dataSet, Period: p, Values: values, Overrides: overrides}})
	var one *OnBehalfError
	if errors.As(err, &one) {
		return store.Submission{}, one.Err
	}
	if err != nil {
		return store.Submission{}, err
	}
	return out[0], nil
}

// OnBehalfError names the report of a batch entered on behalf that was
// refused; none of the batch was stored.
type OnBehalfError struct {
	Index int
	Unit  string
	Err   error
}

func (e *OnBehalfError) Error() string { return fmt.Sprintf("unit %s: %v", e.Unit, e.Err) }

func (e *OnBehalfError) Unwrap() error { return e.Err }

// SubmitOnBehalfAll enters several reports on their units' behalf as
// SubmitOnBehalf does, all or none: each is judged, signed and checked
// first, then all are stored in one transaction. A refusal is an
// *OnBehalfError naming the report.
func (n *Reports) SubmitOnBehalfAll(reports []OnBehalf) ([]store.Submission, error) {
	id, err := n.identity()
	if err != nil {
		return nil, err
	}
	items := make([]store.Incoming, len(reports))
	digests := make([]string, len(reports))
	for i, r := range reports {
		it, err := n.onBehalf(id, r)
		if err != nil {
			return nil, &OnBehalfError{Index: i, Unit: r.Unit, Err: err}
		}
		items[i], digests[i] = it, it.Record.Digest
	}
	if err := n.Store.PutSubmissionsAll(items, n.Forward); err != nil {
		var b *store.BatchError
		if errors.As(err, &b) && b.Err != nil {
			return nil, &OnBehalfError{Index: b.Index, Unit: reports[b.Index].Unit, Err: b.Err}
		}
		return nil, err
	}
	n.queued()
	out := make([]store.Submission, len(digests))
	for i, d := range digests {
		if out[i], _, _, err = n.Store.Submission(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// onBehalf judges, signs and checks one report entered on behalf.
func (n *Reports) onBehalf(id trust.Identity, r OnBehalf) (store.Incoming, error) {
	v := n.Verifier
	unit, p := r.Unit, r.Period
	if unit == v.Self || !v.Tree.InSubtree(v.Self, unit) {
		return store.Incoming{}, fmt.Errorf("%w: unit %s is not below this node (%s): enter on behalf only of a unit below", ErrNotAllowed, unit, v.Self)
	}
	keys := []store.ReportKey{{Unit: unit, DataSet: r.DataSet, Period: p.Previous().String()}}
	prev, err := n.Store.CurrentReports(keys)
	if err != nil {
		return store.Incoming{}, err
	}
	revision, err := n.Store.LatestRevision(unit, r.DataSet, p.String())
	if err != nil {
		return store.Incoming{}, err
	}
	s := envelope.Submission{
		Unit: unit, DataSet: r.DataSet, Period: p.String(), Revision: revision + 1,
		CatalogVersion: v.Catalog.Version(), CatalogDigest: v.Catalog.Digest(),
		SignedAt: v.Now().UTC(), EnteredBy: v.Self,
	}
	for _, val := range r.Values {
		s.Values = append(s.Values, envelope.Value{Element: val.Element, Option: val.Option, Count: val.Count})
	}
	in := validate.Input{PeriodType: p.Type(), Previous: validate.LookupOf(cellsOfStore(prev[keys[0]]))}
	raw, violations, err := n.signReport(id, s, in, "", r.Overrides)
	if err != nil {
		return store.Incoming{}, err
	}
	c, err := v.Check(raw, nil)
	if err != nil {
		return store.Incoming{}, err
	}
	rec := c.Record()
	rec.Violations = StoredViolations(violations)
	// Entered here: received when it was signed (see proofOfTime).
	if rec.FirstReceipt, rec.FirstReceivedAt, _, err = v.proofOfTime(c, nil); err != nil {
		return store.Incoming{}, err
	}
	return store.Incoming{Record: rec, Envelope: raw, Values: c.Values(), Child: c.Parent == v.Self, KeyOwner: c.KeyOwner}, nil
}
