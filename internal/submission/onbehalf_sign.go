package submission

import (
	"fmt"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/validate"
)

// SubmitOnBehalf signs, as the next revision, the report of a unit below
// this node that runs no node of its own: this node entered it, and the
// report says so (EnteredBy). The values are judged by the rules as the
// unit's own would be (an error blocks unless overridden), the signed
// envelope is checked as every level above will check it, and it is stored
// and queued as if the unit had delivered it.
func (n *Reports) SubmitOnBehalf(unit, dataSet string, p period.Period, values []store.Value, overrides []envelope.Override) (store.Submission, error) {
	id, err := n.identity()
	if err != nil {
		return store.Submission{}, err
	}
	v := n.Verifier
	if unit == v.Self || !v.Tree.InSubtree(v.Self, unit) {
		return store.Submission{}, fmt.Errorf("%w: unit %s is not below this node (%s): enter on behalf only of a unit below", ErrNotAllowed, unit, v.Self)
	}
	keys := []store.ReportKey{{Unit: unit, DataSet: dataSet, Period: p.Previous().String()}}
	prev, err := n.Store.CurrentReports(keys)
	if err != nil {
		return store.Submission{}, err
	}
	revision, err := n.Store.LatestRevision(unit, dataSet, p.String())
	if err != nil {
		return store.Submission{}, err
	}
	s := envelope.Submission{
		Unit: unit, DataSet: dataSet, Period: p.String(), Revision: revision + 1,
		CatalogVersion: v.Catalog.Version(), CatalogDigest: v.Catalog.Digest(),
		SignedAt: v.Now().UTC(), EnteredBy: v.Self,
	}
	for _, val := range values {
		s.Values = append(s.Values, envelope.Value{Element: val.Element, Option: val.Option, Count: val.Count})
	}
	in := validate.Input{PeriodType: p.Type(), Previous: validate.LookupOf(cellsOfStore(prev[keys[0]]))}
	raw, violations, err := n.signReport(id, s, in, "", overrides)
	if err != nil {
		return store.Submission{}, err
	}
	c, err := v.Check(raw, nil)
	if err != nil {
		return store.Submission{}, err
	}
	rec := c.Record()
	rec.Violations = StoredViolations(violations)
	// Entered here: received when it was signed (see proofOfTime).
	if rec.FirstReceipt, rec.FirstReceivedAt, _, err = v.proofOfTime(c, nil); err != nil {
		return store.Submission{}, err
	}
	results, err := n.Store.PutSubmissions([]store.Incoming{{
		Record: rec, Envelope: raw, Values: c.Values(), Child: c.Parent == v.Self, KeyOwner: c.KeyOwner,
	}}, n.Forward)
	if err != nil {
		return store.Submission{}, err
	}
	if r := results[0]; r.Outcome != store.Stored {
		return store.Submission{}, r.Err
	}
	n.queued()
	stored, _, _, err := n.Store.Submission(c.Digest)
	return stored, err
}
