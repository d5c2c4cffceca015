package submission

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/validate"
)

// maxReasonLen bounds an override's reason, which every level above stores.
const maxReasonLen = 2000

// ErrBlocked: the report breaks validation rules of importance error that
// its signer did not override.
var ErrBlocked = errors.New("validation errors block signing")

// BlockedError lists the errors that block signing.
type BlockedError struct {
	Violations []validate.Violation
}

func (e *BlockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d validation error(s) block signing; fix the values or override each with a reason:", len(e.Violations))
	for _, v := range e.Violations {
		fmt.Fprintf(&b, " [%s] %s (%s %s %s);", v.Rule.Code, v.Rule.Message, v.Left.RatString(), v.Rule.Op, v.Right.RatString())
	}
	return strings.TrimSuffix(b.String(), ";")
}

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// cellsOfValues and cellsOfStore convert to the validator's cells.
func cellsOfValues(vals []store.Value) []validate.Cell {
	if vals == nil {
		return nil
	}
	out := make([]validate.Cell, len(vals))
	for i, v := range vals {
		out[i] = validate.Cell{Element: v.Element, Option: v.Option, Count: v.Count}
	}
	return out
}

func cellsOfStore(cells []store.Cell) []validate.Cell {
	if cells == nil {
		return nil
	}
	out := make([]validate.Cell, len(cells))
	for i, c := range cells {
		out[i] = validate.Cell{Element: c.Element, Option: c.Option, Count: c.Sum}
	}
	return out
}

// StoredViolations is how a report's violations are kept with it.
func StoredViolations(vs []validate.Violation) []store.Violation {
	out := make([]store.Violation, len(vs))
	for i, v := range vs {
		out[i] = store.Violation{
			Rule: v.Rule.Code, Importance: v.Rule.Importance.String(), Op: string(v.Rule.Op),
			Message: v.Rule.Message, MessageEN: v.Rule.MessageEN,
			Left: v.Left.RatString(), Right: v.Right.RatString(),
		}
	}
	return out
}

// gate decides whether a report with violations vs may be signed with
// overrides: every error must be overridden, with a reason, and every
// override must name an error the report has.
func gate(vs []validate.Violation, overrides []envelope.Override) error {
	bad := &invalid.Error{}
	errs := map[string]bool{}
	for _, v := range vs {
		if v.Rule.Importance == validate.Error {
			errs[v.Rule.Code] = true
		}
	}
	overridden := map[string]bool{}
	for i, o := range overrides {
		switch {
		case o.Rule == "":
			bad.Add(fmt.Sprintf("overrides[%d].rule", i), "empty")
		case !errs[o.Rule]:
			bad.Add(fmt.Sprintf("overrides[%d].rule", i), "%q is not an error this report has", o.Rule)
		case overridden[o.Rule]:
			bad.Add(fmt.Sprintf("overrides[%d].rule", i), "%q overridden twice", o.Rule)
		case strings.TrimSpace(o.Reason) == "":
			bad.Add(fmt.Sprintf("overrides[%d].reason", i), "empty: an override needs a reason")
		case len(o.Reason) > maxReasonLen:
			bad.Add(fmt.Sprintf("overrides[%d].reason", i), "longer than %d bytes", maxReasonLen)
		}
		overridden[o.Rule] = true
	}
	if err := bad.Err(); err != nil {
		return err
	}
	var blocking []validate.Violation
	for _, v := range vs {
		if v.Rule.Importance == validate.Error && !overridden[v.Rule.Code] {
			blocking = append(blocking, v)
		}
	}
	if len(blocking) > 0 {
		return &BlockedError{Violations: blocking}
	}
	return nil
}

// judgeReceived runs the rules over reports from below, each against the
// same unit's previous report as this node holds it, read in one
// transaction for the batch. Siblings are left to Validate, on demand:
// reading them for every envelope would slow the accept path for a warning.
func (n *Reports) judgeReceived(subs []*envelope.Submission) ([][]store.Violation, error) {
	out := make([][]store.Violation, len(subs))
	if n.Rules == nil {
		return out, nil
	}
	keys := make([]store.ReportKey, len(subs))
	types := make([]period.Type, len(subs))
	for i, s := range subs {
		if p, err := period.Parse(s.Period); err == nil {
			keys[i] = store.ReportKey{Unit: s.Unit, DataSet: s.DataSet, Period: p.Previous().String()}
			types[i] = p.Type()
		}
	}
	prev, err := n.Store.CurrentReports(keys)
	if err != nil {
		return nil, err
	}
	for i, s := range subs {
		cells := make([]validate.Cell, len(s.Values))
		for j, v := range s.Values {
			cells[j] = validate.Cell{Element: v.Element, Option: v.Option, Count: v.Count}
		}
		in := validate.Input{PeriodType: types[i], Values: validate.LookupOf(cells), Previous: validate.LookupOf(cellsOfStore(prev[keys[i]]))}
		out[i] = StoredViolations(n.Rules.Run(in))
	}
	return out, nil
}

// Validate judges a unit's report of a data set and period as this node
// holds it: the node's own values for its own unit, the latest report
// received for a unit below. It judges against the unit's previous
// period, its last five periods (outliers) and, for a unit below, its
// siblings' reports of the same period.
func (n *Reports) Validate(unit, dataSet string, p period.Period) ([]validate.Violation, bool, error) {
	if n.Rules == nil {
		return nil, false, nil
	}
	v := n.Verifier
	var found bool
	in := validate.Input{PeriodType: p.Type()}
	if unit == v.Self {
		ds, _ := v.Catalog.DataSet(dataSet)
		own := func(q period.Period) ([]validate.Cell, error) {
			vals, err := n.Store.Values(q)
			if err != nil || len(vals) == 0 {
				return nil, err
			}
			var keep []store.Value
			for _, val := range vals {
				if ds.HasElement(val.Element) {
					keep = append(keep, val)
				}
			}
			return cellsOfValues(keep), nil
		}
		cur, err := own(p)
		if err != nil {
			return nil, false, err
		}
		found = cur != nil
		in.Values = validate.LookupOf(cur)
		q := p
		for i := 0; i < 5; i++ {
			q = q.Previous()
			c, err := own(q)
			if err != nil {
				return nil, false, err
			}
			if i == 0 {
				in.Previous = validate.LookupOf(c)
			}
			if c != nil {
				in.History = append(in.History, validate.LookupOf(c))
			}
		}
	} else {
		periods := []string{p.String()}
		for q, i := p, 0; i < 5; i++ {
			q = q.Previous()
			periods = append(periods, q.String())
		}
		for i, pc := range periods {
			key := store.ReportKey{Unit: unit, DataSet: dataSet, Period: pc}
			got, err := n.Store.CurrentReports([]store.ReportKey{key})
			if err != nil {
				return nil, false, err
			}
			cells, ok := got[key]
			switch {
			case i == 0:
				found = ok
				in.Values = validate.LookupOf(cellsOfStore(cells))
			case ok:
				l := validate.LookupOf(cellsOfStore(cells))
				if i == 1 {
					in.Previous = l
				}
				in.History = append(in.History, l)
			}
		}
		if parent, ok := v.Tree.Parent(unit); ok {
			var sibs []store.ReportKey
			for _, c := range v.Tree.Children(parent.Code) {
				if c.Code != unit {
					sibs = append(sibs, store.ReportKey{Unit: c.Code, DataSet: dataSet, Period: p.String()})
				}
			}
			got, err := n.Store.CurrentReports(sibs)
			if err != nil {
				return nil, false, err
			}
			for _, k := range sibs {
				if cells, ok := got[k]; ok {
					in.Peers = append(in.Peers, validate.LookupOf(cellsOfStore(cells)))
				}
			}
		}
	}
	if !found {
		return nil, false, nil
	}
	return n.Rules.Run(in), true, nil
}
