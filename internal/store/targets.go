package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Target is a goal for an indicator, for one unit or a whole level.
type Target struct {
	ID        string    `json:"id"`
	Indicator string    `json:"indicator"`
	Unit      string    `json:"unit,omitempty"`
	Level     string    `json:"level,omitempty"`
	Period    string    `json:"period"`
	Direction int       `json:"direction"`
	Value     float64   `json:"value"`
	Baseline  string    `json:"baseline,omitempty"`
	Note      string    `json:"note,omitempty"`
	SetBy     string    `json:"set_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PutTarget creates or replaces the target with t.ID.
func (s *Store) PutTarget(t Target) (Target, error) {
	t.UpdatedAt = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketTargets).Put([]byte(t.ID), raw)
	})
	return t, err
}

// Targets lists every target, ordered by id.
func (s *Store) Targets() ([]Target, error) {
	var out []Target
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTargets).ForEach(func(k, raw []byte) error {
			var t Target
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("%w: target %s: %v", ErrCorrupt, k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// DeleteTarget removes a target; ErrNotFound if there is none.
func (s *Store) DeleteTarget(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargets)
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("target %s: %w", id, ErrNotFound)
		}
		return b.Delete([]byte(id))
	})
}

// ReplaceInherited replaces, in one transaction, every target this node did
// not set itself (self) with those its parent sent: the parent's list is
// the whole truth about the targets from above.
func (s *Store) ReplaceInherited(self string, ts []Target) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargets)
		var stale [][]byte
		err := b.ForEach(func(k, raw []byte) error {
			var t Target
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("%w: target %s: %v", ErrCorrupt, k, err)
			}
			if t.SetBy != self {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, t := range ts {
			if t.SetBy == self {
				continue // never let the parent overwrite this node's own
			}
			raw, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(t.ID), raw); err != nil {
				return err
			}
		}
		return nil
	})
}
