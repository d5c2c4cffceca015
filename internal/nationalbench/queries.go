package nationalbench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/store"
)

// answerRow is one figure of an answer: an indicator's numerator and
// denominator (-1 without one) for a unit and period. Answers are compared
// on these exact integers, not on the ratio.
type answerRow struct {
	unit, period string
	num, den     int64
}

type answer []answerRow

func (a answer) sorted() answer {
	s := slices.Clone(a)
	slices.SortFunc(s, func(x, y answerRow) int {
		return strings.Compare(x.unit+"\x00"+x.period, y.unit+"\x00"+y.period)
	})
	return s
}

// agree fails loudly when two answers differ: the figures are checked, not
// trusted.
func agree(question string, tonghop, pg answer) error {
	t, p := tonghop.sorted(), pg.sorted()
	if len(t) != len(p) {
		return fmt.Errorf("%s: tonghop answers %d rows, PostgreSQL %d", question, len(t), len(p))
	}
	for i := range t {
		if t[i] != p[i] {
			return fmt.Errorf("%s: tonghop answers %+v, PostgreSQL %+v", question, t[i], p[i])
		}
	}
	return nil
}

// question is one of the questions both systems answer. Request i (for i
// from 0) may differ from the others, a random unit say; both systems are
// asked the same requests.
type question struct {
	name    string
	tonghop func(ctx context.Context, i int) (answer, error)
	pg      func(ctx context.Context, i int) (answer, error)
}

// Latency is the distribution of a question's answer times.
type Latency struct {
	N        int
	P50, P99 time.Duration
}

// timeCalls makes the first warm calls untimed, and then times n calls, one
// after another. With warm = n every request has been asked once before it
// is timed, so both systems answer from memory: the connection is open and
// the pages each request reads were read once, by tonghop through its
// memory map, by PostgreSQL into its buffers.
func timeCalls(ctx context.Context, n, warm int, call func(ctx context.Context, i int) (answer, error)) (Latency, error) {
	for i := range min(n, warm) {
		if _, err := call(ctx, i); err != nil {
			return Latency{}, err
		}
	}
	lat := make([]time.Duration, n)
	runtime.GC()
	for i := range n {
		t := time.Now()
		if _, err := call(ctx, i); err != nil {
			return Latency{}, err
		}
		lat[i] = time.Since(t)
	}
	return percentiles(lat), nil
}

// percentiles gives the median and 99th percentile (nearest rank).
func percentiles(lat []time.Duration) Latency {
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, max(0, int(math.Ceil(q*float64(len(s))))-1))]
	}
	return Latency{N: len(s), P50: at(0.50), P99: at(0.99)}
}

// fromProto is an answer row from tonghop's answer.
func fromProto(v *tonghopv1.IndicatorValue) answerRow {
	r := answerRow{unit: v.UnitCode, period: v.Period, num: -1, den: -1}
	if v.Numerator != nil {
		r.num = int64(*v.Numerator)
	}
	if v.Denominator != nil {
		r.den = int64(*v.Denominator)
	}
	return r
}

// querier asks both systems.
type querier struct {
	rollup tonghopv1.RollupServiceClient
	pg     *pgServer
	cols   columns
	cat    *catalog.Catalog
}

func (q *querier) indicator(code string) (catalog.Indicator, error) {
	ind, ok := q.cat.Indicator(code)
	if !ok {
		return ind, fmt.Errorf("no indicator %s in the catalogue", code)
	}
	return ind, nil
}

// tonghopValue asks GetIndicatorValue.
func (q *querier) tonghopValue(ctx context.Context, unit, ind, p string) (answer, error) {
	resp, err := q.rollup.GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: unit, Indicator: ind, Period: p})
	if err != nil {
		return nil, fmt.Errorf("%s of %s in %s: %w", ind, unit, p, err)
	}
	return answer{fromProto(resp.Value)}, nil
}

// tonghopCompare asks CompareIndicator for the children of unit.
func (q *querier) tonghopCompare(ctx context.Context, unit, ind, p string) (answer, error) {
	resp, err := q.rollup.CompareIndicator(ctx, &tonghopv1.CompareIndicatorRequest{UnitCode: unit, Indicator: ind, Period: p})
	if err != nil {
		return nil, fmt.Errorf("%s of the children of %s in %s: %w", ind, unit, p, err)
	}
	a := answer{fromProto(resp.Parent)}
	for _, r := range resp.Rows {
		a = append(a, fromProto(r))
	}
	return a, nil
}

// tonghopSeries asks GetIndicatorSeries.
func (q *querier) tonghopSeries(ctx context.Context, unit, ind string, from, to int) (answer, error) {
	resp, err := q.rollup.GetIndicatorSeries(ctx, &tonghopv1.GetIndicatorSeriesRequest{UnitCode: unit, Indicator: ind, Period: fmt.Sprintf("%d..%d", from, to)})
	if err != nil {
		return nil, fmt.Errorf("%s of %s over %d..%d: %w", ind, unit, from, to, err)
	}
	var a answer
	for _, p := range resp.Points {
		a = append(a, fromProto(p))
	}
	return a, nil
}

// pgIndicator answers in SQL what the three RPCs answer: the sums of the
// indicator's cells over unit's subtree for each year from..to, for the
// unit itself (byChild false), or for the unit and each of its children.
// It then evaluates the indicator's numerator and denominator on the sums.
func (q *querier) pgIndicator(ctx context.Context, unit, code string, from, to int, byChild bool) (answer, error) {
	ind, err := q.indicator(code)
	if err != nil {
		return nil, err
	}
	var elements, options []string
	for _, r := range ind.Refs() {
		if !slices.Contains(elements, r.Element) {
			elements = append(elements, r.Element)
		}
		if !slices.Contains(options, r.Option) {
			options = append(options, r.Option)
		}
	}
	cond, args := q.cols.where(unit, 5)
	child := "NULL::text"
	group := "period, element, option"
	if byChild {
		if child, err = q.cols.childColumn(unit); err != nil {
			return nil, err
		}
		// The unit's own figure includes its own report (child ""), which
		// is no child's.
		group = "GROUPING SETS ((period, element, option), (" + child + ", period, element, option))"
	}
	sql := `SELECT ` + child + `, period, element, option, sum(value)::bigint FROM fact
		WHERE element = ANY($1) AND option = ANY($2) AND period BETWEEN $3 AND $4` + cond + `
		GROUP BY ` + group
	rows, err := q.pg.conn.Query(ctx, sql, append([]any{elements, options, from, to}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("%s of %s in SQL: %w", code, unit, err)
	}
	sums := map[sumKey]map[expr.Ref]int64{}
	for rows.Next() {
		var (
			childCode *string
			period    int
			ref       expr.Ref
			sum       int64
		)
		if err := rows.Scan(&childCode, &period, &ref.Element, &ref.Option, &sum); err != nil {
			return nil, err
		}
		k := sumKey{unit, strconv.Itoa(period)}
		if childCode != nil {
			if *childCode == "" {
				continue
			}
			k.unit = *childCode
		}
		if sums[k] == nil {
			sums[k] = map[expr.Ref]int64{}
		}
		sums[k][ref] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s of %s in SQL: %w", code, unit, err)
	}
	return answerOfSums(ind, sums), nil
}

// sumKey is a unit and period of cells summed in SQL.
type sumKey struct{ unit, period string }

// answerOfSums computes an indicator's numerator and denominator from the
// cells SQL summed for each unit and period, as the engine does from its
// aggregates; -1 marks a side with a cell missing.
func answerOfSums(ind catalog.Indicator, sums map[sumKey]map[expr.Ref]int64) answer {
	var a answer
	for k, s := range sums {
		lookup := func(r expr.Ref) (int64, bool) { v, ok := s[r]; return v, ok }
		r := answerRow{unit: k.unit, period: k.period, num: -1, den: -1}
		if v, ok := ind.Numerator.EvalInt(lookup); ok {
			r.num = v
		}
		if ind.Denominator != nil {
			if v, ok := ind.Denominator.EvalInt(lookup); ok {
				r.den = v
			}
		}
		a = append(a, r)
	}
	return a
}

// cubeRow is one cell of one unit's roll-up.
type cubeRow struct {
	unit, element, option string
	sum                   int64
	reporting             int
}

// tonghopCube is every cell of every unit for a period, from the store's
// roll-ups, as a caller inside the root reads them.
func tonghopCube(st *store.Store, units []string, p string) ([]cubeRow, error) {
	all, err := st.Rollups(units, []string{p})
	if err != nil {
		return nil, err
	}
	var out []cubeRow
	for u, byPeriod := range all {
		for _, c := range byPeriod[p] {
			out = append(out, cubeRow{u, c.Element, c.Option, c.Sum, c.Reporting})
		}
	}
	return out, nil
}

// pgCube is the same in SQL: one grouping set per level, the root's
// included, each group's deepest column naming its unit. Groups whose
// deepest column is "" sum a parent's own report alone and name no unit.
func (q *querier) pgCube(ctx context.Context, year int) ([]cubeRow, error) {
	var used []string
	for _, col := range levelColumns() {
		if len(q.cols.tree.AtLevel(col)) > 0 {
			used = append(used, col)
		}
	}
	sets := []string{"(element, option)"}
	for i := range used {
		sets = append(sets, "("+strings.Join(used[:i+1], ", ")+", element, option)")
	}
	sel := make([]string, len(levelColumns()))
	for i, col := range levelColumns() {
		sel[i] = "NULL::text"
		if slices.Contains(used, col) {
			sel[i] = col
		}
	}
	rows, err := q.pg.conn.Query(ctx, `SELECT `+strings.Join(sel, ", ")+`, element, option, sum(value)::bigint, count(*)
		FROM fact WHERE period = $1 GROUP BY GROUPING SETS (`+strings.Join(sets, ", ")+`)`, year)
	if err != nil {
		return nil, fmt.Errorf("the cube in SQL: %w", err)
	}
	defer rows.Close()
	var out []cubeRow
	for rows.Next() {
		var (
			cols [3]*string
			r    cubeRow
		)
		if err := rows.Scan(&cols[0], &cols[1], &cols[2], &r.element, &r.option, &r.sum, &r.reporting); err != nil {
			return nil, err
		}
		r.unit = q.cols.root
		for _, c := range cols {
			if c != nil {
				r.unit = *c
			}
		}
		if r.unit == "" {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sameCube compares two cubes cell by cell.
func sameCube(tonghop, pg []cubeRow) error {
	key := func(r cubeRow) string { return r.unit + "\x00" + r.element + "\x00" + r.option }
	sorted := func(rs []cubeRow) []cubeRow {
		s := slices.Clone(rs)
		slices.SortFunc(s, func(a, b cubeRow) int { return strings.Compare(key(a), key(b)) })
		return s
	}
	t, p := sorted(tonghop), sorted(pg)
	if len(t) != len(p) {
		return fmt.Errorf("full-year cube: tonghop has %d cells, PostgreSQL %d", len(t), len(p))
	}
	for i := range t {
		if t[i] != p[i] {
			return fmt.Errorf("full-year cube: tonghop has %+v, PostgreSQL %+v", t[i], p[i])
		}
	}
	return nil
}
