package rollup

import (
	"math/bits"
	"slices"

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
