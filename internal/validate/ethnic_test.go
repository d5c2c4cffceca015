package validate

import (
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
)

// tamDuongEthnic are the twelve figures of "Cơ cấu về thành phần dân tộc"
// in the Tam Đường report of 2021 (part 3.1), as printed: eleven groups
// named and "Dân tộc khác", which add up to 2.674 of the 2.675 members.
var tamDuongEthnic = map[string]int64{
	"dang_vien.dt_kinh": 1276, "dang_vien.dt_mong": 399, "dang_vien.dt_thai": 347,
	"dang_vien.dt_dao": 148, "dang_vien.dt_lu": 148, "dang_vien.dt_lao": 142,
	"dang_vien.dt_giay": 136, "dang_vien.dt_muong": 24, "dang_vien.dt_tay": 18,
	"dang_vien.dt_nung": 6, "dang_vien.dt_khang": 4, "dang_vien.dt_khac": 26,
}

func violated(t *testing.T, vals map[string]int64) map[string]Violation {
	t.Helper()
	rules, err := BuiltIn(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Violation{}
	for _, v := range Check(rules, lookup(vals)) {
		out[v.Rule.Code] = v
	}
	return out
}

// TestEthnicGroupsAsPrinted: the twelve groups entered as printed, the 42
// groups not named count as none, and their sum is flagged against the
// total: 2.674 against 2.675. Kinh (1.276) and the minorities (1.398)
// agree with the groups.
func TestEthnicGroupsAsPrinted(t *testing.T) {
	vals := map[string]int64{"dang_vien": 2675, "dang_vien.dan_toc_kinh": 1276, "dang_vien.dan_toc_thieu_so": 1398}
	for k, v := range tamDuongEthnic {
		vals[k] = v
	}
	got := violated(t, vals)
	v, ok := got["dang_vien/dan_toc_chi_tiet/sum"]
	if !ok || v.Left.RatString() != "2674" || v.Right.RatString() != "2675" || v.Rule.Importance != Error {
		t.Fatalf("the groups' sum against the total: %+v (all: %v)", v, got)
	}
	if v.Rule.Message != "Đảng viên theo thành phần dân tộc phải cộng lại bằng tổng số" {
		t.Errorf("message %q", v.Rule.Message)
	}
	// Kinh and minorities as printed also sum to 2.674.
	if _, ok := got["dang_vien/dan_toc/sum"]; !ok {
		t.Error("Kinh and minorities (2.674) against 2.675 not flagged")
	}
	for _, code := range []string{"dang_vien/dan_toc_thieu_so/dan_toc_chi_tiet", "dang_vien/dan_toc_kinh/dan_toc_chi_tiet"} {
		if v, ok := got[code]; ok {
			t.Errorf("%s flagged though the groups agree: %v", code, v)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d violations, want 2: %v", len(got), got)
	}
}

// TestEthnicGrouping: minorities that disagree with the groups are named
// with both figures; a report without the groups is not judged on them.
func TestEthnicGrouping(t *testing.T) {
	vals := map[string]int64{"dang_vien": 2674, "dang_vien.dan_toc_kinh": 1276, "dang_vien.dan_toc_thieu_so": 1397}
	for k, v := range tamDuongEthnic {
		vals[k] = v
	}
	got := violated(t, vals)
	v, ok := got["dang_vien/dan_toc_thieu_so/dan_toc_chi_tiet"]
	if !ok || v.Left.RatString() != "1398" || v.Right.RatString() != "1397" {
		t.Fatalf("minorities 1.397 against groups 1.398: %+v (all %v)", v, got)
	}
	if v.Rule.Message != "Đảng viên (Người dân tộc thiểu số) phải bằng tổng theo thành phần dân tộc" {
		t.Errorf("message %q", v.Rule.Message)
	}
	if _, ok := got["dang_vien/dan_toc_chi_tiet/sum"]; ok {
		t.Error("groups summing to the total flagged")
	}
	// Only the split, as before the 54 groups: nothing about groups.
	got = violated(t, map[string]int64{"dang_vien": 2675, "dang_vien.dan_toc_kinh": 1276, "dang_vien.dan_toc_thieu_so": 1399})
	if len(got) != 0 {
		t.Errorf("a report without the groups: %v", got)
	}
	// Groups without the split: the sum is judged, the grouping is not.
	got = violated(t, map[string]int64{"dang_vien": 10, "dang_vien.dt_mong": 7, "dang_vien.dt_kinh": 2})
	if v, ok := got["dang_vien/dan_toc_chi_tiet/sum"]; !ok || v.Left.RatString() != "9" || len(got) != 1 {
		t.Errorf("7 + 2 of 10: %v", got)
	}
}
