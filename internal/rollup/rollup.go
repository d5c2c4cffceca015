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
	"maps"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// ErrNotInSubtree means a question about a unit outside the node's subtree.
var ErrNotInSubtree = errors.New("unit is not in this node's subtree")

// ErrBoundaries means boundaries a question cannot be answered in: a map
// older than the period's (figures are mapped from old units into new ones,
// never back), or a day on which the unit does not exist.
var ErrBoundaries = errors.New("boundaries")

// Engine answers roll-up questions at one node.
type Engine struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Tree    *hierarchy.Tree
	// History is every map the node knows; nil means Tree is the only one.
	// A question is asked in the boundaries of a day, and a figure of a
	// period whose map is older is mapped into them (see Mapping).
	History *hierarchy.History
	// Self is the node's own unit: questions are about its subtree.
	Self string

	natures atomic.Pointer[natureTable]
}

// natureTable is the nature of every element of the catalogue with digest.
type natureTable struct {
	digest  string
	natures map[string]catalog.Nature
}

// nature is the element's stock or flow nature, from a table built once
// per catalogue: the catalogue's accessors copy, and a comparison asks for
// every unit. A live catalogue may change to a version with more elements;
// the table follows it.
func (e *Engine) nature(element string) (catalog.Nature, bool) {
	t := e.natures.Load()
	if d := e.Catalog.Digest(); t == nil || t.digest != d {
		t = &natureTable{digest: d, natures: map[string]catalog.Nature{}}
		for _, de := range e.Catalog.Elements() {
			t.natures[de.Code] = de.Nature
		}
		e.natures.Store(t)
	}
	n, ok := t.natures[element]
	return n, ok
}

// Mapping says how a figure of a period was brought into boundaries of a
// later map: which units of the period's own map it sums, and how exact
// that is.
type Mapping struct {
	// Sources are the units of the period's map whose figures were summed,
	// by code: for a new province its old provinces, for a new commune its
	// old communes.
	Sources []string
	// Estimated: part of a split unit was apportioned by weights a user
	// declared (Apportioned names the split units); the figure is an
	// estimate, not a count.
	Estimated   bool
	Apportioned []string
	// NotComparable names the split units part of which went into the
	// unit, without declared weights: their part is never guessed, so the
	// figure has no value.
	NotComparable []string
}

func (m *Mapping) merge(o *Mapping) *Mapping {
	if o == nil {
		return m
	}
	if m == nil {
		m = &Mapping{}
	}
	m.Sources = union(m.Sources, o.Sources)
	m.Apportioned = union(m.Apportioned, o.Apportioned)
	m.NotComparable = union(m.NotComparable, o.NotComparable)
	m.Estimated = m.Estimated || o.Estimated
	return m
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Figure is an element (or one of its options) of a unit over a range.
type Figure struct {
	Value int64
	// Missing: no unit of the subtree reported it in the periods that
	// decide it (the last period for a stock, any period for a flow), or
	// it is not comparable (Mapping.NotComparable).
	Missing bool
	// Reporting is how many units of the subtree reported it: in the last
	// period of the range for a stock, at most in any period for a flow.
	// In other boundaries, how many units of the sources' subtrees did.
	Reporting int
	// Mapping is set when a period of the range is in an older map than
	// the boundaries asked.
	Mapping *Mapping
}

// view is the cells of some units over some periods, read at one instant,
// with how each mapped cell was made.
type view struct {
	cells    map[string]map[string][]store.Cell
	mappings map[string]map[string]*Mapping // unit → period → mapping
	expected map[string]map[string]int      // unit → period → units expected
}

// boundaries returns the day whose map a question over r is asked in: b,
// or by default the last day of r, the map in force at the period.
func boundaries(r period.Range, b time.Time) time.Time {
	if b.IsZero() {
		return r.Last().End().AddDate(0, 0, -1)
	}
	return hierarchy.Day(b.Date())
}

// TreeAt returns the map of day: the history's tree for the node on that day,
// or Tree without a history.
func (e *Engine) TreeAt(day time.Time) *hierarchy.Tree {
	if e.History == nil {
		return e.Tree
	}
	return e.History.TreeFor(e.Self, day)
}

// era is the index of day's map; 0 without a history.
func (e *Engine) era(day time.Time) int {
	if e.History == nil {
		return 0
	}
	return e.History.Era(day)
}

// read fetches the cells refs names, of units (of the map of day b), over
// the periods of r — and only those: an answer is a handful of stored
// records, never a scan. whole says the answer is one figure over the
// whole range, so that when every figure is a stock only the last period
// matters; a series, which answers each period, passes false. A period
// whose map is older than b's is read from the units it maps from.
func (e *Engine) read(units []string, r period.Range, refs []expr.Ref, whole bool, b time.Time) (view, error) {
	tree := e.TreeAt(b)
	for _, u := range units {
		if !tree.InSubtree(e.Self, u) {
			if e.History != nil {
				if _, ok := e.History.Unit(u, b); !ok {
					return view{}, fmt.Errorf("%w: %s is not a unit on %s", ErrBoundaries, u, hierarchy.FormatDate(b))
				}
			}
			return view{}, fmt.Errorf("%w: %s (this node: %s)", ErrNotInSubtree, u, e.Self)
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
	cells := make([]store.CellRef, len(refs))
	for i, ref := range refs {
		cells[i] = store.CellRef{Element: ref.Element, Option: ref.Option}
	}
	kb := e.era(b)
	// Periods of b's map are read as stored; the others, grouped by their
	// map, through the units they map from.
	var direct []string
	older := map[int][]string{}
	for _, p := range ps {
		kp := e.era(p.End().AddDate(0, 0, -1))
		switch {
		case kp == kb:
			direct = append(direct, p.String())
		case kp > kb:
			return view{}, fmt.Errorf("%w: %s is in the map of %s; the figures of %s are in a later one, and are not mapped back",
				ErrBoundaries, hierarchy.FormatDate(b), hierarchy.FormatDate(b), p)
		default:
			older[kp] = append(older[kp], p.String())
		}
	}
	v := view{cells: map[string]map[string][]store.Cell{}, expected: map[string]map[string]int{}}
	for _, u := range units {
		v.cells[u] = map[string][]store.Cell{}
		v.expected[u] = map[string]int{}
	}
	if len(direct) > 0 {
		got, err := e.Store.RollupCells(units, direct, cells)
		if err != nil {
			return view{}, err
		}
		for _, u := range units {
			maps.Copy(v.cells[u], got[u])
			for _, p := range direct {
				v.expected[u][p] = tree.SubtreeSize(u)
			}
		}
	}
	if len(older) == 0 {
		return v, nil
	}
	weights, err := e.weights()
	if err != nil {
		return view{}, err
	}
	v.mappings = map[string]map[string]*Mapping{}
	for _, u := range units {
		v.mappings[u] = map[string]*Mapping{}
	}
	kps := slices.Sorted(maps.Keys(older))
	for _, kp := range kps {
		terms := make(map[string]*term, len(units))
		leaves := map[string]bool{}
		for _, u := range units {
			t := e.resolve(u, kb, kp, weights)
			t.leaves(leaves)
			terms[u] = t
		}
		codes := slices.Sorted(maps.Keys(leaves))
		got, err := e.Store.RollupCells(codes, older[kp], cells)
		if err != nil {
			return view{}, err
		}
		old := e.History.TreeOfEra(kp)
		for _, u := range units {
			t := terms[u]
			m := &Mapping{}
			t.describe(m)
			src := map[string]bool{}
			t.leaves(src)
			m.Sources = slices.Sorted(maps.Keys(src))
			expected := 0
			for _, c := range m.Sources {
				expected += old.SubtreeSize(c)
			}
			for _, p := range older[kp] {
				v.mappings[u][p] = m
				v.expected[u][p] = expected
				if len(m.NotComparable) > 0 {
					continue // never guessed: the cells stay absent
				}
				var out []store.Cell
				for _, c := range cells {
					sum, rep, ok := t.eval(got, p, c)
					if ok {
						out = append(out, store.Cell{Element: c.Element, Option: c.Option, Sum: sum, Reporting: rep})
					}
				}
				sortCells(out)
				v.cells[u][p] = out
			}
		}
	}
	return v, nil
}

func sortCells(cells []store.Cell) {
	slices.SortFunc(cells, func(a, b store.Cell) int {
		if a.Element != b.Element {
			return strings.Compare(a.Element, b.Element)
		}
		return strings.Compare(a.Option, b.Option)
	})
}

// weights returns the declared split weights by split unit and day.
func (e *Engine) weights() (map[splitKey]store.SplitWeights, error) {
	all, err := e.Store.AllSplitWeights()
	if err != nil {
		return nil, err
	}
	out := make(map[splitKey]store.SplitWeights, len(all))
	for _, w := range all {
		out[splitKey{w.Old, w.Date}] = w
	}
	return out, nil
}

type splitKey struct {
	old string
	day time.Time
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
	byPeriod := v.cells[unit]
	last := r.Last().String()
	f := Figure{Missing: true}
	if nature == catalog.Stock {
		f.Mapping = f.Mapping.merge(v.mappings[unit][last])
	}
	if c, ok := findCell(byPeriod[last], ref.Element, ref.Option); ok {
		f.Reporting = c.Reporting
		if nature == catalog.Stock {
			return Figure{Value: c.Sum, Reporting: c.Reporting, Mapping: f.Mapping}, nil
		}
	}
	if nature == catalog.Stock {
		return f, nil
	}
	for _, p := range r.Periods() {
		f.Mapping = f.Mapping.merge(v.mappings[unit][p.String()])
		if c, ok := findCell(byPeriod[p.String()], ref.Element, ref.Option); ok {
			f.Value += c.Sum
			f.Missing = false
			// For a flow, the most units that reported it in any period of
			// the range: never 0 beside a value.
			f.Reporting = max(f.Reporting, c.Reporting)
		}
	}
	if f.Mapping != nil && len(f.Mapping.NotComparable) > 0 {
		// Part of the range is not comparable: so is the sum over it.
		f.Value, f.Missing = 0, true
	}
	return f, nil
}

// Value answers one element or option of unit over the range, in the
// boundaries of day b (zero: those in force at the end of the range).
func (e *Engine) Value(unit string, ref expr.Ref, r period.Range, b time.Time) (Figure, error) {
	b = boundaries(r, b)
	v, err := e.read([]string{unit}, r, []expr.Ref{ref}, true, b)
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
	// Expected is how many units the figures are expected from: the
	// unit's subtree, or in other boundaries its sources' subtrees, in the
	// last period of the range.
	Expected int
	// Mapping is set when a period of the range is in an older map than
	// the boundaries asked: how the figures were brought into them.
	Mapping *Mapping
}

func (e *Engine) indicator(v view, unit string, ind catalog.Indicator, r period.Range) (IndicatorValue, error) {
	out := IndicatorValue{Unit: unit, Reporting: -1, Expected: v.expected[unit][r.Last().String()]}
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
		out.Mapping = out.Mapping.merge(f.Mapping)
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

// Indicator answers an indicator of unit over the range, in the boundaries
// of day b (zero: those in force at the end of the range).
func (e *Engine) Indicator(unit, code string, r period.Range, b time.Time) (IndicatorValue, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return IndicatorValue{}, fmt.Errorf("unknown indicator %q", code)
	}
	b = boundaries(r, b)
	v, err := e.read([]string{unit}, r, ind.Refs(), true, b)
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

// CompareChildren answers an indicator for every child of parent in the
// map of day b (zero: the map in force at the end of the range), ranked,
// and for parent itself.
func (e *Engine) CompareChildren(parent, code string, r period.Range, b time.Time) (Comparison, error) {
	b = boundaries(r, b)
	var units []string
	for _, c := range e.TreeAt(b).ChildrenOn(parent, b) {
		units = append(units, c.Code)
	}
	return e.compare(parent, units, code, r, b)
}

// CompareLevel answers an indicator for every unit of a level within the
// subtree of parent, in the map of day b (zero: the map in force at the end
// of the range), ranked, and for parent itself.
func (e *Engine) CompareLevel(parent, level, code string, r period.Range, b time.Time) (Comparison, error) {
	b = boundaries(r, b)
	tree := e.TreeAt(b)
	var units []string
	for _, u := range tree.AtLevel(level) {
		if tree.InSubtree(parent, u.Code) && u.ActiveOn(b) {
			units = append(units, u.Code)
		}
	}
	return e.compare(parent, units, code, r, b)
}

func (e *Engine) compare(parent string, units []string, code string, r period.Range, b time.Time) (Comparison, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return Comparison{}, fmt.Errorf("unknown indicator %q", code)
	}
	v, err := e.read(append([]string{parent}, units...), r, ind.Refs(), true, b)
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

// Series answers an indicator of unit for each period of the range, every
// period in the boundaries of day b (zero: those in force at the end of
// the range), so that a series across a reorganisation is one line.
func (e *Engine) Series(unit, code string, r period.Range, b time.Time) ([]IndicatorValue, error) {
	ind, ok := e.Catalog.Indicator(code)
	if !ok {
		return nil, fmt.Errorf("unknown indicator %q", code)
	}
	b = boundaries(r, b)
	v, err := e.read([]string{unit}, r, ind.Refs(), false, b)
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

// Cells answers the cells refs names of units (of the map of day b) for one
// period, in the boundaries of b (zero: those in force at the end of the
// period): as stored, or for a period of an older map summed over the
// units each maps from, with how (nil for a unit read as stored). A unit
// that received part of a split unit without declared weights has no
// cells and a mapping naming it: its figures are never guessed.
func (e *Engine) Cells(units []string, p period.Period, refs []expr.Ref, b time.Time) (map[string][]store.Cell, map[string]*Mapping, error) {
	r := period.Range{From: p, To: p}
	v, err := e.read(units, r, refs, false, boundaries(r, b))
	if err != nil {
		return nil, nil, err
	}
	cells := make(map[string][]store.Cell, len(units))
	mappings := make(map[string]*Mapping, len(units))
	for _, u := range units {
		cells[u] = v.cells[u][p.String()]
		if m := v.mappings[u][p.String()]; m != nil {
			mappings[u] = m
		}
	}
	return cells, mappings, nil
}
