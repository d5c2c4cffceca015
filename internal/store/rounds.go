package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Round is a reporting round: a level asks its subtree for a data set's
// report of a period by a deadline. Rounds flow down: a child keeps those of
// the levels above as its parent sent them.
type Round struct {
	ID        string    `json:"id"`
	Opener    string    `json:"opener"` // the unit that opened it
	DataSet   string    `json:"data_set"`
	Period    string    `json:"period"`
	Deadline  time.Time `json:"deadline"`
	Reference string    `json:"reference,omitempty"` // e.g. "Công văn số 365-CV/TU ngày 23/9/2021"
	OpenedAt  time.Time `json:"opened_at"`
	OpenedBy  string    `json:"opened_by,omitempty"`
}

// RoundID is the id of the round opener opens for a data set and period:
// one per opener, data set and period, so opening it again amends it.
func RoundID(opener, dataSet, periodCode string) string {
	return opener + "." + dataSet + "." + periodCode
}

// PutRound opens a round, or amends the one with the same id (a deadline
// moved, a reference corrected); OpenedAt is kept from the first opening.
func (s *Store) PutRound(r Round) (Round, error) {
	r.ID = RoundID(r.Opener, r.DataSet, r.Period)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRounds)
		r.OpenedAt = s.now().UTC()
		if raw := b.Get([]byte(r.ID)); raw != nil {
			var old Round
			if err := json.Unmarshal(raw, &old); err != nil {
				return fmt.Errorf("%w: round %s: %v", ErrCorrupt, r.ID, err)
			}
			r.OpenedAt = old.OpenedAt
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put([]byte(r.ID), raw)
	})
	return r, err
}

// Rounds lists every round this node knows, its own and inherited, by id.
func (s *Store) Rounds() ([]Round, error) {
	var out []Round
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRounds).ForEach(func(k, raw []byte) error {
			var r Round
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%w: round %s: %v", ErrCorrupt, k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Round returns one round; ErrNotFound if there is none.
func (s *Store) Round(id string) (Round, error) {
	var r Round
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketRounds).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("round %s: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: round %s: %v", ErrCorrupt, id, err)
		}
		return nil
	})
	return r, err
}

// ReplaceInheritedRounds replaces every round not opened by self with rs,
// as the parent sent them, in one transaction.
func (s *Store) ReplaceInheritedRounds(self string, rs []Round) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRounds)
		var drop [][]byte
		err := b.ForEach(func(k, raw []byte) error {
			var r Round
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%w: round %s: %v", ErrCorrupt, k, err)
			}
			if r.Opener != self {
				drop = append(drop, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range drop {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, r := range rs {
			if r.Opener == self {
				continue
			}
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(r.ID), raw); err != nil {
				return err
			}
		}
		return nil
	})
}
