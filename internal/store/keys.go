package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrUnknownKey means a report or endorsement signed by a certificate that
// is not known to be the unit's own, for a unit whose keys are known.
var ErrUnknownKey = errors.New("store: not a known key of the unit")

// KnownKey is a certificate known to be a unit's own.
type KnownKey struct {
	Fingerprint string    `json:"fingerprint"`
	Since       time.Time `json:"since"`
	// EndorsedBy is the fingerprint of the key that endorsed this one;
	// empty for the first key seen.
	EndorsedBy string `json:"endorsed_by,omitempty"`
}

func knownKeys(tx *bolt.Tx, unit string) ([]KnownKey, error) {
	raw := tx.Bucket(bucketKeys).Get([]byte(unit))
	if raw == nil {
		return nil, nil
	}
	var ks []KnownKey
	if err := json.Unmarshal(raw, &ks); err != nil {
		return nil, fmt.Errorf("%w: keys of %s: %v", ErrCorrupt, unit, err)
	}
	return ks, nil
}

func putKnownKeys(tx *bolt.Tx, unit string, ks []KnownKey) error {
	raw, err := json.Marshal(ks)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).Put([]byte(unit), raw)
}

func isKnown(ks []KnownKey, fp string) bool {
	return slices.ContainsFunc(ks, func(k KnownKey) bool { return k.Fingerprint == fp })
}

// checkSigner applies key continuity to a report signed by fp for unit: the
// first key seen for a unit is learnt; after that only known keys sign.
func checkSigner(tx *bolt.Tx, unit, fp string, now time.Time) error {
	ks, err := knownKeys(tx, unit)
	if err != nil {
		return err
	}
	switch {
	case len(ks) == 0:
		return putKnownKeys(tx, unit, []KnownKey{{Fingerprint: fp, Since: now}})
	case isKnown(ks, fp):
		return nil
	}
	return fmt.Errorf("%w: certificate %.16s… signed for unit %s, whose known keys are %s; a new key counts only when the unit's previous key endorses it",
		ErrUnknownKey, fp, unit, describeKeys(ks))
}

func describeKeys(ks []KnownKey) string {
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += ", "
		}
		s += k.Fingerprint[:min(16, len(k.Fingerprint))] + "…"
	}
	return s
}

// PutKeyEndorsement records that the key with fingerprint newFP is unit's,
// on the word of the key oldFP, which must be a known key of unit (or the
// unit's keys are not known yet, and both are learnt). It keeps the signed
// endorsement and queues it for the parent if forward. An endorsement stored
// before is a no-op (false).
func (s *Store) PutKeyEndorsement(unit, oldFP, newFP, digest string, envelope []byte, forward bool) (bool, error) {
	stored := false
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEnvelopes).Get([]byte(digest)) != nil {
			return nil
		}
		ks, err := knownKeys(tx, unit)
		if err != nil {
			return err
		}
		switch {
		case len(ks) == 0:
			ks = []KnownKey{{Fingerprint: oldFP, Since: now}}
		case !isKnown(ks, oldFP):
			return fmt.Errorf("%w: endorsement for unit %s signed by %.16s…, whose known keys are %s", ErrUnknownKey, unit, oldFP, describeKeys(ks))
		}
		if !isKnown(ks, newFP) {
			ks = append(ks, KnownKey{Fingerprint: newFP, Since: now, EndorsedBy: oldFP})
		}
		if err := putKnownKeys(tx, unit, ks); err != nil {
			return err
		}
		stored = true
		return putNotice(tx, digest, envelope, forward, now)
	})
	return stored, err
}

// KnownKeys lists the keys known to be unit's own, oldest first.
func (s *Store) KnownKeys(unit string) ([]KnownKey, error) {
	var ks []KnownKey
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		ks, err = knownKeys(tx, unit)
		return err
	})
	return ks, err
}
