package node

import (
	"path/filepath"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
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
