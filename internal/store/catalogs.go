package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// PutCatalogVersion keeps a catalogue version with its signed publication
// raw, queued for the parent if forward (a version published here or below
// travels up with the reports made with it). A version kept before is a
// no-op (false).
func (s *Store) PutCatalogVersion(v CatalogVersion, raw []byte, forward bool) (bool, error) {
	stored := false
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCatalogs)
		if b.Get([]byte(v.Digest)) != nil {
			return nil
		}
		v.ReceivedAt = now
		rec, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(v.Digest), rec); err != nil {
			return err
		}
		stored = true
		return putNotice(tx, v.Envelope, raw, forward, now)
	})
	return stored, err
}

// CatalogVersions lists every catalogue version kept here, in the order
// they were received.
func (s *Store) CatalogVersions() ([]CatalogVersion, error) {
	var out []CatalogVersion
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCatalogs).ForEach(func(k, raw []byte) error {
			var v CatalogVersion
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%w: catalogue version %s: %v", ErrCorrupt, k, err)
			}
			out = append(out, v)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b CatalogVersion) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.Digest, b.Digest))
	})
	return out, err
}
