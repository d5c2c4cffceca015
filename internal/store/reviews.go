package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ReviewState is where a child's report stands with its parent.
type ReviewState int

// Review states. A report is submitted when a revision arrives; the parent
// accepts it (locking that revision) or returns it with a comment; a
// returned report is revised and arrives again; only the parent reopens an
// accepted one, with a reason, after which a new revision may arrive.
const (
	ReviewSubmitted ReviewState = iota + 1
	ReviewAccepted
	ReviewReturned
	ReviewReopened
)

func (s ReviewState) String() string {
	switch s {
	case ReviewSubmitted:
		return "submitted"
	case ReviewAccepted:
		return "accepted"
	case ReviewReturned:
		return "returned"
	case ReviewReopened:
		return "reopened"
	case 0:
		return "none"
	}
	return "unknown"
}

// ReviewAction is what a parent does to a child's report.
type ReviewAction int

// Review actions.
const (
	Accept ReviewAction = iota + 1
	Return
	Reopen
)

func (a ReviewAction) String() string {
	switch a {
	case Accept:
		return "accept"
	case Return:
		return "return"
	case Reopen:
		return "reopen"
	}
	return "unknown"
}

var (
	// ErrReportAccepted means a revision arrived for a report its parent
	// has accepted: only the parent can reopen it.
	ErrReportAccepted = errors.New("store: the report is accepted and locked")
	// ErrReviewState means an action the report's state does not allow.
	ErrReviewState = errors.New("store: not allowed in the report's review state")
	// ErrNotLatest means an acceptance of a revision that is not the latest.
	ErrNotLatest = errors.New("store: not the latest revision")
)

// Review is the sign-off state of one child's report at its parent.
type Review struct {
	Unit     string      `json:"unit"`
	DataSet  string      `json:"data_set"`
	Period   string      `json:"period"`
	State    ReviewState `json:"state"`
	Revision uint64      `json:"revision"` // the latest revision received
	Digest   string      `json:"digest"`
	// AcceptedRevision and AcceptedDigest name the revision accepted last,
	// kept through a reopening until another is accepted.
	AcceptedRevision uint64    `json:"accepted_revision,omitempty"`
	AcceptedDigest   string    `json:"accepted_digest,omitempty"`
	Comment          string    `json:"comment,omitempty"` // of the last return or reopening
	UpdatedAt        time.Time `json:"updated_at"`
	UpdatedBy        string    `json:"updated_by,omitempty"`
}

// ReviewEvent is one change of a report's review state: who, when, what,
// why. Events are kept for good, in order.
type ReviewEvent struct {
	Seq      uint64      `json:"seq"`
	At       time.Time   `json:"at"`
	By       string      `json:"by,omitempty"`
	Unit     string      `json:"unit"`
	DataSet  string      `json:"data_set"`
	Period   string      `json:"period"`
	Action   string      `json:"action"` // received, accept, return, reopen
	Revision uint64      `json:"revision"`
	Digest   string      `json:"digest,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	From     ReviewState `json:"from,omitempty"` // 0 for a first arrival
	To       ReviewState `json:"to"`
}

// next is the review state machine: the state after action from r, or an
// error wrapping ErrReviewState or ErrNotLatest.
func next(r Review, action ReviewAction, digest string) (ReviewState, error) {
	switch action {
	case Accept:
		if r.State != ReviewSubmitted && r.State != ReviewReopened {
			return 0, fmt.Errorf("%w: %s cannot be accepted (it is %s)", ErrReviewState, r.label(), r.State)
		}
		if r.State == ReviewReopened && r.Revision == r.AcceptedRevision {
			return 0, fmt.Errorf("%w: %s was reopened and no new revision has arrived; it is revision %d", ErrReviewState, r.label(), r.Revision)
		}
		if digest != r.Digest {
			return 0, fmt.Errorf("%w: %s is at revision %d (%s), not %s", ErrNotLatest, r.label(), r.Revision, r.Digest, digest)
		}
		return ReviewAccepted, nil
	case Return:
		if r.State != ReviewSubmitted && r.State != ReviewReopened {
			return 0, fmt.Errorf("%w: %s cannot be returned (it is %s)", ErrReviewState, r.label(), r.State)
		}
		return ReviewReturned, nil
	case Reopen:
		if r.State != ReviewAccepted {
			return 0, fmt.Errorf("%w: %s cannot be reopened (it is %s, not accepted)", ErrReviewState, r.label(), r.State)
		}
		return ReviewReopened, nil
	}
	return 0, fmt.Errorf("%w: unknown action %d", ErrReviewState, action)
}

func (r Review) label() string {
	return fmt.Sprintf("the report of %s for %s %s", r.Unit, r.DataSet, r.Period)
}

func reviewKey(unit, dataSet, periodCode string) []byte {
	return joinKey(unit, dataSet, periodCode)
}

func getReview(b *bolt.Bucket, key []byte) (Review, bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return Review{}, false, nil
	}
	var r Review
	if err := json.Unmarshal(raw, &r); err != nil {
		return Review{}, false, fmt.Errorf("%w: review %q: %v", ErrCorrupt, key, err)
	}
	return r, true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

func logReviewEvent(tx *bolt.Tx, e ReviewEvent) error {
	b := tx.Bucket(bucketReviewEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), e)
}

// lockedForReview refuses a revision of a report its parent (this node)
// has accepted.
func lockedForReview(tx *bolt.Tx, r Submission) error {
	rev, ok, err := getReview(tx.Bucket(bucketReviews), reviewKey(r.Unit, r.DataSet, r.Period))
	// An older revision is refused as stale, which says more.
	if err != nil || !ok || rev.State != ReviewAccepted || r.Revision <= rev.Revision {
		return err
	}
	return fmt.Errorf("%w: %s was accepted at revision %d; revision %d needs the parent to reopen it first",
		ErrReportAccepted, rev.label(), rev.AcceptedRevision, r.Revision)
}

// receivedForReview records the arrival of a child's revision: the report
// is submitted again, whatever it was (the caller has refused it when
// accepted).
func receivedForReview(tx *bolt.Tx, r Submission, now time.Time) error {
	b := tx.Bucket(bucketReviews)
	key := reviewKey(r.Unit, r.DataSet, r.Period)
	rev, _, err := getReview(b, key)
	if err != nil {
		return err
	}
	from := rev.State
	rev.Unit, rev.DataSet, rev.Period = r.Unit, r.DataSet, r.Period
	rev.State, rev.Revision, rev.Digest = ReviewSubmitted, r.Revision, r.Digest
	rev.UpdatedAt, rev.UpdatedBy = now, r.Signer
	if err := putJSON(b, key, rev); err != nil {
		return err
	}
	return logReviewEvent(tx, ReviewEvent{At: now, By: r.Signer, Unit: r.Unit, DataSet: r.DataSet, Period: r.Period,
		Action: "received", Revision: r.Revision, Digest: r.Digest, From: from, To: ReviewSubmitted})
}

// ReviewReport applies a parent's action to a child's report: Accept names
// the revision by digest, which must be the latest; Return and Reopen carry
// the reason. The change and its event are written in one transaction.
func (s *Store) ReviewReport(unit, dataSet, periodCode string, action ReviewAction, digest, reason, by string) (Review, error) {
	var out Review
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReviews)
		key := reviewKey(unit, dataSet, periodCode)
		rev, ok, err := getReview(b, key)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("report of %s for %s %s: %w: nothing received from the unit", unit, dataSet, periodCode, ErrNotFound)
		}
		to, err := next(rev, action, digest)
		if err != nil {
			return err
		}
		from := rev.State
		rev.State, rev.UpdatedAt, rev.UpdatedBy = to, now, by
		switch action {
		case Accept:
			rev.AcceptedRevision, rev.AcceptedDigest, rev.Comment = rev.Revision, rev.Digest, ""
		default:
			rev.Comment = reason
		}
		if err := putJSON(b, key, rev); err != nil {
			return err
		}
		out = rev
		return logReviewEvent(tx, ReviewEvent{At: now, By: by, Unit: unit, DataSet: dataSet, Period: periodCode,
			Action: action.String(), Revision: rev.Revision, Digest: rev.Digest, Reason: reason, From: from, To: to})
	})
	return out, err
}

// Reviews lists the review records of a data set and period (empty: all)
// for which keep returns true (nil: all).
func (s *Store) Reviews(dataSet, periodCode string, keep func(unit string) bool) ([]Review, error) {
	return s.reviews(bucketReviews, dataSet, periodCode, keep)
}

// ParentReviews lists what the parent said of this node's own reports, as
// last fetched.
func (s *Store) ParentReviews() ([]Review, error) {
	return s.reviews(bucketParentReviews, "", "", nil)
}

func (s *Store) reviews(bucket []byte, dataSet, periodCode string, keep func(string) bool) ([]Review, error) {
	var out []Review
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, raw []byte) error {
			var r Review
			if err := json.Unmarshal(raw, &r); err != nil {
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
func (s *Store) ReplaceParentReviews(rs []Review) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketParentReviews); err != nil {
			return err
		}
		b, err := tx.CreateBucket(bucketParentReviews)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := putJSON(b, reviewKey(r.Unit, r.DataSet, r.Period), r); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReviewEvents lists review events in order, for which keep returns true
// (nil: all).
func (s *Store) ReviewEvents(keep func(ReviewEvent) bool) ([]ReviewEvent, error) {
	var out []ReviewEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReviewEvents).ForEach(func(k, raw []byte) error {
			var e ReviewEvent
			if err := json.Unmarshal(raw, &e); err != nil {
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
	Review        *Review
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
func acceptedChildren(tx *bolt.Tx, dataSet, periodCode string) ([]Review, error) {
	var out []Review
	err := tx.Bucket(bucketReviews).ForEach(func(k, raw []byte) error {
		var r Review
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%w: review %q: %v", ErrCorrupt, k, err)
		}
		if r.DataSet == dataSet && r.Period == periodCode && r.State == ReviewAccepted {
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
		return putJSON(reviews, reviewKey(r.Unit, r.DataSet, r.Period), Review{
			Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, State: ReviewSubmitted,
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
