package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OutboxEntry is one envelope waiting for the parent's receipt.
type OutboxEntry struct {
	Seq       uint64    `json:"-"`
	Digest    string    `json:"digest"`
	QueuedAt  time.Time `json:"queued_at"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	// FirstReceipt is the proof of time that travels up with a report
	// (Submission.FirstReceipt), read with the entry; nil for the node's
	// own reports and for notices.
	FirstReceipt []byte `json:"-"`
}

// enqueue appends a digest to the outbox, behind everything queued before.
func enqueue(tx *bolt.Tx, digest string, now time.Time) error {
	b := tx.Bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(OutboxEntry{Digest: digest, QueuedAt: now})
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), raw)
}

// Outbox returns up to limit entries (0: all) in delivery order, with their
// envelopes.
func (s *Store) Outbox(limit int) ([]OutboxEntry, [][]byte, error) {
	var (
		entries []OutboxEntry
		envs    [][]byte
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		envelopes := tx.Bucket(bucketEnvelopes)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			var e OutboxEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("%w: outbox entry: %v", ErrCorrupt, err)
			}
			e.Seq = binary.BigEndian.Uint64(k)
			env := envelopes.Get([]byte(e.Digest))
			if env == nil {
				return fmt.Errorf("%w: outbox entry %d names missing envelope %s", ErrCorrupt, e.Seq, e.Digest)
			}
			receipt, err := firstReceipt(tx, e.Digest)
			if err != nil {
				return err
			}
			e.FirstReceipt = receipt
			entries = append(entries, e)
			envs = append(envs, append([]byte(nil), env...))
			if limit > 0 && len(entries) == limit {
				break
			}
		}
		return nil
	})
	return entries, envs, err
}

// firstReceipt returns the stored proof of time of the submission with
// digest; nil for a notice, which has no submission record.
func firstReceipt(tx *bolt.Tx, digest string) ([]byte, error) {
	key := tx.Bucket(bucketDigests).Get([]byte(digest))
	if key == nil {
		return nil, nil
	}
	var r Submission
	if err := decodeSubmission(tx.Bucket(bucketSubmissions).Get(key), &r); err != nil {
		return nil, fmt.Errorf("%w: submission %s: %v", ErrCorrupt, digest, err)
	}
	return r.FirstReceipt, nil
}

// OutboxLen counts the entries waiting.
func (s *Store) OutboxLen() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// Delivery is what became of one outbox entry at the parent.
type Delivery struct {
	Seq    uint64
	Digest string
	// Done: Delivered (Receipt set) or Rejected (Code, Error set) removes the
	// entry; zero keeps it for another attempt, recording Error.
	Done    ForwardState
	Receipt []byte
	Code    int32
	Error   string
}

// CompleteDeliveries records the parent's answers in one transaction:
// delivered and rejected entries leave the outbox and their submission
// records say so; the others count an attempt.
func (s *Store) CompleteDeliveries(ds []Delivery) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		outbox := tx.Bucket(bucketOutbox)
		for _, d := range ds {
			key := binary.BigEndian.AppendUint64(nil, d.Seq)
			raw := outbox.Get(key)
			if raw == nil {
				continue // already completed by an earlier answer
			}
			if d.Done == 0 {
				var e OutboxEntry
				if err := json.Unmarshal(raw, &e); err != nil {
					return fmt.Errorf("%w: outbox entry: %v", ErrCorrupt, err)
				}
				e.Attempts++
				e.LastError = d.Error
				upd, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if err := outbox.Put(key, upd); err != nil {
					return err
				}
				continue
			}
			if err := outbox.Delete(key); err != nil {
				return err
			}
			if err := setForward(tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// setForward updates the submission record of a delivered or rejected
// envelope. Notices (revocations) have no submission record.
func setForward(tx *bolt.Tx, d Delivery) error {
	key := tx.Bucket(bucketDigests).Get([]byte(d.Digest))
	if key == nil {
		return nil
	}
	subs := tx.Bucket(bucketSubmissions)
	var r Submission
	if err := decodeSubmission(subs.Get(key), &r); err != nil {
		return fmt.Errorf("%w: submission %s: %v", ErrCorrupt, d.Digest, err)
	}
	r.Forward, r.Receipt, r.ForwardCode, r.ForwardError = d.Done, d.Receipt, d.Code, d.Error
	raw, err := encodeSubmission(r)
	if err != nil {
		return err
	}
	return subs.Put(key, raw)
}

// ErrNotRejected means a requeue of a submission the parent did not refuse.
var ErrNotRejected = errors.New("store: submission was not refused by the parent")

// Requeue puts a refused submission back into the outbox, behind everything
// queued.
func (s *Store) Requeue(digest string) (Submission, error) {
	var r Submission
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketDigests).Get([]byte(digest))
		if key == nil {
			return fmt.Errorf("submission %s: %w", digest, ErrNotFound)
		}
		subs := tx.Bucket(bucketSubmissions)
		if err := decodeSubmission(subs.Get(key), &r); err != nil {
			return fmt.Errorf("%w: submission %s: %v", ErrCorrupt, digest, err)
		}
		if r.Forward != Rejected {
			return fmt.Errorf("submission %s: %w", digest, ErrNotRejected)
		}
		r.Forward, r.ForwardCode, r.ForwardError = Queued, 0, ""
		raw, err := encodeSubmission(r)
		if err != nil {
			return err
		}
		if err := subs.Put(key, raw); err != nil {
			return err
		}
		return enqueue(tx, digest, now)
	})
	return r, err
}
