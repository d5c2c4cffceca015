package node

import (
	"path/filepath"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
)

// LoadMap adds a map to a node's store: units (every version with its
// validity) and the changes that lead to them. With a non-zero from, units
// is a whole new list taking over on that day: every stored unit still
// valid then ends the day before (see hierarchy.Supersede), and the list's
// undated units begin on it; that is how the 2025 list is loaded on a node
// that knew the 2024 one. Nothing is written unless units and changes
// together form a valid history. The node must not be running.
func LoadMap(dataDir string, units []hierarchy.Unit, changes []hierarchy.Change, from time.Time, opts Options) error {
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{Logger: opts.Logger, Clock: opts.Clock})
	if err != nil {
		return err
	}
	defer st.Close()
	if !from.IsZero() {
		have, err := st.Units()
		if err != nil {
			return err
		}
		units = hierarchy.Supersede(have, units, from)
	}
	if err := st.PutUnits(units); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	return st.PutChanges(changes)
}

// nodeTree is the tree a node of unit serves on day: every unit it knows
// when they form one tree (maps that share no code and keep each level at
// one depth), otherwise the map its unit is in on day, or, for a unit the
// map no longer has, the map it ended in.
func nodeTree(h *hierarchy.History, unit string, day time.Time) *hierarchy.Tree {
	if t, err := hierarchy.NewTree(h.Units()); err == nil {
		return t
	}
	return h.TreeFor(unit, day)
}

// mappedPrevious gives the reports the previous period of a report in the
// boundaries of its own period: across a change of the map, its sources'
// figures (see rollup.Engine.PreviousReport).
func mappedPrevious(e *rollup.Engine) func(unit, dataSet string, p period.Period) ([]store.Cell, bool, string, error) {
	return func(unit, dataSet string, p period.Period) ([]store.Cell, bool, string, error) {
		prev, err := e.PreviousReport(unit, dataSet, p)
		if err != nil || !prev.Mapped {
			return nil, false, "", err
		}
		return prev.Cells, true, prev.Mapping.Note(), nil
	}
}
