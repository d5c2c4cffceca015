package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/period"
)

// SectionText is the narrative of one section of a data set for a period.
type SectionText struct {
	Code      string
	Text      string
	UpdatedAt time.Time // set by the store
}

// PutSection stores the text of one section, replacing any earlier text.
func (s *Store) PutSection(dataSet string, p period.Period, code, text string) (SectionText, error) {
	st := SectionText{Code: code, Text: text, UpdatedAt: s.now().UTC()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSections).Put(joinKey(dataSet, p.String(), code), encodeText(text, st.UpdatedAt))
	})
	if err != nil {
		return SectionText{}, fmt.Errorf("store: put section %s: %w", code, err)
	}
	return st, nil
}

// Sections returns the sections written for a data set and period, ordered
// by code bytes; callers put them in outline order.
func (s *Store) Sections(dataSet string, p period.Period) ([]SectionText, error) {
	var out []SectionText
	prefix := joinKey(dataSet, p.String(), "")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSections).Cursor()
		for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
			parts, err := splitKey(k, 3)
			if err != nil {
				return err
			}
			text, updated, err := decodeText(raw)
			if err != nil {
				return fmt.Errorf("section %q: %w", k, err)
			}
			out = append(out, SectionText{Code: parts[2], Text: text, UpdatedAt: updated})
		}
		return nil
	})
	return out, err
}

// DeleteSection removes one section's text; ErrNotFound if none is stored.
func (s *Store) DeleteSection(dataSet string, p period.Period, code string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSections)
		k := joinKey(dataSet, p.String(), code)
		if b.Get(k) == nil {
			return fmt.Errorf("section %s of %s %s: %w", code, dataSet, p, ErrNotFound)
		}
		return b.Delete(k)
	})
}
