package validate

import (
	"sort"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
)

// tamDuong2021 is the member figures of Huyện Tam Đường's 2021 review as
// printed (../shared/seeds/bao-cao-huyen-tam-duong-2021.txt, part 3.1).
// Tiến sĩ is not printed: the report has none, so 0.
var tamDuong2021 = map[string]int64{
	"dang_vien":     2675,
	"dang_vien.nam": 1793, "dang_vien.nu": 881,
	"dang_vien.chinh_thuc": 2572, "dang_vien.du_bi": 103,
	"dang_vien.dan_toc_thieu_so": 1398, "dang_vien.dan_toc_kinh": 1276,
	"dang_vien.hv_chua_biet_chu": 1, "dang_vien.hv_tieu_hoc": 275, "dang_vien.hv_thcs": 550, "dang_vien.hv_thpt": 1848,
	"dang_vien.cm_chua_qua_dao_tao": 808, "dang_vien.cm_so_cap": 68, "dang_vien.cm_trung_cap": 574, "dang_vien.cm_cao_dang": 339,
	"dang_vien.cm_dai_hoc": 859, "dang_vien.cm_thac_si": 27, "dang_vien.cm_tien_si": 0,
	"dang_vien.llct_chua_qua_dao_tao": 1611, "dang_vien.llct_so_cap": 427, "dang_vien.llct_trung_cap": 569, "dang_vien.llct_cao_cap": 67,
	"dang_vien.cbcc_cap_huyen": 147, "dang_vien.cbcc_cap_xa": 321, "dang_vien.khong_chuyen_trach_thon": 447, "dang_vien.vien_chuc": 955,
	"dang_vien.nong_lam_ngu_nghiep": 423, "dang_vien.quan_doi_cong_an": 154, "dang_vien.doanh_nghiep": 28, "dang_vien.nghi_che_do": 177, "dang_vien.khac": 22,
	"dang_vien.tuoi_18_30": 376, "dang_vien.tuoi_31_35": 645, "dang_vien.tuoi_36_40": 675, "dang_vien.tuoi_41_45": 373,
	"dang_vien.tuoi_46_50": 176, "dang_vien.tuoi_51_55": 125, "dang_vien.tuoi_56_60": 105, "dang_vien.tuoi_tren_60": 199,
	// Admissions since 2010 and their "of which": within the total.
	"ket_nap": 1633, "thon_to_dan_pho": 126, "truong_thon_la_dang_vien": 68,
}

func lookup(vals map[string]int64) func(expr.Ref) (int64, bool) {
	return func(r expr.Ref) (int64, bool) {
		v, ok := vals[r.String()]
		return v, ok
	}
}

// TestTamDuong2021: the figures as printed break exactly the six breakdowns
// a careful reader finds off by one (2.674 against 2.675): sex, ethnicity,
// general education, political theory, occupation and age. The status and
// professional-level breakdowns add up.
func TestTamDuong2021(t *testing.T) {
	cat := catalog.Default()
	for _, ref := range keys(tamDuong2021) {
		r, err := expr.Parse(ref)
		if err != nil {
			t.Fatal(err)
		}
		rf := r.Refs()[0]
		if _, ok := cat.Element(rf.Element); !ok {
			t.Fatalf("%s: no such element", ref)
		}
		if rf.Option != "" {
			if _, _, ok := cat.Option(rf.Element, rf.Option); !ok {
				t.Fatalf("%s: no such option", ref)
			}
		}
	}
	rules, err := BuiltIn(cat)
	if err != nil {
		t.Fatal(err)
	}
	got := Check(rules, lookup(tamDuong2021))
	var codes []string
	for _, v := range got {
		codes = append(codes, v.Rule.Code)
		if v.Left.RatString() != "2674" || v.Right.RatString() != "2675" || v.Rule.Importance != Error {
			t.Errorf("%s: %s", v.Rule.Code, v)
		}
	}
	sort.Strings(codes)
	want := []string{
		"dang_vien/dan_toc/sum", "dang_vien/do_tuoi/sum", "dang_vien/gioi_tinh/sum",
		"dang_vien/hoc_van/sum", "dang_vien/ly_luan_chinh_tri/sum", "dang_vien/nghe_nghiep/sum",
	}
	if strings.Join(codes, " ") != strings.Join(want, " ") {
		t.Fatalf("violations %v\nwant       %v", codes, want)
	}
	if !strings.Contains(got[0].String(), "phải cộng lại bằng tổng số") {
		t.Errorf("message: %s", got[0])
	}
}

// TestPartsWithinWholes: an "of which" above its total, or a share
// indicator's numerator above its denominator, is an error; a breakdown not
// entered is not judged.
func TestPartsWithinWholes(t *testing.T) {
	rules, err := BuiltIn(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	got := Check(rules, lookup(map[string]int64{
		"ket_nap": 70, "ket_nap.nu": 80, "ket_nap.doan_vien_thanh_nien": 40,
		"thon_to_dan_pho": 126, "truong_thon_la_dang_vien": 130,
		"dang_vien": 100, "dang_vien.nam": 60, // "nu" not entered: the sex breakdown is not judged
	}))
	var codes []string
	for _, v := range got {
		codes = append(codes, v.Rule.Code)
	}
	sort.Strings(codes)
	if strings.Join(codes, " ") != "ket_nap/nu/part ty_le_ket_nap_nu/part ty_le_truong_thon_la_dang_vien/part" {
		t.Fatalf("violations %v", codes)
	}
}

func keys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
