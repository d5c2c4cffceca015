package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/store"
)

func storeHistory(t *testing.T, dir string) *hierarchy.History {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := st.History()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// init without --units gives the node Vietnam's two maps and the mapping.
func TestInitBuiltInMap(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, context.Background(), "", "init", "--data-dir", dir, "--unit", "106")
	if code != 0 || !strings.Contains(out, "Huyện Tam Đường (106, district)") || !strings.Contains(out, "bản đồ hành chính có sẵn") {
		t.Fatalf("init: %d %q %q", code, out, errOut)
	}
	h := storeHistory(t, dir)
	if n := len(h.Versions("03390")); n != 2 {
		t.Errorf("03390 has %d versions, want 2", n)
	}
	if n := len(h.Changes()); n != 10666 {
		t.Errorf("%d changes, want 10666", n)
	}
	if n := len(h.Levels(hierarchy.Day(2021, 1, 1))); n != 3 {
		t.Errorf("%d levels in 2021, want 3", n)
	}
}

// A node that knew the 2024 list (undated, from a file) loads the 2025 one
// from a file too, taking over on 2025-07-01, with the mapping: both kept.
func TestInit2025ListOnA2024Node(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	write := func(name string, units []hierarchy.Unit) string {
		path := filepath.Join(t.TempDir(), name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := hierarchy.WriteCSV(f, units); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Lai Châu's units of a list, without their dates, as a file would
	// have them.
	laiChau := func(units []hierarchy.Unit) []hierarchy.Unit {
		in := map[string]bool{"12": true}
		var out []hierarchy.Unit
		for _, u := range units {
			if in[u.Code] || in[u.Parent] {
				in[u.Code] = true
				u.ValidFrom, u.ValidTo = time.Time{}, time.Time{}
				out = append(out, u)
			}
		}
		return out
	}
	old, _ := country.Units2024()
	cur, _ := country.Units2025()
	file2024, file2025 := write("lai-chau-2024.csv", laiChau(old)), write("lai-chau-2025.csv", laiChau(cur))
	mapping := filepath.Join(t.TempDir(), "sap-nhap-2025.csv")
	new12 := map[string]bool{}
	for _, u := range laiChau(cur) {
		new12[u.Code] = true
	}
	var rows []string
	raw, _ := country.ReadAll(country.FileMapping)
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if f := strings.Split(line, ","); i == 0 || new12[f[2]] {
			rows = append(rows, line)
		}
	}
	if err := os.WriteFile(mapping, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	if code, out, errOut := runCLI(t, ctx, "", "init", "--data-dir", dir, "--unit", "12", "--units", file2024); code != 0 {
		t.Fatalf("init 2024: %d %q %q", code, out, errOut)
	}
	// Loading the 2025 list over it as before is refused, naming the clash.
	code, _, errOut := runCLI(t, ctx, "", "init", "--data-dir", dir, "--unit", "12", "--units", file2025)
	if code == 0 || !strings.Contains(errOut, `level "commune" is at depth`) {
		t.Errorf("init 2025 without --valid-from: %d %q, want the clash of levels", code, errOut)
	}
	code, out, errOut := runCLI(t, ctx, "", "init", "--data-dir", dir, "--unit", "12", "--units", file2025, "--valid-from", "2025-07-01", "--mapping", mapping)
	if code != 0 {
		t.Fatalf("init 2025 --valid-from: %d %q %q", code, out, errOut)
	}
	h := storeHistory(t, dir)
	vs := h.Versions("03390")
	if len(vs) != 2 || vs[0].Name != "Thị trấn Tam Đường" || !vs[0].ValidTo.Equal(country.Reorganisation()) || vs[1].Name != "Xã Bình Lư" {
		t.Errorf("03390 after loading 2025: %+v", vs)
	}
	if o, ok := h.Origins("03390", country.Reorganisation()); !ok || len(o) != 3 {
		t.Errorf("Origins(03390) = %+v, %v; want three old communes", o, ok)
	}
	if n := len(h.AsOf(hierarchy.Day(2026, 1, 1)).Children("12")); n != 38 {
		t.Errorf("Lai Châu has %d communes in 2026, want 38", n)
	}
}

// TestWeightsCommands declares the weights of Phường Bình Chuẩn's split
// through the command line, against a node on loopback.
func TestWeightsCommands(t *testing.T) {
	dir := t.TempDir()
	day := country.Reorganisation()
	units := []hierarchy.Unit{
		{Code: "VN", Name: "Toàn quốc", Level: "country"},
		{Code: "74", Name: "Tỉnh Bình Dương", Level: "province", Parent: "VN", ValidTo: day},
		{Code: "725", Name: "Thành phố Thuận An", Level: "district", Parent: "74", ValidTo: day},
		{Code: "25969", Name: "Phường Bình Chuẩn", Level: "commune", Parent: "725", ValidTo: day},
		{Code: "79", Name: "Thành phố Hồ Chí Minh", Level: "province", Parent: "VN", ValidFrom: day},
		{Code: "25969", Name: "Phường Thuận Giao", Level: "commune", Parent: "79", ValidFrom: day},
		{Code: "25975", Name: "Phường An Phú", Level: "commune", Parent: "79", ValidFrom: day},
	}
	changes := []hierarchy.Change{
		{Old: "74", OldName: "Tỉnh Bình Dương", New: "79", NewName: "Thành phố Hồ Chí Minh", Level: "province", Date: day},
		{Old: "25969", OldName: "Phường Bình Chuẩn", New: "25969", NewName: "Phường Thuận Giao", Level: "commune", Partial: true, Date: day},
		{Old: "25969", OldName: "Phường Bình Chuẩn", New: "25975", NewName: "Phường An Phú", Level: "commune", Partial: true, Date: day},
	}
	if err := node.LoadMap(dir, units, changes, time.Time{}, node.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Init(dir, "VN", nil, true, node.Options{}); err != nil {
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
	addr := []string{"--addr", n.GRPCAddr()}

	code, _, errOut := runCLI(t, ctx, "", append([]string{"weights", "declare", "--old", "25969", "--weight", "25969=2", "--basis", "đảng viên"}, addr...)...)
	if code == 0 || !strings.Contains(errOut, "split_weights.weights: 25975 received part of 25969") {
		t.Errorf("declare without 25975: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, ctx, "", append([]string{"weights", "declare", "--old", "25969", "--weight", "25969:2"}, addr...)...)
	if code == 0 || !strings.Contains(errOut, `--weight "25969:2"`) {
		t.Errorf("declare with a bad --weight: %d %q", code, errOut)
	}
	code, out, errOut := runCLI(t, ctx, "", append([]string{"weights", "declare", "--old", "25969", "--weight", "25969=2", "--weight", "25975=1",
		"--basis", "đảng viên ngày 30/6/2025", "--reason", "Biên bản bàn giao"}, addr...)...)
	if code != 0 || !strings.Contains(out, "25969=2 25975=1") || !strings.Contains(out, "giờ Hà Nội") {
		t.Fatalf("declare: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", append([]string{"weights", "list", "-o", "csv"}, addr...)...)
	if code != 0 || !strings.Contains(out, "25969,2025-07-01,25969=2 25975=1,đảng viên ngày 30/6/2025,Biên bản bàn giao,") {
		t.Errorf("list: %d %q %q", code, out, errOut)
	}
}
