package rollup

import (
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// laiChau is the province with Tam Đường's communes and Thành phố Lai
// Châu's, as in the 2024 list.
func laiChau() []hierarchy.Unit {
	return []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "105", Name: "Thành phố Lai Châu", Level: "district", Parent: "12"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03386", Name: "Phường Quyết Thắng", Level: "commune", Parent: "105"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	}
}

type fixture struct {
	t      *testing.T
	st     *store.Store
	engine *Engine
	digest int
	revs   map[string]uint64
}

func newFixture(t *testing.T, self string, units []hierarchy.Unit) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Initialise(self, units); err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, engine: &Engine{Store: st, Catalog: catalog.Default(), Tree: tree, Self: self}, revs: map[string]uint64{}}
}

// report stores the next revision of unit's report for period, as if it
// had arrived verified from below.
func (f *fixture) report(unit, p string, vals map[string]int64) {
	f.t.Helper()
	key := unit + "/" + p
	f.revs[key]++
	f.digest++
	var vs []store.Value
	for ref, n := range vals {
		r, err := expr.Parse(ref)
		if err != nil {
			f.t.Fatal(err)
		}
		refs := r.Refs()
		vs = append(vs, store.Value{Element: refs[0].Element, Option: refs[0].Option, Count: n})
	}
	res, err := f.st.PutSubmissions([]store.Incoming{{
		Record: store.Submission{
			Digest: fmt.Sprintf("sha256:%d", f.digest), Unit: unit, DataSet: "tong_ket_nam", Period: p,
			Revision: f.revs[key], SignerFingerprint: "key-" + unit,
		},
		Envelope: []byte("env"),
		Values:   vs,
	}}, false)
	if err != nil || res[0].Outcome != store.Stored {
		f.t.Fatalf("report %s %s: %v %v", unit, p, res, err)
	}
}

func rat(t *testing.T, v *big.Rat) string {
	t.Helper()
	if v == nil {
		return "none"
	}
	return v.FloatString(4)
}

// TestRatioOfSumsNotAverageOfRatios: two communes with 9 of 10 and 10 of 40
// village heads who are members. The district's figure is 19/50 = 38%; the
// average of the two percentages would be 57,5%.
func TestRatioOfSumsNotAverageOfRatios(t *testing.T) {
	f := newFixture(t, "12", laiChau())
	f.report("03390", "2021", map[string]int64{"thon_to_dan_pho": 10, "truong_thon_la_dang_vien": 9})
	f.report("03394", "2021", map[string]int64{"thon_to_dan_pho": 40, "truong_thon_la_dang_vien": 10})
	iv, err := f.engine.Indicator("106", "ty_le_truong_thon_la_dang_vien", period.Range{From: period.MustParse("2021"), To: period.MustParse("2021")}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if rat(t, iv.Numerator) != "19.0000" || rat(t, iv.Denominator) != "50.0000" || rat(t, iv.Value) != "38.0000" || iv.Reporting != 2 {
		t.Fatalf("district 106: %s / %s = %s (%d reporting); want 19 / 50 = 38", rat(t, iv.Numerator), rat(t, iv.Denominator), rat(t, iv.Value), iv.Reporting)
	}
	// The province adds Thành phố Lai Châu's commune: (19+30)/(50+40).
	f.report("03386", "2021", map[string]int64{"thon_to_dan_pho": 40, "truong_thon_la_dang_vien": 30})
	iv, _ = f.engine.Indicator("12", "ty_le_truong_thon_la_dang_vien", period.Range{From: period.MustParse("2021"), To: period.MustParse("2021")}, time.Time{})
	if rat(t, iv.Value) != new(big.Rat).SetFrac64(4900, 90).FloatString(4) {
		t.Fatalf("province: %s, want 4900/90", rat(t, iv.Value))
	}
}

// TestStocksAndFlowsOverTime: members (a stock) over 2019..2021 is the 2021
// figure; admissions (a flow) sum over the three years.
func TestStocksAndFlowsOverTime(t *testing.T) {
	f := newFixture(t, "12", laiChau())
	for _, y := range []struct {
		p               string
		members, admits int64
	}{{"2019", 400, 12}, {"2020", 405, 9}, {"2021", 412, 15}} {
		f.report("03390", y.p, map[string]int64{"dang_vien": y.members, "ket_nap": y.admits})
	}
	r := period.Range{From: period.MustParse("2019"), To: period.MustParse("2021")}
	members, err := f.engine.Value("106", expr.Ref{Element: "dang_vien"}, r, time.Time{})
	if err != nil || members.Value != 412 || members.Missing {
		t.Fatalf("members over 2019..2021: %+v %v, want 412", members, err)
	}
	admits, _ := f.engine.Value("106", expr.Ref{Element: "ket_nap"}, r, time.Time{})
	if admits.Value != 36 || admits.Missing {
		t.Fatalf("admissions over 2019..2021: %+v, want 12+9+15 = 36", admits)
	}
	// Missing is missing, not zero: nothing reported for 2022.
	none, _ := f.engine.Value("106", expr.Ref{Element: "dang_vien"}, period.Range{From: period.MustParse("2022"), To: period.MustParse("2022")}, time.Time{})
	if !none.Missing || none.Reporting != 0 {
		t.Fatalf("2022: %+v, want missing", none)
	}
	// A stock whose last period is missing is missing, even with data before.
	gap, _ := f.engine.Value("106", expr.Ref{Element: "dang_vien"}, period.Range{From: period.MustParse("2020"), To: period.MustParse("2022")}, time.Time{})
	if !gap.Missing {
		t.Fatalf("members over 2020..2022: %+v, want missing (2022 not reported)", gap)
	}
	// The series shows each year, of a flow and of a stock.
	series, err := f.engine.Series("106", "so_dang_vien_ket_nap", r, time.Time{})
	if err != nil || len(series) != 3 || rat(t, series[0].Value) != "12.0000" || rat(t, series[2].Value) != "15.0000" {
		t.Fatalf("series: %v %v", series, err)
	}
	f.report("03390", "2019", map[string]int64{"dang_vien": 400, "ket_nap": 12, "dang_vien.nu": 100})
	f.report("03390", "2021", map[string]int64{"dang_vien": 412, "ket_nap": 15, "dang_vien.nu": 206})
	stock, err := f.engine.Series("106", "ty_le_dang_vien_nu", r, time.Time{})
	if err != nil || len(stock) != 3 || rat(t, stock[0].Value) != "25.0000" || stock[1].Value != nil || rat(t, stock[2].Value) != "50.0000" {
		t.Fatalf("series of a stock: %v %v", stock, err)
	}
}

// TestReplacedRevisionLeavesNoTrace: after a corrected revision, the totals
// are those of the correction alone, for the unit and every ancestor.
func TestReplacedRevisionLeavesNoTrace(t *testing.T) {
	f := newFixture(t, "12", laiChau())
	f.report("03390", "2021", map[string]int64{"dang_vien": 2675, "dang_vien.nu": 881, "dang_vien.nam": 1793, "ket_nap": 70})
	f.report("03390", "2021", map[string]int64{"dang_vien": 2675, "dang_vien.nu": 884, "dang_vien.nam": 1791})
	clean := newFixture(t, "12", laiChau())
	clean.report("03390", "2021", map[string]int64{"dang_vien": 2675, "dang_vien.nu": 884, "dang_vien.nam": 1791})
	got, _ := f.st.RollupBytes()
	want, _ := clean.st.RollupBytes()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roll-ups after a replaced revision differ from a clean history:\n%v\n%v", got, want)
	}
	admits, _ := f.engine.Value("12", expr.Ref{Element: "ket_nap"}, period.Range{From: period.MustParse("2021"), To: period.MustParse("2021")}, time.Time{})
	if !admits.Missing {
		t.Fatalf("admissions of the replaced revision still counted: %+v", admits)
	}
}

// TestOwnValuesAndCompare: the node's own values count for its own unit;
// children are ranked by value with the parent for reference.
func TestOwnValuesAndCompare(t *testing.T) {
	f := newFixture(t, "106", laiChau())
	y := period.MustParse("2021")
	if err := f.st.PutValues(y, []store.Value{{Element: "thon_to_dan_pho", Count: 0}, {Element: "truong_thon_la_dang_vien", Count: 0}}); err != nil {
		t.Fatal(err)
	}
	f.report("03390", "2021", map[string]int64{"thon_to_dan_pho": 10, "truong_thon_la_dang_vien": 9})
	f.report("03394", "2021", map[string]int64{"thon_to_dan_pho": 40, "truong_thon_la_dang_vien": 30})
	c, err := f.engine.CompareChildren("106", "ty_le_truong_thon_la_dang_vien", period.Range{From: y, To: y}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 2 || c.Rows[0].Unit != "03390" || rat(t, c.Rows[0].Value) != "90.0000" || c.Rows[1].Unit != "03394" || rat(t, c.Rows[1].Value) != "75.0000" {
		t.Fatalf("ranking: %+v", c.Rows)
	}
	if rat(t, c.Parent.Value) != "78.0000" || c.Parent.Reporting != 3 {
		t.Fatalf("district: %s with %d reporting, want 39/50 = 78 with 3 (itself and two communes)", rat(t, c.Parent.Value), c.Parent.Reporting)
	}
	// Deleting an own value takes it out.
	if err := f.st.DeleteValue(y, "thon_to_dan_pho", ""); err != nil {
		t.Fatal(err)
	}
	v, _ := f.engine.Value("106", expr.Ref{Element: "thon_to_dan_pho"}, period.Range{From: y, To: y}, time.Time{})
	if v.Value != 50 || v.Reporting != 2 {
		t.Fatalf("after deleting the district's own value: %+v", v)
	}
	// A unit outside the node's subtree is refused.
	if _, err := f.engine.Value("105", expr.Ref{Element: "dang_vien"}, period.Range{From: y, To: y}, time.Time{}); err == nil {
		t.Fatal("a question about another district was answered")
	}
	// Division by zero is no value.
	zero := newFixture(t, "12", laiChau())
	zero.report("03390", "2021", map[string]int64{"thon_to_dan_pho": 0, "truong_thon_la_dang_vien": 0})
	iv, _ := zero.engine.Indicator("03390", "ty_le_truong_thon_la_dang_vien", period.Range{From: y, To: y}, time.Time{})
	if iv.Value != nil || rat(t, iv.Denominator) != "0.0000" {
		t.Fatalf("0/0: %+v", iv)
	}
}

// TestAchievementTamDuong reproduces the Tam Đường report's figures: 68 of
// 126 village heads are members, 53,97%, "đạt 67,5% kế hoạch" of an 80%
// plan; and members rated good or better 94,46% against "trên 90%".
func TestAchievementTamDuong(t *testing.T) {
	a := Achieve(6800.0/126, store.Target{Value: 80, Direction: AtLeast}, nil)
	if fmt.Sprintf("%.2f", a.Value()) != "53.97" || fmt.Sprintf("%.2f", a.ShareOfPlan) != "67.46" || a.Met || fmt.Sprintf("%.2f", a.Difference) != "-26.03" {
		t.Fatalf("village heads: %+v", a)
	}
	base := 40.0
	a = Achieve(233700.0/2474, store.Target{Value: 90, Direction: AtLeast}, &base)
	if !a.Met || fmt.Sprintf("%.2f", a.Difference) != "4.46" || fmt.Sprintf("%.2f", *a.ChangeFromBaseline) != "54.46" {
		t.Fatalf("members rated: %+v", a)
	}
	if !Achieve(5, store.Target{Value: 10, Direction: AtMost}, nil).Met || Achieve(11, store.Target{Value: 10, Direction: AtMost}, nil).Met {
		t.Fatal("at most")
	}
	// Unit targets win over level targets; level targets apply below the
	// node that set them.
	f := newFixture(t, "12", laiChau())
	f.report("03390", "2021", map[string]int64{"thon_to_dan_pho": 10, "truong_thon_la_dang_vien": 9})
	f.report("03390", "2020", map[string]int64{"thon_to_dan_pho": 10, "truong_thon_la_dang_vien": 5})
	for _, tg := range []store.Target{
		{ID: "a", Indicator: "ty_le_truong_thon_la_dang_vien", Level: "commune", Period: "2021", Direction: AtLeast, Value: 80, Baseline: "2020", SetBy: "12"},
		{ID: "b", Indicator: "ty_le_truong_thon_la_dang_vien", Unit: "03394", Period: "2021", Direction: AtLeast, Value: 95, SetBy: "12"},
	} {
		if _, err := f.st.PutTarget(tg); err != nil {
			t.Fatal(err)
		}
	}
	y := period.MustParse("2021")
	r := period.Range{From: y, To: y}
	iv, _ := f.engine.Indicator("03390", "ty_le_truong_thon_la_dang_vien", r, time.Time{})
	ts, _ := f.st.Targets()
	ach, err := f.engine.AchievementOf("ty_le_truong_thon_la_dang_vien", iv, r, ts, time.Time{})
	if err != nil || ach == nil || ach.Target.ID != "a" || !ach.Met || ach.Difference != 10 || *ach.BaselineValue != 50 || *ach.ChangeFromBaseline != 40 {
		t.Fatalf("03390 against the level target: %+v %v", ach, err)
	}
	if tg, ok, _ := f.engine.TargetFor("03394", "ty_le_truong_thon_la_dang_vien", y); !ok || tg.ID != "b" {
		t.Fatalf("03394's own target: %+v %v", tg, ok)
	}
	if _, ok, _ := f.engine.TargetFor("106", "ty_le_truong_thon_la_dang_vien", y); ok {
		t.Fatal("a commune-level target applied to a district")
	}
}

// TestNoTargetForARange: a 2021 target does not judge admissions summed
// over 2019..2021.
func TestNoTargetForARange(t *testing.T) {
	f := newFixture(t, "12", laiChau())
	for y, n := range map[string]int64{"2019": 12, "2020": 9, "2021": 15} {
		f.report("03390", y, map[string]int64{"ket_nap": n})
	}
	if _, err := f.st.PutTarget(store.Target{ID: "k", Indicator: "so_dang_vien_ket_nap", Unit: "03390", Period: "2021", Direction: AtLeast, Value: 20, SetBy: "12"}); err != nil {
		t.Fatal(err)
	}
	ts, _ := f.st.Targets()
	r := period.Range{From: period.MustParse("2019"), To: period.MustParse("2021")}
	iv, _ := f.engine.Indicator("03390", "so_dang_vien_ket_nap", r, time.Time{})
	if a, err := f.engine.AchievementOf("so_dang_vien_ket_nap", iv, r, ts, time.Time{}); a != nil || err != nil {
		t.Fatalf("a range measured against one year's target: %+v %v", a, err)
	}
	y := period.Range{From: period.MustParse("2021"), To: period.MustParse("2021")}
	iv, _ = f.engine.Indicator("03390", "so_dang_vien_ket_nap", y, time.Time{})
	if a, _ := f.engine.AchievementOf("so_dang_vien_ket_nap", iv, y, ts, time.Time{}); a == nil || a.Met || a.Difference != -5 {
		t.Fatalf("2021 alone: %+v", a)
	}
}
