package trust

import (
	"crypto/tls"
	"crypto/x509"
	"time"
)

// Retiring decides whether a client whose leaf certificate has ended may
// still connect: a node whose unit was abolished hands over what it signed
// before the end (its outbox) and then retires. path is the unit path the
// leaf names.
type Retiring func(path []string, leaf *x509.Certificate) bool

// ServerTLSRetiring is [ServerTLS] that also admits a client whose leaf
// certificate has ended when retiring says so, judging its chain as of the
// leaf's last valid moment. Revocation still applies, and everything such a
// client delivers is verified on its own as of when it was signed, so the
// connection lets it hand over only what it signed while it was valid.
// A nil retiring admits no ended certificate.
func ServerTLSRetiring(id Identity, roots *x509.CertPool, revoked Revoked, now func() time.Time, retiring Retiring) *tls.Config {
	if now == nil {
		now = time.Now
	}
	cfg := ServerTLS(id, roots, revoked, now)
	if retiring == nil {
		return cfg
	}
	// The stock verification would refuse an ended certificate before
	// VerifyConnection runs; VerifyConnection below does the whole check,
	// against the same roots, on every handshake (resumed ones included).
	cfg.ClientAuth = tls.RequestClientCert
	cfg.ClientCAs = nil
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		certs := cs.PeerCertificates
		if len(certs) == 0 {
			return nil
		}
		at := now()
		if leaf := certs[0]; at.After(leaf.NotAfter) {
			if path, err := certPath(leaf); err == nil && retiring(path, leaf) {
				at = leaf.NotAfter.Add(-time.Nanosecond)
			}
		}
		_, err := Verify(certs, roots, at, revoked)
		return err
	}
	return cfg
}
