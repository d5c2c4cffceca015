package trust

import (
	"crypto/x509"
	"errors"
	"sync"
)

// ErrNotEnrolled means this node has no certificate yet, so it can neither
// sign nor issue.
var ErrNotEnrolled = errors.New("node not enrolled")

// Revocations is the set of revoked certificates a node knows, by
// fingerprint: a serial number is chosen by its issuer, so a rogue issuer
// could pick another certificate's serial, but not its fingerprint. It is
// safe for concurrent use; checks run on every envelope and TLS handshake.
//
// One rule orders a revocation: a node adds the certificate here first and
// stores the revocation after, so that for a moment memory and the store
// may both say revoked, or memory alone, but never the store alone: no
// certificate whose revocation is durable is accepted.
type Revocations struct {
	mu           sync.RWMutex
	fingerprints map[string]bool
}

// NewRevocations returns a set holding the given certificate fingerprints.
func NewRevocations(fingerprints []string) *Revocations {
	r := &Revocations{fingerprints: map[string]bool{}}
	r.Add(fingerprints...)
	return r
}

// Add records certificates, by fingerprint, as revoked.
func (r *Revocations) Add(fingerprints ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range fingerprints {
		r.fingerprints[f] = true
	}
}

// Revoked reports whether cert is revoked; it is a Revoked.
func (r *Revocations) Revoked(cert *x509.Certificate) bool {
	fp := Fingerprint(cert)
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.fingerprints[fp]
}
