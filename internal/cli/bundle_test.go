package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

// TestBundleCommands: Huyện Tam Đường, enrolled but with no link to the
// province, carries its report by file: export, import at the province
// with the receipts written, receipts back at the district.
func TestBundleCommands(t *testing.T) {
	ctx := context.Background()
	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	provDir, distDir := filepath.Join(t.TempDir(), "12"), filepath.Join(t.TempDir(), "106")
	if _, err := node.Init(provDir, "12", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = provDir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	prov := runConfigured(t, cfg)
	provToken, err := node.AdminToken(provDir)
	if err != nil {
		t.Fatal(err)
	}
	p := []string{"--addr", prov.GRPCAddr(), "--token", provToken}
	if _, err := node.Init(distDir, "106", units, false, node.Options{}); err != nil {
		t.Fatal(err)
	}
	code, tok, errOut := runCLI(t, ctx, "", append([]string{"children", "token", "106"}, p...)...)
	if code != 0 {
		t.Fatal(errOut)
	}
	if _, err := node.Enroll(ctx, distDir, prov.PeerAddr(), strings.TrimSpace(tok), node.Options{}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	cfg = config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = distDir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Parent, cfg.SyncInterval = dead, time.Hour
	dist := runConfigured(t, cfg)
	distToken, err := node.AdminToken(distDir)
	if err != nil {
		t.Fatal(err)
	}
	d := []string{"--addr", dist.GRPCAddr(), "--token", distToken}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, ctx, "", args...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errOut)
		}
		return out + errOut
	}
	run(0, append([]string{"values", "put", "--unit", "106", "--period", "2021", "dang_vien=2675", "dang_vien.nam=1791", "dang_vien.nu=884"}, d...)...)
	run(0, append([]string{"submit", "--unit", "106", "--period", "2021"}, d...)...)

	dir := t.TempDir()
	bundle, receipts := filepath.Join(dir, "106-2021.bundle"), filepath.Join(dir, "106-2021.receipts")
	out := run(0, append([]string{"bundle", "export", "--out", bundle}, d...)...)
	if !strings.Contains(out, "Đã xuất 1 báo cáo của 12/106") {
		t.Fatalf("export: %s", out)
	}
	// A truncated copy is refused, naming why.
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.bundle")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run(1, append([]string{"bundle", "import", cut, "--receipts-out", receipts}, p...)...); !strings.Contains(out, "InvalidArgument") || !strings.Contains(out, "truncated") {
		t.Fatalf("truncated: %s", out)
	}
	if _, err := os.Stat(receipts); !os.IsNotExist(err) {
		t.Fatalf("a refused import wrote receipts: %v", err)
	}
	out = run(0, append([]string{"bundle", "import", bundle, "--receipts-out", receipts}, p...)...)
	if !strings.Contains(out, "nhận 1, đã có 0, từ chối 0") || !strings.Contains(out, "nhận") {
		t.Fatalf("import: %s", out)
	}
	out = run(0, append([]string{"bundle", "import", bundle, "--receipts-out", filepath.Join(dir, "again.receipts")}, p...)...)
	if !strings.Contains(out, "nhận 0, đã có 1") {
		t.Fatalf("import again: %s", out)
	}
	out = run(0, append([]string{"bundle", "receipts", receipts}, d...)...)
	if !strings.Contains(out, "Biên nhận của 12: 1 báo cáo rời hộp thư đi, 0 đã rời trước đó; 0 còn chờ") {
		t.Fatalf("receipts: %s", out)
	}
	if out := run(0, append([]string{"submissions", "outbox"}, d...)...); !strings.HasPrefix(out, "0 báo cáo chờ gửi lên") {
		t.Fatalf("outbox: %s", out)
	}
}
