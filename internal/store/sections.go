package store

import (
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
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readSections(tx, dataSet, p)
		return err
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
