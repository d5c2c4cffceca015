package trust

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"time"
)

// ServerTLS returns the TLS configuration of a node's gRPC server. It
// presents id's whole chain, root included, so that a child still enrolling
// with [PinnedTLS] can find the root it pinned.
//
// Client certificates are requested and verified if given
// ([tls.VerifyClientCertIfGiven]): a child enrols before it has a
// certificate, so handlers that need an authenticated peer check [PeerPath]
// themselves. A client certificate must pass both the stock TLS verification
// against roots and [Verify] with revoked, which also applies to resumed
// sessions, so that a revocation takes effect on the next connection. The
// minimum version is TLS 1.3. A nil now means time.Now.
func ServerTLS(id Identity, roots *x509.CertPool, revoked Revoked, now func() time.Time) *tls.Config {
	if now == nil {
		now = time.Now
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: tlsCertificates(id),
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    roots,
		Time:         now,
		// VerifyConnection rather than VerifyPeerCertificate: it runs on
		// resumed sessions too.
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil
			}
			_, err := Verify(cs.PeerCertificates, roots, now(), revoked)
			return err
		},
	}
}

// ClientTLS returns the TLS configuration with which a node dials its parent,
// whose unit path is parentPath. It presents id's chain and accepts the
// server only if its chain passes [Verify] against roots and its leaf names
// exactly parentPath. The minimum version is TLS 1.3. A nil now means
// time.Now.
//
// The parent is identified by its unit, not by the host name it is dialled
// at (communes dial addresses, not names under [Suffix]), so the stock
// host-name check is replaced by Verify and the path comparison; the SNI
// sent is the parent's DNS name.
func ClientTLS(id Identity, roots *x509.CertPool, parentPath []string, now func() time.Time) *tls.Config {
	if now == nil {
		now = time.Now
	}
	want := slices.Clone(parentPath)
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: tlsCertificates(id),
		ServerName:   DNSName(want),
		Time:         now,
		// Not insecure: VerifyConnection below does the whole verification,
		// against the unit path rather than the dialled host name.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			path, err := Verify(cs.PeerCertificates, roots, now(), nil)
			if err != nil {
				return fmt.Errorf("server: %w", err)
			}
			if !slices.Equal(path, want) {
				return fmt.Errorf("trust: server is unit %s, want %s: %w",
					JoinPath(path), JoinPath(want), ErrUntrusted)
			}
			return nil
		},
	}
}

// PinnedTLS is for enrolment, before the child has a chain: it presents no
// client certificate, and trusts the server only if its chain ends in the
// root with fingerprint rootFingerprint and, when serverPath is not nil,
// names exactly that unit: the parent, so that a token is never handed to
// another node of the same hierarchy.
func PinnedTLS(rootFingerprint string, serverPath []string, now func() time.Time) *tls.Config {
	if now == nil {
		now = time.Now
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		Time:       now,
		// Not insecure: VerifyConnection below verifies the chain against
		// the pinned root.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			certs := cs.PeerCertificates
			if len(certs) == 0 {
				return fmt.Errorf("trust: server sent no certificate: %w", ErrUntrusted)
			}
			root := certs[len(certs)-1]
			if got := Fingerprint(root); got != rootFingerprint {
				return fmt.Errorf("trust: server's chain ends in %s with fingerprint %s, want %s: %w",
					describe(root), got, rootFingerprint, ErrUntrusted)
			}
			roots := x509.NewCertPool()
			roots.AddCert(root)
			path, err := Verify(certs, roots, now(), nil)
			if err != nil {
				return fmt.Errorf("server: %w", err)
			}
			if serverPath != nil && !slices.Equal(path, serverPath) {
				return fmt.Errorf("trust: server is %s, not %s: %w", DNSName(path), DNSName(serverPath), ErrUntrusted)
			}
			return nil
		},
	}
}

// PeerPath returns the unit path of the peer of a connection set up with
// this package's configurations, whose handshake verified any certificate
// the peer gave; ok is false if the peer gave no certificate.
func PeerPath(cs tls.ConnectionState) (path []string, ok bool) {
	var leaf *x509.Certificate
	switch {
	case len(cs.VerifiedChains) > 0 && len(cs.VerifiedChains[0]) > 0:
		leaf = cs.VerifiedChains[0][0]
	case len(cs.PeerCertificates) > 0:
		// ClientTLS and PinnedTLS verify in VerifyConnection, which leaves
		// VerifiedChains empty.
		leaf = cs.PeerCertificates[0]
	default:
		return nil, false
	}
	path, err := certPath(leaf)
	if err != nil {
		return nil, false
	}
	return path, true
}

// tlsCertificates returns id as the certificate a TLS endpoint presents, or
// none if id has no chain yet.
func tlsCertificates(id Identity) []tls.Certificate {
	if len(id.Chain) == 0 {
		return nil
	}
	der := make([][]byte, len(id.Chain))
	for i, c := range id.Chain {
		der[i] = c.Raw
	}
	return []tls.Certificate{{Certificate: der, PrivateKey: id.Key, Leaf: id.Chain[0]}}
}

// Follow makes cfg present, at each handshake, the certificate of the
// identity id returns then, rather than the one it was built with: a
// certificate renewed while the node runs serves from the next connection
// on. id must not return nil.
func Follow(cfg *tls.Config, id func() *Identity) *tls.Config {
	current := func() (*tls.Certificate, error) {
		cs := tlsCertificates(*id())
		if len(cs) == 0 {
			return &tls.Certificate{}, nil
		}
		return &cs[0], nil
	}
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return current() }
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return current() }
	return cfg
}
