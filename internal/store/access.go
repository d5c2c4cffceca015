package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// APIToken is an administrator's or a script's token. Only the SHA-256 of
// its secret is stored; the secret is shown once, when it is made.
type APIToken struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Unit       string    `json:"unit"` // the root of the subtree it may act on
	SecretHash string    `json:"secret_hash"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	// MadeWith is the id of the token this one was made with; empty for a
	// token made on the node itself. Revoking a token revokes what it made.
	// A browser session is made with the token it was opened with (with a
	// sign-in link, with the token that made the link).
	MadeWith string `json:"made_with,omitempty"`
	// SignInLink marks a one-time link that opens one browser session and
	// is no API credential.
	SignInLink bool `json:"sign_in_link,omitzero"`
	// Session marks a browser session.
	Session bool `json:"session,omitzero"`
}

// PutAPIToken stores a new token.
func (s *Store) PutAPIToken(t APIToken) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		raw, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketAPITokens).Put([]byte(t.ID), raw)
	})
}

// APIToken returns the token with id; ErrNotFound if there is none.
func (s *Store) APIToken(id string) (APIToken, error) {
	var t APIToken
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketAPITokens).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("token %s: %w", id, ErrNotFound)
		}
		return json.Unmarshal(raw, &t)
	})
	return t, err
}

// APITokens lists every token, by creation time.
func (s *Store) APITokens() ([]APIToken, error) {
	var out []APIToken
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAPITokens).ForEach(func(k, raw []byte) error {
			var t APIToken
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("%w: token %s: %v", ErrCorrupt, k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// RevokeAPIToken marks a token revoked; ErrNotFound if there is none.
func (s *Store) RevokeAPIToken(id string) (APIToken, error) {
	var t APIToken
	now := s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAPITokens)
		raw := b.Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("token %s: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		if t.RevokedAt.IsZero() {
			t.RevokedAt = now
		}
		out, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), out)
	})
	return t, err
}
