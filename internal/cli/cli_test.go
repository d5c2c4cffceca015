package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

const unitsCSV = `code,name,level,parent_code
12,Tỉnh Lai Châu,province,
106,Huyện Tam Đường,district,12
03390,Thị trấn Tam Đường,commune,106
03394,Xã Thèn Sin,commune,106
`

// runCLI runs the command line and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(ctx, args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// startNode runs Huyện Tam Đường's node on loopback and returns its gRPC address.
func startNode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	units, err := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Init(dir, "106", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	n, err := node.New(cfg, node.Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	useToken(t, dir)
	return n.GRPCAddr()
}

// useToken makes the node's first admin token the one the commands send.
func useToken(t *testing.T, dataDir string) string {
	t.Helper()
	tok, err := node.AdminToken(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TONGHOP_TOKEN", tok)
	return tok
}

func TestValuesCommands(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	at := []string{"--addr", addr, "--unit", "106", "--period", "2021"}

	code, out, errOut := runCLI(t, ctx, "", append([]string{"values", "put"}, append(at, "dang_vien=2675", "dang_vien.nam=1791", "dang_vien.nu=884")...)...)
	if code != 0 || !strings.Contains(out, "Đã lưu 3 số liệu") {
		t.Fatalf("values put: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, ctx, "", append([]string{"values", "get"}, at...)...)
	if code != 0 || !strings.Contains(out, "2.675") || !strings.Contains(out, "Đảng viên — Nữ") {
		t.Fatalf("values get (table, Vietnamese numbers): %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, ctx, "", append([]string{"values", "get", "-o", "csv"}, at...)...)
	if code != 0 || !strings.Contains(out, "dang_vien,,2675,Đảng viên\n") {
		t.Fatalf("values get -o csv: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, ctx, "", append([]string{"values", "get", "--numbers", "plain"}, at...)...)
	if code != 0 || !strings.Contains(out, "2675") {
		t.Fatalf("values get --numbers plain: %d\n%s", code, out)
	}

	// A rejected batch: non-zero exit, each field on stderr, nothing stored.
	code, out, errOut = runCLI(t, ctx, "", append([]string{"values", "put"}, append(at, "dang_vien=2676", "dang_vien.nu=-1", "dang_vien.ba=1")...)...)
	if code != 1 || out != "" || !strings.Contains(errOut, "values[1].value: -1 is negative") || !strings.Contains(errOut, `values[2].option: data element dang_vien has no breakdown option "ba"`) {
		t.Fatalf("bad values put: %d out=%q err=%q", code, out, errOut)
	}
	_, out, _ = runCLI(t, ctx, "", append([]string{"values", "get", "-o", "csv"}, at...)...)
	if !strings.Contains(out, "dang_vien,,2675,") {
		t.Fatalf("total changed by a rejected batch:\n%s", out)
	}

	code, out, errOut = runCLI(t, ctx, "", append([]string{"values", "delete"}, append(at, "dang_vien.nu")...)...)
	if code != 0 || !strings.Contains(out, "Đã xóa dang_vien.nu") {
		t.Fatalf("values delete: %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, ctx, "", append([]string{"values", "delete"}, append(at, "dang_vien.nu")...)...)
	if code != 1 || !strings.Contains(errOut, "NotFound") {
		t.Fatalf("second delete: %d %q", code, errOut)
	}
}

func TestValuesImport(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "tam-duong-2021.csv")
	os.WriteFile(good, []byte("data_element,option,value\ndang_vien,,2675\ndang_vien,nu,884\nthon_to_dan_pho,,126\n"), 0o600)
	code, out, errOut := runCLI(t, ctx, "", "values", "import", "--addr", addr, "--unit", "106", "--period", "2021", good)
	if code != 0 || !strings.Contains(out, "Đã nhập 3 số liệu") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}

	// Errors point at the lines of the file.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("data_element,option,value,period\ndang_vien,,2680,2021\n\ndang_vien,nu,2.675,2021\nthon_to_dan_pho,,-1,2021\n"), 0o600)
	code, _, errOut = runCLI(t, ctx, "", "values", "import", "--addr", addr, "--unit", "106", bad)
	if code != 1 || !strings.Contains(errOut, bad+":4: value:") || !strings.Contains(errOut, bad+":5: value: -1 is negative") {
		t.Fatalf("bad import: %d %q", code, errOut)
	}

	js := filepath.Join(dir, "values.json")
	os.WriteFile(js, []byte(`{"unit_code":"106","data_set":"tong_ket_nam","period":"2020","values":[{"data_element":"dang_vien","value":2600}]}`), 0o600)
	code, out, errOut = runCLI(t, ctx, "", "values", "import", "--addr", addr, js)
	if code != 0 || !strings.Contains(out, "Đã nhập 1 số liệu") || !strings.Contains(out, "2020") {
		t.Fatalf("json import: %d %q %q", code, out, errOut)
	}
	_, out, _ = runCLI(t, ctx, "", "values", "get", "--addr", addr, "--unit", "106", "--period", "2021", "-o", "csv")
	if !strings.Contains(out, "dang_vien,,2675,") {
		t.Fatalf("rejected import changed stored values:\n%s", out)
	}
}

func TestReadCommands(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"node"}, "106 Huyện Tam Đường"},
		{[]string{"units", "get", "03390"}, "Tỉnh Lai Châu › Huyện Tam Đường › Thị trấn Tam Đường"},
		{[]string{"units", "list", "--parent", "106"}, "03394"},
		{[]string{"catalog", "indicators"}, "ty_le_truong_thon_la_dang_vien"},
		{[]string{"catalog", "breakdowns"}, "gioi_tinh"},
		{[]string{"catalog", "data-sets"}, "tong_ket_nam"},
		{[]string{"catalog", "rules"}, "dang_vien == previous(dang_vien) + ket_nap + chuyen_den - tu_tran"},
		{[]string{"sections", "put", "--unit", "106", "--period", "2021", "II.1", "Ưu điểm: đoàn kết."}, "Đã lưu phần II.1"},
	} {
		code, out, errOut := runCLI(t, ctx, "", append(c.args, "--addr", addr)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("tonghop %v: %d\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
		}
	}
	// JSON output is protojson, whose spacing varies on purpose: parse it.
	code, out, _ := runCLI(t, ctx, "", "node", "-o", "json", "--addr", addr)
	var info struct {
		Node struct {
			UnitCode string `json:"unit_code"`
			Level    string `json:"level"`
		} `json:"node"`
	}
	if err := json.Unmarshal([]byte(out), &info); code != 0 || err != nil || info.Node.UnitCode != "106" || info.Node.Level != "district" {
		t.Fatalf("node -o json: %d %v %q", code, err, out)
	}
	code, out, _ = runCLI(t, ctx, "", "sections", "get", "--addr", addr, "--unit", "106", "--period", "2021")
	if code != 0 || out != "II.1\nƯu điểm: đoàn kết.\n\n" {
		t.Fatalf("sections get: %d %q", code, out)
	}
	code, _, errOut := runCLI(t, ctx, "", "units", "get", "99999", "--addr", addr)
	if code != 1 || !strings.Contains(errOut, "NotFound") {
		t.Fatalf("units get 99999: %d %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"frobnicate"},
		{"init"},
		{"values", "put", "dang_vien"},
		{"catalog", "everything"},
		{"values", "get", "-o", "xml"},
	} {
		code, _, errOut := runCLI(t, ctx, "", args...)
		if code != 1 || !strings.HasPrefix(errOut, "tonghop: ") {
			t.Errorf("tonghop %v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, out, _ := runCLI(t, ctx, "", "serve", "--help")
	if code != 0 || !strings.Contains(out, "--grpc-listen") || !strings.Contains(out, "--config") {
		t.Fatalf("serve --help: %d %q", code, out)
	}
}

// TestInitAndServe runs the operator's path: init writes a configuration,
// serve reads it with a flag overriding one key, answers, and stops cleanly
// when its context ends.
func TestInitAndServe(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "units.csv")
	os.WriteFile(csvPath, []byte(unitsCSV), 0o600)
	data := filepath.Join(dir, "data")
	code, out, errOut := runCLI(t, context.Background(), "", "init", "--data-dir", data, "--unit", "03390", "--units", csvPath,
		"--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:1", "--peer-listen", "127.0.0.1:0")
	if code != 0 || !strings.Contains(out, "Thị trấn Tam Đường (03390, commune)") {
		t.Fatalf("init: %d %q %q", code, out, errOut)
	}
	cfgPath := filepath.Join(data, "tonghop.yaml")
	cfg, err := config.Load(cfgPath)
	if err != nil || cfg.Unit != "03390" || cfg.DataDir != data {
		t.Fatalf("written config: %+v %v", cfg, err)
	}
	// Initialising the directory for another unit is refused.
	if code, _, errOut := runCLI(t, context.Background(), "", "init", "--data-dir", data, "--unit", "03394", "--units", csvPath); code != 1 || !strings.Contains(errOut, "belongs to unit 03390") {
		t.Fatalf("re-init for another unit: %d %q", code, errOut)
	}

	// Serve with a flag overriding the file's HTTP address; the bound
	// address comes from the node's own log line.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	stderr := &syncBuffer{}
	go func() {
		done <- Run(ctx, []string{"serve", "--config", cfgPath, "--http-listen", "127.0.0.1:0"}, IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: stderr})
	}()
	var httpAddr string
	waitFor(t, func() bool {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before serving: %s", code, stderr.String())
		default:
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			var entry struct {
				Msg  string `json:"msg"`
				HTTP string `json:"http"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "node serving" {
				httpAddr = entry.HTTP
				return true
			}
		}
		return false
	})
	resp, err := http.Get("http://" + httpAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz of the served node: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"node stopped"`) {
		t.Fatalf("serve did not log a clean stop as JSON:\n%s", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond until it holds, failing the test after 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for a condition")
		}
		<-tick.C
	}
}
