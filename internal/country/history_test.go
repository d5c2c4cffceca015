package country_test

import (
	"slices"
	"testing"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
)

func countryHistory(t testing.TB) *hierarchy.History {
	t.Helper()
	units, err := country.Units()
	if err != nil {
		t.Fatal(err)
	}
	changes, err := country.Mapping2025()
	if err != nil {
		t.Fatal(err)
	}
	h, err := hierarchy.NewHistory(units, changes)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistoryOfTheCountry(t *testing.T) {
	h := countryHistory(t)
	day := country.Reorganisation()
	if got := h.Boundaries(); len(got) != 1 || !got[0].Equal(day) {
		t.Fatalf("Boundaries = %v, want [2025-07-01]", got)
	}
	// Three levels until 2025-06-30, two from 2025-07-01.
	var before, after []string
	for _, l := range h.Levels(hierarchy.Day(2025, 6, 30)) {
		before = append(before, l.Code)
	}
	for _, l := range h.Levels(day) {
		after = append(after, l.Code)
	}
	if !slices.Equal(before, []string{"province", "district", "commune"}) || !slices.Equal(after, []string{"province", "commune"}) {
		t.Errorf("levels before %v, after %v", before, after)
	}
	if n := h.AsOf(hierarchy.Day(2021, 12, 31)).Len(); n != 10806 {
		t.Errorf("the 2021 map has %d units, want 10806", n)
	}
	if n := h.AsOf(hierarchy.Day(2026, 1, 1)).Len(); n != 3355 {
		t.Errorf("the 2026 map has %d units, want 3355", n)
	}

	// 03390 is two units.
	vs := h.Versions("03390")
	if len(vs) != 2 || vs[0].Name != "Thị trấn Tam Đường" || vs[0].Parent != "106" || vs[1].Name != "Xã Bình Lư" || vs[1].Parent != "12" {
		t.Fatalf("versions of 03390: %+v", vs)
	}
	if u, _ := h.Unit("03390", hierarchy.Day(2021, 12, 31)); u.Name != "Thị trấn Tam Đường" {
		t.Errorf("03390 in 2021 is %q", u.Name)
	}
	origins, ok := h.Origins("03390", day)
	var codes []string
	for _, o := range origins {
		codes = append(codes, o.Code)
	}
	if !ok || !slices.Equal(codes, []string{"03390", "03412", "03413"}) {
		t.Errorf("Origins(03390) = %v, %v; want 03390, 03412, 03413", codes, ok)
	}
	// 02 + 08 → 08.
	origins, _ = h.Origins("08", day)
	if len(origins) != 2 || origins[0].Code != "02" || origins[1].Code != "08" || origins[0].Partial {
		t.Errorf("Origins(08) = %+v", origins)
	}
	// A district node keeps the map it ended in.
	if tr := h.TreeFor("106", hierarchy.Day(2026, 1, 1)); tr.Depth("03390") != 2 {
		t.Errorf("TreeFor(106) has 03390 at depth %d, want 2", tr.Depth("03390"))
	}

	kinds := map[string]int{}
	for _, e := range h.Events() {
		kinds[e.Kind]++
	}
	// 459 split communes; 696 districts and the district level abolished;
	// every new province but the 11 unchanged ones is a merge.
	if kinds[hierarchy.EventSplit] != 459 || kinds[hierarchy.EventLevelAbolished] != 1 || kinds[hierarchy.EventAbolished] != 696-5 {
		t.Errorf("events by kind: %v", kinds)
	}
}
