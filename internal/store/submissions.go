package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/review"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/trust"
)

// ForwardState is where a stored submission stands with the parent.
type ForwardState int

// Forward states; the zero value is invalid.
const (
	// Queued: in the outbox, no receipt yet.
	Queued ForwardState = iota + 1
	// Delivered: the parent's verified receipt is stored.
	Delivered
	// Rejected: the parent refused it for good.
	Rejected
	// Root: this node has no parent.
	Root
)

var (
	// ErrStale means a revision older than (or as old as) a stored one: an
	// older revision never replaces a newer one.
	ErrStale = errors.New("store: a newer or equal revision is stored")
	// ErrRevisionJump means a revision more than MaxRevisionStep past the
	// stored latest (or past 0).
	ErrRevisionJump = errors.New("store: revision too far past the stored one")
)

// Submission is the stored record of one signed revision of a report.
type Submission struct {
	Digest                string
	Unit, DataSet, Period string
	Revision              uint64
	CatalogVersion        string
	SignedAt, ReceivedAt  time.Time
	// Signer is the signer's unit path, root first, joined by "/".
	Signer            string
	SignerFingerprint string
	ValueCount        int
	SectionCount      int

	Forward      ForwardState
	ForwardCode  int32  // gRPC code of the parent's refusal, for Rejected
	ForwardError string // and its message
	Receipt      []byte // the parent's signed receipt, for Delivered

	// Violations are the validation rules the report breaks, as judged
	// by this node when it stored it.
	Violations []Violation
	// Overrides are the errors the signer submitted anyway, with reasons,
	// and Accepted the children's revisions it accepted, as the signed
	// payload states them.
	Overrides []Override
	Accepted  []Acceptance
	// EnteredBy names the unit above that entered and signed the report on
	// the unit's behalf; empty for the unit's own report.
	EnteredBy string

	// FirstReceipt is the receipt the unit's parent signed when it
	// received the report, exactly as signed: the proof of when the report
	// reached the level above, which travels up with it. FirstReceivedAt
	// is the time it states or, for a report entered on the unit's behalf,
	// its signing time, the entering unit's own word. Both are empty for a
	// report whose proof this node does not hold (see Received).
	FirstReceipt    []byte
	FirstReceivedAt time.Time
}

// Received is when the report reached the level above its unit, as far as
// this node can vouch for it: the time its proof states, else when this
// node received it itself, which is never earlier than the truth. Lateness
// is judged by it, never by the signer's own clock.
func (s Submission) Received() time.Time {
	if !s.FirstReceivedAt.IsZero() {
		return s.FirstReceivedAt
	}
	return s.ReceivedAt
}

// Violation is a rule a stored report breaks, with the values of both
// sides as decimal strings.
type Violation struct {
	Rule        string
	Importance  string // "error" or "warning"
	Op          string // "==", "<=", or "vs" (a copy, an outlier)
	Message     string
	MessageEN   string
	Left, Right string
}

// Override is a validation error submitted anyway, and why.
type Override struct {
	Rule, Reason string
}

// Acceptance names a child's revision this node accepted.
type Acceptance struct {
	Unit     string
	Revision uint64
	Digest   string
}

func submissionKey(unit, dataSet, periodCode string, rev uint64) []byte {
	k := joinKey(unit, dataSet, periodCode, "")
	return binary.BigEndian.AppendUint64(k, rev)
}

func reportPrefix(unit, dataSet, periodCode string) []byte {
	return joinKey(unit, dataSet, periodCode, "")
}

// latest returns the latest stored revision of a report, 0 if none.
func latest(b *bolt.Bucket, unit, dataSet, periodCode string) uint64 {
	prefix := reportPrefix(unit, dataSet, periodCode)
	highest := binary.BigEndian.AppendUint64(bytes.Clone(prefix), math.MaxUint64)
	c := b.Cursor()
	k, _ := c.Seek(highest)
	switch {
	case k == nil:
		k, _ = c.Last()
	case !bytes.Equal(k, highest):
		k, _ = c.Prev()
	}
	if len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) {
		return 0
	}
	return binary.BigEndian.Uint64(k[len(prefix):])
}

// Incoming is a verified envelope to store, with its record and the values
// it carries (which roll up).
type Incoming struct {
	Record   Submission
	Envelope []byte
	Values   []Value
	// Child says the report is a direct child's: it is refused once
	// accepted, and its arrival changes its review.
	Child bool
	// KeyOwner names whose keys may sign the report, for key continuity:
	// the unit as identified by its code and validity ("03390@2025-07-01"
	// for the commune that took over the code on that day), so that a
	// reused code starts a new line of keys. Empty means Record.Unit.
	KeyOwner string
}

// Outcome is what storing an incoming envelope did.
type Outcome int

// Outcomes of PutSubmissions.
const (
	// Stored: stored now (and queued for the parent if forwarding).
	Stored Outcome = iota + 1
	// Duplicate: the same envelope was stored before; nothing changed.
	Duplicate
	// Refused: not stored; the result's Err says why.
	Refused
)

// Result is the outcome of one incoming envelope.
type Result struct {
	Outcome Outcome
	Err     error
}

// MaxRevisionStep bounds how far one report's revision may move past the
// latest one stored. A unit numbers its revisions 1, 2, 3…, and some may
// never arrive (superseded while queued); a jump of thousands is no unit's.
const MaxRevisionStep = 1000

// PutSubmissions stores verified envelopes in one transaction, each on its
// own terms: an envelope already stored is a Duplicate; a revision not newer
// than the stored latest is Refused with ErrStale; the others are Stored
// and, if forward, queued for the parent behind everything already queued.
// When PutSubmissions returns without error, every Stored one is durable.
func (s *Store) PutSubmissions(items []Incoming, forward bool) ([]Result, error) {
	return s.putSubmissions(items, forward, false)
}

// putSubmissions is PutSubmissions; all rolls the whole transaction back
// at the first envelope that is not Stored, with a *BatchError.
func (s *Store) putSubmissions(items []Incoming, forward, all bool) ([]Result, error) {
	results := make([]Result, len(items))
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		wrote := false
		for i, it := range items {
			r := it.Record
			r.ReceivedAt = now
			if it.Child && tx.Bucket(bucketDigests).Get([]byte(r.Digest)) == nil {
				if err := lockedForReview(tx, r); errors.Is(err, review.ErrLocked) {
					results[i] = Result{Outcome: Refused, Err: err}
					if all {
						return &BatchError{Index: i, Err: err}
					}
					continue
				} else if err != nil {
					return err
				}
			}
			res, err := putSubmission(tx, r, it.KeyOwner, it.Envelope, forward, now)
			if err != nil {
				return err
			}
			results[i] = res
			if all && res.Outcome != Stored {
				return &BatchError{Index: i, Err: res.Err}
			}
			if res.Outcome == Stored {
				wrote = true
				if it.Child {
					if err := receivedForReview(tx, r, now); err != nil {
						return err
					}
				}
				// The newest revision replaces the report's values in the
				// roll-ups of the unit and its ancestors, in this same
				// transaction.
				if err := applyReport(tx, r.Unit, r.DataSet, r.Period, it.Values); err != nil {
					return err
				}
			}
		}
		if !wrote {
			// Roll back: even an empty commit rewrites a meta page, and a
			// batch of duplicates and refusals must leave the file as it was.
			return errNothingWritten
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothingWritten) {
		return nil, err
	}
	return results, nil
}

// errNothingWritten rolls back a write transaction that changed nothing.
var errNothingWritten = errors.New("store: nothing written")

func putSubmission(tx *bolt.Tx, r Submission, keyOwner string, env []byte, forward bool, now time.Time) (Result, error) {
	digests := tx.Bucket(bucketDigests)
	if digests.Get([]byte(r.Digest)) != nil {
		return Result{Outcome: Duplicate}, nil
	}
	subs := tx.Bucket(bucketSubmissions)
	have := latest(subs, r.Unit, r.DataSet, r.Period)
	if have >= r.Revision {
		return Result{Outcome: Refused, Err: fmt.Errorf("%w: %s %s %s revision %d, stored %d", ErrStale, r.Unit, r.DataSet, r.Period, r.Revision, have)}, nil
	}
	if r.Revision-have > MaxRevisionStep {
		// Stored, it would make every later revision of the unit's own
		// stale until the numbers caught up: never, for 2^64−1.
		return Result{Outcome: Refused, Err: fmt.Errorf("%w: %s %s %s revision %d, stored %d", ErrRevisionJump, r.Unit, r.DataSet, r.Period, r.Revision, have)}, nil
	}
	if err := checkOnBehalf(subs, r, have); errors.Is(err, ErrOwnReportStored) {
		return Result{Outcome: Refused, Err: err}, nil
	} else if err != nil {
		return Result{}, err
	}
	if keyOwner == "" {
		keyOwner = r.Unit
	}
	if err := checkSigner(tx, keyOwner, r.SignerFingerprint, now); errors.Is(err, trust.ErrUnknownKey) {
		return Result{Outcome: Refused, Err: err}, nil
	} else if err != nil {
		return Result{}, err
	}
	if forward {
		r.Forward = Queued
	} else {
		r.Forward = Root
	}
	raw, err := encodeSubmission(r)
	if err != nil {
		return Result{}, err
	}
	key := submissionKey(r.Unit, r.DataSet, r.Period, r.Revision)
	if err := subs.Put(key, raw); err != nil {
		return Result{}, err
	}
	if err := digests.Put([]byte(r.Digest), key); err != nil {
		return Result{}, err
	}
	if err := tx.Bucket(bucketEnvelopes).Put([]byte(r.Digest), env); err != nil {
		return Result{}, err
	}
	if forward {
		if err := enqueue(tx, r.Digest, now); err != nil {
			return Result{}, err
		}
	}
	return Result{Outcome: Stored}, nil
}

// Snapshot is the node's own data of a report at one instant.
type Snapshot struct {
	Revision uint64 // the revision to sign: one more than the stored latest
	Values   []Value
	Sections []SectionText
	// Accepted are the children's revisions of the same report this node
	// has accepted, which its own report states.
	Accepted []Acceptance
	// Previous are the node's own values of the period before, which
	// validation compares with (nil when there are none).
	Previous []Value
}

// AppendOwn signs and stores the next revision of the node's own report in
// one transaction: it reads the values and sections as they are, asks sign
// for the envelope and its record, and stores both (queued for the parent if
// forward). Nothing can change the data between reading and signing.
func (s *Store) AppendOwn(unit, dataSet string, p period.Period, forward bool,
	sign func(Snapshot) (Submission, []byte, error)) (Submission, error) {
	var out Submission
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		snap := Snapshot{Revision: latest(tx.Bucket(bucketSubmissions), unit, dataSet, p.String()) + 1}
		var err error
		if snap.Values, err = readValues(tx, p); err != nil {
			return err
		}
		if snap.Sections, err = readSections(tx, dataSet, p); err != nil {
			return err
		}
		if snap.Previous, err = readValues(tx, p.Previous()); err != nil {
			return err
		}
		accepted, err := acceptedChildren(tx, dataSet, p.String())
		if err != nil {
			return err
		}
		for _, r := range accepted {
			snap.Accepted = append(snap.Accepted, Acceptance{Unit: r.Unit, Revision: r.AcceptedRevision, Digest: r.AcceptedDigest})
		}
		rec, env, err := sign(snap)
		if err != nil {
			return err
		}
		rec.ReceivedAt = now
		res, err := putSubmission(tx, rec, "", env, forward, now)
		if err != nil {
			return err
		}
		if res.Outcome != Stored {
			return fmt.Errorf("store: own submission %s not stored: %v", rec.Digest, res.Err)
		}
		out = rec
		if forward {
			out.Forward = Queued
		} else {
			out.Forward = Root
		}
		return nil
	})
	return out, err
}

// SubmissionFilter selects submissions; empty fields match all.
type SubmissionFilter struct {
	Unit            string
	Units           func(code string) bool // overrides Unit when set, e.g. a subtree
	DataSet, Period string
	Forward         ForwardState
	WithSuperseded  bool
}

// Submissions lists stored submissions in key order (unit, data set, period,
// revision), after the key cursor (nil: from the start), at most limit (0:
// all). It returns whether each is superseded by a newer revision, and the
// cursor of the last one for the next page.
func (s *Store) Submissions(f SubmissionFilter, after []byte, limit int) ([]Submission, []bool, []byte, error) {
	var (
		out        []Submission
		superseded []bool
		last       []byte
	)
	// A report's revisions are adjacent in key order, so a record is
	// superseded exactly when the next key belongs to the same report: each
	// record is decided when its successor is read.
	var (
		pending    *Submission
		pendingKey []byte
	)
	done := false
	decide := func(isSuperseded bool) {
		r := *pending
		pending = nil
		switch {
		case done:
		case f.Units != nil && !f.Units(r.Unit):
		case f.Units == nil && f.Unit != "" && r.Unit != f.Unit:
		case f.DataSet != "" && r.DataSet != f.DataSet:
		case f.Period != "" && r.Period != f.Period:
		case f.Forward != 0 && r.Forward != f.Forward:
		case isSuperseded && !f.WithSuperseded:
		default:
			out = append(out, r)
			superseded = append(superseded, isSuperseded)
			last = pendingKey
			done = limit > 0 && len(out) == limit
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSubmissions).Cursor()
		k, raw := c.First()
		if after != nil {
			k, raw = c.Seek(after)
			if k != nil && bytes.Equal(k, after) {
				k, raw = c.Next()
			}
		}
		for ; k != nil && !done; k, raw = c.Next() {
			var r Submission
			if err := decodeSubmission(raw, &r); err != nil {
				return fmt.Errorf("%w: submission %q: %v", ErrCorrupt, k, err)
			}
			if pending != nil {
				decide(pending.Unit == r.Unit && pending.DataSet == r.DataSet && pending.Period == r.Period)
			}
			pending, pendingKey = &r, bytes.Clone(k)
		}
		if pending != nil {
			decide(false)
		}
		return nil
	})
	return out, superseded, last, err
}

// Submission returns the record and envelope stored under digest, and
// whether a newer revision of the same report exists.
func (s *Store) Submission(digest string) (Submission, []byte, bool, error) {
	var (
		r          Submission
		env        []byte
		superseded bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketDigests).Get([]byte(digest))
		if key == nil {
			return fmt.Errorf("submission %s: %w", digest, ErrNotFound)
		}
		b := tx.Bucket(bucketSubmissions)
		if err := decodeSubmission(b.Get(key), &r); err != nil {
			return fmt.Errorf("%w: submission %s: %v", ErrCorrupt, digest, err)
		}
		superseded = latest(b, r.Unit, r.DataSet, r.Period) > r.Revision
		env = bytes.Clone(tx.Bucket(bucketEnvelopes).Get([]byte(digest)))
		return nil
	})
	return r, env, superseded, err
}

// Envelope returns the stored bytes of an envelope, submission or notice.
func (s *Store) Envelope(digest string) ([]byte, error) {
	var env []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		env = bytes.Clone(tx.Bucket(bucketEnvelopes).Get([]byte(digest)))
		if env == nil {
			return fmt.Errorf("envelope %s: %w", digest, ErrNotFound)
		}
		return nil
	})
	return env, err
}

func readValues(tx *bolt.Tx, p period.Period) ([]Value, error) {
	var out []Value
	prefix := joinKey(p.String(), "")
	c := tx.Bucket(bucketValues).Cursor()
	for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
		parts, err := splitKey(k, 3)
		if err != nil {
			return nil, err
		}
		count, updated, err := decodeValue(raw)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", k, err)
		}
		out = append(out, Value{Element: parts[1], Option: parts[2], Count: count, UpdatedAt: updated})
	}
	return out, nil
}

func readSections(tx *bolt.Tx, dataSet string, p period.Period) ([]SectionText, error) {
	var out []SectionText
	prefix := joinKey(dataSet, p.String(), "")
	c := tx.Bucket(bucketSections).Cursor()
	for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
		parts, err := splitKey(k, 3)
		if err != nil {
			return nil, err
		}
		text, updated, err := decodeText(raw)
		if err != nil {
			return nil, fmt.Errorf("section %q: %w", k, err)
		}
		out = append(out, SectionText{Code: parts[2], Text: text, UpdatedAt: updated})
	}
	return out, nil
}
