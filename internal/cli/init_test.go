package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
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
	if code != 0 || !strings.Contains(out, "Huyện Tam Đường (106, district)") || !strings.Contains(out, "built-in map") {
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
