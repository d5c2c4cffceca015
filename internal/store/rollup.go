package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/period"
)

// Cell is one aggregated figure of a unit's subtree for a period: an
// element's total (Option "") or one option, summed over the units that
// reported it, and how many did. A cell no unit reported is absent, never
// zero: missing data stays missing.
type Cell struct {
	Element, Option string
	Sum             int64
	Reporting       int
}

type cellKey struct{ element, option string }

// encodeCells writes cells sorted by element and option.
func encodeCells(cells []Cell) []byte {
	var b []byte
	b = append(b, recordV1)
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for _, c := range cells {
		b = binary.AppendUvarint(b, uint64(len(c.Element)))
		b = append(b, c.Element...)
		b = binary.AppendUvarint(b, uint64(len(c.Option)))
		b = append(b, c.Option...)
		b = binary.AppendVarint(b, c.Sum)
		b = binary.AppendUvarint(b, uint64(c.Reporting))
	}
	return b
}

func decodeCells(raw []byte) ([]Cell, error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return nil, fmt.Errorf("%w: cells record format", ErrCorrupt)
	}
	r := raw[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			return 0, false
		}
		r = r[n:]
		return v, true
	}
	str := func() (string, bool) {
		n, ok := next()
		if !ok || n > uint64(len(r)) {
			return "", false
		}
		s := string(r[:n])
		r = r[n:]
		return s, true
	}
	n, ok := next()
	if !ok || n > uint64(len(r)) {
		return nil, fmt.Errorf("%w: cells count", ErrCorrupt)
	}
	cells := make([]Cell, 0, n)
	for range n {
		e, ok1 := str()
		o, ok2 := str()
		sum, m := binary.Varint(r)
		if !ok1 || !ok2 || m <= 0 {
			return nil, fmt.Errorf("%w: cell", ErrCorrupt)
		}
		r = r[m:]
		rep, ok3 := next()
		if !ok3 {
			return nil, fmt.Errorf("%w: cell reporting", ErrCorrupt)
		}
		cells = append(cells, Cell{Element: e, Option: o, Sum: sum, Reporting: int(rep)})
	}
	return cells, nil
}

// valuesAsCells turns one unit's values into cells each reported once.
func valuesAsCells(vals []Value) []Cell {
	cells := make([]Cell, len(vals))
	for i, v := range vals {
		cells[i] = Cell{Element: v.Element, Option: v.Option, Sum: v.Count, Reporting: 1}
	}
	sortCells(cells)
	return cells
}

func sortCells(cells []Cell) {
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].Element != cells[j].Element {
			return cells[i].Element < cells[j].Element
		}
		return cells[i].Option < cells[j].Option
	})
}

// delta is what replacing old cells by new ones changes: per cell, the
// difference of the sums and of the counts of units reporting.
func delta(old, new []Cell) []Cell {
	m := make(map[cellKey]Cell, len(old)+len(new))
	for _, c := range old {
		k := cellKey{c.Element, c.Option}
		d := m[k]
		d.Element, d.Option = c.Element, c.Option
		d.Sum -= c.Sum
		d.Reporting -= c.Reporting
		m[k] = d
	}
	for _, c := range new {
		k := cellKey{c.Element, c.Option}
		d := m[k]
		d.Element, d.Option = c.Element, c.Option
		d.Sum += c.Sum
		d.Reporting += c.Reporting
		m[k] = d
	}
	out := make([]Cell, 0, len(m))
	for _, d := range m {
		if d.Sum != 0 || d.Reporting != 0 {
			out = append(out, d)
		}
	}
	sortCells(out)
	return out
}

// addCells adds d to base (both sorted) and drops cells no unit reports.
func addCells(base, d []Cell) []Cell {
	out := make([]Cell, 0, len(base)+len(d))
	i, j := 0, 0
	for i < len(base) || j < len(d) {
		var c Cell
		switch {
		case j == len(d) || i < len(base) && less(base[i], d[j]):
			c = base[i]
			i++
		case i == len(base) || less(d[j], base[i]):
			c = d[j]
			j++
		default:
			c = base[i]
			c.Sum += d[j].Sum
			c.Reporting += d[j].Reporting
			i++
			j++
		}
		if c.Reporting > 0 {
			out = append(out, c)
		}
	}
	return out
}

func less(a, b Cell) bool {
	if a.Element != b.Element {
		return a.Element < b.Element
	}
	return a.Option < b.Option
}

// chain returns unit and its ancestors up to and including the node's own
// unit, as the map stood on day (the last day of the report's period): the
// units whose roll-ups a report of unit changes here. A commune's 2021
// report rolls up through its district even after districts were
// abolished.
func chain(tx *bolt.Tx, unit string, day time.Time) ([]string, error) {
	self := string(tx.Bucket(bucketMeta).Get(keyUnitCode))
	if self == "" {
		return nil, nil // not initialised: nothing rolls up
	}
	units := tx.Bucket(bucketUnits)
	var out []string
	for code := unit; code != ""; {
		out = append(out, code)
		if code == self {
			return out, nil
		}
		u, ok, err := unitOn(units, code, day)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: unit %s of a report is not stored", ErrCorrupt, code)
		}
		code = u.Parent
	}
	return nil, fmt.Errorf("%w: unit %s is not below this node (%s)", ErrCorrupt, unit, self)
}

// lastDay is the last day of the period named by code: the day whose map
// a figure of the period is in.
func lastDay(code string) (time.Time, error) {
	p, err := period.Parse(code)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: period %q: %v", ErrCorrupt, code, err)
	}
	return p.End().AddDate(0, 0, -1), nil
}

// applyDelta adds d to the roll-ups of every unit of units for the period.
func applyDelta(tx *bolt.Tx, units []string, periodCode string, d []Cell) error {
	if len(d) == 0 {
		return nil
	}
	agg := tx.Bucket(bucketAggregates)
	for _, u := range units {
		key := joinKey(u, periodCode)
		var base []Cell
		if raw := agg.Get(key); raw != nil {
			var err error
			if base, err = decodeCells(raw); err != nil {
				return fmt.Errorf("roll-up of %s %s: %w", u, periodCode, err)
			}
		}
		merged := addCells(base, d)
		var err error
		if len(merged) == 0 {
			err = agg.Delete(key)
		} else {
			err = agg.Put(key, encodeCells(merged))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// applyReport makes vals the current values of a report from below and
// updates the roll-ups of the unit and its ancestors by the difference:
// the old revision out, the new one in.
func applyReport(tx *bolt.Tx, unit, dataSet, periodCode string, vals []Value) error {
	cur := tx.Bucket(bucketCurrent)
	key := joinKey(unit, dataSet, periodCode)
	var old []Cell
	if raw := cur.Get(key); raw != nil {
		var err error
		if old, err = decodeCells(raw); err != nil {
			return fmt.Errorf("current %s %s %s: %w", unit, dataSet, periodCode, err)
		}
	}
	cells := valuesAsCells(vals)
	if err := cur.Put(key, encodeCells(cells)); err != nil {
		return err
	}
	day, err := lastDay(periodCode)
	if err != nil {
		return err
	}
	units, err := chain(tx, unit, day)
	if err != nil {
		return err
	}
	return applyDelta(tx, units, periodCode, delta(old, cells))
}

// applyOwn updates the node's own unit's roll-up when its own values change.
func applyOwn(tx *bolt.Tx, periodCode string, old, new []Value) error {
	self := string(tx.Bucket(bucketMeta).Get(keyUnitCode))
	if self == "" {
		return nil // not initialised yet: nothing rolls up
	}
	return applyDelta(tx, []string{self}, periodCode, delta(valuesAsCells(old), valuesAsCells(new)))
}

// Report is the latest revision of one report from below, as Rebuild needs
// it: decoded from its stored envelope by the caller.
type Report struct {
	Unit, DataSet, Period string
	Values                []Value
}

// Rebuild recomputes every roll-up from scratch, in one transaction: from
// the node's own values, and from the latest stored revision of every
// report from below, decoded by decode from its envelope. The incremental
// path must give exactly the same bytes; a test holds it to that.
func (s *Store) Rebuild(decode func(envelope []byte) (Report, error)) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range bucketsV4() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		self := string(tx.Bucket(bucketMeta).Get(keyUnitCode))
		// Own values, period by period.
		own := map[string][]Value{}
		err := tx.Bucket(bucketValues).ForEach(func(k, raw []byte) error {
			parts, err := splitKey(k, 3)
			if err != nil {
				return err
			}
			count, _, err := decodeValue(raw)
			if err != nil {
				return err
			}
			own[parts[0]] = append(own[parts[0]], Value{Element: parts[1], Option: parts[2], Count: count})
			return nil
		})
		if err != nil {
			return err
		}
		for p, vals := range own {
			if err := applyOwn(tx, p, nil, vals); err != nil {
				return err
			}
		}
		// The latest revision of each report from below: the last key of
		// each run of a report's revisions.
		subs := tx.Bucket(bucketSubmissions)
		envs := tx.Bucket(bucketEnvelopes)
		var pending *Submission
		flush := func() error {
			if pending == nil || pending.Unit == self {
				return nil
			}
			rep, err := decode(envs.Get([]byte(pending.Digest)))
			if err != nil {
				return fmt.Errorf("rebuild: %s: %w", pending.Digest, err)
			}
			return applyReport(tx, rep.Unit, rep.DataSet, rep.Period, rep.Values)
		}
		c := subs.Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			var r Submission
			if err := decodeSubmission(raw, &r); err != nil {
				return fmt.Errorf("%w: submission %q: %v", ErrCorrupt, k, err)
			}
			if pending != nil && (pending.Unit != r.Unit || pending.DataSet != r.DataSet || pending.Period != r.Period) {
				if err := flush(); err != nil {
					return err
				}
			}
			pending = &r
		}
		if err := flush(); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Delete(keyRebuild)
	})
}

// NeedsRebuild reports whether the roll-ups must be rebuilt (a file
// migrated from before they existed).
func (s *Store) NeedsRebuild() (bool, error) {
	var need bool
	err := s.db.View(func(tx *bolt.Tx) error {
		need = tx.Bucket(bucketMeta).Get(keyRebuild) != nil
		return nil
	})
	return need, err
}

// Rollups returns the roll-up cells of each unit for each period, read in
// one transaction so that a query sees one state; absent means no unit
// reported anything.
func (s *Store) Rollups(units, periods []string) (map[string]map[string][]Cell, error) {
	out := make(map[string]map[string][]Cell, len(units))
	err := s.db.View(func(tx *bolt.Tx) error {
		agg := tx.Bucket(bucketAggregates)
		for _, u := range units {
			byPeriod := make(map[string][]Cell, len(periods))
			for _, p := range periods {
				raw := agg.Get(joinKey(u, p))
				if raw == nil {
					continue
				}
				cells, err := decodeCells(raw)
				if err != nil {
					return fmt.Errorf("roll-up of %s %s: %w", u, p, err)
				}
				byPeriod[p] = cells
			}
			out[u] = byPeriod
		}
		return nil
	})
	return out, err
}

// RollupBytes returns every roll-up record as stored, for tests that
// compare a rebuild with the incremental path byte for byte.
func (s *Store) RollupBytes() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, b := range bucketsV4() {
			err := tx.Bucket(b).ForEach(func(k, v []byte) error {
				out[string(b)+"/"+string(k)] = bytes.Clone(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// CellRef names one cell: an element's total (Option "") or an option.
type CellRef struct{ Element, Option string }

// RollupCells is Rollups reading only the cells refs names, straight from
// the stored bytes: a question needs two or three cells of the hundred-odd a
// roll-up holds, so nothing else is decoded or allocated. The cells come in
// stored order (by element, then option).
func (s *Store) RollupCells(units, periods []string, refs []CellRef) (map[string]map[string][]Cell, error) {
	out := make(map[string]map[string][]Cell, len(units))
	err := s.db.View(func(tx *bolt.Tx) error {
		agg := tx.Bucket(bucketAggregates)
		key := make([]byte, 0, 64)
		for _, u := range units {
			byPeriod := make(map[string][]Cell, len(periods))
			for _, p := range periods {
				key = append(append(append(key[:0], u...), 0), p...)
				raw := agg.Get(key)
				if raw == nil {
					continue
				}
				cells, err := scanCells(raw, refs)
				if err != nil {
					return fmt.Errorf("roll-up of %s %s: %w", u, p, err)
				}
				if len(cells) > 0 {
					byPeriod[p] = cells
				}
			}
			out[u] = byPeriod
		}
		return nil
	})
	return out, err
}

// scanCells walks an encoded cells record and keeps the cells refs names.
func scanCells(raw []byte, refs []CellRef) ([]Cell, error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return nil, fmt.Errorf("%w: cells record format", ErrCorrupt)
	}
	r := raw[1:]
	n, m := binary.Uvarint(r)
	if m <= 0 {
		return nil, fmt.Errorf("%w: cells count", ErrCorrupt)
	}
	r = r[m:]
	bytesOf := func() ([]byte, bool) {
		l, m := binary.Uvarint(r)
		if m <= 0 || l > uint64(len(r)-m) {
			return nil, false
		}
		b := r[m : m+int(l)]
		r = r[m+int(l):]
		return b, true
	}
	var out []Cell
	for range n {
		e, ok1 := bytesOf()
		o, ok2 := bytesOf()
		sum, m1 := binary.Varint(r)
		if !ok1 || !ok2 || m1 <= 0 {
			return nil, fmt.Errorf("%w: cell", ErrCorrupt)
		}
		r = r[m1:]
		rep, m2 := binary.Uvarint(r)
		if m2 <= 0 {
			return nil, fmt.Errorf("%w: cell reporting", ErrCorrupt)
		}
		r = r[m2:]
		for _, ref := range refs {
			// string(b) == s compares without allocating.
			if string(e) == ref.Element && string(o) == ref.Option {
				out = append(out, Cell{Element: ref.Element, Option: ref.Option, Sum: sum, Reporting: int(rep)})
				break
			}
		}
		if len(out) == len(refs) {
			break // everything asked for is found
		}
	}
	return out, nil
}

// ReportKey names one report: a unit's, for a data set and period.
type ReportKey struct{ Unit, DataSet, Period string }

// CurrentReports returns the values of the latest report stored from below
// under each key, in one read; a report never received is absent.
func (s *Store) CurrentReports(keys []ReportKey) (map[ReportKey][]Cell, error) {
	out := make(map[ReportKey][]Cell, len(keys))
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketCurrent)
		for _, k := range keys {
			raw := cur.Get(joinKey(k.Unit, k.DataSet, k.Period))
			if raw == nil {
				continue
			}
			cells, err := decodeCells(raw)
			if err != nil {
				return fmt.Errorf("current %s %s %s: %w", k.Unit, k.DataSet, k.Period, err)
			}
			out[k] = cells
		}
		return nil
	})
	return out, err
}
