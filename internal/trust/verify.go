package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Revoked reports whether cert is revoked, typically by looking up its
// serial ([SerialHex]) or [Fingerprint] in a revocation list. A nil Revoked
// means no certificate is.
type Revoked func(cert *x509.Certificate) bool

// Verify checks chain (leaf first, then the certificates that lead to a root;
// the root itself may be included or not) against roots at time at, and
// returns the unit path of the leaf. A zero at means the current time.
//
// Chain building, validity periods and name constraints are left to the stock
// verifier, [x509.Certificate.Verify], with any extended key usage accepted
// because the same certificate signs envelopes and secures TLS. Verify then
// requires every certificate of the verified chain to name a unit, each
// under the unit of the certificate above it (compared case-sensitively,
// where DNS constraint matching is not), and none of them to be revoked. When
// the chain can be built in more than one way (a renewed intermediate), one
// clean chain is enough.
//
// Errors wrap [ErrUntrusted] when the chain does not verify, or [ErrRevoked]
// when it verifies but a certificate in it is revoked; the message names the
// certificate and the reason, and the x509 error is wrapped too, for
// errors.As. A nil roots is refused rather than meaning the system roots.
func Verify(chain []*x509.Certificate, roots *x509.CertPool, at time.Time, revoked Revoked) ([]string, error) {
	if len(chain) == 0 {
		return nil, fmt.Errorf("trust: verify: %w: empty certificate chain", ErrUntrusted)
	}
	if roots == nil {
		// x509 would fall back to the system roots, which must never vouch
		// for a unit.
		return nil, fmt.Errorf("trust: verify: %w: no roots given", ErrUntrusted)
	}
	leaf := chain[0]
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, fmt.Errorf("trust: verify %s: %w: %w", describe(leaf), ErrUntrusted, err)
	}
	var firstErr error
	for _, c := range chains {
		path, err := checkChain(c, revoked)
		if err == nil {
			return path, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("trust: verify %s: %w", describe(leaf), firstErr)
}

// checkChain checks a chain built by the x509 verifier, leaf first: that
// every certificate names a unit under the one above it, and that none is
// revoked. It returns the leaf's path.
func checkChain(chain []*x509.Certificate, revoked Revoked) ([]string, error) {
	var above []string
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		path, err := certPath(c)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrUntrusted, describe(c), err)
		}
		if above != nil && (len(path) <= len(above) || !slices.Equal(above, path[:len(above)])) {
			return nil, fmt.Errorf("%w: %s is not under its issuer's unit %s",
				ErrUntrusted, describe(c), JoinPath(above))
		}
		above = path
	}
	if revoked != nil {
		for _, c := range chain {
			if revoked(c) {
				return nil, fmt.Errorf("%w: %s", ErrRevoked, describe(c))
			}
		}
	}
	return above, nil
}

// describe names a certificate for error messages by its SAN (or subject)
// and serial.
func describe(c *x509.Certificate) string {
	name := c.Subject.CommonName
	if len(c.DNSNames) > 0 {
		name = c.DNSNames[0]
	}
	return fmt.Sprintf("certificate %q (serial %s)", name, SerialHex(c))
}

// Fingerprint returns the lowercase hex SHA-256 of cert's DER encoding, the
// form in which a root is pinned out of band.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// SerialHex returns cert's serial number in lowercase hex without leading
// zeros, the form in which revocation lists name certificates.
func SerialHex(cert *x509.Certificate) string {
	if cert.SerialNumber == nil {
		return ""
	}
	return cert.SerialNumber.Text(16)
}
