package rollup

import (
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// term is how a unit of a later map is made of the units of an earlier
// one, the map a period's figures are stored in: a unit of that map (leaf),
// a sum of terms, or the part of a split unit that went into the unit.
type term struct {
	leaf  string
	parts []*term
	split *split
}

// split is the part of old, split on a day among parts, that went into
// part. Without declared weights it has no value.
type split struct {
	whole   *term
	old     string
	part    string
	parts   []string
	weights *store.SplitWeights
}

// resolve returns the term for unit code of era k over the units of era
// kp <= k, one change of the map at a time: each unit through the origins
// the change recorded for it, a unit without any through its children.
func (e *Engine) resolve(code string, k, kp int, weights map[splitKey]store.SplitWeights) *term {
	if k == kp {
		return &term{leaf: code}
	}
	h := e.History
	day := h.EraStart(k)
	origins, ok := h.Origins(code, day)
	t := &term{}
	if !ok {
		for _, c := range h.TreeOfEra(k).Children(code) {
			t.parts = append(t.parts, e.resolve(c.Code, k, kp, weights))
		}
		return t
	}
	for _, o := range origins {
		sub := e.resolve(o.Code, k-1, kp, weights)
		if o.Partial {
			sp := &split{whole: sub, old: o.Code, part: code, parts: o.Split}
			if w, ok := weights[splitKey{o.Code, day}]; ok {
				sp.weights = &w
			}
			sub = &term{split: sp}
		}
		t.parts = append(t.parts, sub)
	}
	return t
}

// leaves adds the units of the period's map t reads.
func (t *term) leaves(set map[string]bool) {
	switch {
	case t.split != nil:
		t.split.whole.leaves(set)
	case t.parts != nil:
		for _, p := range t.parts {
			p.leaves(set)
		}
	case t.leaf != "":
		set[t.leaf] = true
	}
}

// describe records in m the splits t goes through.
func (t *term) describe(m *Mapping) {
	switch {
	case t.split != nil:
		if t.split.weights == nil {
			m.NotComparable = union(m.NotComparable, []string{t.split.old})
		} else {
			m.Estimated = true
			m.Apportioned = union(m.Apportioned, []string{t.split.old})
		}
		t.split.whole.describe(m)
	default:
		for _, p := range t.parts {
			p.describe(m)
		}
	}
}

// eval computes the cell c of period p from the cells read: the sum and
// the number of units reporting; ok false when no source reported it.
func (t *term) eval(got map[string]map[string][]store.Cell, p string, c store.CellRef) (sum int64, reporting int, ok bool) {
	switch {
	case t.split != nil:
		v, rep, ok := t.split.whole.eval(got, p, c)
		if !ok || t.split.weights == nil {
			return 0, 0, false
		}
		return apportion(v, t.split.weights.Weights, t.split.parts)[t.split.part], rep, true
	case t.leaf != "":
		cell, ok := findCell(got[t.leaf][p], c.Element, c.Option)
		return cell.Sum, cell.Reporting, ok
	}
	for _, part := range t.parts {
		if v, rep, ok1 := part.eval(got, p, c); ok1 {
			sum += v
			reporting += rep
			ok = true
		}
	}
	return sum, reporting, ok
}

// apportion divides v among parts in proportion to their weights, in
// whole numbers that add up to v exactly: each part gets the floor of its
// exact share, and what the floors leave (fewer than len(parts)) goes one
// each to the parts with the largest remainders, ties to the part first
// in parts (by code). This is the largest remainder (Hamilton) method: no
// part is ever more than one off its exact share, and the parts of a
// split unit never add up to more or less than the unit's own figure.
// A negative v (a difference) is apportioned as -apportion(-v).
func apportion(v int64, weights map[string]int64, parts []string) map[string]int64 {
	out := make(map[string]int64, len(parts))
	neg := v < 0
	mag := uint64(v)
	if neg {
		mag = uint64(-v)
	}
	var total uint64
	for _, p := range parts {
		total += uint64(weights[p])
	}
	if total == 0 {
		return out
	}
	rem := make(map[string]uint64, len(parts))
	var given uint64
	for _, p := range parts {
		hi, lo := bits.Mul64(mag, uint64(weights[p]))
		q, r := bits.Div64(hi, lo, total) // q <= mag: no overflow
		out[p] = int64(q)
		rem[p] = r
		given += q
	}
	order := slices.Clone(parts)
	slices.SortStableFunc(order, func(a, b string) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for i := uint64(0); i < mag-given; i++ {
		out[order[i]]++
	}
	if neg {
		for p := range out {
			out[p] = -out[p]
		}
	}
	return out
}

// Previous is what a unit's report is compared with as its previous
// period when that period is in an older map: the reports its sources made
// then, mapped into the unit's boundaries as figures are.
type Previous struct {
	// Mapped: the period before is in an older map, so the unit's own code
	// there may name another unit (03390 was a town before it was a
	// commune); Cells replace that unit's report.
	Mapped bool
	// Cells are the mapped figures, sorted by element and option; nil when
	// no source reported, or when a split without declared weights makes
	// them unknowable (Mapping.NotComparable).
	Cells   []store.Cell
	Mapping *Mapping
}

// PreviousReport returns the report of data set a report of unit for p is
// compared with, when the period before p is in an older map than p's last
// day; Mapped is false otherwise, and the unit's own previous report
// stands.
func (e *Engine) PreviousReport(unit, dataSet string, p period.Period) (Previous, error) {
	if e.History == nil {
		return Previous{}, nil
	}
	day, prev := p.End().AddDate(0, 0, -1), p.Previous()
	kb, kp := e.era(day), e.era(prev.End().AddDate(0, 0, -1))
	if kb == kp {
		return Previous{}, nil
	}
	if _, ok := e.History.Unit(unit, day); !ok || kp > kb {
		return Previous{}, nil
	}
	weights, err := e.weights()
	if err != nil {
		return Previous{}, err
	}
	t := e.resolve(unit, kb, kp, weights)
	m := &Mapping{}
	t.describe(m)
	src := map[string]bool{}
	t.leaves(src)
	m.Sources = slices.Sorted(maps.Keys(src))
	out := Previous{Mapped: true, Mapping: m}
	if len(m.NotComparable) > 0 {
		return out, nil
	}
	keys := make([]store.ReportKey, len(m.Sources))
	for i, c := range m.Sources {
		keys[i] = store.ReportKey{Unit: c, DataSet: dataSet, Period: prev.String()}
	}
	reports, err := e.Store.CurrentReports(keys)
	if err != nil {
		return Previous{}, err
	}
	got := make(map[string]map[string][]store.Cell, len(keys))
	cells := map[store.CellRef]bool{}
	for k, cs := range reports {
		got[k.Unit] = map[string][]store.Cell{prev.String(): cs}
		for _, c := range cs {
			cells[store.CellRef{Element: c.Element, Option: c.Option}] = true
		}
	}
	for c := range cells {
		if sum, rep, ok := t.eval(got, prev.String(), c); ok {
			out.Cells = append(out.Cells, store.Cell{Element: c.Element, Option: c.Option, Sum: sum, Reporting: rep})
		}
	}
	sortCells(out.Cells)
	return out, nil
}

// Note says, for people, how exact a comparison with mapped figures is;
// empty when it is exact.
func (m *Mapping) Note() string {
	switch {
	case m == nil:
		return ""
	case len(m.NotComparable) > 0:
		return "Kỳ trước thuộc địa giới cũ và không so sánh chính xác được: đơn vị nhận một phần của " +
			strings.Join(m.NotComparable, ", ") + " (bị chia tách, chưa khai báo tỷ lệ chia); kiểm tra cân đối với kỳ trước được bỏ qua"
	case m.Estimated:
		return "Kỳ trước là số ước tính theo địa giới mới: cộng từ " + strings.Join(m.Sources, ", ") +
			", phần của " + strings.Join(m.Apportioned, ", ") + " chia theo tỷ lệ đã khai báo"
	}
	return ""
}
