package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/period"
)

// Value is one figure of the node's own unit for a period: an element's
// total (Option "") or one breakdown option of it.
type Value struct {
	Element   string
	Option    string
	Count     int64
	UpdatedAt time.Time // set by the store
}

// PutValues stores vals for period p in one transaction: all or none. The
// caller has checked them against the catalogue.
func (s *Store) PutValues(p period.Period, vals []Value) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		var old, new []Value
		for _, v := range vals {
			k := joinKey(p.String(), v.Element, v.Option)
			if raw := b.Get(k); raw != nil {
				count, _, err := decodeValue(raw)
				if err != nil {
					return err
				}
				old = append(old, Value{Element: v.Element, Option: v.Option, Count: count})
			}
			new = append(new, v)
			if err := b.Put(k, encodeValue(v.Count, now)); err != nil {
				return fmt.Errorf("store: put value %s.%s %s: %w", v.Element, v.Option, p, err)
			}
		}
		return applyOwn(tx, p.String(), old, new)
	})
}

// Values returns every value stored for period p, ordered by element and
// option code.
func (s *Store) Values(p period.Period) ([]Value, error) {
	var out []Value
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readValues(tx, p)
		return err
	})
	return out, err
}

// DeleteValue removes one value; ErrNotFound if it is not stored.
func (s *Store) DeleteValue(p period.Period, element, option string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketValues)
		k := joinKey(p.String(), element, option)
		raw := b.Get(k)
		if raw == nil {
			return fmt.Errorf("value %s %s option %q: %w", element, p, option, ErrNotFound)
		}
		count, _, err := decodeValue(raw)
		if err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
		return applyOwn(tx, p.String(), []Value{{Element: element, Option: option, Count: count}}, nil)
	})
}
