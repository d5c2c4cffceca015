package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// ErrRetired means the node's unit has retired: its store is kept, and
	// read, but nothing is written to it any more.
	ErrRetired = errors.New("store: this node's unit has retired; its data is read-only")
	// ErrOutboxNotEmpty means a node may not retire while envelopes still
	// wait for its parent's receipt.
	ErrOutboxNotEmpty = errors.New("store: the outbox is not empty")
)

// Retirement records that the node's unit ended and the node stopped
// writing: when, and what the operator said.
type Retirement struct {
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
	// Parent is the parent's unit path, which took the node's outbox.
	Parent string `json:"parent,omitempty"`
}

// Retire makes the store read-only for good, provided its outbox is empty:
// everything the node signed or relayed has reached its parent. Retiring
// again changes nothing and returns the first record.
func (s *Store) Retire(r Retirement) (Retirement, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if raw := meta.Get(keyRetired); raw != nil {
			return json.Unmarshal(raw, &r)
		}
		if n := tx.Bucket(bucketOutbox).Stats().KeyN; n > 0 {
			return fmt.Errorf("%w: %d envelope(s) wait for the parent's receipt", ErrOutboxNotEmpty, n)
		}
		if r.At.IsZero() {
			r.At = s.now().UTC()
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return meta.Put(keyRetired, raw)
	})
	return r, err
}

// Retired returns the retirement record, if the node's unit has retired.
func (s *Store) Retired() (Retirement, bool, error) {
	var (
		r  Retirement
		ok bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keyRetired)
		if raw == nil {
			return nil
		}
		ok = true
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: retirement: %v", ErrCorrupt, err)
		}
		return nil
	})
	return r, ok, err
}
