package submission

import (
	"errors"
	"fmt"
	"math/big"
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

// cellsOfValues, cellsOfEnvelope and cellsOfStore convert to the
// validator's cells: the values of a node's own unit, of a signed report,
// and a report's stored cells.
func cellsOfEnvelope(vals []envelope.Value) []validate.Cell {
	if vals == nil {
		vals = []envelope.Value{} // a report signed with no values has values: none
	}
	return cellsOf(vals, func(v envelope.Value) validate.Cell {
		return validate.Cell{Element: v.Element, Option: v.Option, Count: v.Count}
	})
}

func cellsOfValues(vals []store.Value) []validate.Cell {
	return cellsOf(vals, func(v store.Value) validate.Cell {
		return validate.Cell{Element: v.Element, Option: v.Option, Count: v.Count}
	})
}

func cellsOfStore(cells []store.Cell) []validate.Cell {
	return cellsOf(cells, func(c store.Cell) validate.Cell {
		return validate.Cell{Element: c.Element, Option: c.Option, Count: c.Sum}
	})
}

// cellsOf converts each of vals with cell; nil stays nil, which the rules
// read as nothing to compare with.
func cellsOf[T any](vals []T, cell func(T) validate.Cell) []validate.Cell {
	if vals == nil {
		return nil
	}
	out := make([]validate.Cell, len(vals))
	for i, v := range vals {
		out[i] = cell(v)
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
	rules, err := n.rules()
	if err != nil || rules == nil {
		return out, err
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
		in := validate.Input{PeriodType: types[i], Values: validate.LookupOf(cellsOfEnvelope(s.Values)), Previous: validate.LookupOf(cellsOfStore(prev[keys[i]]))}
		var note string
		if p, err := period.Parse(s.Period); err == nil {
			if note, err = n.mappedPrevious(&in, s.Unit, s.DataSet, p); err != nil {
				return nil, err
			}
		}
		out[i] = StoredViolations(withNote(rules.Run(in), note))
	}
	return out, nil
}

// Validate judges a unit's report of a data set and period as this node
// holds it: the node's own values for its own unit, the latest report
// received for a unit below. It judges against the unit's previous
// period, its last five periods (outliers) and, for a unit below, its
// siblings' reports of the same period.
func (n *Reports) Validate(unit, dataSet string, p period.Period) ([]validate.Violation, bool, error) {
	rules, err := n.rules()
	if err != nil || rules == nil {
		return nil, false, err
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
		for i := 0; i < validate.HistoryPeriods; i++ {
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
		for q, i := p, 0; i < validate.HistoryPeriods; i++ {
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
	note, err := n.mappedPrevious(&in, unit, dataSet, p)
	if err != nil {
		return nil, false, err
	}
	return withNote(rules.Run(in), note), true, nil
}

// mappedPrevious is the previous period of a report across a change of
// the map: when mapped, the unit's sources' figures then, mapped into its
// boundaries, replace the report its code named in the old map.
type mappedPrevious struct {
	mapped bool
	cells  []store.Cell
	note   string
}

// previous reads the mapped previous period of a report of unit for p.
func (n *Reports) previous(unit, dataSet string, p period.Period) (mappedPrevious, error) {
	if n.Previous == nil {
		return mappedPrevious{}, nil
	}
	cells, mapped, note, err := n.Previous(unit, dataSet, p)
	return mappedPrevious{mapped: mapped, cells: cells, note: note}, err
}

// apply puts the mapped previous period in in, and returns the note to
// state with the violations.
func (m mappedPrevious) apply(in *validate.Input) string {
	if !m.mapped {
		return ""
	}
	in.Previous = nil
	if m.cells != nil {
		in.Previous = validate.LookupOf(cellsOfStore(m.cells))
	}
	return m.note
}

// mappedPrevious reads and applies the mapped previous period to in.
func (n *Reports) mappedPrevious(in *validate.Input, unit, dataSet string, p period.Period) (string, error) {
	m, err := n.previous(unit, dataSet, p)
	if err != nil {
		return "", err
	}
	return m.apply(in), nil
}

// withNote adds to vs a warning saying how exact the comparison with the
// previous period was, when it was not.
func withNote(vs []validate.Violation, note string) []validate.Violation {
	if note == "" {
		return vs
	}
	return append(vs, validate.Violation{
		Rule: validate.Rule{Code: "previous/boundaries", Op: validate.Equal, Importance: validate.Warning, Message: note,
			MessageEN: "the previous period is in the old boundaries: the comparison with it is inexact or estimated"},
		Left: new(big.Rat), Right: new(big.Rat),
	})
}
