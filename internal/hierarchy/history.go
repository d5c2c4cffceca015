package hierarchy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrInvalidHistory is wrapped by every error of [NewHistory]; the text
// names the unit or the change at fault.
var ErrInvalidHistory = errors.New("hierarchy: invalid history")

// History is every map a node knows: each version of each unit with its
// validity, and the changes that turned one map into the next. A unit is its
// code and its validity: 03390 was Thị trấn Tam Đường (district 106) until
// 2025-06-30 and is Xã Bình Lư (province 12) since 2025-07-01, two units that
// share a code and never a figure. History is immutable and safe for
// concurrent use.
//
// The days on which some unit begins or ends split time into eras; within
// an era the active units form one [Tree], with levels at one depth each
// (three levels before 2025-07-01, two after).
type History struct {
	versions map[string][]Unit // by code, by ValidFrom
	eras     []time.Time       // the days an era starts, after the first
	trees    []*Tree           // trees[k] is the tree of era k
	changes  []Change          // by date, new code, old code
	byNew    map[changeKey][]Change
	byOld    map[changeKey][]Change
}

type changeKey struct {
	date time.Time
	code string
}

// NewHistory checks units (every version of every unit) and changes and
// indexes them. It rejects, with an error wrapping [ErrInvalidHistory]:
//   - a unit that fails [Unit.Validate];
//   - two versions of one code valid on a common day, or one version twice;
//   - an era whose active units do not form a tree (the error also wraps
//     [ErrInvalidTree]): a parent missing that day, a level at two depths;
//   - a change whose old unit is not valid the day before its date, or whose
//     new unit is not valid on its date.
//
// Undated units are valid always: a history of one undated list has one
// era, whose tree is that list's.
func NewHistory(units []Unit, changes []Change) (*History, error) {
	h := &History{versions: map[string][]Unit{}, byNew: map[changeKey][]Change{}, byOld: map[changeKey][]Change{}}
	days := map[time.Time]bool{}
	for i, u := range units {
		if err := u.Validate(); err != nil {
			return nil, fmt.Errorf("%w: unit %q (index %d): %w", ErrInvalidHistory, u.Code, i, err)
		}
		h.versions[u.Code] = append(h.versions[u.Code], u)
		if !u.ValidFrom.IsZero() {
			days[u.ValidFrom] = true
		}
		if !u.ValidTo.IsZero() {
			days[u.ValidTo] = true
		}
	}
	for code, vs := range h.versions {
		slices.SortFunc(vs, func(a, b Unit) int { return a.ValidFrom.Compare(b.ValidFrom) })
		for i := 1; i < len(vs); i++ {
			prev, next := vs[i-1], vs[i]
			if prev.ValidTo.IsZero() || prev.ValidTo.After(next.ValidFrom) || next.ValidFrom.IsZero() {
				return nil, fmt.Errorf("%w: unit %s: version %q (%s) and version %q (%s) are both valid on a common day",
					ErrInvalidHistory, code, prev.Name, validity(prev), next.Name, validity(next))
			}
		}
	}
	for d := range days {
		h.eras = append(h.eras, d)
	}
	slices.SortFunc(h.eras, time.Time.Compare)
	h.trees = make([]*Tree, len(h.eras)+1)
	for k := range h.trees {
		day := h.eraDay(k)
		var active []Unit
		for _, vs := range h.versions {
			for _, u := range vs {
				if u.ActiveOn(day) {
					active = append(active, u)
				}
			}
		}
		// Map iteration order must not leak into error messages.
		slices.SortFunc(active, func(a, b Unit) int { return strings.Compare(a.Code, b.Code) })
		t, err := NewTree(active)
		if err != nil {
			return nil, fmt.Errorf("%w: the map of %s: %w", ErrInvalidHistory, eraName(h, k), err)
		}
		h.trees[k] = t
	}
	h.changes = slices.Clone(changes)
	slices.SortFunc(h.changes, func(a, b Change) int {
		return cmp.Or(a.Date.Compare(b.Date), strings.Compare(a.New, b.New), strings.Compare(a.Old, b.Old))
	})
	for _, c := range h.changes {
		if _, ok := h.Unit(c.Old, c.Date.AddDate(0, 0, -1)); !ok {
			return nil, fmt.Errorf("%w: change %s → %s of %s: old unit %s is not valid on %s", ErrInvalidHistory,
				c.Old, c.New, FormatDate(c.Date), c.Old, FormatDate(c.Date.AddDate(0, 0, -1)))
		}
		if _, ok := h.Unit(c.New, c.Date); !ok {
			return nil, fmt.Errorf("%w: change %s → %s of %s: new unit %s is not valid on %s", ErrInvalidHistory,
				c.Old, c.New, FormatDate(c.Date), c.New, FormatDate(c.Date))
		}
		h.byNew[changeKey{c.Date, c.New}] = append(h.byNew[changeKey{c.Date, c.New}], c)
		h.byOld[changeKey{c.Date, c.Old}] = append(h.byOld[changeKey{c.Date, c.Old}], c)
	}
	return h, nil
}

func validity(u Unit) string {
	return cmp.Or(FormatDate(u.ValidFrom), "always") + ".." + cmp.Or(FormatDate(u.ValidTo), "still")
}

func eraName(h *History, k int) string {
	switch {
	case len(h.eras) == 0:
		return "every day"
	case k == 0:
		return "before " + FormatDate(h.eras[0])
	}
	return "from " + FormatDate(h.eras[k-1])
}

// eraDay is a day of era k: its first day, or the day before the first
// boundary for the era before all of them.
func (h *History) eraDay(k int) time.Time {
	switch {
	case len(h.eras) == 0:
		return Day(2000, 1, 1)
	case k == 0:
		return h.eras[0].AddDate(0, 0, -1)
	}
	return h.eras[k-1]
}

// Era returns the index of the era day falls in: 0 before the first
// boundary, len(Boundaries()) after the last.
func (h *History) Era(day time.Time) int {
	d := Day(day.Date())
	k, found := slices.BinarySearchFunc(h.eras, d, time.Time.Compare)
	if found {
		k++
	}
	return k
}

// Boundaries returns the days on which some unit begins or ends, in order:
// the first days of every era but the first.
func (h *History) Boundaries() []time.Time { return slices.Clone(h.eras) }

// EraStart returns the first day of era k; zero for the first era.
func (h *History) EraStart(k int) time.Time {
	if k <= 0 || k > len(h.eras) {
		return time.Time{}
	}
	return h.eras[k-1]
}

// AsOf returns the tree of the units valid on day.
func (h *History) AsOf(day time.Time) *Tree { return h.trees[h.Era(day)] }

// TreeOfEra returns the tree of era k (see [History.Era]).
func (h *History) TreeOfEra(k int) *Tree { return h.trees[k] }

// TreeFor returns the map a node of unit code works in on day: the tree as
// of day if the unit is valid then, otherwise the tree of the last day it
// was (a district abolished in 2025 keeps the map it ended in), or of the
// first day it will be.
func (h *History) TreeFor(code string, day time.Time) *Tree {
	if _, ok := h.Unit(code, day); ok {
		return h.AsOf(day)
	}
	vs := h.versions[code]
	if len(vs) == 0 {
		return h.AsOf(day)
	}
	var best Unit
	found := false
	for _, u := range vs {
		if !u.ValidTo.IsZero() && !u.ValidTo.After(day) {
			best, found = u, true
		}
	}
	if found {
		return h.AsOf(best.ValidTo.AddDate(0, 0, -1))
	}
	return h.AsOf(vs[0].ValidFrom)
}

// Unit returns the version of code valid on day.
func (h *History) Unit(code string, day time.Time) (Unit, bool) {
	for _, u := range h.versions[code] {
		if u.ActiveOn(day) {
			return u, true
		}
	}
	return Unit{}, false
}

// Versions returns every version of code, oldest first.
func (h *History) Versions(code string) []Unit { return slices.Clone(h.versions[code]) }

// Units returns every version of every unit, by code and then validity.
func (h *History) Units() []Unit {
	var out []Unit
	for _, vs := range h.versions {
		out = append(out, vs...)
	}
	slices.SortFunc(out, func(a, b Unit) int {
		return cmp.Or(strings.Compare(a.Code, b.Code), a.ValidFrom.Compare(b.ValidFrom))
	})
	return out
}

// Levels returns the levels of the map in force on day.
func (h *History) Levels(day time.Time) []Level { return h.AsOf(day).Levels() }

// Changes returns every change, by date, new code and old code.
func (h *History) Changes() []Change { return slices.Clone(h.changes) }

// Origin is where part of a unit came from across one change of the map.
type Origin struct {
	Code string // the old unit, valid the day before the change
	// Partial: the old unit was split, and only part of it went into the
	// new unit; Split names every new unit that received a part of it.
	Partial bool
	Split   []string
}

// Origins returns where unit code of the map starting on day (a boundary)
// came from in the map before: the changes recorded for it, or, without
// any, the unit of the same code and level if there was one (a unit the
// change left alone). ok is false when neither exists: a new unit whose
// figures are those of its own children.
func (h *History) Origins(code string, day time.Time) (origins []Origin, ok bool) {
	if rows := h.byNew[changeKey{day, code}]; len(rows) > 0 {
		for _, c := range rows {
			o := Origin{Code: c.Old, Partial: c.Partial}
			if c.Partial {
				for _, d := range h.byOld[changeKey{day, c.Old}] {
					o.Split = append(o.Split, d.New)
				}
			}
			origins = append(origins, o)
		}
		return origins, true
	}
	now, ok1 := h.Unit(code, day)
	before, ok2 := h.Unit(code, day.AddDate(0, 0, -1))
	if ok1 && ok2 && now.Level == before.Level && len(h.byOld[changeKey{day, code}]) == 0 {
		return []Origin{{Code: code}}, true
	}
	return nil, false
}

// Successors returns the changes that took old unit code on day.
func (h *History) Successors(code string, day time.Time) []Change {
	return slices.Clone(h.byOld[changeKey{day, code}])
}

// Event kinds, as [History.Events] names them.
const (
	EventMerge          = "merge"           // several old units became one
	EventSplit          = "split"           // one old unit was divided among several
	EventRename         = "rename"          // one unit, a new name
	EventReparent       = "reparent"        // one unit, a new parent
	EventLevelAbolished = "level_abolished" // no unit of a level is valid any more
	EventAbolished      = "abolished"       // a unit ends and nothing is recorded to succeed it
)

// Event is one change of the map, as recorded: never an overwrite.
type Event struct {
	Date  time.Time
	Kind  string
	Old   []string // the units before (codes), for a level the level code
	New   []string // the units after
	Level string   // the level of the old units
}

// Events returns what happened to the map, by date: merges, splits,
// renames, moves under a new parent, units ended without successor, and
// levels abolished.
func (h *History) Events() []Event {
	var out []Event
	for k, day := range h.eras {
		before, after := h.trees[k], h.trees[k+1]
		var news []string
		seen := map[string]bool{}
		for _, c := range h.changes {
			if c.Date.Equal(day) && !seen[c.New] {
				seen[c.New] = true
				news = append(news, c.New)
			}
		}
		splits := map[string][]string{}
		for _, n := range news {
			rows := h.byNew[changeKey{day, n}]
			var olds []string
			level := rows[0].Level
			for _, c := range rows {
				olds = append(olds, c.Old)
				if c.Partial {
					splits[c.Old] = append(splits[c.Old], n)
				}
			}
			if len(rows) > 1 {
				out = append(out, Event{Date: day, Kind: EventMerge, Old: olds, New: []string{n}, Level: level})
				continue
			}
			if rows[0].Partial {
				continue // reported once as the old unit's split
			}
			o, _ := before.Unit(rows[0].Old)
			u, _ := after.Unit(n)
			if o.Name != u.Name || o.Code != u.Code {
				out = append(out, Event{Date: day, Kind: EventRename, Old: olds, New: []string{n}, Level: level})
			}
			if o.Parent != u.Parent {
				out = append(out, Event{Date: day, Kind: EventReparent, Old: olds, New: []string{n}, Level: level})
			}
		}
		var splitOld []string
		for o := range splits {
			splitOld = append(splitOld, o)
		}
		slices.Sort(splitOld)
		for _, o := range splitOld {
			u, _ := before.Unit(o)
			out = append(out, Event{Date: day, Kind: EventSplit, Old: []string{o}, New: splits[o], Level: u.Level})
		}
		// Units that simply moved (no rows, same code and level, other parent).
		for _, u := range after.Units() {
			if seen[u.Code] {
				continue
			}
			if o, ok := before.Unit(u.Code); ok && o.Level == u.Level && o.Parent != u.Parent && len(h.byOld[changeKey{day, u.Code}]) == 0 {
				out = append(out, Event{Date: day, Kind: EventReparent, Old: []string{u.Code}, New: []string{u.Code}, Level: u.Level})
			}
		}
		for _, u := range before.Units() {
			if _, still := after.Unit(u.Code); still || len(h.byOld[changeKey{day, u.Code}]) > 0 {
				continue
			}
			out = append(out, Event{Date: day, Kind: EventAbolished, Old: []string{u.Code}, Level: u.Level})
		}
		for _, l := range before.Levels() {
			if len(after.AtLevel(l.Code)) == 0 {
				out = append(out, Event{Date: day, Kind: EventLevelAbolished, Old: []string{l.Code}, Level: l.Code})
			}
		}
	}
	return out
}

// Supersede returns existing with list taking over from day: every unit
// of existing still valid on day ends the day before (its ValidTo set to
// day), and every unit of list without a ValidFrom starts on day. It is how
// a new official list, such as the 2025 one, is loaded beside the old one
// instead of over it.
func Supersede(existing, list []Unit, day time.Time) []Unit {
	out := make([]Unit, 0, len(existing)+len(list))
	for _, u := range existing {
		if u.ActiveOn(day) && (u.ValidFrom.IsZero() || u.ValidFrom.Before(day)) {
			u.ValidTo = day
		}
		out = append(out, u)
	}
	for _, u := range list {
		if u.ValidFrom.IsZero() {
			u.ValidFrom = day
		}
		out = append(out, u)
	}
	return out
}
