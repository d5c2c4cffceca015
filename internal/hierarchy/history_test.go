package hierarchy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var day2025 = Day(2025, 7, 1)

// history2025 is a slice of Lai Châu across 2025-07-01: district 106 with
// two communes, which merge into the new 03390 directly under the province.
func history2025(t *testing.T) *History {
	t.Helper()
	units := []Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12", ValidTo: day2025},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106", ValidTo: day2025},
		{Code: "03412", Name: "Xã Bình Lư", Level: "commune", Parent: "106", ValidTo: day2025},
		{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12", ValidFrom: day2025},
	}
	changes := []Change{
		{Old: "03412", New: "03390", OldName: "Xã Bình Lư", NewName: "Xã Bình Lư", Level: "commune", Date: day2025},
		{Old: "03390", New: "03390", OldName: "Thị trấn Tam Đường", NewName: "Xã Bình Lư", Level: "commune", Date: day2025},
	}
	h, err := NewHistory(units, changes)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistory(t *testing.T) {
	h := history2025(t)
	before, after := h.AsOf(Day(2025, 6, 30)), h.AsOf(day2025)
	if before.Depth("03390") != 2 || after.Depth("03390") != 1 {
		t.Errorf("03390 at depth %d before, %d after; want 2 and 1", before.Depth("03390"), after.Depth("03390"))
	}
	if u, _ := before.Unit("03390"); u.Name != "Thị trấn Tam Đường" {
		t.Errorf("03390 before is %q", u.Name)
	}
	if h.Era(Day(2025, 6, 30)) != 0 || h.Era(day2025) != 1 || h.Era(Day(2030, 1, 1)) != 1 {
		t.Error("eras wrong")
	}
	o, ok := h.Origins("03390", day2025)
	if !ok || len(o) != 2 || o[0].Code != "03390" || o[1].Code != "03412" {
		t.Errorf("Origins = %+v, %v", o, ok)
	}
	// The province has no row: unchanged, it is its own origin.
	if o, ok := h.Origins("12", day2025); !ok || len(o) != 1 || o[0].Code != "12" {
		t.Errorf("Origins(12) = %+v, %v", o, ok)
	}
	var kinds []string
	for _, e := range h.Events() {
		kinds = append(kinds, e.Kind+":"+strings.Join(e.Old, "+")+">"+strings.Join(e.New, "+"))
	}
	want := []string{"merge:03390+03412>03390", "abolished:106>", "level_abolished:district>"}
	if !slices.Equal(kinds, want) {
		t.Errorf("Events = %q, want %q", kinds, want)
	}
	if tr := h.TreeFor("106", Day(2026, 1, 1)); tr.Depth("106") != 1 {
		t.Error("TreeFor(106) after its end is not the map it ended in")
	}
}

func TestNewHistoryErrors(t *testing.T) {
	base := []Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "12", ValidTo: day2025},
	}
	for _, tc := range []struct {
		name    string
		units   []Unit
		changes []Change
		want    string
	}{
		{"overlap", append(slices.Clone(base), Unit{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12", ValidFrom: Day(2025, 1, 1)}),
			nil, "are both valid on a common day"},
		{"undated twice", append(slices.Clone(base[:1]), Unit{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"}), nil, "both valid"},
		{"parent missing then", append(slices.Clone(base), Unit{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"}),
			nil, `parent "106" does not exist`},
		{"old not valid", base, []Change{{Old: "03412", New: "12", Date: day2025}}, "old unit 03412 is not valid on 2025-06-30"},
		{"new not valid", base, []Change{{Old: "03390", New: "03999", Date: day2025}}, "new unit 03999 is not valid on 2025-07-01"},
	} {
		_, err := NewHistory(tc.units, tc.changes)
		if !errors.Is(err, ErrInvalidHistory) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidHistory with %q", tc.name, err, tc.want)
		}
	}
}

func TestSupersede(t *testing.T) {
	old := []Unit{{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"}, {Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"}}
	got := Supersede(old, []Unit{{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"}}, day2025)
	if len(got) != 3 || !got[0].ValidTo.Equal(day2025) || !got[1].ValidTo.Equal(day2025) || !got[2].ValidFrom.Equal(day2025) || !got[2].ValidTo.IsZero() {
		t.Errorf("Supersede = %+v", got)
	}
	if _, err := NewHistory(got, nil); err != nil {
		t.Errorf("superseded units are not a history: %v", err)
	}
}
