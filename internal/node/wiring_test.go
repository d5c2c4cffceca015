package node

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/config"
)

// TestWiringStepsAlone runs steps of New one at a time, with only the
// fields each reads filled in.
func TestWiringStepsAlone(t *testing.T) {
	w := newWiring(config.Config{DataDir: t.TempDir()}, Options{})
	if err := w.openStore(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "run `tonghop init` first") {
		t.Errorf("openStore of an empty directory: %v, want ErrConfig asking for tonghop init", err)
	}

	w = newWiring(config.Config{TLSCertFile: "/nonexistent/cert.pem", TLSKeyFile: "/nonexistent/key.pem"}, Options{})
	if err := w.loadTLS(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "tls_cert_file") {
		t.Errorf("loadTLS of a missing certificate: %v, want ErrConfig naming tls_cert_file", err)
	}
	w = newWiring(config.Config{GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0"}, Options{})
	if err := w.loadTLS(); err != nil || w.serverTLS != nil || w.gatewayCreds.Info().SecurityProtocol != "insecure" {
		t.Errorf("loadTLS without a certificate: %v, TLS %v, gateway %q; want plain loopback", err, w.serverTLS, w.gatewayCreds.Info().SecurityProtocol)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	w = newWiring(config.Config{GRPCListen: "127.0.0.1:0", HTTPListen: taken.Addr().String()}, Options{})
	err = w.listen()
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "http_listen") {
		t.Errorf("listen on a taken HTTP port: %v, want ErrConfig naming http_listen", err)
	}
	w.node.Close()
}
