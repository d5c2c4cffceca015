package trust

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// handshake is what the test server learnt from one connection.
type handshake struct {
	state tls.ConnectionState
	err   error
}

// serve runs a TLS server on loopback with cfg, reporting each handshake.
// After a successful handshake it writes "ok", so that a client learns of a
// refusal of its certificate, which TLS 1.3 reports only after the client's
// side of the handshake is done.
func serve(t *testing.T, cfg *tls.Config) (addr string, results <-chan handshake) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan handshake, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := c.(*tls.Conn)
				tc.SetDeadline(time.Now().Add(10 * time.Second))
				if err := tc.Handshake(); err != nil {
					ch <- handshake{err: err}
					return
				}
				ch <- handshake{state: tc.ConnectionState()}
				tc.Write([]byte("ok"))
				io.Copy(io.Discard, tc) // until the client closes
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// dial connects with cfg and waits for the server's "ok"; it returns the
// client's connection state.
func dial(addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil {
		return tls.ConnectionState{}, err
	}
	return c.ConnectionState(), nil
}

func result(t *testing.T, ch <-chan handshake) handshake {
	t.Helper()
	select {
	case h := <-ch:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("no handshake on the server")
		return handshake{}
	}
}

func TestTLS(t *testing.T) {
	tr := newTree(t)
	now := func() time.Time { return t0.Add(time.Hour) }
	addr, server := serve(t, ServerTLS(tr.d106, tr.roots, nil, now))

	t.Run("mutual", func(t *testing.T) {
		cs, err := dial(addr, ClientTLS(tr.c03390, tr.roots, []string{"12", "106"}, now))
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		if cs.Version != tls.VersionTLS13 {
			t.Errorf("version %x, want TLS 1.3", cs.Version)
		}
		if p, ok := PeerPath(cs); !ok || !slices.Equal(p, []string{"12", "106"}) {
			t.Errorf("client's PeerPath = %q, %v", p, ok)
		}
		h := result(t, server)
		if h.err != nil {
			t.Fatalf("server: %v", h.err)
		}
		if p, ok := PeerPath(h.state); !ok || !slices.Equal(p, []string{"12", "106", "03390"}) {
			t.Errorf("server's PeerPath = %q, %v; want the commune", p, ok)
		}
	})

	t.Run("client from another root", func(t *testing.T) {
		other := newTree(t)
		_, err := dial(addr, ClientTLS(other.c03390, tr.roots, []string{"12", "106"}, now))
		if err == nil {
			t.Errorf("client from another root was accepted")
		}
		h := result(t, server)
		var uae x509.UnknownAuthorityError
		if !errors.As(h.err, &uae) {
			t.Errorf("server: %v, want an unknown authority", h.err)
		}
	})

	t.Run("client without certificate", func(t *testing.T) {
		if _, err := dial(addr, ClientTLS(Identity{}, tr.roots, []string{"12", "106"}, now)); err != nil {
			t.Fatalf("client: %v", err)
		}
		h := result(t, server)
		if h.err != nil {
			t.Fatalf("server: %v", h.err)
		}
		if p, ok := PeerPath(h.state); ok {
			t.Errorf("server's PeerPath = %q, true; want false", p)
		}
	})

	t.Run("wrong parent", func(t *testing.T) {
		_, err := dial(addr, ClientTLS(tr.c03390, tr.roots, []string{"12", "105"}, now))
		if !errors.Is(err, ErrUntrusted) {
			t.Errorf("client expecting 12/105 from the 106 server: %v, want ErrUntrusted", err)
		}
		result(t, server) // the server sees the client's alert
	})

	t.Run("server from another root", func(t *testing.T) {
		other := newTree(t)
		_, err := dial(addr, ClientTLS(tr.c03390, other.roots, []string{"12", "106"}, now))
		if !errors.Is(err, ErrUntrusted) {
			t.Errorf("client: %v, want ErrUntrusted", err)
		}
		result(t, server)
	})

	t.Run("pinned", func(t *testing.T) {
		cs, err := dial(addr, PinnedTLS(Fingerprint(tr.root.Root()), []string{"12", "106"}, now))
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		if p, ok := PeerPath(cs); !ok || !slices.Equal(p, []string{"12", "106"}) {
			t.Errorf("client's PeerPath = %q, %v", p, ok)
		}
		h := result(t, server)
		if h.err != nil {
			t.Fatalf("server: %v", h.err)
		}
		if _, ok := PeerPath(h.state); ok {
			t.Errorf("server's PeerPath ok for a pinned client without a certificate")
		}
	})

	t.Run("pinned wrong fingerprint", func(t *testing.T) {
		_, err := dial(addr, PinnedTLS(Fingerprint(tr.d106.Leaf()), nil, now))
		if !errors.Is(err, ErrUntrusted) {
			t.Errorf("client: %v, want ErrUntrusted", err)
		}
		result(t, server)
		other := newTree(t)
		if _, err := dial(addr, PinnedTLS(Fingerprint(other.root.Root()), nil, now)); !errors.Is(err, ErrUntrusted) {
			t.Errorf("client pinning another root: %v, want ErrUntrusted", err)
		}
		result(t, server)
	})

	t.Run("pinned root but another unit", func(t *testing.T) {
		// The right root, but the server is district 106, not 105: a token
		// for a child of 105 must not be sent to it.
		if _, err := dial(addr, PinnedTLS(Fingerprint(tr.root.Root()), []string{"12", "105"}, now)); !errors.Is(err, ErrUntrusted) {
			t.Errorf("client expecting 12/105: %v, want ErrUntrusted", err)
		}
		result(t, server)
	})
}

func TestTLSRevokedClient(t *testing.T) {
	tr := newTree(t)
	now := func() time.Time { return t0.Add(time.Hour) }
	serial := SerialHex(tr.c03394.Leaf())
	revoked := func(c *x509.Certificate) bool { return SerialHex(c) == serial }
	addr, server := serve(t, ServerTLS(tr.d106, tr.roots, revoked, now))

	if _, err := dial(addr, ClientTLS(tr.c03394, tr.roots, []string{"12", "106"}, now)); err == nil {
		t.Errorf("revoked client was accepted")
	}
	if h := result(t, server); !errors.Is(h.err, ErrRevoked) {
		t.Errorf("server: %v, want ErrRevoked", h.err)
	}
	// Its sibling still connects.
	if _, err := dial(addr, ClientTLS(tr.c03390, tr.roots, []string{"12", "106"}, now)); err != nil {
		t.Errorf("sibling: %v", err)
	}
	if h := result(t, server); h.err != nil {
		t.Errorf("server: %v", h.err)
	}
}

// TestTLSRoot checks that the root, whose chain is its self-signed
// certificate alone, serves its districts.
func TestTLSRoot(t *testing.T) {
	tr := newTree(t)
	now := func() time.Time { return t0.Add(time.Hour) }
	addr, server := serve(t, ServerTLS(tr.root, tr.roots, nil, now))
	if _, err := dial(addr, ClientTLS(tr.d105, tr.roots, []string{"12"}, now)); err != nil {
		t.Fatalf("client: %v", err)
	}
	h := result(t, server)
	if p, ok := PeerPath(h.state); h.err != nil || !ok || !slices.Equal(p, []string{"12", "105"}) {
		t.Errorf("server: PeerPath %q, %v, err %v", p, ok, h.err)
	}
}

// TestTLSFollowsRenewal: a server and a client built with Follow present,
// on each new connection, the certificate of the identity of the moment:
// the district's and the commune's renewed certificates serve without a
// restart.
func TestTLSFollowsRenewal(t *testing.T) {
	tr := newTree(t)
	now := func() time.Time { return t0.Add(time.Hour) }
	var district, commune atomic.Pointer[Identity]
	district.Store(&tr.d106)
	commune.Store(&tr.c03390)
	addr, server := serve(t, Follow(ServerTLS(tr.d106, tr.roots, nil, now), district.Load))
	client := Follow(ClientTLS(tr.c03390, tr.roots, []string{"12", "106"}, now), commune.Load)
	presented := func() (serverSerial, clientSerial string) {
		t.Helper()
		cs, err := dial(addr, client)
		if err != nil {
			t.Fatalf("client: %v", err)
		}
		h := result(t, server)
		if h.err != nil {
			t.Fatalf("server: %v", h.err)
		}
		return SerialHex(cs.PeerCertificates[0]), SerialHex(h.state.PeerCertificates[0])
	}
	if s, c := presented(); s != SerialHex(tr.d106.Leaf()) || c != SerialHex(tr.c03390.Leaf()) {
		t.Fatalf("before renewal: server %s, client %s", s, c)
	}
	d2 := enrol(t, tr.root, []string{"12", "106"}, "Huyện Tam Đường", t0, 24*time.Hour)
	c2 := enrol(t, d2, []string{"12", "106", "03390"}, "Thị trấn Tam Đường", t0, 24*time.Hour)
	district.Store(&d2)
	commune.Store(&c2)
	if s, c := presented(); s != SerialHex(d2.Leaf()) || c != SerialHex(c2.Leaf()) {
		t.Fatalf("after renewal: server %s, client %s; want %s, %s", s, c, SerialHex(d2.Leaf()), SerialHex(c2.Leaf()))
	}
}
