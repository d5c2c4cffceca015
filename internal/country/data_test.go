package country_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
)

// readData returns the decompressed bytes of an embedded list.
func readData(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := country.ReadAll(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func loadTree(t *testing.T, name string) (*hierarchy.Tree, []hierarchy.Unit, []byte) {
	t.Helper()
	raw := readData(t, name)
	units, err := hierarchy.ReadCSV(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadCSV(%s): %v", name, err)
	}
	tr, err := hierarchy.NewTree(units)
	if err != nil {
		t.Fatalf("NewTree(%s): %v", name, err)
	}
	return tr, units, raw
}

func codes(units []hierarchy.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Code
	}
	return out
}

func checkCodes(t *testing.T, what string, got []hierarchy.Unit, want ...string) {
	t.Helper()
	if !slices.Equal(codes(got), want) {
		t.Errorf("%s = %q, want %q", what, codes(got), want)
	}
}

func checkUnits(t *testing.T, got, want []hierarchy.Unit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d units, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("unit %d = %+v\nwant      %+v", i, got[i], want[i])
		}
	}
}

func maxDepth(tr *hierarchy.Tree) int {
	d := -1
	for _, u := range tr.Units() {
		d = max(d, tr.Depth(u.Code))
	}
	return d
}

func TestData2024(t *testing.T) {
	tr, units, raw := loadTree(t, country.File2024)

	// Counts checked with awk against the file and its README: 63 / 696 / 10,047.
	if got := tr.Len(); got != 10806 {
		t.Errorf("Len = %d, want 10806", got)
	}
	if got := len(tr.Roots()); got != 63 {
		t.Errorf("%d roots, want 63", got)
	}
	for level, want := range map[string]int{"province": 63, "district": 696, "commune": 10047} {
		if got := len(tr.AtLevel(level)); got != want {
			t.Errorf("%d units at level %s, want %d", got, level, want)
		}
	}
	if got := maxDepth(tr); got != 2 {
		t.Errorf("deepest unit at depth %d, want 2 (3 levels)", got)
	}
	wantLevels := []hierarchy.Level{
		{Code: "province", Name: "Tỉnh, thành phố", Depth: 0},
		{Code: "district", Name: "Huyện, quận, thị xã, thành phố thuộc tỉnh", Depth: 1},
		{Code: "commune", Name: "Xã, phường, thị trấn", Depth: 2},
	}
	if got := tr.Levels(); !slices.Equal(got, wantLevels) {
		t.Errorf("Levels = %v, want %v", got, wantLevels)
	}

	tamDuong, ok := tr.Unit("106")
	if want := (hierarchy.Unit{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"}); !ok || !tamDuong.Equal(want) {
		t.Errorf("Unit(106) = %+v, %v; want %+v", tamDuong, ok, want)
	}
	if laiChau, _ := tr.Unit("12"); laiChau.Name != "Tỉnh Lai Châu" {
		t.Errorf("Unit(12).Name = %q, want Tỉnh Lai Châu", laiChau.Name)
	}
	checkCodes(t, "Children(106)", tr.Children("106"),
		"03390", "03394", "03400", "03405", "03406", "03412", "03413",
		"03415", "03418", "03421", "03424", "03427", "03430")
	if first := tr.Children("106")[0]; first.Name != "Thị trấn Tam Đường" {
		t.Errorf("first child of 106 is %q, want Thị trấn Tam Đường", first.Name)
	}
	checkCodes(t, "Children(12)", tr.Children("12"), "105", "106", "107", "108", "109", "110", "111", "112")
	if got := len(tr.Descendants("12")); got != 8+106 {
		t.Errorf("Lai Châu has %d descendants, want %d", got, 8+106)
	}

	// Leading zeros survive.
	if got, want := tr.Path("00001"), []string{"01", "001", "00001"}; !slices.Equal(got, want) {
		t.Errorf("Path(00001) = %q, want %q", got, want)
	}
	if u, ok := tr.Unit("00001"); !ok || u.Name != "Phường Phúc Xá" {
		t.Errorf("Unit(00001) = %+v, %v", u, ok)
	}
	if _, ok := tr.Unit("1"); ok {
		t.Error(`Unit("1") found a unit: codes were read as numbers`)
	}

	// The five island districts have no communes.
	for _, code := range []string{"318", "471", "498", "536", "755"} {
		if u, ok := tr.Unit(code); !ok || u.Level != "district" || tr.Children(code) != nil {
			t.Errorf("island district %s: %+v, %v, %d children", code, u, ok, len(tr.Children(code)))
		}
	}

	// The file is sorted by level and code, the order of Units, so writing
	// the tree reproduces it byte for byte; and the units read back equal.
	var buf bytes.Buffer
	if err := hierarchy.WriteCSV(&buf, tr.Units()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		t.Error("WriteCSV(tree.Units()) differs from the file")
	}
	back, err := hierarchy.ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkUnits(t, back, units)
}

func TestData2025(t *testing.T) {
	tr, _, _ := loadTree(t, country.File2025)
	if got := len(tr.Roots()); got != 34 {
		t.Errorf("%d roots, want 34", got)
	}
	if got := len(tr.AtLevel("commune")); got != 3321 {
		t.Errorf("%d communes, want 3321", got)
	}
	if got := len(tr.AtLevel("district")); got != 0 {
		t.Errorf("%d districts, want none", got)
	}
	if got := maxDepth(tr); got != 1 {
		t.Errorf("deepest unit at depth %d, want 1 (2 levels)", got)
	}
	wantLevels := []hierarchy.Level{
		{Code: "province", Name: "Tỉnh, thành phố", Depth: 0},
		{Code: "commune", Name: "Xã, phường, thị trấn", Depth: 1},
	}
	if got := tr.Levels(); !slices.Equal(got, wantLevels) {
		t.Errorf("Levels = %v, want %v", got, wantLevels)
	}
	if got, want := tr.Path("00004"), []string{"01", "00004"}; !slices.Equal(got, want) {
		t.Errorf("Path(00004) = %q, want %q", got, want)
	}
	if got := len(tr.Children("01")); got != 126 {
		t.Errorf("Hà Nội has %d communes, want 126", got)
	}
	if u, _ := tr.Unit("00004"); u.Name != "Phường Ba Đình" {
		t.Errorf("Unit(00004).Name = %q", u.Name)
	}
}

func TestDataSubtree(t *testing.T) {
	tr, _, _ := loadTree(t, country.File2024)
	sub, err := tr.Subtree("12")
	if err != nil {
		t.Fatal(err)
	}
	if got := sub.Len(); got != 1+8+106 {
		t.Errorf("Subtree(12) has %d units, want %d", got, 1+8+106)
	}
	if !sub.InSubtree("106", "03390") || sub.InSubtree("106", "00001") {
		t.Error("Subtree(12) membership wrong")
	}
}

func BenchmarkNewTree2024(b *testing.B) {
	raw := readData(b, country.File2024)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		units, err := hierarchy.ReadCSV(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := hierarchy.NewTree(units); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUnitsValidity(t *testing.T) {
	units, err := country.Units()
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 10806+3355 {
		t.Fatalf("%d units, want %d", len(units), 10806+3355)
	}
	day := hierarchy.Day(2025, 7, 1)
	before, after := 0, 0
	for _, u := range units {
		switch {
		case u.ValidFrom.IsZero() && u.ValidTo.Equal(day):
			before++
		case u.ValidFrom.Equal(day) && u.ValidTo.IsZero():
			after++
		default:
			t.Fatalf("unit %s valid %s..%s", u.Code, hierarchy.FormatDate(u.ValidFrom), hierarchy.FormatDate(u.ValidTo))
		}
		if u.ActiveOn(day) == u.ActiveOn(day.AddDate(0, 0, -1)) {
			t.Fatalf("unit %s is active on both 2025-06-30 and 2025-07-01, or on neither", u.Code)
		}
	}
	if before != 10806 || after != 3355 {
		t.Errorf("%d units until 2025-06-30 and %d from 2025-07-01, want 10806 and 3355", before, after)
	}
}

func TestMapping2025(t *testing.T) {
	ch, err := country.Mapping2025()
	if err != nil {
		t.Fatal(err)
	}
	// Counts from the data's README: 10.666 rows, 63 provinces, 5 island
	// districts, 10.598 commune rows, 459 split communes.
	levels := map[string]int{}
	split := map[string]bool{}
	for _, c := range ch {
		levels[c.Level]++
		if c.Partial {
			split[c.Old] = true
		}
		if !c.Date.Equal(country.Reorganisation()) {
			t.Fatalf("row %s → %s effective %s", c.Old, c.New, hierarchy.FormatDate(c.Date))
		}
	}
	if len(ch) != 10666 || levels["province"] != 63 || levels["district"] != 5 || levels["commune"] != 10598 {
		t.Errorf("%d rows, by level %v", len(ch), levels)
	}
	if len(split) != 459 {
		t.Errorf("%d split units, want 459", len(split))
	}
	if n := country.Notice(); !bytes.Contains([]byte(n), []byte("GPL-3.0")) || !bytes.Contains([]byte(n), []byte("MIT")) {
		t.Error("the notice lacks the licences")
	}
}
