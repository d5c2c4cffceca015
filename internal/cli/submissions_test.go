package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

// runConfigured runs the node described by cfg until the test ends.
func runConfigured(t *testing.T, cfg config.Config) *node.Node {
	t.Helper()
	n, err := node.New(cfg, node.Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// TestOperatorPath walks the operator's commands for two levels: a token
// from the province, init and enroll of the district, a report signed and
// sent up, fetched at the province and verified offline with the root
// certificate alone; then revocation.
func TestOperatorPath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "units.csv")
	os.WriteFile(csvPath, []byte(unitsCSV), 0o600)

	// The province is the root.
	provDir := filepath.Join(dir, "12")
	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	if _, err := node.Init(provDir, "12", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	pcfg := config.Default()
	pcfg.DataDir, pcfg.GRPCListen, pcfg.HTTPListen, pcfg.PeerListen = provDir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	prov := runConfigured(t, pcfg)
	useToken(t, provDir) // the province's commands use $TONGHOP_TOKEN

	code, token, errOut := runCLI(t, ctx, "", "children", "token", "106", "--addr", prov.GRPCAddr())
	token = strings.TrimSpace(token)
	if code != 0 || !strings.HasPrefix(token, "tonghop1.106.") {
		t.Fatalf("children token: %d %q %q", code, token, errOut)
	}

	distDir := filepath.Join(dir, "106")
	code, out, errOut := runCLI(t, ctx, "", "init", "--data-dir", distDir, "--unit", "106", "--units", csvPath,
		"--parent", prov.PeerAddr(), "--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0")
	if code != 0 || !strings.Contains(out, "tonghop enroll") {
		t.Fatalf("init: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", "enroll", "--data-dir", distDir, "--token", token)
	if code != 0 || !strings.Contains(out, "Đã đăng ký 12/106") {
		t.Fatalf("enroll: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, ctx, "", "enroll", "--data-dir", distDir, "--token", token); code != 1 || !strings.Contains(errOut, "Unauthenticated") {
		t.Fatalf("enroll with a spent token: %d %q", code, errOut)
	}
	dcfg, err := config.Load(filepath.Join(distDir, "tonghop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dist := runConfigured(t, dcfg)
	distToken, _ := node.AdminToken(distDir)

	at := []string{"--addr", dist.GRPCAddr(), "--token", distToken, "--unit", "106", "--period", "2021"}
	if code, _, errOut := runCLI(t, ctx, "", append([]string{"values", "put"}, append(at, "dang_vien=2675", "dang_vien.nu=884", "dang_vien.nam=1791")...)...); code != 0 {
		t.Fatalf("values put: %s", errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", append([]string{"submit"}, at...)...)
	if code != 0 || !strings.Contains(out, "Đã ký lần 1 của 106 tong_ket_nam 2021 (3 số liệu") {
		t.Fatalf("submit: %d %q %q", code, out, errOut)
	}
	digest := out[strings.Index(out, "sha256:"):]
	digest = digest[:strings.Index(digest, ",")]

	waitFor(t, func() bool {
		_, out, _ := runCLI(t, ctx, "", "submissions", "list", "--addr", prov.GRPCAddr(), "--unit", "12", "--subtree", "-o", "csv")
		return strings.Contains(out, digest)
	})
	envFile := filepath.Join(dir, "106-2021.dsse.json")
	code, out, errOut = runCLI(t, ctx, "", "submissions", "get", digest, "--addr", prov.GRPCAddr(), "--envelope", envFile)
	if code != 0 || !strings.Contains(out, "ký lúc") || !strings.Contains(out, "12/106") {
		t.Fatalf("submissions get: %d %q %q", code, out, errOut)
	}
	code, rootPEM, errOut := runCLI(t, ctx, "", "keys", "show", "--root", "--data-dir", provDir)
	if code != 0 || !strings.HasPrefix(rootPEM, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("keys show --root: %d %q", code, errOut)
	}
	rootFile := filepath.Join(dir, "root.pem")
	os.WriteFile(rootFile, []byte(rootPEM), 0o600)
	code, out, errOut = runCLI(t, ctx, "", "verify", "--root", rootFile, envFile)
	if code != 0 || !strings.HasPrefix(out, "HỢP LỆ "+digest) || !strings.Contains(out, "12 › 106") {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	raw, _ := os.ReadFile(envFile)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, []byte(strings.Replace(string(raw), `"sig":"`, `"sig":"AA`, 1)), 0o600)
	if code, _, errOut = runCLI(t, ctx, "", "verify", "--root", rootFile, tampered); code != 1 || !strings.Contains(errOut, "does not verify") {
		t.Fatalf("verify of a tampered envelope: %d %q", code, errOut)
	}

	code, out, _ = runCLI(t, ctx, "", "children", "list", "--addr", prov.GRPCAddr())
	if code != 0 || !strings.Contains(out, "đã đăng ký") {
		t.Fatalf("children list: %d %q", code, out)
	}
	code, out, errOut = runCLI(t, ctx, "", "children", "revoke", "106", "--reason", "thử nghiệm", "--addr", prov.GRPCAddr())
	if code != 0 || !strings.Contains(out, "Đã thu hồi 1 chứng thư của 106") {
		t.Fatalf("children revoke: %d %q %q", code, out, errOut)
	}
	if _, out, _ = runCLI(t, ctx, "", "children", "list", "--addr", prov.GRPCAddr()); !strings.Contains(out, "đã thu hồi") {
		t.Fatalf("children list after revoke: %q", out)
	}
}

// TestQueryAndTargets: a target set from the command line and a comparison
// printed in Vietnamese number style, and as CSV in plain numbers.
func TestQueryAndTargets(t *testing.T) {
	ctx := context.Background()
	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	dir := t.TempDir()
	if _, err := node.Init(dir, "106", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	n := runConfigured(t, cfg)
	addr := n.GRPCAddr()
	useToken(t, dir)
	// The district's own figures: 2.337 of 2.474 members rated good or
	// better, as in the Tam Đường report for 2020: 94,46%.
	if code, _, errOut := runCLI(t, ctx, "", "values", "put", "--addr", addr, "--unit", "106", "--period", "2020",
		"dang_vien_xep_loai=2474", "dang_vien_xep_loai.htxsnv=303", "dang_vien_xep_loai.httnv=2034", "dang_vien_xep_loai.htnv=116", "dang_vien_xep_loai.khtnv=21"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, ctx, "", "targets", "set", "--addr", addr, "--indicator", "ty_le_dang_vien_httnv_tro_len",
		"--unit", "106", "--period", "2020", "--at-least", "90", "--note", "trên 90%")
	if code != 0 || !strings.Contains(out, "Đã đặt mục tiêu ty_le_dang_vien_httnv_tro_len/106/2020@106") {
		t.Fatalf("targets set: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = runCLI(t, ctx, "", "targets", "set", "--addr", addr, "--indicator", "ty_le_dang_vien_nu", "--period", "2020", "--at-least", "30"); code != 1 || !strings.Contains(errOut, "target.unit_code") {
		t.Fatalf("target for neither a unit nor a level: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "ty_le_dang_vien_httnv_tro_len", "--period", "2020")
	if code != 0 || !strings.Contains(out, "2.337") || !strings.Contains(out, "94,46%") || !strings.Contains(out, "≥ 90,00%") || !strings.Contains(out, "+4,46") && !strings.Contains(out, "4,46") || !strings.Contains(out, "đạt") {
		t.Fatalf("query: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "ty_le_dang_vien_httnv_tro_len", "--period", "2020", "-o", "csv")
	if code != 0 || !strings.Contains(out, "106,Huyện Tam Đường,2020,2337,2474,94.46") || !strings.Contains(out, ",true,") {
		t.Fatalf("query -o csv:\n%s", out)
	}
	if code, _, errOut = runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "khong_co", "--period", "2020"); code != 1 || !strings.Contains(errOut, "NotFound") {
		t.Fatalf("unknown indicator: %d %q", code, errOut)
	}
}

// TestCLIOverTLS: with --ca-file the commands speak TLS to a node whose
// administrators' API has a certificate; without it they cannot.
func TestCLIOverTLS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	data := filepath.Join(dir, "data")
	if _, err := node.Init(data, "106", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = data, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.TLSCertFile, cfg.TLSKeyFile = certFile, keyFile
	n := runConfigured(t, cfg)
	useToken(t, data)
	ctx := context.Background()
	if code, out, errOut := runCLI(t, ctx, "", "node", "--addr", n.GRPCAddr(), "--ca-file", certFile); code != 0 || !strings.Contains(out, "106 Huyện Tam Đường") {
		t.Fatalf("node over TLS: %d %q %q", code, out, errOut)
	}
	if code, _, _ := runCLI(t, ctx, "", "node", "--addr", n.GRPCAddr()); code != 1 {
		t.Fatal("clear text to a TLS port succeeded")
	}
}
