package cli

import (
	"context"
	"strings"
	"testing"
)

// TestTamDuongSecretariesAndEthnicGroups: Huyện Tam Đường enters what its
// 2021 report prints of its 49 base secretaries and its members' twelve
// ethnic groups. "Thạc sỹ: 10/49 đ/c, chiếm 20,04%" comes out as 20,41%,
// and the groups, which add up to 2.674, are flagged against the 2.675
// members.
func TestTamDuongSecretariesAndEthnicGroups(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	at := []string{"--addr", addr, "--unit", "106", "--period", "2021"}
	put := func(vals ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, ctx, "", append(append([]string{"values", "put"}, at...), vals...)...)
		if code != 0 {
			t.Fatalf("values put: %d %s %s", code, out, errOut)
		}
		return out
	}
	put("bi_thu_co_so=49", "bi_thu_co_so.xa_phuong_thi_tran=13", "bi_thu_co_so.cm_thac_si=10", "bi_thu_co_so.cm_dai_hoc=34",
		"bi_thu_co_so.cm_trung_cap=5", "bi_thu_co_so.llct_cao_cap=33", "bi_thu_co_so.llct_trung_cap=16")
	for indicator, want := range map[string]string{"ty_le_bi_thu_co_so_thac_si": "20,41%", "ty_le_bi_thu_co_so_llct_cao_cap": "67,35%"} {
		code, out, errOut := runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", indicator, "--period", "2021")
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, " 49 ") {
			t.Fatalf("%s: %d, want %s of 49\n%s%s", indicator, code, want, out, errOut)
		}
	}

	out := put("dang_vien=2675", "dang_vien.dt_kinh=1276", "dang_vien.dt_mong=399", "dang_vien.dt_thai=347", "dang_vien.dt_dao=148",
		"dang_vien.dt_lu=148", "dang_vien.dt_lao=142", "dang_vien.dt_giay=136", "dang_vien.dt_muong=24", "dang_vien.dt_tay=18",
		"dang_vien.dt_nung=6", "dang_vien.dt_khang=4", "dang_vien.dt_khac=26")
	if !strings.Contains(out, "Đảng viên theo thành phần dân tộc phải cộng lại bằng tổng số: là 2.674, phải bằng 2.675") {
		t.Fatalf("the twelve groups against the total not flagged:\n%s", out)
	}
	code, out, _ := runCLI(t, ctx, "", append([]string{"values", "get"}, at...)...)
	if code != 0 || !strings.Contains(out, "Đảng viên — Mông") || !strings.Contains(out, "1.276") {
		t.Fatalf("values get:\n%s", out)
	}
}

// TestStrictTargetAndBaselineOnly: "trên 90%" is a strict target; a
// baseline without a target states only the change since then.
func TestStrictTargetAndBaselineOnly(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	for _, p := range [][]string{
		{"2020", "to_chuc_co_so_dang_xep_loai=51", "to_chuc_co_so_dang_xep_loai.htxsnv=9", "to_chuc_co_so_dang_xep_loai.httnv=38"},
		{"2016", "thon_to_dan_pho=126", "truong_thon_la_dang_vien=50"},
		{"2020", "thon_to_dan_pho=126", "truong_thon_la_dang_vien=68"},
	} {
		if code, _, errOut := runCLI(t, ctx, "", append([]string{"values", "put", "--addr", addr, "--unit", "106", "--period", p[0]}, p[1:]...)...); code != 0 {
			t.Fatal(errOut)
		}
	}
	set := func(args ...string) {
		t.Helper()
		if code, out, errOut := runCLI(t, ctx, "", append([]string{"targets", "set", "--addr", addr, "--unit", "106", "--period", "2020"}, args...)...); code != 0 {
			t.Fatalf("targets set %v: %s %s", args, out, errOut)
		}
	}
	set("--indicator", "ty_le_to_chuc_co_so_dang_httnv_tro_len", "--above", "90", "--note", "trên 90%")
	set("--indicator", "ty_le_truong_thon_la_dang_vien", "--baseline", "2016")
	code, out, errOut := runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "ty_le_to_chuc_co_so_dang_httnv_tro_len", "--period", "2020")
	if code != 0 || !strings.Contains(out, "92,16%") || !strings.Contains(out, "> 90,00%") || !strings.Contains(out, "đạt") {
		t.Fatalf("47/51 against > 90%%: %d\n%s%s", code, out, errOut)
	}
	// 68/126 = 53,97% in 2020 against 50/126 = 39,68% in 2016.
	code, out, errOut = runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "ty_le_truong_thon_la_dang_vien", "--period", "2020")
	if code != 0 || !strings.Contains(out, "53,97%") || !strings.Contains(out, "+14,29 (2016)") || strings.Contains(out, "chưa đạt") {
		t.Fatalf("baseline only: %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, ctx, "", "targets", "set", "--addr", addr, "--unit", "106", "--period", "2020", "--indicator", "ty_le_dang_vien_nu")
	if code != 1 || !strings.Contains(errOut, "target.direction") {
		t.Fatalf("neither a target nor a baseline: %d %s", code, errOut)
	}
}
