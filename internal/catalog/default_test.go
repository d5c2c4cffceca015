package catalog

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

// The default catalogue is a contract with stored data: a code that
// disappears orphans figures. These lists are written out in full so that a
// silent drop or rename fails here.

var wantBreakdowns = []string{
	"loai_to_chuc_co_so_dang", "loai_hinh_to_chuc_co_so_dang",
	"gioi_tinh", "tinh_trang_dang_vien", "dan_toc", "dan_toc_chi_tiet", "ton_giao", "do_tuoi",
	"hoc_van", "chuyen_mon", "ly_luan_chinh_tri", "nghe_nghiep", "cap_uy",
	"ket_nap_trong_do",
	"xep_loai_chat_luong", "hinh_thuc_ky_luat", "loai_kiem_tra_giam_sat",
}

var wantElements = []struct {
	code       string
	group      string
	nature     Nature
	breakdowns []string
}{
	{"to_chuc_co_so_dang", "organisations", Stock, []string{"loai_to_chuc_co_so_dang", "loai_hinh_to_chuc_co_so_dang"}},
	{"chi_bo_truc_thuoc", "organisations", Stock, nil},
	{"to_chuc_co_so_dang_thanh_lap", "organisations", Flow, []string{"loai_to_chuc_co_so_dang", "loai_hinh_to_chuc_co_so_dang"}},
	{"to_chuc_co_so_dang_giai_the", "organisations", Flow, []string{"loai_to_chuc_co_so_dang", "loai_hinh_to_chuc_co_so_dang"}},
	{"to_chuc_co_so_dang_sap_nhap", "organisations", Flow, []string{"loai_to_chuc_co_so_dang", "loai_hinh_to_chuc_co_so_dang"}},
	{"chi_bo_truc_thuoc_thanh_lap", "organisations", Flow, nil},
	{"chi_bo_truc_thuoc_giai_the", "organisations", Flow, nil},
	{"thon_to_dan_pho", "organisations", Stock, nil},
	{"thon_to_dan_pho_co_chi_bo", "organisations", Stock, nil},
	{"truong_thon_la_dang_vien", "organisations", Stock, nil},
	{"bi_thu_kiem_truong_thon", "organisations", Stock, nil},
	{"chi_bo_sinh_hoat_chuyen_de", "organisations", Stock, nil},
	{"cap_uy_vien", "organisations", Stock, []string{"cap_uy"}},
	{"cap_uy_vien_theo_doi_co_so", "organisations", Stock, []string{"loai_hinh_to_chuc_co_so_dang"}},
	{"cap_uy_vien_co_so", "organisations", Stock, []string{"chuyen_mon", "ly_luan_chinh_tri"}},
	{"bi_thu_co_so", "organisations", Stock, []string{"loai_hinh_to_chuc_co_so_dang", "chuyen_mon", "ly_luan_chinh_tri"}},
	{"dang_vien", "members", Stock, []string{"gioi_tinh", "tinh_trang_dang_vien", "dan_toc", "ton_giao", "do_tuoi", "hoc_van", "chuyen_mon", "ly_luan_chinh_tri", "nghe_nghiep", "dan_toc_chi_tiet"}},
	{"ket_nap", "members", Flow, []string{"ket_nap_trong_do"}},
	{"cong_nhan_chinh_thuc", "members", Flow, nil},
	{"chuyen_den", "members", Flow, nil},
	{"chuyen_di", "members", Flow, nil},
	{"tu_tran", "members", Flow, nil},
	{"khai_tru", "members", Flow, nil},
	{"xoa_ten", "members", Flow, nil},
	{"xin_ra_khoi_dang", "members", Flow, nil},
	{"huy_quyet_dinh_ket_nap", "members", Flow, nil},
	{"mien_cong_tac_sinh_hoat", "members", Stock, nil},
	{"tam_mien_sinh_hoat_lam_an_xa", "members", Stock, nil},
	{"gioi_thieu_noi_cu_tru", "members", Stock, nil},
	{"to_chuc_co_so_dang_xep_loai", "ratings", Stock, []string{"xep_loai_chat_luong"}},
	{"chi_bo_truc_thuoc_xep_loai", "ratings", Stock, []string{"xep_loai_chat_luong"}},
	{"dang_vien_xep_loai", "ratings", Stock, []string{"xep_loai_chat_luong"}},
	{"to_chuc_dang_bi_ky_luat", "discipline", Flow, nil},
	{"dang_vien_bi_ky_luat", "discipline", Flow, []string{"hinh_thuc_ky_luat"}},
	{"kiem_tra_giam_sat", "discipline", Flow, []string{"loai_kiem_tra_giam_sat"}},
	{"lop_boi_duong_cap_uy", "training", Flow, nil},
	{"hoc_vien_boi_duong_cap_uy", "training", Flow, nil},
	{"lop_doi_tuong_ket_nap", "training", Flow, nil},
	{"hoc_vien_doi_tuong_ket_nap", "training", Flow, nil},
	{"lop_dang_vien_moi", "training", Flow, nil},
	{"hoc_vien_dang_vien_moi", "training", Flow, nil},
}

var wantSections = []string{
	"I.1",
	"I.2.1", "I.2.2", "I.2.3", "I.2.4", "I.2.5",
	"I.3.1", "I.3.2", "I.3.3", "I.3.4",
	"II.1", "II.2", "II.3",
	"III.1", "III.2", "III.3",
}

// tamDuong holds figures summed over the units, mostly from the Tam Đường
// report of 2021 (members by sex use the corrected total's female figure).
var tamDuong = map[expr.Ref]int64{
	{Element: "thon_to_dan_pho"}:                                          126,
	{Element: "truong_thon_la_dang_vien"}:                                 68,
	{Element: "bi_thu_kiem_truong_thon"}:                                  15,
	{Element: "thon_to_dan_pho_co_chi_bo"}:                                126,
	{Element: "chi_bo_truc_thuoc"}:                                        209,
	{Element: "to_chuc_co_so_dang", Option: "chi_bo_co_so"}:               35,
	{Element: "chi_bo_sinh_hoat_chuyen_de"}:                               200,
	{Element: "cap_uy_vien"}:                                              256,
	{Element: "cap_uy_vien_theo_doi_co_so"}:                               40,
	{Element: "cap_uy_vien_theo_doi_co_so", Option: "xa_phuong_thi_tran"}: 26,
	// "tổng số cấp ủy viên cấp cơ sở là 256 đ/c: ... Thạc sỹ: 20/256 ...
	// Cao cấp: 60/256"; "Bí thư chi, đảng bộ cơ sở 49 đ/c ... Thạc sỹ:
	// 10/49 đ/c, chiếm 20,04%; Đại học: 34/49 ... Cao cấp: 33/49 đ/c,
	// chiếm 67,34%": the report's 20,04% and 67,34% are 20,41% and 67,35%.
	{Element: "cap_uy_vien_co_so"}:                             256,
	{Element: "cap_uy_vien_co_so", Option: "cm_thac_si"}:       20,
	{Element: "cap_uy_vien_co_so", Option: "llct_cao_cap"}:     60,
	{Element: "bi_thu_co_so"}:                                  49,
	{Element: "bi_thu_co_so", Option: "cm_thac_si"}:            10,
	{Element: "bi_thu_co_so", Option: "cm_dai_hoc"}:            34,
	{Element: "bi_thu_co_so", Option: "cm_tien_si"}:            0,
	{Element: "bi_thu_co_so", Option: "llct_cao_cap"}:          33,
	{Element: "to_chuc_co_so_dang_xep_loai"}:                   51,
	{Element: "to_chuc_co_so_dang_xep_loai", Option: "htxsnv"}: 9,
	{Element: "to_chuc_co_so_dang_xep_loai", Option: "httnv"}:  38,
	{Element: "chi_bo_truc_thuoc_xep_loai"}:                    198,
	{Element: "chi_bo_truc_thuoc_xep_loai", Option: "htxsnv"}:  37,
	{Element: "chi_bo_truc_thuoc_xep_loai", Option: "httnv"}:   146,
	{Element: "dang_vien_xep_loai"}:                            2474,
	{Element: "dang_vien_xep_loai", Option: "htxsnv"}:          303,
	{Element: "dang_vien_xep_loai", Option: "httnv"}:           2034,
	{Element: "dang_vien_xep_loai", Option: "khtnv"}:           21,
	{Element: "dang_vien"}:                                     2675,
	{Element: "dang_vien", Option: "nu"}:                       884,
	{Element: "dang_vien", Option: "dan_toc_thieu_so"}:         1398,
	{Element: "dang_vien", Option: "co_ton_giao"}:              82,
	{Element: "dang_vien", Option: "du_bi"}:                    103,
	{Element: "dang_vien", Option: "tuoi_18_30"}:               376,
	{Element: "dang_vien", Option: "cm_dai_hoc"}:               859,
	{Element: "dang_vien", Option: "cm_thac_si"}:               27,
	{Element: "dang_vien", Option: "cm_tien_si"}:               0,
	{Element: "dang_vien", Option: "llct_trung_cap"}:           569,
	{Element: "dang_vien", Option: "llct_cao_cap"}:             67,
	{Element: "ket_nap"}:                                       1633,
	{Element: "ket_nap", Option: "doan_vien_thanh_nien"}:       1314,
	{Element: "ket_nap", Option: "nu"}:                         724,
	{Element: "ket_nap", Option: "dan_toc_thieu_so"}:           743,
	{Element: "chuyen_den"}:                                    498,
	{Element: "chuyen_di"}:                                     881,
	{Element: "tu_tran"}:                                       128,
	{Element: "khai_tru"}:                                      42,
	{Element: "xoa_ten"}:                                       37,
	{Element: "xin_ra_khoi_dang"}:                              22,
	{Element: "huy_quyet_dinh_ket_nap"}:                        3,
}

// wantIndicators are worked out by hand from tamDuong, rounded half away
// from zero to the indicator's decimals.
var wantIndicators = []struct {
	code string
	want string
}{
	{"ty_le_truong_thon_la_dang_vien", "53.97"},         // 6800/126 = 53.968…
	{"ty_le_bi_thu_kiem_truong_thon", "11.90"},          // 1500/126 = 11.904…
	{"ty_le_thon_co_chi_bo", "100.00"},                  // 126/126
	{"ty_le_chi_bo_sinh_hoat_chuyen_de", "81.97"},       // 20000/(209+35) = 81.967…
	{"ty_le_cap_uy_vien_theo_doi_co_so", "15.63"},       // 4000/256 = 15.625 exactly: half rounds up
	{"ty_le_bi_thu_co_so_thac_si", "20.41"},             // 1000/49 = 20.408… (the report printed 20,04%)
	{"ty_le_bi_thu_co_so_dai_hoc_tro_len", "89.80"},     // (34+10+0)*100/49 = 89.795…
	{"ty_le_bi_thu_co_so_llct_cao_cap", "67.35"},        // 3300/49 = 67.346… (printed 67,34%)
	{"ty_le_cap_uy_vien_co_so_thac_si", "7.81"},         // 2000/256 = 7.8125
	{"ty_le_cap_uy_vien_co_so_llct_cao_cap", "23.44"},   // 6000/256 = 23.4375
	{"ty_le_cap_uy_vien_theo_doi_xa", "10.16"},          // 2600/256 = 10.156…
	{"ty_le_to_chuc_co_so_dang_httnv_tro_len", "92.16"}, // (9+38)*100/51 = 92.156…
	{"ty_le_chi_bo_truc_thuoc_httnv_tro_len", "92.42"},  // (37+146)*100/198 = 92.424…
	{"ty_le_dang_vien_httnv_tro_len", "94.46"},          // (303+2034)*100/2474 = 94.462…
	{"ty_le_dang_vien_khtnv", "0.85"},                   // 2100/2474 = 0.848…
	{"ty_le_dang_vien_nu", "33.05"},                     // 88400/2675 = 33.046…
	{"ty_le_dang_vien_dan_toc_thieu_so", "52.26"},       // 139800/2675 = 52.261…
	{"ty_le_dang_vien_ton_giao", "3.07"},                // 8200/2675 = 3.065…
	{"ty_le_dang_vien_du_bi", "3.85"},                   // 10300/2675 = 3.850…
	{"ty_le_dang_vien_tre", "14.06"},                    // 37600/2675 = 14.056…
	{"ty_le_dang_vien_dai_hoc_tro_len", "33.12"},        // (859+27+0)*100/2675 = 33.121…
	{"ty_le_dang_vien_llct_trung_cap_tro_len", "23.78"}, // (569+67)*100/2675 = 23.775…
	{"so_dang_vien_ket_nap", "1633"},                    //
	{"ty_le_ket_nap_doan_vien_thanh_nien", "80.47"},     // 131400/1633 = 80.465…
	{"ty_le_ket_nap_nu", "44.34"},                       // 72400/1633 = 44.335…
	{"ty_le_ket_nap_dan_toc_thieu_so", "45.50"},         // 74300/1633 = 45.499…
	{"so_dang_vien_tang", "2131"},                       // 1633 + 498
	{"so_dang_vien_giam", "1113"},                       // 881+128+42+37+22+3
	{"tang_giam_dang_vien", "1018"},                     // 2131 - 1113
	{"so_dang_vien_dua_ra_khoi_dang", "104"},            // 42+37+22+3
}

func TestDefaultParses(t *testing.T) {
	c := Default()
	if c.Version() != "2021.3" {
		t.Errorf("Version() = %q, want 2021.3", c.Version())
	}
	if d := c.Digest(); len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
		t.Errorf("Digest() = %q, want 64 lower-case hex digits", d)
	}
	if len(c.Breakdowns()) != 17 || len(c.Elements()) != 41 || len(c.Indicators()) != 30 || len(c.DataSets()) != 1 {
		t.Errorf("counts: %d breakdowns, %d elements, %d indicators, %d data sets; want 17, 41, 30, 1",
			len(c.Breakdowns()), len(c.Elements()), len(c.Indicators()), len(c.DataSets()))
	}
}

func TestDefaultBreakdowns(t *testing.T) {
	c := Default()
	var got []string
	for _, b := range c.Breakdowns() {
		got = append(got, b.Code)
	}
	if !reflect.DeepEqual(got, wantBreakdowns) {
		t.Errorf("breakdowns =\n%v\nwant\n%v", got, wantBreakdowns)
	}
	options := map[string]int{
		"loai_to_chuc_co_so_dang": 2, "loai_hinh_to_chuc_co_so_dang": 7,
		"gioi_tinh": 2, "tinh_trang_dang_vien": 2, "dan_toc": 2, "dan_toc_chi_tiet": 55, "ton_giao": 2, "do_tuoi": 8, "cap_uy": 4,
		"hoc_van": 4, "chuyen_mon": 7, "ly_luan_chinh_tri": 4, "nghe_nghiep": 9,
		"ket_nap_trong_do": 4, "xep_loai_chat_luong": 4, "hinh_thuc_ky_luat": 4, "loai_kiem_tra_giam_sat": 2,
	}
	for code, n := range options {
		b, ok := c.Breakdown(code)
		if !ok {
			t.Errorf("Breakdown(%q) missing", code)
			continue
		}
		if len(b.Options) != n {
			t.Errorf("breakdown %s has %d options, want %d", code, len(b.Options), n)
		}
		wantKind := Partition
		if code == "ket_nap_trong_do" {
			wantKind = Subset
		}
		if b.Kind != wantKind {
			t.Errorf("breakdown %s kind = %v, want %v", code, b.Kind, wantKind)
		}
	}
	// The nine occupation groups of the Tam Đường report, in its order.
	b, _ := c.Breakdown("nghe_nghiep")
	wantOcc := []string{
		"Cán bộ, công chức cơ quan Đảng, Nhà nước cấp huyện",
		"Cán bộ, công chức, người hoạt động không chuyên trách cấp xã",
		"Người hoạt động không chuyên trách ở thôn, bản",
		"Viên chức trong các đơn vị sự nghiệp",
		"Người làm nông, lâm, ngư nghiệp",
		"Sỹ quan, chiến sỹ quân đội, công an",
		"Trong doanh nghiệp",
		"Nghỉ việc chế độ, nghỉ làm việc",
		"Khác (lao động hợp đồng, tự do, nhân viên phục vụ)",
	}
	for i, o := range b.Options {
		if o.Name != wantOcc[i] {
			t.Errorf("occupation %d = %q, want %q", i, o.Name, wantOcc[i])
		}
	}
}

func TestDefaultElements(t *testing.T) {
	c := Default()
	els := c.Elements()
	if len(els) != len(wantElements) {
		t.Fatalf("%d elements, want %d", len(els), len(wantElements))
	}
	for i, w := range wantElements {
		e := els[i]
		if e.Code != w.code || e.Group != w.group || e.Nature != w.nature || e.ValueType != Count ||
			!reflect.DeepEqual(e.Breakdowns, w.breakdowns) {
			t.Errorf("element %d = %s %s %v %v %v; want %s %s %v count %v",
				i, e.Code, e.Group, e.Nature, e.ValueType, e.Breakdowns, w.code, w.group, w.nature, w.breakdowns)
		}
		if e.Name == "" || e.NameEN == "" || e.Description == "" {
			t.Errorf("element %s lacks a name, English name or description", e.Code)
		}
	}

	members, ok := c.Element("dang_vien")
	if !ok || members.Nature != Stock {
		t.Fatalf("dang_vien = %+v, %v; want a stock", members, ok)
	}
	sex, ok := c.Breakdown(members.Breakdowns[0])
	if !ok || sex.Code != "gioi_tinh" || len(sex.Options) != 2 || sex.Kind != Partition {
		t.Errorf("first breakdown of dang_vien = %+v, want gioi_tinh, a partition of 2", sex)
	}
	admitted, ok := c.Element("ket_nap")
	if !ok || admitted.Nature != Flow || len(admitted.Breakdowns) != 1 {
		t.Fatalf("ket_nap = %+v, %v; want a flow with one breakdown", admitted, ok)
	}
	if b, _ := c.Breakdown(admitted.Breakdowns[0]); b.Kind != Subset {
		t.Errorf("ket_nap's breakdown %s is %v, want subset", b.Code, b.Kind)
	}
	if _, ok := c.Element("members"); ok {
		t.Error("Element(members) found; codes are Vietnamese")
	}
}

func TestDefaultOption(t *testing.T) {
	c := Default()
	tests := []struct {
		element, option string
		breakdown       string // "" = must not resolve
		name            string
	}{
		{"dang_vien", "nu", "gioi_tinh", "Nữ"},
		{"dang_vien", "du_bi", "tinh_trang_dang_vien", "Đảng viên dự bị"},
		{"dang_vien", "tuoi_tren_60", "do_tuoi", "Trên 60 tuổi"},
		{"dang_vien", "cm_thac_si", "chuyen_mon", "Thạc sĩ"},
		{"dang_vien", "llct_cao_cap", "ly_luan_chinh_tri", "Cao cấp, cử nhân"},
		{"dang_vien", "khac", "nghe_nghiep", "Khác (lao động hợp đồng, tự do, nhân viên phục vụ)"},
		{"ket_nap", "nu", "ket_nap_trong_do", "Nữ"},
		{"to_chuc_co_so_dang", "khac", "loai_hinh_to_chuc_co_so_dang", "Khác"},
		{"dang_vien_bi_ky_luat", "khai_tru", "hinh_thuc_ky_luat", "Khai trừ"},
		{"dang_vien", "htxsnv", "", ""},
		{"dang_vien", "", "", ""},
		{"ket_nap", "nam", "", ""},
		{"chi_bo_truc_thuoc", "nu", "", ""},
		{"khong_co", "nu", "", ""},
	}
	for _, tt := range tests {
		b, o, ok := c.Option(tt.element, tt.option)
		if tt.breakdown == "" {
			if ok {
				t.Errorf("Option(%q, %q) = %s, %s; want none", tt.element, tt.option, b.Code, o.Code)
			}
			continue
		}
		if !ok || b.Code != tt.breakdown || o.Code != tt.option || o.Name != tt.name {
			t.Errorf("Option(%q, %q) = %s, %+v, %v; want %s, %q", tt.element, tt.option, b.Code, o, ok, tt.breakdown, tt.name)
		}
	}
	if !c.HasRef(expr.Ref{Element: "dang_vien", Option: "nu"}) || !c.HasRef(expr.Ref{Element: "ket_nap"}) ||
		c.HasRef(expr.Ref{Element: "ket_nap", Option: "nam"}) || c.HasRef(expr.Ref{Element: "khong_co"}) {
		t.Error("HasRef disagrees with the catalogue")
	}
}

func TestDefaultDataSet(t *testing.T) {
	c := Default()
	ds, ok := c.DataSet("tong_ket_nam")
	if !ok {
		t.Fatal("data set tong_ket_nam missing")
	}
	if ds.Name != "Báo cáo tổng kết năm về xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên" {
		t.Errorf("Name = %q", ds.Name)
	}
	if ds.PeriodType != period.Yearly {
		t.Errorf("PeriodType = %v, want yearly", ds.PeriodType)
	}
	// One yearly data set collects every element.
	if len(ds.Elements) != len(wantElements) {
		t.Errorf("data set has %d elements, want %d", len(ds.Elements), len(wantElements))
	}
	for _, w := range wantElements {
		if !ds.HasElement(w.code) {
			t.Errorf("data set lacks %s", w.code)
		}
	}
	if ds.HasElement("khong_co") {
		t.Error("HasElement(khong_co) = true")
	}
	var got []string
	for _, s := range ds.Sections {
		got = append(got, s.Code)
		if s.Title == "" || s.TitleEN == "" {
			t.Errorf("section %s lacks a title", s.Code)
		}
	}
	if !reflect.DeepEqual(got, wantSections) {
		t.Errorf("sections =\n%v\nwant (outline order)\n%v", got, wantSections)
	}
	titles := map[string]string{
		"I.1":   "Công tác lãnh đạo, chỉ đạo xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên",
		"I.2.4": "Về sinh hoạt đảng bộ, cấp ủy, chi bộ",
		"I.3.3": "Về công tác phát triển đảng viên",
		"II.2":  "Hạn chế, khuyết điểm và nguyên nhân",
		"III.3": "Đề xuất, kiến nghị",
	}
	for code, want := range titles {
		if s, ok := ds.Section(code); !ok || s.Title != want {
			t.Errorf("Section(%s) = %q, %v; want %q", code, s.Title, ok, want)
		}
	}
	if _, ok := ds.Section("IV.1"); ok {
		t.Error("Section(IV.1) found")
	}
}

func TestDefaultIndicators(t *testing.T) {
	c := Default()
	inds := c.Indicators()
	if len(inds) != len(wantIndicators) {
		t.Fatalf("%d indicators, want %d", len(inds), len(wantIndicators))
	}
	lookup := func(r expr.Ref) (int64, bool) {
		v, ok := tamDuong[r]
		return v, ok
	}
	for i, w := range wantIndicators {
		ind := inds[i]
		if ind.Code != w.code {
			t.Errorf("indicator %d = %s, want %s", i, ind.Code, w.code)
			continue
		}
		v, ok := ind.Eval(lookup)
		if !ok {
			t.Errorf("%s: no value (refs %v)", ind.Code, ind.Refs())
			continue
		}
		if got := v.FloatString(ind.Decimals); got != w.want {
			t.Errorf("%s = %s, want %s", ind.Code, got, w.want)
		}
		isCount := ind.Denominator == nil
		switch {
		case isCount && (ind.Factor != 1 || ind.Unit != "đảng viên" || ind.Decimals != 0):
			t.Errorf("%s: count indicator with factor %d, unit %q, decimals %d", ind.Code, ind.Factor, ind.Unit, ind.Decimals)
		case !isCount && (ind.Factor != 100 || ind.Unit != "%" || ind.Decimals != 2):
			t.Errorf("%s: percentage with factor %d, unit %q, decimals %d", ind.Code, ind.Factor, ind.Unit, ind.Decimals)
		}
		if ind.Name == "" || ind.NameEN == "" {
			t.Errorf("%s lacks a name", ind.Code)
		}
	}
}

func TestIndicatorNoValue(t *testing.T) {
	c := Default()
	ind, _ := c.Indicator("ty_le_truong_thon_la_dang_vien")
	v, ok := ind.Eval(func(r expr.Ref) (int64, bool) { return 0, true })
	if ok {
		t.Errorf("0/0 = %v, want no value", v)
	}
	v, ok = ind.Eval(func(r expr.Ref) (int64, bool) { return 5, r.Element != "truong_thon_la_dang_vien" })
	if ok {
		t.Errorf("missing numerator = %v, want no value", v)
	}
	net, _ := c.Indicator("tang_giam_dang_vien")
	v, ok = net.Eval(func(r expr.Ref) (int64, bool) { return 1, r.Element != "tu_tran" })
	if ok {
		t.Errorf("net change with tu_tran missing = %v, want no value", v)
	}
	// Net change can be negative.
	v, ok = net.Eval(func(r expr.Ref) (int64, bool) { return 1, true })
	if !ok || v.FloatString(0) != "-4" {
		t.Errorf("net change with every flow 1 = %v, %v; want -4", v, ok)
	}
	want := []expr.Ref{{Element: "chi_bo_sinh_hoat_chuyen_de"}, {Element: "chi_bo_truc_thuoc"}, {Element: "to_chuc_co_so_dang", Option: "chi_bo_co_so"}}
	if cells, _ := c.Indicator("ty_le_chi_bo_sinh_hoat_chuyen_de"); !reflect.DeepEqual(cells.Refs(), want) {
		t.Errorf("Refs() = %v, want %v", cells.Refs(), want)
	}
}

// TestDefaultText checks the Vietnamese text: composed (NFC) so that equal
// names compare and hash equal, with no stray whitespace.
func TestDefaultText(t *testing.T) {
	c := Default()
	check := func(what, s string) {
		if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
			t.Errorf("%s: stray whitespace in %q", what, s)
		}
		for _, r := range s {
			// Vietnamese letters all have precomposed forms; a combining
			// mark means the text is decomposed (NFD), as some editors save.
			if unicode.Is(unicode.Mn, r) {
				t.Errorf("%s: %q contains combining mark %U; want NFC", what, s, r)
				break
			}
		}
	}
	for _, b := range c.Breakdowns() {
		check(b.Code, b.Name)
		check(b.Code, b.NameEN)
		for _, o := range b.Options {
			check(b.Code+"."+o.Code, o.Name)
			check(b.Code+"."+o.Code, o.NameEN)
		}
	}
	for _, e := range c.Elements() {
		check(e.Code, e.Name)
		check(e.Code, e.NameEN)
		check(e.Code, e.Description)
	}
	for _, ds := range c.DataSets() {
		check(ds.Code, ds.Name)
		for _, s := range ds.Sections {
			check(s.Code, s.Title)
		}
	}
	for _, ind := range c.Indicators() {
		check(ind.Code, ind.Name)
		check(ind.Code, ind.Unit)
	}
}

// TestDefaultDigest pins the digest of the built-in catalogue to its
// version: whoever edits default.yaml must bump the version and update this
// pair, so that two nodes never hold different catalogues under one version.
func TestDefaultDigest(t *testing.T) {
	const (
		version = "2021.3"
		digest  = "f0a8958d3bb9f9175088b6da7ef54b442d4ec67bad63e3dbdd00236c4ff351ef"
	)
	c := Default()
	if c.Version() != version || c.Digest() != digest {
		t.Errorf("default catalogue is version %s, digest %s; pinned: version %s, digest %s.\n"+
			"If you changed default.yaml on purpose, bump its version and update this test.",
			c.Version(), c.Digest(), version, digest)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	c := Default()
	c.Elements()[0].Breakdowns[0] = "x"
	e, _ := c.Element("to_chuc_co_so_dang")
	e.Breakdowns[1] = "y"
	c.Breakdowns()[0].Options[0].Name = "x"
	b, _ := c.Breakdown("gioi_tinh")
	b.Options[0].Code = "x"
	_, o, _ := c.Option("dang_vien", "nu")
	o.Name = "x"
	ds, _ := c.DataSet("tong_ket_nam")
	ds.Elements[0] = "x"
	ds.Sections[0].Title = "x"
	c.DataSets()[0].Sections[1].Code = "x"
	c.Indicators()[0].Code = "x"

	fresh := Default()
	if !reflect.DeepEqual(c.Elements(), fresh.Elements()) ||
		!reflect.DeepEqual(c.Breakdowns(), fresh.Breakdowns()) ||
		!reflect.DeepEqual(c.DataSets(), fresh.DataSets()) ||
		!reflect.DeepEqual(c.Indicators(), fresh.Indicators()) {
		t.Error("modifying returned values changed the catalogue")
	}
	if c.Digest() != fresh.Digest() {
		t.Error("digest changed")
	}
}

func TestDefaultYAML(t *testing.T) {
	y := DefaultYAML()
	c, err := Parse(y)
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest() != Default().Digest() {
		t.Error("DefaultYAML does not parse to Default")
	}
	y[0] = '!'
	if DefaultYAML()[0] == '!' {
		t.Error("DefaultYAML returns the embedded bytes themselves")
	}
}

func TestEnumStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Stock.String(), "stock"}, {Flow.String(), "flow"}, {Nature(0).String(), "Nature(0)"},
		{Count.String(), "count"}, {ValueType(9).String(), "ValueType(9)"},
		{Partition.String(), "partition"}, {Subset.String(), "subset"}, {BreakdownKind(0).String(), "BreakdownKind(0)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
