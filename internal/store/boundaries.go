package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// changeRecord is the stored shape of one row of a reorganisation, keyed by
// date \x00 new code \x00 old code.
type changeRecord struct {
	OldName string `json:"old_name"`
	NewName string `json:"new_name"`
	Level   string `json:"level"`
	Partial bool   `json:"partial,omitempty"`
}

func changeKey(c hierarchy.Change) []byte {
	return []byte(formatDate(c.Date) + "\x00" + c.New + "\x00" + c.Old)
}

// PutChanges records the rows of a reorganisation (an old → new mapping)
// beside the units, in one transaction. A row already recorded is replaced;
// rows are never deleted: the history of the map is appended to, never
// overwritten. The units and every change must form a valid history,
// otherwise nothing is written and the error wraps
// hierarchy.ErrInvalidHistory.
func (s *Store) PutChanges(changes []hierarchy.Change) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		units, err := readUnits(tx.Bucket(bucketUnits))
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketChanges)
		have, err := readChanges(b)
		if err != nil {
			return err
		}
		all := append(have, changes...)
		// A row given again replaces the stored one: keep the last of each key.
		byKey := map[string]hierarchy.Change{}
		for _, c := range all {
			byKey[string(changeKey(c))] = c
		}
		merged := make([]hierarchy.Change, 0, len(byKey))
		for _, c := range byKey {
			merged = append(merged, c)
		}
		if _, err := hierarchy.NewHistory(units, merged); err != nil {
			return err
		}
		for _, c := range changes {
			raw, err := json.Marshal(changeRecord{OldName: c.OldName, NewName: c.NewName, Level: c.Level, Partial: c.Partial})
			if err != nil {
				return err
			}
			if err := b.Put(changeKey(c), raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// Changes returns every recorded change, by date, new code and old code.
func (s *Store) Changes() ([]hierarchy.Change, error) {
	var out []hierarchy.Change
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readChanges(tx.Bucket(bucketChanges))
		return err
	})
	return out, err
}

func readChanges(b *bolt.Bucket) ([]hierarchy.Change, error) {
	var out []hierarchy.Change
	err := b.ForEach(func(k, raw []byte) error {
		parts := strings.Split(string(k), "\x00")
		if len(parts) != 3 {
			return fmt.Errorf("%w: change key %q", ErrCorrupt, k)
		}
		day, err := parseDate(parts[0])
		if err != nil {
			return fmt.Errorf("%w: change key %q: %v", ErrCorrupt, k, err)
		}
		var r changeRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: change %q: %v", ErrCorrupt, k, err)
		}
		out = append(out, hierarchy.Change{Old: parts[2], New: parts[1], OldName: r.OldName, NewName: r.NewName,
			Level: r.Level, Partial: r.Partial, Date: day})
		return nil
	})
	return out, err
}

// History returns every stored unit version and change as one history.
func (s *Store) History() (*hierarchy.History, error) {
	var (
		units   []hierarchy.Unit
		changes []hierarchy.Change
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if units, err = readUnits(tx.Bucket(bucketUnits)); err != nil {
			return err
		}
		changes, err = readChanges(tx.Bucket(bucketChanges))
		return err
	})
	if err != nil {
		return nil, err
	}
	return hierarchy.NewHistory(units, changes)
}

// SplitWeights are the shares in which a user declared that a split unit's
// figures go to the new units that each received part of it: by members,
// by population or by any basis stated. With them, a figure of the old
// unit is apportioned to its parts and marked as an estimate; without
// them, it is never guessed.
type SplitWeights struct {
	Old  string    // the split unit
	Date time.Time // the day of the split
	// Weights maps each new unit that received part of Old to its weight:
	// every one of them, zero or more, not all zero.
	Weights    map[string]int64
	Basis      string // e.g. "đảng viên ngày 30/6/2025", "dân số"
	Reason     string
	DeclaredBy string // who declared them, e.g. the token's name
	DeclaredAt time.Time
}

type splitWeightsRecord struct {
	Weights    map[string]int64 `json:"weights"`
	Basis      string           `json:"basis"`
	Reason     string           `json:"reason,omitempty"`
	DeclaredBy string           `json:"declared_by"`
	DeclaredAt time.Time        `json:"declared_at"`
}

// ErrBadWeights is wrapped by PutSplitWeights' errors about the weights
// themselves; the error is also an *hierarchy.FieldError-like message naming
// the field.
var ErrBadWeights = errors.New("store: invalid split weights")

// WeightsError names the field of declared weights that is wrong.
type WeightsError struct{ Field, Reason string }

func (e *WeightsError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap returns ErrBadWeights.
func (e *WeightsError) Unwrap() error { return ErrBadWeights }

// PutSplitWeights records weights for the split of w.Old on w.Date,
// replacing any declared before (the earlier declaration is in the audit
// log). DeclaredAt is set to the store's clock. The split must be a
// recorded one, every new unit that received part of it must have a weight
// and no other; a *WeightsError says what is wrong.
func (s *Store) PutSplitWeights(w SplitWeights) (SplitWeights, error) {
	w.DeclaredAt = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		changes, err := readChanges(tx.Bucket(bucketChanges))
		if err != nil {
			return err
		}
		var parts []string
		for _, c := range changes {
			if c.Old == w.Old && c.Date.Equal(w.Date) {
				if !c.Partial {
					return &WeightsError{"old_code", fmt.Sprintf("%s went whole into %s on %s: it was not split", w.Old, c.New, formatDate(w.Date))}
				}
				parts = append(parts, c.New)
			}
		}
		if len(parts) == 0 {
			return &WeightsError{"old_code", fmt.Sprintf("no split of %s is recorded on %s", w.Old, formatDate(w.Date))}
		}
		if err := checkWeights(w, parts); err != nil {
			return err
		}
		if strings.TrimSpace(w.Basis) == "" {
			return &WeightsError{"basis", "is required: say what the weights are (members, population…)"}
		}
		if strings.TrimSpace(w.DeclaredBy) == "" {
			return &WeightsError{"declared_by", "is required"}
		}
		raw, err := json.Marshal(splitWeightsRecord{Weights: w.Weights, Basis: w.Basis, Reason: w.Reason, DeclaredBy: w.DeclaredBy, DeclaredAt: w.DeclaredAt})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSplitWeights).Put(weightsKey(w.Old, w.Date), raw)
	})
	return w, err
}

func checkWeights(w SplitWeights, parts []string) error {
	var total int64
	for _, p := range parts {
		v, ok := w.Weights[p]
		if !ok {
			return &WeightsError{"weights", fmt.Sprintf("%s received part of %s and needs a weight (the parts: %s)", p, w.Old, strings.Join(parts, ", "))}
		}
		if v < 0 {
			return &WeightsError{"weights", fmt.Sprintf("%s: %d is negative", p, v)}
		}
		if v > 1<<40 {
			return &WeightsError{"weights", fmt.Sprintf("%s: %d is more than %d", p, v, int64(1)<<40)}
		}
		total += v
	}
	for code := range w.Weights {
		if !slices.Contains(parts, code) {
			return &WeightsError{"weights", fmt.Sprintf("%s received no part of %s (the parts: %s)", code, w.Old, strings.Join(parts, ", "))}
		}
	}
	if total == 0 {
		return &WeightsError{"weights", "are all zero"}
	}
	return nil
}

func weightsKey(old string, day time.Time) []byte { return []byte(old + "\x00" + formatDate(day)) }

// AllSplitWeights returns every declaration, by old unit and date.
func (s *Store) AllSplitWeights() ([]SplitWeights, error) {
	var out []SplitWeights
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSplitWeights).ForEach(func(k, raw []byte) error {
			old, day, ok := bytes.Cut(k, []byte{0})
			d, err := parseDate(string(day))
			if !ok || err != nil {
				return fmt.Errorf("%w: split weights key %q", ErrCorrupt, k)
			}
			var r splitWeightsRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%w: split weights %q: %v", ErrCorrupt, k, err)
			}
			out = append(out, SplitWeights{Old: string(old), Date: d, Weights: r.Weights, Basis: r.Basis, Reason: r.Reason,
				DeclaredBy: r.DeclaredBy, DeclaredAt: r.DeclaredAt})
			return nil
		})
	})
	return out, err
}

// rekeyUnits is the migration to schema version 8: unit records move from
// the key code to code \x00 valid_from, so that two units sharing a code
// can both be kept.
func rekeyUnits(tx *bolt.Tx) error {
	b := tx.Bucket(bucketUnits)
	units, err := readUnits(b)
	if err != nil {
		return err
	}
	var old [][]byte
	if err := b.ForEach(func(k, _ []byte) error {
		if !bytes.Contains(k, []byte{0}) {
			old = append(old, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for _, u := range units {
		raw, err := json.Marshal(unitRecord{Name: u.Name, Level: u.Level, Parent: u.Parent,
			ValidFrom: formatDate(u.ValidFrom), ValidTo: formatDate(u.ValidTo)})
		if err != nil {
			return err
		}
		if err := b.Put(unitKey(u.Code, u.ValidFrom), raw); err != nil {
			return err
		}
	}
	return nil
}
