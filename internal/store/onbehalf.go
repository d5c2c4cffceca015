package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrOwnReportStored means a report entered on a unit's behalf after the
// unit signed its own: the unit's own revision is never superseded by one
// entered for it.
var ErrOwnReportStored = errors.New("store: the unit has signed its own report")

// checkOnBehalf refuses a revision entered on the unit's behalf when the
// latest stored revision (have, 0 for none) is the unit's own. A revision
// the unit signs itself after ones entered for it supersedes them as any
// newer revision does.
func checkOnBehalf(subs *bolt.Bucket, r Submission, have uint64) error {
	if r.EnteredBy == "" || have == 0 {
		return nil
	}
	var prev Submission
	if err := decodeSubmission(subs.Get(submissionKey(r.Unit, r.DataSet, r.Period, have)), &prev); err != nil {
		return fmt.Errorf("%w: submission %s %s %s revision %d: %v", ErrCorrupt, r.Unit, r.DataSet, r.Period, have, err)
	}
	if prev.EnteredBy == "" {
		return fmt.Errorf("%w: %s signed revision %d of %s %s itself; revision %d entered on its behalf by %s is refused",
			ErrOwnReportStored, r.Unit, have, r.DataSet, r.Period, r.Revision, r.EnteredBy)
	}
	return nil
}

// LatestRevision returns the latest stored revision of a unit's report, 0
// when there is none.
func (s *Store) LatestRevision(unit, dataSet, periodCode string) (uint64, error) {
	var rev uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		rev = latest(tx.Bucket(bucketSubmissions), unit, dataSet, periodCode)
		return nil
	})
	return rev, err
}

// PutHistory stores a node's own reports as its parent holds them, those
// entered on its behalf among them, when it starts running: they are
// already above, so they are marked delivered and not queued, and the
// newest replaces the unit's figures in the roll-ups as any report does. A
// report already held is left as it is.
func (s *Store) PutHistory(items []Incoming) (stored int, err error) {
	now := s.now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, it := range items {
			r := it.Record
			r.ReceivedAt = now
			res, err := putSubmission(tx, r, it.KeyOwner, it.Envelope, false, now)
			if err != nil {
				return err
			}
			if res.Outcome != Stored {
				continue
			}
			if err := setForward(tx, Delivery{Digest: r.Digest, Done: Delivered}); err != nil {
				return err
			}
			if err := applyReport(tx, r.Unit, r.DataSet, r.Period, it.Values); err != nil {
				return err
			}
			stored++
		}
		return nil
	})
	return stored, err
}

// PutSubmissionsAll stores verified envelopes in one transaction, all or
// none: when one is not stored (a duplicate, a stale revision, a revision
// entered on behalf of a unit that signed its own), nothing is, and the
// error is a *BatchError naming it.
func (s *Store) PutSubmissionsAll(items []Incoming, forward bool) error {
	_, err := s.putSubmissions(items, forward, true)
	return err
}

// BatchError names the envelope of a batch that was not stored, and why;
// none of the batch was.
type BatchError struct {
	Index int
	Err   error // nil for a duplicate
}

func (e *BatchError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("store: envelope %d of the batch is already stored; none of the batch was stored", e.Index)
	}
	return fmt.Sprintf("envelope %d of the batch: %v; none of the batch was stored", e.Index, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
