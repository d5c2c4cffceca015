// Package trust is the hierarchy of keys that mirrors the hierarchy of
// administrative units.
//
// Every node (commune, district, province, centre) has one Ed25519 key. The
// root node holds a self-signed CA certificate; each parent certifies the keys
// of its children with X.509 certificates whose name constraints limit them to
// the child's own subtree. A unit is named by a DNS name built from its path
// (see [DNSName]), so the stock Go verifier, [x509.Certificate.Verify],
// enforces that a district can only ever vouch for its own communes: nothing
// here re-implements chain building or constraint matching.
//
// Every node is a CA for its own subtree. That keeps issuance uniform, and it
// is harmless: a commune could only ever certify names under its own.
//
// The same certificates sign submission envelopes and secure node-to-node
// gRPC with mutual TLS; TLS 1.3 supports Ed25519 (see [ServerTLS],
// [ClientTLS] and [PinnedTLS]). Before it is enrolled a node has a key but no
// certificate: it talks to its parent with [PinnedTLS], trusting the root
// whose fingerprint it was given out of band.
package trust

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors returned by this package wrap one of these; test with errors.Is.
var (
	// ErrUntrusted means a certificate chain does not verify: unknown root,
	// expired, name constraint violated, a leaf that names no unit, or a peer
	// that is not the unit it was expected to be.
	ErrUntrusted = errors.New("untrusted certificate")
	// ErrRevoked means a chain verifies but one of its certificates is revoked.
	ErrRevoked = errors.New("revoked certificate")
	// ErrInvalidName means a unit path, a unit code or a DNS name is malformed.
	ErrInvalidName = errors.New("invalid unit name")
	// ErrInvalidRequest means Issue refused a certificate request.
	ErrInvalidRequest = errors.New("invalid certificate request")
	// ErrNoIdentity means a node's key or certificate files are absent: it has
	// not been set up or not been enrolled yet.
	ErrNoIdentity = errors.New("no identity")
	// ErrKeyMismatch means a certificate does not certify the key it is
	// paired with.
	ErrKeyMismatch = errors.New("certificate does not match key")
	// ErrMalformed means stored or transmitted key or certificate bytes do
	// not decode.
	ErrMalformed = errors.New("malformed key or certificate")
)

// Suffix is the DNS domain under which every unit is named. ".internal" is
// reserved for private use, so these names can never collide with, or be
// certified by, the public web PKI.
const Suffix = "tonghop.internal"

// Limits of DNS: a label is at most 63 bytes, a name at most 253. Unit codes
// are far shorter (the hierarchy package caps them at 32 bytes), so these only
// reject garbage.
const (
	maxLabelLen = 63
	maxNameLen  = 253
)

// DNSName returns the DNS name of the unit at path (root first): the path
// reversed, joined by dots, under [Suffix]. For example the path
// ["12", "106", "03390"] is named "03390.106.12.tonghop.internal".
//
// Unit codes become DNS labels unchanged, all-digit and leading-zero codes
// included: Go's crypto/x509 accepts such labels in SANs and in name
// constraints (a test of this package proves it). DNSName does not validate
// path; the functions that build certificates do.
func DNSName(path []string) string {
	var b strings.Builder
	for i := len(path) - 1; i >= 0; i-- {
		b.WriteString(path[i])
		b.WriteByte('.')
	}
	b.WriteString(Suffix)
	return b.String()
}

// ParseDNSName is the inverse of [DNSName]: it returns the unit path (root
// first) named by name. It fails, wrapping [ErrInvalidName], if name is not
// under [Suffix], names no unit (it is Suffix itself), or has a label that is
// not a valid unit code. The suffix is matched exactly, in lower case, so a
// unit has exactly one spelling.
func ParseDNSName(name string) ([]string, error) {
	rest, ok := strings.CutSuffix(name, "."+Suffix)
	if !ok || rest == "" {
		return nil, fmt.Errorf("%w: %q is not a unit under %s", ErrInvalidName, name, Suffix)
	}
	if len(name) > maxNameLen {
		return nil, fmt.Errorf("%w: %q is longer than %d bytes", ErrInvalidName, name, maxNameLen)
	}
	path := strings.Split(rest, ".")
	slices.Reverse(path)
	for _, code := range path {
		if err := checkCode(code); err != nil {
			return nil, fmt.Errorf("%w (in %q)", err, name)
		}
	}
	return path, nil
}

// checkPath reports whether path names a unit: at least one code, every code
// valid, and a DNS name within the length limit.
func checkPath(path []string) error {
	if len(path) == 0 {
		return fmt.Errorf("%w: empty unit path", ErrInvalidName)
	}
	for _, code := range path {
		if err := checkCode(code); err != nil {
			return err
		}
	}
	if n := len(DNSName(path)); n > maxNameLen {
		return fmt.Errorf("%w: unit path %s gives a DNS name of %d bytes, more than %d",
			ErrInvalidName, JoinPath(path), n, maxNameLen)
	}
	return nil
}

// checkCode reports whether code is a unit code usable as a DNS label: ASCII
// letters and digits only. Hyphens and underscores are refused because unit
// codes never contain them, and dots because they separate levels.
func checkCode(code string) error {
	switch {
	case code == "":
		return fmt.Errorf("%w: empty unit code", ErrInvalidName)
	case len(code) > maxLabelLen:
		return fmt.Errorf("%w: unit code %.20q... is longer than %d bytes", ErrInvalidName, code, maxLabelLen)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return fmt.Errorf("%w: unit code %q must contain only ASCII letters and digits", ErrInvalidName, code)
		}
	}
	return nil
}

// JoinPath writes a unit path as "12/106/03390", for records and messages.
func JoinPath(path []string) string {
	return strings.Join(path, "/")
}

// isDirectChild reports whether child is parent plus exactly one more code.
// Codes compare case-sensitively, unlike DNS names.
func isDirectChild(parent, child []string) bool {
	return len(child) == len(parent)+1 && slices.Equal(parent, child[:len(parent)])
}
