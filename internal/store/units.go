package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// unitRecord is the stored shape of a unit, kept apart from hierarchy.Unit
// so that the domain type can change without changing the file.
type unitRecord struct {
	Name      string `json:"name"`
	Level     string `json:"level"`
	Parent    string `json:"parent,omitempty"`
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

const dateLayout = "2006-01-02"

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(dateLayout, s)
}

// PutUnits adds or replaces units by code, in one transaction. Units are never
// deleted: a unit that ceased to exist gets a ValidTo date, so figures of the
// past keep their boundaries. The result must form a valid tree, otherwise
// nothing is written and the error wraps hierarchy.ErrInvalidTree.
func (s *Store) PutUnits(units []hierarchy.Unit) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putUnits(tx, units) })
}

func putUnits(tx *bolt.Tx, units []hierarchy.Unit) error {
	{
		b := tx.Bucket(bucketUnits)
		merged, err := readUnits(b)
		if err != nil {
			return err
		}
		index := make(map[string]int, len(merged))
		for i, u := range merged {
			index[u.Code] = i
		}
		moved := false
		for _, u := range units {
			if i, ok := index[u.Code]; ok {
				moved = moved || merged[i].Parent != u.Parent
				merged[i] = u
			} else {
				index[u.Code] = len(merged)
				merged = append(merged, u)
			}
		}
		if _, err := hierarchy.NewTree(merged); err != nil {
			return err
		}
		if moved {
			// Roll-ups were summed along the old parents: have them
			// rebuilt along the new ones before the node serves.
			if err := tx.Bucket(bucketMeta).Put(keyRebuild, []byte{1}); err != nil {
				return err
			}
		}
		for _, u := range units {
			raw, err := json.Marshal(unitRecord{
				Name: u.Name, Level: u.Level, Parent: u.Parent,
				ValidFrom: formatDate(u.ValidFrom), ValidTo: formatDate(u.ValidTo),
			})
			if err != nil {
				return err
			}
			if err := b.Put([]byte(u.Code), raw); err != nil {
				return fmt.Errorf("store: put unit %s: %w", u.Code, err)
			}
		}
		return nil
	}
}

// Units returns every stored unit, ordered by code.
func (s *Store) Units() ([]hierarchy.Unit, error) {
	var out []hierarchy.Unit
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readUnits(tx.Bucket(bucketUnits))
		return err
	})
	return out, err
}

func readUnits(b *bolt.Bucket) ([]hierarchy.Unit, error) {
	var out []hierarchy.Unit
	err := b.ForEach(func(k, raw []byte) error {
		var r unitRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: unit %s: %v", ErrCorrupt, k, err)
		}
		from, err := parseDate(r.ValidFrom)
		if err != nil {
			return fmt.Errorf("%w: unit %s valid_from: %v", ErrCorrupt, k, err)
		}
		to, err := parseDate(r.ValidTo)
		if err != nil {
			return fmt.Errorf("%w: unit %s valid_to: %v", ErrCorrupt, k, err)
		}
		out = append(out, hierarchy.Unit{
			Code: string(k), Name: r.Name, Level: r.Level, Parent: r.Parent,
			ValidFrom: from, ValidTo: to,
		})
		return nil
	})
	return out, err
}
