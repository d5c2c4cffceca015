package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
)

// TestAdminAPIOverTLS serves gRPC and REST with a certificate; clients that
// trust it reach both, and the gateway inside the node reaches gRPC too.
func TestAdminAPIOverTLS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	data := filepath.Join(dir, "data")
	if _, err := Init(data, "106", units(), true, Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = data, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.TLSCertFile, cfg.TLSKeyFile = certFile, keyFile
	n, err := New(cfg, Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()

	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	pool.AddCert(cert)
	token, _ := AdminToken(data)
	conn, err := grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "localhost"})),
		grpc.WithPerRPCCredentials(access.Credentials(token)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if resp, err := tonghopv1.NewNodeServiceClient(conn).GetNode(context.Background(), &tonghopv1.GetNodeRequest{}); err != nil || resp.Node.UnitCode != "106" {
		t.Fatalf("gRPC over TLS: %v %v", resp, err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	req, _ := http.NewRequest("GET", "https://"+n.HTTPAddr()+"/v1/node", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("REST over TLS through the gateway: %d", resp.StatusCode)
	}
	// Clear text is refused on the TLS port.
	if _, err := http.Get("http://" + n.HTTPAddr() + "/healthz"); err == nil {
		if r, _ := http.Get("http://" + n.HTTPAddr() + "/healthz"); r != nil && r.StatusCode == 200 {
			t.Fatal("the TLS port answered clear text")
		}
	}
}
