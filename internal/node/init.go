package node

import (
	"fmt"
	"path/filepath"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
)

// Init prepares a data directory for the node of unit: it creates the store,
// loads the units (which must include unit) and records the identity. Running
// it again with more units adds them; another unit is refused.
func Init(dataDir, unit string, units []hierarchy.Unit, opts Options) (hierarchy.Unit, error) {
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{Logger: opts.Logger, Clock: opts.Clock})
	if err != nil {
		return hierarchy.Unit{}, err
	}
	defer st.Close()
	if id, err := st.Identity(); err == nil && id.UnitCode != unit {
		return hierarchy.Unit{}, fmt.Errorf("%w: %s already belongs to unit %s", store.ErrIdentityChange, dataDir, id.UnitCode)
	}
	if err := st.Initialise(unit, units); err != nil {
		return hierarchy.Unit{}, err
	}
	all, err := st.Units()
	if err != nil {
		return hierarchy.Unit{}, err
	}
	tree, err := hierarchy.NewTree(all)
	if err != nil {
		return hierarchy.Unit{}, err
	}
	u, _ := tree.Unit(unit)
	return u, nil
}
