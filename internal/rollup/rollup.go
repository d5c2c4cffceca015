// Package rollup answers questions over the aggregated figures a node holds
// for its subtree: an element or indicator for any unit, level, period or
// range of periods, children compared and ranked, series over time. The
// store keeps the aggregates, updated in the same transaction as every
// report; this package applies the rules of the domain on top: over time,
// flows sum and stocks take the last period; a ratio is the sum of its
// numerator over the units divided by the sum of its denominator, never an
// average of the units' ratios; missing data stays missing.
package rollup

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// ErrNotInSubtree means a question about a unit outside the node's subtree.
var ErrNotInSubtree = errors.New("unit is not in this node's subtree")

// Engine answers roll-up questions at one node.
type Engine struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Tree    *hierarchy.Tree
	// Self is the node's own unit: questions are about its subtree.
	Self string

	natureOnce sync.Once
	natures    map[string]catalog.Nature
}

// nature is the element's stock or flow nature, from a table built once:
// the catalogue's accessors copy, and a comparison asks for every unit.
func (e *Engine) nature(element string) (catalog.Nature, bool) {
	e.natureOnce.Do(func() {
		e.natures = map[string]catalog.Nature{}
		for _, de := range e.Catalog.Elements() {
			e.natures[de.Code] = de.Nature
		}
	})
	n, ok := e.natures[element]
	return n, ok
}

// Figure is an element (or one of its options) of a unit over a range.
type Figure struct {
	Value int64
	// Missing: no unit of the subtree reported it in the periods that
	// decide it (the last period for a stock, any period for a flow).
	Missing bool
	// Reporting is how many units of the subtree reported it: in the last
	// period of the range for a stock, at most in any period for a flow.
	Reporting int
}

// view is the cells of some units over some periods, read at one instant.
type view map[string]map[string][]store.Cell

// read fetches the cells refs names, of units, over the periods of r —
// and only those: an answer is a handful of stored records, never a scan.
// whole says the answer is one figure over the whole range, so that when
// every figure is a stock only the last period matters; a series, which
// answers each period, passes false.
func (e *Engine) read(units []string, r period.Range, refs []expr.Ref, whole bool) (view, error) {
	for _, u := range units {
		if !e.Tree.InSubtree(e.Self, u) {
			return nil, fmt.Errorf("%w: %s (this node: %s)", ErrNotInSubtree, u, e.Self)
		}
	}
	ps := r.Periods()
	// A stock takes the last period of a range: when every figure asked
	// for is a stock, the earlier periods need not be read at all.
	allStocks := whole
	for _, ref := range refs {
		if n, _ := e.nature(ref.Element); n != catalog.Stock {
			allStocks = false
		}
	}
	if allStocks {
		ps = ps[len(ps)-1:]
	}
	codes := make([]string, len(ps))
	for i, p := range ps {
		codes[i] = p.String()
	}
	cells := make([]store.CellRef, len(refs))
	for i, ref := range refs {
		cells[i] = store.CellRef{Element: ref.Element, Option: ref.Option}
	}
	v, err := e.Store.RollupCells(units, codes, cells)
	return view(v), err
}

func findCell(cells []store.Cell, element, option string) (store.Cell, bool) {
	i := sort.Search(len(cells), func(i int) bool {
		c := cells[i]
		return c.Element > element || c.Element == element && c.Option >= option
	})
	if i < len(cells) && cells[i].Element == element && cells[i].Option == option {
		return cells[i], true
	}
	return store.Cell{}, false
}

// figure applies the element's nature over the range.
func (e *Engine) figure(v view, unit string, ref expr.Ref, r period.Range) (Figure, error) {
	nature, ok := e.nature(ref.Element)
	if !ok {
		return Figure{}, fmt.Errorf("unknown data element %q", ref.Element)
	}
	byPeriod := v[unit]
	last := r.Last().String()
	f := Figure{Missing: true}
	if c, ok := findCell(byPeriod[last], ref.Element, ref.Option); ok {
		f.Reporting = c.Reporting
		if nature == catalog.Stock {
			return Figure{Value: c.Sum, Reporting: c.Reporting}, nil
		}
	}
	if nature == catalog.Stock {
		return f, nil
	}
	for _, p := range r.Periods() {
		if c, ok := findCell(byPeriod[p.String()], ref.Element, ref.Option); ok {
			f.Value += c.Sum
			f.Missing = false
			// For a flow, the most units that reported it in any period of
			// the range: never 0 beside a value.
			f.Reporting = max(f.Reporting, c.Reporting)
		}
	}
	return f, nil
}

// Value answers one element or option of unit over the range.
func (e *Engine) Value(unit string, ref expr.Ref, r period.Range) (Figure, error) {
	v, err := e.read([]string{unit}, r, []expr.Ref{ref}, true)
	if err != nil {
		return Figure{}, err
	}
	return e.figure(v, unit, ref, r)
}

// IndicatorValue is an indicator of a unit over a range: its numerator and
// denominator, each summed over the units first, and their ratio.
type IndicatorValue struct {
	Unit        string
	Numerator   *big.Rat // nil when missing
	Denominator *big.Rat // nil when missing or for a plain count
	// Value is Numerator × Factor ÷ Denominator (or Numerator for a
	// count); nil when there is no value: missing data, or a zero
	// denominator, which is "no value", never an error or infinity.
	Value *big.Rat
	// Reporting is the least number of units reporting any figure the
	// indicator uses, in the last period of the range.
	Reporting int
}

func (e *Engine) indicator(v view, unit string, ind catalog.Indicator, r period.Range) (IndicatorValue, error) {
	out := IndicatorValue{Unit: unit, Reporting: -1}
	var lookupErr error
	lookup := func(ref expr.Ref) (int64, bool) {
		f, err := e.figure(v, unit, ref, r)
		if err != nil {
			lookupErr = err
			return 0, false
		}
		if out.Reporting < 0 || f.Reporting < out.Reporting {
			out.Reporting = f.Reporting
		}
		return f.Value, !f.Missing
	}
	out.Numerator = evalSide(ind.Numerator, lookup)
	if ind.Denominator != nil {
		out.Denominator = evalSide(ind.Denominator, lookup)
	}
	if lookupErr != nil {
		return IndicatorValue{}, lookupErr
	}
	if out.Reporting < 0 {
		out.Reporting = 0
	}
	// The value from the sums just taken: numerator × factor ÷ denominator.
	if out.Numerator != nil {
		v := new(big.Rat).Mul(out.Numerator, new(big.Rat).SetInt64(ind.Factor))
		switch {
		case ind.Denominator == nil:
			out.Value = v
		case out.Denominator != nil && out.Denominator.Sign() != 0:
			out.Value = v.Quo(v, out.Denominator)
		}
	}
	return out, nil
}

// evalSide evaluates a numerator or denominator: in int64 when it is a sum
// of counts (one allocation for the result), exactly otherwise; nil when
// missing.
func evalSide(x *expr.Expr, lookup func(expr.Ref) (int64, bool)) *big.Rat {
	if x.Integral() {
		if v, ok := x.EvalInt(lookup); ok {
			return new(big.Rat).SetInt64(v)
		}
		return nil
	}
	if v, ok := x.Eval(lookup); ok {
		return v
	}
	return nil
}

// Indicator answers an indicator of unit over the range.
func (e *Engine) Indicator(unit, code string, r period.Range) (IndicatorValue, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return IndicatorValue{}, fmt.Errorf("unknown indicator %q", code)
	}
	v, err := e.read([]string{unit}, r, ind.Refs(), true)
	if err != nil {
		return IndicatorValue{}, err
	}
	return e.indicator(v, unit, ind, r)
}

// Comparison is an indicator for a set of units, ranked, with the parent's
// own aggregate for reference.
type Comparison struct {
	Parent IndicatorValue
	// Rows are ranked by value, highest first; units without a value come
	// last, by code.
	Rows []IndicatorValue
}

// CompareChildren answers an indicator for every child of parent (valid on
// the last day of the range), ranked, and for parent itself.
func (e *Engine) CompareChildren(parent, code string, r period.Range) (Comparison, error) {
	var units []string
	for _, c := range e.Tree.ChildrenOn(parent, r.Last().End().AddDate(0, 0, -1)) {
		units = append(units, c.Code)
	}
	return e.compare(parent, units, code, r)
}

// CompareLevel answers an indicator for every unit of a level within the
// subtree of parent, ranked, and for parent itself.
func (e *Engine) CompareLevel(parent, level, code string, r period.Range) (Comparison, error) {
	var units []string
	for _, u := range e.Tree.AtLevel(level) {
		if e.Tree.InSubtree(parent, u.Code) && u.ActiveOn(r.Last().End().AddDate(0, 0, -1)) {
			units = append(units, u.Code)
		}
	}
	return e.compare(parent, units, code, r)
}

func (e *Engine) compare(parent string, units []string, code string, r period.Range) (Comparison, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return Comparison{}, fmt.Errorf("unknown indicator %q", code)
	}
	v, err := e.read(append([]string{parent}, units...), r, ind.Refs(), true)
	if err != nil {
		return Comparison{}, err
	}
	var c Comparison
	if c.Parent, err = e.indicator(v, parent, ind, r); err != nil {
		return Comparison{}, err
	}
	for _, u := range units {
		iv, err := e.indicator(v, u, ind, r)
		if err != nil {
			return Comparison{}, err
		}
		c.Rows = append(c.Rows, iv)
	}
	// Rank on a float key computed once per row; the exact ratios decide
	// only between rows whose keys are equal.
	keys := make(map[string]float64, len(c.Rows))
	for _, row := range c.Rows {
		if row.Value != nil {
			keys[row.Unit], _ = row.Value.Float64()
		}
	}
	sort.SliceStable(c.Rows, func(i, j int) bool {
		a, b := c.Rows[i], c.Rows[j]
		switch {
		case a.Value == nil || b.Value == nil:
			if (a.Value == nil) != (b.Value == nil) {
				return b.Value == nil
			}
			return a.Unit < b.Unit
		case keys[a.Unit] != keys[b.Unit]:
			return keys[a.Unit] > keys[b.Unit]
		case a.Value.Cmp(b.Value) != 0:
			return a.Value.Cmp(b.Value) > 0
		}
		return a.Unit < b.Unit
	})
	return c, nil
}

// Series answers an indicator of unit for each period of the range.
func (e *Engine) Series(unit, code string, r period.Range) ([]IndicatorValue, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return nil, fmt.Errorf("unknown indicator %q", code)
	}
	v, err := e.read([]string{unit}, r, ind.Refs(), false)
	if err != nil {
		return nil, err
	}
	var out []IndicatorValue
	for _, p := range r.Periods() {
		iv, err := e.indicator(v, unit, ind, period.Range{From: p, To: p})
		if err != nil {
			return nil, err
		}
		out = append(out, iv)
	}
	return out, nil
}
