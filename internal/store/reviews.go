package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/review"
)

func reviewKey(unit, dataSet, periodCode string) []byte {
	return joinKey(unit, dataSet, periodCode)
}

func getReview(b *bolt.Bucket, key []byte) (review.Review, bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return review.Review{}, false, nil
	}
	r, err := decodeReview(raw)
	if err != nil {
		return review.Review{}, false, fmt.Errorf("%w: review %q: %v", ErrCorrupt, key, err)
	}
	return r, true, nil
}

func putReview(b *bolt.Bucket, r review.Review) error {
	return putJSON(b, reviewKey(r.Unit, r.DataSet, r.Period), reviewRecordOf(r))
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

func logReviewEvent(tx *bolt.Tx, e review.Event) error {
	b := tx.Bucket(bucketReviewEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), reviewEventRecordOf(e))
}

// lockedForReview refuses a revision of a report its parent (this node)
// has accepted (see review.Locked).
func lockedForReview(tx *bolt.Tx, r Submission) error {
	rev, _, err := getReview(tx.Bucket(bucketReviews), reviewKey(r.Unit, r.DataSet, r.Period))
	if err != nil {
		return err
	}
	return review.Locked(rev, revisionOf(r))
}

// receivedForReview records the arrival of a child's revision (see
// review.Arrive).
func receivedForReview(tx *bolt.Tx, r Submission, now time.Time) error {
	b := tx.Bucket(bucketReviews)
	rev, _, err := getReview(b, reviewKey(r.Unit, r.DataSet, r.Period))
	if err != nil {
		return err
	}
	rev, e := review.Arrive(rev, revisionOf(r), now)
	if err := putReview(b, rev); err != nil {
		return err
	}
	return logReviewEvent(tx, e)
}

func revisionOf(r Submission) review.Revision {
	return review.Revision{Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, Revision: r.Revision, Digest: r.Digest, Signer: r.Signer}
}

// ReviewReport applies a parent's action to a child's report (see
// review.Apply): Accept names the revision by digest, which must be the
// latest; Return and Reopen carry the reason. The change and its event are
// written in one transaction.
func (s *Store) ReviewReport(unit, dataSet, periodCode string, action review.Action, digest, reason, by string) (review.Review, error) {
	var out review.Review
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReviews)
		rev, ok, err := getReview(b, reviewKey(unit, dataSet, periodCode))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("report of %s for %s %s: %w: nothing received from the unit", unit, dataSet, periodCode, ErrNotFound)
		}
		rev, e, err := review.Apply(rev, action, digest, reason, by, now)
		if err != nil {
			return err
		}
		if err := putReview(b, rev); err != nil {
			return err
		}
		out = rev
		return logReviewEvent(tx, e)
	})
	return out, err
}

// Reviews lists the review records of a data set and period (empty: all)
// for which keep returns true (nil: all).
func (s *Store) Reviews(dataSet, periodCode string, keep func(unit string) bool) ([]review.Review, error) {
	return s.reviews(bucketReviews, dataSet, periodCode, keep)
}

// ParentReviews lists what the parent said of this node's own reports, as
// last fetched.
func (s *Store) ParentReviews() ([]review.Review, error) {
	return s.reviews(bucketParentReviews, "", "", nil)
}

func (s *Store) reviews(bucket []byte, dataSet, periodCode string, keep func(string) bool) ([]review.Review, error) {
	var out []review.Review
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, raw []byte) error {
			r, err := decodeReview(raw)
			if err != nil {
				return fmt.Errorf("%w: review %q: %v", ErrCorrupt, k, err)
			}
			if (dataSet == "" || r.DataSet == dataSet) && (periodCode == "" || r.Period == periodCode) && (keep == nil || keep(r.Unit)) {
				out = append(out, r)
			}
			return nil
		})
	})
	return out, err
}

// ReplaceParentReviews keeps what the parent sent of this node's reports.
func (s *Store) ReplaceParentReviews(rs []review.Review) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketParentReviews); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketParentReviews)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := putReview(b, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReviewEvents lists review events in order, for which keep returns true
// (nil: all).
func (s *Store) ReviewEvents(keep func(review.Event) bool) ([]review.Event, error) {
	var out []review.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReviewEvents).ForEach(func(k, raw []byte) error {
			e, err := decodeReviewEvent(raw)
			if err != nil {
				return fmt.Errorf("%w: review event %x: %v", ErrCorrupt, k, err)
			}
			if keep == nil || keep(e) {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}

// Progress is where one unit's report of a data set and period stands at
// this node: its first and latest revisions (nil when none arrived) and,
// for a child, its review.
type Progress struct {
	First, Latest *Submission
	Review        *review.Review
}

// ReportProgress returns the progress of each unit's report.
func (s *Store) ReportProgress(dataSet, periodCode string, units []string) (map[string]Progress, error) {
	out := make(map[string]Progress, len(units))
	err := s.db.View(func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubmissions)
		reviews := tx.Bucket(bucketReviews)
		c := subs.Cursor()
		for _, u := range units {
			var p Progress
			prefix := reportPrefix(u, dataSet, periodCode)
			k, raw := c.Seek(prefix)
			if k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8 {
				var first Submission
				if err := decodeSubmission(raw, &first); err != nil {
					return fmt.Errorf("%w: submission %q: %v", ErrCorrupt, k, err)
				}
				p.First = &first
				last := first
				if rev := latest(subs, u, dataSet, periodCode); rev != first.Revision {
					lk := submissionKey(u, dataSet, periodCode, rev)
					if err := decodeSubmission(subs.Get(lk), &last); err != nil {
						return fmt.Errorf("%w: submission %q: %v", ErrCorrupt, lk, err)
					}
				}
				p.Latest = &last
			}
			if r, ok, err := getReview(reviews, reviewKey(u, dataSet, periodCode)); err != nil {
				return err
			} else if ok {
				p.Review = &r
			}
			out[u] = p
		}
		return nil
	})
	return out, err
}

// acceptedChildren lists the revisions this node accepted of its children's
// reports of a data set and period, for its own submission to say.
func acceptedChildren(tx *bolt.Tx, dataSet, periodCode string) ([]review.Review, error) {
	var out []review.Review
	err := tx.Bucket(bucketReviews).ForEach(func(k, raw []byte) error {
		r, err := decodeReview(raw)
		if err != nil {
			return fmt.Errorf("%w: review %q: %v", ErrCorrupt, k, err)
		}
		if r.DataSet == dataSet && r.Period == periodCode && r.State == review.Accepted {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// reviewsFromReports gives the latest stored report of every direct child
// a review, submitted, as if it had just arrived: the migration to schema
// version 7, for reports received before sign-off existed.
func reviewsFromReports(tx *bolt.Tx) error {
	self := string(tx.Bucket(bucketMeta).Get(keyUnitCode))
	if self == "" {
		return nil
	}
	units, err := readUnits(tx.Bucket(bucketUnits))
	if err != nil {
		return err
	}
	parent := make(map[string]string, len(units))
	for _, u := range units {
		parent[u.Code] = u.Parent
	}
	reviews := tx.Bucket(bucketReviews)
	var last *Submission
	flush := func() error {
		if last == nil || parent[last.Unit] != self {
			return nil
		}
		r := *last
		return putReview(reviews, review.Review{
			Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, State: review.Submitted,
			Revision: r.Revision, Digest: r.Digest, UpdatedAt: r.ReceivedAt, UpdatedBy: r.Signer,
		})
	}
	// A report's revisions are adjacent in key order, the latest last.
	c := tx.Bucket(bucketSubmissions).Cursor()
	for k, raw := c.First(); k != nil; k, raw = c.Next() {
		var r Submission
		if err := decodeSubmission(raw, &r); err != nil {
			return fmt.Errorf("%w: submission %q: %v", ErrCorrupt, k, err)
		}
		if last != nil && (last.Unit != r.Unit || last.DataSet != r.DataSet || last.Period != r.Period) {
			if err := flush(); err != nil {
				return err
			}
		}
		last = &r
	}
	return flush()
}
