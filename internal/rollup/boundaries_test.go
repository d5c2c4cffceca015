package rollup

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/validate"
)

// in2025 is the day of the 2025 map.
var in2025 = hierarchy.Day(2025, 7, 1)

func year(y int) period.Range {
	p := period.MustParse(fmt.Sprint(y))
	return period.Range{From: p, To: p}
}

// countryFixture is a node for the whole country ("VN", above the
// provinces of both maps) holding the built-in units of the given old and
// new provinces, both maps, and the mapping rows into those new provinces.
func countryFixture(t *testing.T, oldProvinces, newProvinces []string) *fixture {
	t.Helper()
	old, err := country.Units2024()
	if err != nil {
		t.Fatal(err)
	}
	cur, err := country.Units2025()
	if err != nil {
		t.Fatal(err)
	}
	units := []hierarchy.Unit{{Code: "VN", Name: "Toàn quốc", Level: "country"}}
	keep := map[string]bool{}
	for _, u := range old {
		if u.Parent == "" && slices.Contains(oldProvinces, u.Code) || keep[u.Parent] {
			keep[u.Code] = true
			if u.Parent == "" {
				u.Parent = "VN"
			}
			units = append(units, u)
		}
	}
	keepNew := map[string]bool{}
	for _, u := range cur {
		if u.Parent == "" && slices.Contains(newProvinces, u.Code) || keepNew[u.Parent] {
			keepNew[u.Code] = true
			if u.Parent == "" {
				u.Parent = "VN"
			}
			units = append(units, u)
		}
	}
	all, err := country.Mapping2025()
	if err != nil {
		t.Fatal(err)
	}
	var changes []hierarchy.Change
	for _, c := range all {
		if keepNew[c.New] {
			if !keep[c.Old] {
				t.Fatalf("row %s → %s: old unit outside the old provinces %v", c.Old, c.New, oldProvinces)
			}
			changes = append(changes, c)
		}
	}
	f := newFixture(t, "VN", units[:1])
	if err := f.st.PutUnits(units); err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutChanges(changes); err != nil {
		t.Fatal(err)
	}
	h, err := f.st.History()
	if err != nil {
		t.Fatal(err)
	}
	f.engine.History = h
	f.engine.Tree = h.AsOf(in2025)
	return f
}

// csvRows reads a built-in list with encoding/csv alone, as records keyed
// by the header: the test's own reading, independent of the product's.
func csvRows(t *testing.T, name string) []map[string]string {
	t.Helper()
	raw, err := country.ReadAll(name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestMergedProvincesIn2025Boundaries enters 2021 figures for every old
// commune of Hà Giang and Tuyên Quang (02 + 08 → 08), Lào Cai and Yên Bái
// (10 + 15 → 15) and Lai Châu (12, unchanged), and checks every new province and every new commune made
// only of whole old communes against sums computed here, straight from the
// mapping CSV and the values entered. A new commune that received part of a
// split one must have no value and name the split units.
func TestMergedProvincesIn2025Boundaries(t *testing.T) {
	oldP, newP := []string{"02", "08", "10", "12", "15"}, []string{"08", "12", "15"}
	f := countryFixture(t, oldP, newP)

	// The old communes of those provinces, and each one's old province, from
	// the 2024 CSV.
	parent := map[string]string{}
	var communes []string
	for _, r := range csvRows(t, country.File2024) {
		parent[r["code"]] = r["parent_code"]
		if r["level"] == "commune" {
			if p := parent[r["parent_code"]]; slices.Contains(oldP, p) {
				communes = append(communes, r["code"])
			}
		}
	}
	// Figures that differ by commune: members, women, admissions.
	type fig struct{ members, women, admitted int64 }
	entered := map[string]fig{}
	for i, c := range communes {
		fg := fig{members: int64(100 + i*7%311), women: int64(30 + i*5%97), admitted: int64(i * 3 % 11)}
		entered[c] = fg
		f.report(c, "2021", map[string]int64{"dang_vien": fg.members, "dang_vien.nu": fg.women, "ket_nap": fg.admitted})
	}

	// The expected sums, from the mapping CSV: new province ← old province
	// rows, new commune ← old commune rows.
	provinceOf := map[string]string{} // old province → new province
	sources := map[string][]string{}  // new commune → old communes
	split := map[string][]string{}    // new commune → old split communes
	for _, r := range csvRows(t, country.FileMapping) {
		switch r["level"] {
		case "province":
			provinceOf[r["old_code"]] = r["new_code"]
		case "commune":
			if !slices.Contains(communes, r["old_code"]) {
				continue
			}
			sources[r["new_code"]] = append(sources[r["new_code"]], r["old_code"])
			if r["merge_type"] == "partial" {
				split[r["new_code"]] = append(split[r["new_code"]], r["old_code"])
			}
		}
	}
	wantProvince := map[string]fig{}
	for _, c := range communes {
		np := provinceOf[parent[parent[c]]]
		w := wantProvince[np]
		w.members += entered[c].members
		w.women += entered[c].women
		w.admitted += entered[c].admitted
		wantProvince[np] = w
	}
	if len(wantProvince) != 3 {
		t.Fatalf("expected sums for %d new provinces, want 3", len(wantProvince))
	}

	members, women, admitted := expr.Ref{Element: "dang_vien"}, expr.Ref{Element: "dang_vien", Option: "nu"}, expr.Ref{Element: "ket_nap"}
	c, err := f.engine.CompareLevel("VN", "province", "ty_le_dang_vien_nu", year(2021), in2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 3 {
		t.Fatalf("%d provinces in 2025 boundaries, want 3", len(c.Rows))
	}
	for _, row := range c.Rows {
		w := wantProvince[row.Unit]
		num, den := new(big.Rat).SetInt64(w.women), new(big.Rat).SetInt64(w.members)
		if row.Numerator.Cmp(num) != 0 || row.Denominator.Cmp(den) != 0 || row.Mapping == nil || row.Mapping.Estimated || len(row.Mapping.NotComparable) > 0 {
			t.Errorf("province %s: %s / %s, mapping %+v; want %d / %d, exact", row.Unit, rat(t, row.Numerator), rat(t, row.Denominator), row.Mapping, w.women, w.members)
		}
		for ref, want := range map[expr.Ref]int64{members: w.members, women: w.women, admitted: w.admitted} {
			got, err := f.engine.Value(row.Unit, ref, year(2021), in2025)
			if err != nil || got.Missing || got.Value != want {
				t.Errorf("province %s %v: %+v, %v; want %d", row.Unit, ref, got, err, want)
			}
		}
	}
	// 02 and 08 → 08, and its sources are the two old provinces.
	if iv, _ := f.engine.Indicator("08", "ty_le_dang_vien_nu", year(2021), in2025); iv.Mapping == nil || !slices.Equal(iv.Mapping.Sources, []string{"02", "08"}) {
		t.Errorf("08 in 2025 boundaries: mapping %+v, want sources 02 and 08", iv.Mapping)
	}

	cc, err := f.engine.CompareLevel("VN", "commune", "ty_le_dang_vien_nu", year(2021), in2025)
	if err != nil {
		t.Fatal(err)
	}
	full, flagged := 0, 0
	for _, row := range cc.Rows {
		srcs := sources[row.Unit]
		if len(srcs) == 0 {
			t.Fatalf("new commune %s has no rows in the mapping", row.Unit)
		}
		if sp := split[row.Unit]; len(sp) > 0 {
			flagged++
			slices.Sort(sp)
			if row.Value != nil || row.Mapping == nil || !slices.Equal(row.Mapping.NotComparable, sp) {
				t.Errorf("commune %s (part of split %v): value %s, mapping %+v; want no value, the split units named", row.Unit, sp, rat(t, row.Value), row.Mapping)
			}
			continue
		}
		full++
		var w fig
		for _, s := range srcs {
			w.members += entered[s].members
			w.women += entered[s].women
		}
		if row.Numerator.Cmp(new(big.Rat).SetInt64(w.women)) != 0 || row.Denominator.Cmp(new(big.Rat).SetInt64(w.members)) != 0 || row.Reporting != len(srcs) {
			t.Errorf("commune %s: %s / %s (%d reporting); want %d / %d from %v", row.Unit, rat(t, row.Numerator), rat(t, row.Denominator), row.Reporting, w.women, w.members, srcs)
		}
	}
	if full < 200 {
		t.Errorf("only %d new communes made of whole old ones checked", full)
	}
	t.Logf("checked 3 new provinces, %d new communes made of whole communes, %d with part of a split one", full, flagged)
}

// tamDuong2021 is a 2021 report for each of the 13 communes of Huyện Tam
// Đường (106) and for the five communes of other districts that joined
// them in 2025: members and women members.
var tamDuong2021 = map[string][2]int64{
	"03390": {412, 201}, // Thị trấn Tam Đường
	"03412": {150, 61},  // Xã Bình Lư
	"03413": {98, 40},   // Xã Sơn Bình
	"03394": {120, 52},  // Xã Thèn Sin
	"03400": {143, 66},  // Xã Tả Lèng
	"03405": {76, 30},   // Xã Giang Ma
	"03406": {64, 25},   // Xã Hồ Thầu
	"03415": {70, 31},   // Xã Nùng Nàng
	"03418": {55, 22},   // Xã Bản Giang
	"03421": {58, 24},   // Xã Bản Hon
	"03424": {102, 45},  // Xã Bản Bo
	"03427": {66, 29},   // Xã Nà Tăm
	"03430": {93, 41},   // Xã Khun Há
	"03586": {131, 60},  // Xã Nậm Xe (Huyện Phong Thổ)
	"03592": {87, 35},   // Xã Sin Suối Hồ (Huyện Phong Thổ)
	"03387": {530, 280}, // Phường Tân Phong (Thành phố Lai Châu)
	"03408": {610, 300}, // Phường Đông Phong (Thành phố Lai Châu)
	"03409": {91, 40},   // Xã San Thàng (Thành phố Lai Châu)
}

func laiChauFixture(t *testing.T) *fixture {
	f := countryFixture(t, []string{"12"}, []string{"12"})
	for code, v := range tamDuong2021 {
		f.report(code, "2021", map[string]int64{"dang_vien": v[0], "dang_vien.nu": v[1]})
	}
	return f
}

// TestTamDuongIn2025Boundaries: Tam Đường's 13 communes went into six new
// communes of Lai Châu, with five communes of other districts. The sums,
// by hand from tamDuong2021 and the official mapping:
//
//	03390 Xã Bình Lư       03390+03412+03413             412+150+98 = 660, women 201+61+40 = 302
//	03394 Xã Sin Suối Hồ   03394+03586+03592             120+131+87 = 338, women 52+60+35 = 147
//	03405 Xã Tả Lèng       03400+03405+03406             143+76+64 = 283,  women 66+30+25 = 121
//	03408 Phường Tân Phong 03387+03408+03409+03415+03418 530+610+91+70+55 = 1356, women 280+300+40+31+22 = 673
//	03424 Xã Bản Bo        03424+03427                   102+66 = 168,     women 45+29 = 74
//	03430 Xã Khun Há       03421+03430                   58+93 = 151,      women 24+41 = 65
func TestTamDuongIn2025Boundaries(t *testing.T) {
	f := laiChauFixture(t)
	want := map[string][3]int64{ // members, women, sources
		"03390": {660, 302, 3}, "03394": {338, 147, 3}, "03405": {283, 121, 3},
		"03408": {1356, 673, 5}, "03424": {168, 74, 2}, "03430": {151, 65, 2},
	}
	c, err := f.engine.CompareChildren("12", "ty_le_dang_vien_nu", year(2021), in2025)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, row := range c.Rows {
		w, ok := want[row.Unit]
		if !ok {
			if row.Value != nil {
				t.Errorf("commune %s has a value %s: none of its sources reported", row.Unit, rat(t, row.Value))
			}
			continue
		}
		seen++
		if row.Numerator.Cmp(big.NewRat(w[1], 1)) != 0 || row.Denominator.Cmp(big.NewRat(w[0], 1)) != 0 ||
			row.Value.Cmp(big.NewRat(w[1]*100, w[0])) != 0 || row.Reporting != int(w[2]) || row.Mapping == nil || row.Mapping.Estimated {
			t.Errorf("commune %s: %s / %s = %s (%d reporting, %+v); want %d / %d from %d sources, exact",
				row.Unit, rat(t, row.Numerator), rat(t, row.Denominator), rat(t, row.Value), row.Reporting, row.Mapping, w[1], w[0], w[2])
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the six new communes answered", seen)
	}
	// The province as a whole is the same in either map: every report summed.
	var all int64
	for _, v := range tamDuong2021 {
		all += v[0]
	}
	for _, b := range []time.Time{{}, in2025} {
		got, err := f.engine.Value("12", expr.Ref{Element: "dang_vien"}, year(2021), b)
		if err != nil || got.Value != all || got.Reporting != len(tamDuong2021) {
			t.Errorf("12 in boundaries %v: %+v, %v; want %d from %d", b, got, err, all, len(tamDuong2021))
		}
	}
	// In its own map, 2021 still has district 106: the sum of its 13.
	got, err := f.engine.Value("106", expr.Ref{Element: "dang_vien"}, year(2021), time.Time{})
	if err != nil || got.Value != 412+150+98+120+143+76+64+70+55+58+102+66+93 || got.Mapping != nil {
		t.Errorf("106 in 2021: %+v, %v; want 1507", got, err)
	}
	// 106 does not exist in 2025 boundaries.
	if _, err := f.engine.Value("106", expr.Ref{Element: "dang_vien"}, year(2021), in2025); err == nil {
		t.Error("106 answered in 2025 boundaries, where it does not exist")
	}
}

// TestReusedCode03390: 03390 was Thị trấn Tam Đường until 2025-06-30 and
// is Xã Bình Lư from 2025-07-01. Its 2021 history stays the town's; in
// 2025 boundaries 03390 is the new commune, the town's figures plus those
// of old Xã Bình Lư (03412) and Xã Sơn Bình (03413); the new commune's
// own 2025 report rolls up straight to the province, and its series
// 2020–2025 is one line.
func TestReusedCode03390(t *testing.T) {
	f := laiChauFixture(t)
	f.report("03390", "2020", map[string]int64{"dang_vien": 400, "dang_vien.nu": 195})
	f.report("03412", "2020", map[string]int64{"dang_vien": 148, "dang_vien.nu": 60})
	f.report("03413", "2020", map[string]int64{"dang_vien": 97, "dang_vien.nu": 40})
	f.report("03390", "2025", map[string]int64{"dang_vien": 671, "dang_vien.nu": 305})
	members := expr.Ref{Element: "dang_vien"}

	old, err := f.engine.Value("03390", members, year(2021), time.Time{})
	if err != nil || old.Value != 412 || old.Mapping != nil {
		t.Errorf("03390 in 2021, its own boundaries: %+v, %v; want the town's 412", old, err)
	}
	merged, err := f.engine.Value("03390", members, year(2021), in2025)
	if err != nil || merged.Value != 412+150+98 || merged.Reporting != 3 || !slices.Equal(merged.Mapping.Sources, []string{"03390", "03412", "03413"}) {
		t.Errorf("03390 in 2021, 2025 boundaries: %+v, %v; want 660 from 03390, 03412, 03413", merged, err)
	}
	cur, err := f.engine.Value("03390", members, year(2025), time.Time{})
	if err != nil || cur.Value != 671 || cur.Mapping != nil {
		t.Errorf("03390 in 2025: %+v, %v; want the commune's own 671", cur, err)
	}
	// The 2025 report rolled up under the province, not under 106.
	if p, _ := f.engine.Value("12", members, year(2025), time.Time{}); p.Value != 671 {
		t.Errorf("12 in 2025: %+v, want 671", p)
	}
	if d, _ := f.engine.Value("106", members, year(2021), time.Time{}); d.Value != 1507 {
		t.Errorf("106 in 2021 after the 2025 report: %+v, want 1507 still", d)
	}
	r := period.Range{From: period.MustParse("2020"), To: period.MustParse("2025")}
	series, err := f.engine.Series("03390", "ty_le_dang_vien_nu", r, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wantNum := []int64{195 + 60 + 40, 302, -1, -1, -1, 305}
	wantDen := []int64{400 + 148 + 97, 660, -1, -1, -1, 671}
	for i, p := range series {
		if wantNum[i] < 0 {
			if p.Value != nil {
				t.Errorf("series point %d: %s, want none (nothing reported)", 2020+i, rat(t, p.Value))
			}
			continue
		}
		if p.Numerator.Cmp(big.NewRat(wantNum[i], 1)) != 0 || p.Denominator.Cmp(big.NewRat(wantDen[i], 1)) != 0 {
			t.Errorf("series point %d: %s / %s, want %d / %d", 2020+i, rat(t, p.Numerator), rat(t, p.Denominator), wantNum[i], wantDen[i])
		}
	}
	// Asking 2025 figures in the 2024 map is refused: figures are not
	// mapped back.
	if _, err := f.engine.Value("03390", members, year(2025), hierarchy.Day(2024, 12, 31)); err == nil {
		t.Error("2025 answered in the 2024 map")
	}
}

// TestSplitFlaggedThenApportioned: Phường Bình Chuẩn (25969, Bình Dương)
// was split between the new Phường Thuận Giao (25969, with old Thuận Giao
// 25972) and Phường An Phú (25975, with old An Phú 25975). Without weights
// both new wards are not comparable and name 25969; the new province (79,
// Hồ Chí Minh City) is exact. With weights 2:1 declared by members, the
// town's 301 members go 200,67 / 100,33: floors 200 and 100, and the one
// left goes to the larger remainder (301×2 mod 3 = 2 against 301×1 mod 3 =
// 1), so 201 and 100. Women: 150 → 100 and 50 exactly.
//
//	Thuận Giao  410 + 201 = 611 members, 205 + 100 = 305 women
//	An Phú      250 + 100 = 350 members, 124 + 50 = 174 women
func TestSplitFlaggedThenApportioned(t *testing.T) {
	f := countryFixture(t, []string{"74", "77", "79"}, []string{"79"})
	f.report("25969", "2021", map[string]int64{"dang_vien": 301, "dang_vien.nu": 150})
	f.report("25972", "2021", map[string]int64{"dang_vien": 410, "dang_vien.nu": 205})
	f.report("25975", "2021", map[string]int64{"dang_vien": 250, "dang_vien.nu": 124})
	members, women := expr.Ref{Element: "dang_vien"}, expr.Ref{Element: "dang_vien", Option: "nu"}

	for _, code := range []string{"25969", "25975"} {
		got, err := f.engine.Value(code, members, year(2021), in2025)
		if err != nil || !got.Missing || got.Mapping == nil || !slices.Equal(got.Mapping.NotComparable, []string{"25969"}) {
			t.Errorf("%s without weights: %+v, %v; want no value, not comparable because of 25969", code, got, err)
		}
	}
	if p, err := f.engine.Value("79", members, year(2021), in2025); err != nil || p.Value != 961 || p.Mapping.Estimated || len(p.Mapping.NotComparable) > 0 {
		t.Errorf("79 in 2025 boundaries: %+v, %v; want 961, exact", p, err)
	}

	declared, err := f.st.PutSplitWeights(store.SplitWeights{Old: "25969", Date: in2025,
		Weights: map[string]int64{"25969": 2, "25975": 1}, Basis: "đảng viên ngày 30/6/2025",
		Reason: "Biên bản bàn giao đảng viên khi sắp xếp đơn vị hành chính", DeclaredBy: "ban-to-chuc-tinh-uy"})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string][2]int64{"25969": {611, 305}, "25975": {350, 174}} {
		for i, ref := range []expr.Ref{members, women} {
			got, err := f.engine.Value(code, ref, year(2021), in2025)
			if err != nil || got.Missing || got.Value != want[i] || !got.Mapping.Estimated ||
				!slices.Equal(got.Mapping.Apportioned, []string{"25969"}) || len(got.Mapping.NotComparable) > 0 {
				t.Errorf("%s %v with weights: %+v, %v; want %d, estimated from 25969", code, ref, got, err, want[i])
			}
		}
	}
	iv, err := f.engine.Indicator("25969", "ty_le_dang_vien_nu", year(2021), in2025)
	if err != nil || iv.Value.Cmp(big.NewRat(305*100, 611)) != 0 || !iv.Mapping.Estimated {
		t.Errorf("Thuận Giao's share of women: %s (%+v), %v; want 305/611, estimated", rat(t, iv.Value), iv.Mapping, err)
	}
	all, err := f.st.AllSplitWeights()
	if err != nil || len(all) != 1 || all[0].DeclaredBy != "ban-to-chuc-tinh-uy" || all[0].Basis != "đảng viên ngày 30/6/2025" || !all[0].DeclaredAt.Equal(declared.DeclaredAt) {
		t.Errorf("weights on record: %+v, %v", all, err)
	}
}

func TestApportion(t *testing.T) {
	parts := []string{"a", "b", "c"}
	for _, tc := range []struct {
		v       int64
		weights map[string]int64
		want    map[string]int64
	}{
		{301, map[string]int64{"a": 2, "b": 1, "c": 0}, map[string]int64{"a": 201, "b": 100, "c": 0}},
		// 10 by 1:1:1 is 3,33 each: the one left goes to the first.
		{10, map[string]int64{"a": 1, "b": 1, "c": 1}, map[string]int64{"a": 4, "b": 3, "c": 3}},
		{-10, map[string]int64{"a": 1, "b": 1, "c": 1}, map[string]int64{"a": -4, "b": -3, "c": -3}},
		// 7 by 1:2:4 is exact.
		{7, map[string]int64{"a": 1, "b": 2, "c": 4}, map[string]int64{"a": 1, "b": 2, "c": 4}},
		// 5 by 3:3:4 is 1,5 1,5 2: remainders tie, the first wins.
		{5, map[string]int64{"a": 3, "b": 3, "c": 4}, map[string]int64{"a": 2, "b": 1, "c": 2}},
		// Large weights do not overflow.
		{1 << 40, map[string]int64{"a": 1 << 40, "b": 1 << 40, "c": 1}, map[string]int64{"a": 549755813888, "b": 549755813888, "c": 0}},
	} {
		got := apportion(tc.v, tc.weights, parts)
		var sum int64
		for _, p := range parts {
			sum += got[p]
		}
		if sum != tc.v {
			t.Errorf("apportion(%d, %v) = %v, adds up to %d", tc.v, tc.weights, got, sum)
		}
		for _, p := range parts {
			if got[p] != tc.want[p] {
				t.Errorf("apportion(%d, %v) = %v, want %v", tc.v, tc.weights, got, tc.want)
				break
			}
		}
	}
}

// TestPreviousAcrossTheChange: the first 2025 report of the new Xã Bình Lư
// (03390) is compared with its three sources' 2024 reports summed, not
// with the 2024 report of the town that had its code; a ward that received
// part of a split one has nothing exact to compare with, and says so.
func TestPreviousAcrossTheChange(t *testing.T) {
	f := laiChauFixture(t)
	f.report("03390", "2024", map[string]int64{"dang_vien": 420, "ket_nap": 9})
	f.report("03412", "2024", map[string]int64{"dang_vien": 151, "ket_nap": 3})
	f.report("03413", "2024", map[string]int64{"dang_vien": 99})
	prev, err := f.engine.PreviousReport("03390", "tong_ket_nam", period.MustParse("2025"))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Cell{{Element: "dang_vien", Sum: 420 + 151 + 99, Reporting: 3}, {Element: "ket_nap", Sum: 9 + 3, Reporting: 2}}
	if !prev.Mapped || !slices.Equal(prev.Cells, want) || prev.Mapping.Note() != "" {
		t.Errorf("PreviousReport(03390, 2025) = %+v, want %+v, exact", prev, want)
	}
	// Within one map nothing is mapped.
	if prev, _ := f.engine.PreviousReport("03390", "tong_ket_nam", period.MustParse("2024")); prev.Mapped {
		t.Errorf("PreviousReport(03390, 2024) = %+v, want the unit's own", prev)
	}

	g := countryFixture(t, []string{"74", "77", "79"}, []string{"79"})
	g.report("25969", "2024", map[string]int64{"dang_vien": 301})
	g.report("25972", "2024", map[string]int64{"dang_vien": 410})
	prev, err = g.engine.PreviousReport("25969", "tong_ket_nam", period.MustParse("2025"))
	if err != nil || !prev.Mapped || prev.Cells != nil || !strings.Contains(prev.Mapping.Note(), "25969") {
		t.Errorf("PreviousReport(25969, 2025) = %+v, %v; want nothing to compare with and a note naming 25969", prev, err)
	}
}

// TestBalanceOnTheFirstReportAfterTheMerge: Xã Bình Lư's first report of
// 2025 (680 members, 12 admitted, 2 died) balances against its three
// sources' 2024 members (420 + 151 + 99 = 670; 670 + 12 − 2 = 680), and
// would not against the 420 of the town that had its code.
func TestBalanceOnTheFirstReportAfterTheMerge(t *testing.T) {
	f := laiChauFixture(t)
	f.report("03390", "2024", map[string]int64{"dang_vien": 420})
	f.report("03412", "2024", map[string]int64{"dang_vien": 151})
	f.report("03413", "2024", map[string]int64{"dang_vien": 99})
	rules, err := validate.ForCatalog(f.engine.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	report := validate.LookupOf([]validate.Cell{{Element: "dang_vien", Count: 680}, {Element: "ket_nap", Count: 12}, {Element: "tu_tran", Count: 2},
		{Element: "chuyen_den", Count: 0}, {Element: "khai_tru", Count: 0}, {Element: "xoa_ten", Count: 0}, {Element: "xin_ra_khoi_dang", Count: 0},
		{Element: "huy_quyet_dinh_ket_nap", Count: 0}, {Element: "chuyen_di", Count: 0}})
	balance := func(prev []store.Cell) []validate.Violation {
		var cells []validate.Cell
		for _, c := range prev {
			cells = append(cells, validate.Cell{Element: c.Element, Option: c.Option, Count: c.Sum})
		}
		var out []validate.Violation
		for _, v := range rules.Run(validate.Input{PeriodType: period.Yearly, Values: report, Previous: validate.LookupOf(cells)}) {
			if v.Rule.Code == "can_doi_dang_vien" {
				out = append(out, v)
			}
		}
		return out
	}
	prev, err := f.engine.PreviousReport("03390", "tong_ket_nam", period.MustParse("2025"))
	if err != nil || !prev.Mapped {
		t.Fatalf("PreviousReport = %+v, %v", prev, err)
	}
	if vs := balance(prev.Cells); len(vs) != 0 {
		t.Errorf("against the sources: %v, want balanced", vs)
	}
	own, err := f.st.CurrentReports([]store.ReportKey{{Unit: "03390", DataSet: "tong_ket_nam", Period: "2024"}})
	if err != nil {
		t.Fatal(err)
	}
	if vs := balance(own[store.ReportKey{Unit: "03390", DataSet: "tong_ket_nam", Period: "2024"}]); len(vs) != 1 {
		t.Errorf("against the town's own 2024: %v, want the balance broken", vs)
	}
}
