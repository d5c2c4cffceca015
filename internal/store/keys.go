package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/trust"
)

func knownKeys(tx *bolt.Tx, unit string) ([]trust.KnownKey, error) {
	raw := tx.Bucket(bucketKeys).Get([]byte(unit))
	if raw == nil {
		return nil, nil
	}
	ks, err := decodeKnownKeys(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: keys of %s: %v", ErrCorrupt, unit, err)
	}
	return ks, nil
}

func putKnownKeys(tx *bolt.Tx, unit string, ks []trust.KnownKey) error {
	raw, err := encodeKnownKeys(ks)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).Put([]byte(unit), raw)
}

// checkSigner applies key continuity (trust.AdmitSigner) to a report
// signed by fp for unit, and keeps a key learnt.
func checkSigner(tx *bolt.Tx, unit, fp string, now time.Time) error {
	ks, err := knownKeys(tx, unit)
	if err != nil {
		return err
	}
	ks, learnt, err := trust.AdmitSigner(ks, unit, fp, now)
	if err != nil || !learnt {
		return err
	}
	return putKnownKeys(tx, unit, ks)
}

// PutKeyEndorsement records that the key with fingerprint newFP is unit's,
// on the word of the key oldFP, which must be a known key of unit (or the
// unit's keys are not known yet, and both are learnt). It keeps the signed
// endorsement and queues it for the parent if forward (see trust.Endorse). An endorsement stored
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
		if ks, err = trust.Endorse(ks, unit, oldFP, newFP, now); err != nil {
			return err
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
func (s *Store) KnownKeys(unit string) ([]trust.KnownKey, error) {
	var ks []trust.KnownKey
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		ks, err = knownKeys(tx, unit)
		return err
	})
	return ks, err
}
