package store

import (
	"bytes"
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

// unitKey is the key of one version of a unit: its code and the first day
// it is valid, so that a reused code (03390, a town until 2025 and a
// commune after) keeps both units apart. An undated unit's key ends in the
// separator alone and sorts before every dated version of its code.
func unitKey(code string, from time.Time) []byte {
	return append(append([]byte(code), 0), formatDate(from)...)
}

// PutUnits adds or replaces units by code and first day of validity, in one
// transaction. Units are never deleted: a unit that ceased to exist gets a
// ValidTo date, so figures of the past keep their boundaries, and a new
// unit of the same code is another version beside it. Every version with
// the changes stored must form a valid history (see hierarchy.NewHistory),
// otherwise nothing is written and the error wraps
// hierarchy.ErrInvalidHistory.
func (s *Store) PutUnits(units []hierarchy.Unit) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putUnits(tx, units) })
}

func putUnits(tx *bolt.Tx, units []hierarchy.Unit) error {
	b := tx.Bucket(bucketUnits)
	merged, err := readUnits(b)
	if err != nil {
		return err
	}
	index := make(map[string]int, len(merged))
	for i, u := range merged {
		index[string(unitKey(u.Code, u.ValidFrom))] = i
	}
	moved := false
	for _, u := range units {
		k := string(unitKey(u.Code, u.ValidFrom))
		if i, ok := index[k]; ok {
			moved = moved || merged[i].Parent != u.Parent
			merged[i] = u
		} else {
			index[k] = len(merged)
			merged = append(merged, u)
		}
	}
	changes, err := readChanges(tx.Bucket(bucketChanges))
	if err != nil {
		return err
	}
	if _, err := hierarchy.NewHistory(merged, changes); err != nil {
		return err
	}
	if moved {
		// Roll-ups were summed along the old parents: have them rebuilt
		// along the new ones before the node serves.
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
		if err := b.Put(unitKey(u.Code, u.ValidFrom), raw); err != nil {
			return fmt.Errorf("store: put unit %s: %w", u.Code, err)
		}
	}
	return nil
}

// Units returns every stored version of every unit, ordered by code and
// then by first day of validity.
func (s *Store) Units() ([]hierarchy.Unit, error) {
	var out []hierarchy.Unit
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readUnits(tx.Bucket(bucketUnits))
		return err
	})
	return out, err
}

func decodeUnit(k, raw []byte) (hierarchy.Unit, error) {
	// Before schema version 8 the key was the code alone; the migration to
	// 8 reads such keys.
	code, _, _ := bytes.Cut(k, []byte{0})
	var r unitRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return hierarchy.Unit{}, fmt.Errorf("%w: unit %s: %v", ErrCorrupt, code, err)
	}
	from, err := parseDate(r.ValidFrom)
	if err != nil {
		return hierarchy.Unit{}, fmt.Errorf("%w: unit %s valid_from: %v", ErrCorrupt, code, err)
	}
	to, err := parseDate(r.ValidTo)
	if err != nil {
		return hierarchy.Unit{}, fmt.Errorf("%w: unit %s valid_to: %v", ErrCorrupt, code, err)
	}
	return hierarchy.Unit{
		Code: string(code), Name: r.Name, Level: r.Level, Parent: r.Parent,
		ValidFrom: from, ValidTo: to,
	}, nil
}

func readUnits(b *bolt.Bucket) ([]hierarchy.Unit, error) {
	var out []hierarchy.Unit
	err := b.ForEach(func(k, raw []byte) error {
		u, err := decodeUnit(k, raw)
		if err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// unitOn returns the version of code valid on day; failing that, the last
// version begun by then, or the first one: a report of a unit for a period
// it did not exist in still rolls up along the parents it had nearest then.
func unitOn(b *bolt.Bucket, code string, day time.Time) (hierarchy.Unit, bool, error) {
	prefix := append([]byte(code), 0)
	var chosen hierarchy.Unit
	found := false
	c := b.Cursor()
	for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
		u, err := decodeUnit(k, raw)
		if err != nil {
			return hierarchy.Unit{}, false, err
		}
		switch {
		case u.ActiveOn(day):
			return u, true, nil
		case !found || !u.ValidFrom.After(day):
			chosen, found = u, true
		}
	}
	return chosen, found, nil
}
