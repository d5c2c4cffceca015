package validate

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/period"
)

// ratings is footnote 10 of the Tam Đường 2021 report: the yearly ratings
// of base organisations, cells and members, 2010–2020, as printed. The
// scale before 2018 (TSVM / HTTNV / HTNV / yếu kém, members breaching
// their duties) maps onto today's four levels in order. Per year:
// organisations, cells, members, each total then its four levels.
var ratings = map[int][3][5]int64{
	2010: {{47, 27, 10, 10, 0}, {201, 124, 73, 4, 0}, {1602, 246, 1202, 147, 7}},
	2011: {{51, 34, 16, 1, 0}, {205, 134, 71, 0, 0}, {1354, 178, 942, 185, 49}},
	2012: {{51, 36, 12, 3, 0}, {229, 119, 78, 31, 1}, {1307, 197, 880, 223, 7}},
	2013: {{45, 24, 15, 3, 3}, {256, 155, 80, 21, 0}, {1307, 197, 880, 223, 7}},
	2014: {{45, 22, 21, 1, 1}, {262, 126, 112, 24, 0}, {2027, 253, 1551, 200, 23}},
	2015: {{45, 22, 21, 1, 1}, {262, 126, 112, 24, 0}, {2027, 253, 1551, 200, 23}},
	2016: {{42, 18, 24, 0, 0}, {260, 125, 127, 7, 1}, {2282, 270, 1820, 173, 19}},
	2017: {{60, 30, 30, 0, 0}, {239, 109, 121, 9, 0}, {2375, 281, 1901, 171, 22}},
	2018: {{55, 11, 42, 2, 0}, {237, 47, 181, 9, 0}, {2496, 278, 2018, 180, 20}},
	2019: {{52, 10, 41, 1, 0}, {206, 38, 154, 14, 0}, {2513, 278, 2076, 142, 17}},
	2020: {{51, 9, 38, 4, 0}, {198, 37, 146, 15, 0}, {2474, 303, 2034, 116, 21}},
}

func ratingValues(year int) map[string]int64 {
	out := map[string]int64{}
	for i, el := range []string{"to_chuc_co_so_dang_xep_loai", "chi_bo_truc_thuoc_xep_loai", "dang_vien_xep_loai"} {
		r := ratings[year][i]
		out[el] = r[0]
		for j, o := range []string{"htxsnv", "httnv", "htnv", "khtnv"} {
			out[el+"."+o] = r[j+1]
		}
	}
	return out
}

// TestRatingSeriesCopies: of 2011–2020, exactly 2013 (members as in 2012)
// and 2015 (everything as in 2014) repeat the year before, as warnings;
// the series otherwise adds up.
func TestRatingSeriesCopies(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	var flagged []string
	for y := 2011; y <= 2020; y++ {
		for _, v := range set.Run(Input{Values: lookup(ratingValues(y)), Previous: lookup(ratingValues(y - 1))}) {
			if !strings.HasSuffix(v.Rule.Code, "/copy") {
				// 2010–2017 used another scale whose totals still add up.
				t.Errorf("%d: unexpected %s", y, v)
				continue
			}
			if v.Rule.Importance != Warning {
				t.Errorf("%d: %s is not a warning", y, v.Rule.Code)
			}
			flagged = append(flagged, fmt.Sprintf("%d %s %s=%s", y, v.Rule.Code, v.Left.RatString(), v.Right.RatString()))
		}
	}
	want := []string{
		"2013 dang_vien_xep_loai/copy 1307=1307",
		"2015 to_chuc_co_so_dang_xep_loai/copy 45=45",
		"2015 chi_bo_truc_thuoc_xep_loai/copy 262=262",
		"2015 dang_vien_xep_loai/copy 2027=2027",
	}
	slices.Sort(flagged)
	slices.Sort(want)
	if !slices.Equal(flagged, want) {
		t.Fatalf("flagged\n%s\nwant\n%s", strings.Join(flagged, "\n"), strings.Join(want, "\n"))
	}
}

// TestBalance: 2.474 members, 70 admitted and 5 transferred in, 3 died and
// 6 transferred out make 2.540; a report of 2.541 is one too many.
func TestBalance(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	flows := map[string]int64{"ket_nap": 70, "chuyen_den": 5, "tu_tran": 3, "khai_tru": 0, "xoa_ten": 0,
		"xin_ra_khoi_dang": 0, "huy_quyet_dinh_ket_nap": 0, "chuyen_di": 6}
	prev := lookup(map[string]int64{"dang_vien": 2474})
	for _, tc := range []struct {
		stock int64
		want  string
	}{{2540, ""}, {2541, "can_doi_dang_vien 2541 == 2540"}} {
		vals := map[string]int64{"dang_vien": tc.stock}
		for k, v := range flows {
			vals[k] = v
		}
		var got []string
		for _, v := range set.Run(Input{Values: lookup(vals), Previous: prev}) {
			got = append(got, fmt.Sprintf("%s %s %s %s", v.Rule.Code, v.Left.RatString(), v.Rule.Op, v.Right.RatString()))
		}
		if strings.Join(got, "; ") != tc.want {
			t.Errorf("stock %d: %q, want %q", tc.stock, got, tc.want)
		}
		// Without the period before, the balance is not judged.
		if vs := set.Run(Input{Values: lookup(vals)}); len(vs) != 0 {
			t.Errorf("stock %d without a previous period: %v", tc.stock, vs)
		}
	}
	// A flow not entered leaves the balance unjudged: missing is not zero.
	if vs := set.Run(Input{Values: lookup(map[string]int64{"dang_vien": 9999, "ket_nap": 1}), Previous: prev}); len(vs) != 0 {
		t.Errorf("incomplete flows judged: %v", vs)
	}
}

// TestOutliers: Tam Đường's 13 communes admit 3–9 members a year; one
// reporting 90 stands out against its siblings (median 5, MAD 1,5, z =
// 0,6745·85/1,5 ≈ 38,2) and against its own years of 4–7 (median 5, MAD
// 1, z ≈ 57,3). 9 does not (z ≈ 1,8 and 2,7).
func TestOutliers(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	var peers, history []Lookup
	for _, n := range []int64{3, 4, 5, 5, 6, 7, 9, 3, 5, 8, 2, 6} {
		peers = append(peers, lookup(map[string]int64{"ket_nap": n}))
	}
	for _, n := range []int64{4, 5, 6, 7, 5} {
		history = append(history, lookup(map[string]int64{"ket_nap": n}))
	}
	codes := func(x int64) []string {
		var out []string
		for _, v := range set.Run(Input{Values: lookup(map[string]int64{"ket_nap": x}), History: history, Peers: peers}) {
			if v.Rule.Importance != Warning {
				t.Errorf("%s is not a warning", v.Rule.Code)
			}
			out = append(out, v.Rule.Code+" "+v.Left.RatString()+" vs "+v.Right.FloatString(1))
		}
		return out
	}
	if got := codes(9); len(got) != 0 {
		t.Errorf("9: %v", got)
	}
	got := codes(90)
	want := []string{"ket_nap/outlier/history 90 vs 5.0", "ket_nap/outlier/peers 90 vs 5.0"}
	if !slices.Equal(got, want) {
		t.Errorf("90: %v, want %v", got, want)
	}
	// A steady history of the same figure: any other figure stands out.
	steady := []Lookup{}
	for range 5 {
		steady = append(steady, lookup(map[string]int64{"ket_nap": 50}))
	}
	if vs := set.Run(Input{Values: lookup(map[string]int64{"ket_nap": 100000}), History: steady}); len(vs) != 1 || vs[0].Rule.Code != "ket_nap/outlier/history" {
		t.Errorf("against a steady history: %v", vs)
	}
	if vs := set.Run(Input{Values: lookup(map[string]int64{"ket_nap": 50}), History: steady}); len(vs) != 0 {
		t.Errorf("the steady figure again: %v", vs)
	}
	// Fewer than five others say nothing.
	if vs := set.Run(Input{Values: lookup(map[string]int64{"ket_nap": 90}), Peers: peers[:4]}); len(vs) != 0 {
		t.Errorf("four peers: %v", vs)
	}
}

// TestProbationYearly: 10 confirmed against 8 on probation a year before
// is a warning for a yearly report; a quarterly one is not judged by a
// yearly rule.
func TestProbationYearly(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Values:   lookup(map[string]int64{"cong_nhan_chinh_thuc": 10}),
		Previous: lookup(map[string]int64{"dang_vien.du_bi": 8}),
	}
	in.PeriodType = period.Yearly
	got := set.Run(in)
	if len(got) != 1 || got[0].Rule.Code != "cong_nhan_chinh_thuc_tu_du_bi" || got[0].Rule.Importance != Warning ||
		got[0].Left.RatString() != "10" || got[0].Rule.Op != LessEqual || got[0].Right.RatString() != "8" {
		t.Fatalf("yearly: %v", got)
	}
	in.PeriodType = period.Quarterly
	if got := set.Run(in); len(got) != 0 {
		t.Fatalf("quarterly: %v", got)
	}
}

// TestSmallRepeatsAreNotCopies: twelve organisations rated 3/7/2/0 two
// years running, or members 30 of whom 30 full both years, repeat by
// chance more often than by copying; 45 rated 22/21/1/1 does not.
func TestSmallRepeatsAreNotCopies(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vals map[string]int64
		want int
	}{
		{map[string]int64{"to_chuc_co_so_dang_xep_loai": 12, "to_chuc_co_so_dang_xep_loai.htxsnv": 3, "to_chuc_co_so_dang_xep_loai.httnv": 7, "to_chuc_co_so_dang_xep_loai.htnv": 2, "to_chuc_co_so_dang_xep_loai.khtnv": 0}, 0},
		{map[string]int64{"dang_vien": 30, "dang_vien.chinh_thuc": 30, "dang_vien.du_bi": 0}, 0},
		{map[string]int64{"to_chuc_co_so_dang_xep_loai": 45, "to_chuc_co_so_dang_xep_loai.htxsnv": 22, "to_chuc_co_so_dang_xep_loai.httnv": 21, "to_chuc_co_so_dang_xep_loai.htnv": 1, "to_chuc_co_so_dang_xep_loai.khtnv": 1}, 1},
	} {
		if got := set.Run(Input{Values: lookup(tc.vals), Previous: lookup(tc.vals)}); len(got) != tc.want {
			t.Errorf("%v: %v", tc.vals, got)
		}
	}
}
