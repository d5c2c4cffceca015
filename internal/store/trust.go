package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// ErrTokenInvalid means an enrolment token is unknown, used or expired.
	// One error for all three, so a guesser learns nothing.
	ErrTokenInvalid = errors.New("store: enrolment token is not valid")
)

// Token is the record of an enrolment token; only the hash of its secret
// is stored.
type Token struct {
	Unit      string    `json:"unit"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Issued is a certificate this node issued to a child.
type Issued struct {
	Serial      string    `json:"serial"`
	Unit        string    `json:"unit"`
	Fingerprint string    `json:"fingerprint"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	DER         []byte    `json:"der"`
	RevokedAt   time.Time `json:"revoked_at,omitzero"`
	Reason      string    `json:"reason,omitempty"`
}

// Revocation is a revoked certificate, revoked here or relayed from below.
// It is keyed by the certificate's fingerprint.
type Revocation struct {
	Fingerprint       string    `json:"fingerprint"`
	Serial            string    `json:"serial"`
	Unit              string    `json:"unit"`
	IssuerFingerprint string    `json:"issuer_fingerprint"`
	Reason            string    `json:"reason,omitempty"`
	RevokedAt         time.Time `json:"revoked_at"`
	// Notice is the digest of the signed notice that carries it (kept in
	// the envelopes), which is served down to the children; empty in
	// records from before notices flowed down.
	Notice string `json:"notice,omitempty"`
}

// PutToken stores a new enrolment token under the hash of its secret.
func (s *Store) PutToken(hash string, t Token) error {
	return s.PutTokens(map[string]Token{hash: t})
}

// PutTokens stores new enrolment tokens, keyed by the hashes of their
// secrets, in one transaction: all or none.
func (s *Store) PutTokens(tokens map[string]Token) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for hash, t := range tokens {
			raw, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketTokens).Put([]byte(hash), raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// PendingTokens counts the unexpired tokens per unit.
func (s *Store) PendingTokens(now time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(_, raw []byte) error {
			var t Token
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("%w: token: %v", ErrCorrupt, err)
			}
			if now.Before(t.ExpiresAt) {
				out[t.Unit]++
			}
			return nil
		})
	})
	return out, err
}

// Enroll spends a token: in one transaction it checks the token, asks issue
// for the child's certificate, records it and deletes the token, so a token
// serves exactly once even when two requests race.
func (s *Store) Enroll(hash string, now time.Time, issue func(Token) (Issued, error)) (Issued, error) {
	var out Issued
	err := s.db.Update(func(tx *bolt.Tx) error {
		tokens := tx.Bucket(bucketTokens)
		raw := tokens.Get([]byte(hash))
		if raw == nil {
			return ErrTokenInvalid
		}
		var t Token
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("%w: token: %v", ErrCorrupt, err)
		}
		if !now.Before(t.ExpiresAt) {
			return fmt.Errorf("%w: expired %s", ErrTokenInvalid, t.ExpiresAt.Format(time.RFC3339))
		}
		c, err := issue(t)
		if err != nil {
			return err
		}
		if err := putIssued(tx, c); err != nil {
			return err
		}
		out = c
		return tokens.Delete([]byte(hash))
	})
	return out, err
}

// PutIssued records a certificate issued outside enrolment (renewal).
func (s *Store) PutIssued(c Issued) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putIssued(tx, c) })
}

func putIssued(tx *bolt.Tx, c Issued) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketIssued).Put([]byte(c.Serial), raw)
}

// IssuedCerts lists the certificates issued, by unit then not-before.
func (s *Store) IssuedCerts() ([]Issued, error) {
	var out []Issued
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIssued).ForEach(func(_, raw []byte) error {
			var c Issued
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("%w: issued certificate: %v", ErrCorrupt, err)
			}
			out = append(out, c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Unit != out[j].Unit {
			return out[i].Unit < out[j].Unit
		}
		return out[i].NotBefore.Before(out[j].NotBefore)
	})
	return out, err
}

// RevokeIssued revokes every unrevoked certificate issued to unit, records
// the revocations (issued by the certificate with issuerFingerprint), and
// keeps the notices that notice builds from them, queued for the parent if
// forward, all in one transaction. It returns the certificates revoked;
// none is ErrNotFound.
func (s *Store) RevokeIssued(unit, reason, issuerFingerprint string, forward bool, notice func([]Issued) ([]Notice, error)) ([]Issued, error) {
	return s.RevokeIssuedWhere(unit, nil, reason, issuerFingerprint, forward, notice)
}

// RevokeIssuedWhere is RevokeIssued for the certificates of unit that which
// selects (all of them when which is nil): when a unit ends and a new unit
// takes over its code, only the ended unit's certificates go.
func (s *Store) RevokeIssuedWhere(unit string, which func(Issued) bool, reason, issuerFingerprint string, forward bool, notice func([]Issued) ([]Notice, error)) ([]Issued, error) {
	var revoked []Issued
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIssued)
		err := b.ForEach(func(_, raw []byte) error {
			var c Issued
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("%w: issued certificate: %v", ErrCorrupt, err)
			}
			if c.Unit == unit && c.RevokedAt.IsZero() && (which == nil || which(c)) {
				c.RevokedAt, c.Reason = now, reason
				revoked = append(revoked, c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(revoked) == 0 {
			return fmt.Errorf("unrevoked certificate of unit %s: %w", unit, ErrNotFound)
		}
		notices, err := notice(revoked)
		if err != nil {
			return err
		}
		var rs []Revocation
		for i, c := range revoked {
			if err := putIssued(tx, c); err != nil {
				return err
			}
			r := Revocation{Fingerprint: c.Fingerprint, Serial: c.Serial, Unit: c.Unit, IssuerFingerprint: issuerFingerprint, Reason: reason, RevokedAt: now}
			if len(notices) == len(revoked) {
				r.Notice = notices[i].Digest // one notice per certificate, in order
			}
			rs = append(rs, r)
		}
		if err := putRevocations(tx, rs); err != nil {
			return err
		}
		for _, n := range notices {
			if err := putNotice(tx, n.Digest, n.Envelope, forward, now); err != nil {
				return err
			}
		}
		return nil
	})
	return revoked, err
}

// Notice is a signed envelope that is not a submission (a revocation),
// kept and relayed like one.
type Notice struct {
	Digest   string
	Envelope []byte
}

// PutRevocations records revocations from a verified notice relayed from
// below, keeps the notice, and queues it for the parent if forward. A notice
// stored before is a no-op (false).
func (s *Store) PutRevocations(rs []Revocation, digest string, envelope []byte, forward bool) (bool, error) {
	stored := false
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketEnvelopes).Get([]byte(digest)) != nil {
			return nil
		}
		for i := range rs {
			rs[i].Notice = digest
		}
		if err := putRevocations(tx, rs); err != nil {
			return err
		}
		stored = true
		return putNotice(tx, digest, envelope, forward, now)
	})
	return stored, err
}

// putNotice keeps a notice envelope and queues it; the revocations it
// carries are recorded by the caller.
func putNotice(tx *bolt.Tx, digest string, env []byte, forward bool, now time.Time) error {
	if err := tx.Bucket(bucketEnvelopes).Put([]byte(digest), env); err != nil {
		return err
	}
	if forward {
		return enqueue(tx, digest, now)
	}
	return nil
}

func putRevocations(tx *bolt.Tx, rs []Revocation) error {
	b := tx.Bucket(bucketRevoked)
	for _, r := range rs {
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(r.Fingerprint), raw); err != nil {
			return err
		}
	}
	return nil
}

// Revocations returns every revoked certificate known here, by fingerprint.
func (s *Store) Revocations() (map[string]Revocation, error) {
	out := map[string]Revocation{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRevoked).ForEach(func(k, raw []byte) error {
			var r Revocation
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%w: revocation: %v", ErrCorrupt, err)
			}
			out[string(k)] = r
			return nil
		})
	})
	return out, err
}

// RevocationNotices returns the signed notices of the revocations of the
// units that on selects, for a child: those on its path. Revocations
// recorded before notices flowed down have none to give.
func (s *Store) RevocationNotices(on func(unit string) bool) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		envelopes := tx.Bucket(bucketEnvelopes)
		return tx.Bucket(bucketRevoked).ForEach(func(_, raw []byte) error {
			var r Revocation
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("%w: revocation: %v", ErrCorrupt, err)
			}
			if r.Notice == "" || !on(r.Unit) {
				return nil
			}
			if env := envelopes.Get([]byte(r.Notice)); env != nil {
				out = append(out, bytes.Clone(env))
			}
			return nil
		})
	})
	return out, err
}
