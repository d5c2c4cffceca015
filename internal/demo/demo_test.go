package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// TestDemoOnce runs the whole demo hierarchy and checks what `demo --once
// --json` promises: nine nodes, and every district's and commune's report
// received and verified at the province.
func TestDemoOnce(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), Options{
		DataDir: t.TempDir(), GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
		Once: true, JSON: true, Out: &out, Logger: zaptest.NewLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("demo --json printed %q: %v", out.String(), err)
	}
	if len(s.Nodes) != 9 || s.Nodes[0].UnitCode != "12" || s.Nodes[0].Level != "province" {
		t.Fatalf("nodes: %+v", s.Nodes)
	}
	if !strings.HasPrefix(s.Tokens.Admin, "thk1.") || !strings.HasPrefix(s.Tokens.Viewer, "thk1.") || s.Tokens.Admin == s.Tokens.Viewer {
		t.Fatalf("tokens: %+v", s.Tokens)
	}
	if len(s.Tokens.SignIn) != 3 || s.Tokens.SignIn[0].UnitCode != "12" || !strings.Contains(s.Tokens.SignIn[0].URL, s.Nodes[0].HTTP+"/#dang-nhap=thk1.") {
		t.Fatalf("sign-in links: %+v", s.Tokens.SignIn)
	}
	if s.Root.Received != 16 || s.Root.Verified != 16 || s.Root.Rejected != 0 {
		t.Fatalf("root: received %d, verified %d, rejected %d", s.Root.Received, s.Root.Verified, s.Root.Rejected)
	}
	seen := map[string]bool{}
	for _, sub := range s.Root.Submissions {
		if !sub.Verified || sub.Revision != 1 || sub.Period != "2021" && sub.Period != "2020" {
			t.Errorf("submission %+v", sub)
		}
		seen[sub.UnitCode] = true
	}
	for _, code := range []string{"105", "106", "03386", "03387", "03388", "03390", "03394", "03400"} {
		if !seen[code] {
			t.Errorf("no report of %s at the province", code)
		}
	}

	// The round: Thèn Sin's breakdown caught and blocked, Tả Lèng late and
	// Tam Đường with it, every report accepted by its parent, and the
	// province's counts (Lai Châu has 8 districts and 106 communes; the
	// demo runs 2 and 6 of them).
	r := s.Round
	if r.ID != "12.tong_ket_nam.2021" || r.Reference != Reference {
		t.Errorf("round %s %q", r.ID, r.Reference)
	}
	if c := r.Caught; c.UnitCode != Caught || c.Rule != "dang_vien/gioi_tinh/sum" || c.Blocked != "FailedPrecondition" {
		t.Errorf("caught %+v", c)
	}
	if lv, _ := strconv.Atoi(r.Caught.Left); strconv.Itoa(lv-1) != r.Caught.Right {
		t.Errorf("caught %s == %s, want one too many", r.Caught.Left, r.Caught.Right)
	}
	if strings.Join(r.Late, " ") != "03400 106" {
		t.Errorf("late %v", r.Late)
	}
	got := map[string]LevelCount{}
	for _, l := range r.Levels {
		got[l.Level] = l
	}
	for level, want := range map[string]LevelCount{
		"district": {Level: "district", Expected: 8, Submitted: 2, OnTime: 1, Late: 1, Missing: 6, Accepted: 2},
		"commune":  {Level: "commune", Expected: 106, Submitted: 6, OnTime: 5, Late: 1, Missing: 100, Accepted: 6},
		"total":    {Level: "total", Expected: 114, Submitted: 8, OnTime: 6, Late: 2, Missing: 106, Accepted: 8},
	} {
		if got[level] != want {
			t.Errorf("%s: %+v, want %+v", level, got[level], want)
		}
	}
	if len(r.Units) != 8 {
		t.Errorf("units %+v", r.Units)
	}
	for _, u := range r.Units {
		if u.State != "đã duyệt" || u.Revision != 1 {
			t.Errorf("unit %+v", u)
		}
	}
}

// TestDemoTransition checks the 2025 act of `demo --once --json`: Tam
// Đường's three communes and the district retire, children first; the
// three new communes the official mapping formed from them enrol with the
// province; their 2025 reports verify there; and each one's 2021 figure in
// 2025 boundaries is the sum over its sources that reported, computed here
// from the sample figures: only the demo's old commune ran a node.
func TestDemoTransition(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{
		DataDir: t.TempDir(), GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
		Once: true, JSON: true, Out: &out, Logger: zaptest.NewLogger(t),
	}); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	tr := s.Transition
	var retired []string
	for _, r := range tr.Retired {
		retired = append(retired, r.UnitCode+">"+r.Parent)
		if r.Revoked != 1 {
			t.Errorf("retiring %s revoked %d certificates", r.UnitCode, r.Revoked)
		}
	}
	if strings.Join(retired, " ") != "03390>106 03394>106 03400>106 106>12" {
		t.Errorf("retired %v", retired)
	}
	// The official mapping: Xã Bình Lư 03390 ← 03390, 03412, 03413; Xã Sin
	// Suối Hồ 03394 ← 03394, 03586, 03592; Xã Tả Lèng 03405 ← 03400, 03405, 03406.
	want := map[string]struct{ old, sources string }{
		"03390": {"03390", "03390 03412 03413"},
		"03394": {"03394", "03394 03586 03592"},
		"03405": {"03400", "03400 03405 03406"},
	}
	if len(tr.Enrolled) != 3 || tr.Received != 3 || tr.Verified != 3 {
		t.Fatalf("enrolled %d, received %d, verified %d", len(tr.Enrolled), tr.Received, tr.Verified)
	}
	sample := func(code, year, option string) float64 {
		for _, v := range Sample(hierarchy.Unit{Code: code, Level: "commune"}, year) {
			if v.DataElement == "dang_vien" && v.Option == option {
				n, _ := strconv.Atoi(v.Value)
				return float64(n)
			}
		}
		t.Fatalf("no dang_vien.%s in the sample of %s", option, code)
		return 0
	}
	for _, e := range tr.Enrolled {
		w, ok := want[e.UnitCode]
		if !ok || strings.Join(e.Sources, " ") != w.sources || e.Signer != "12/"+e.UnitCode || e.SourceReports != 2 {
			t.Errorf("enrolled %+v", e)
			continue
		}
		num, den := sample(w.old, "2021", "nu"), sample(w.old, "2021", "")
		if e.Old.Numerator == nil || *e.Old.Numerator != num || *e.Old.Denominator != den || e.Old.Reporting != 1 || e.Old.Expected != 3 {
			t.Errorf("%s in 2021, 2025 boundaries: %+v, want %v/%v from 1 of 3 sources", e.UnitCode, e.Old, num, den)
		}
		if e.New.Numerator == nil || *e.New.Numerator != sample(e.UnitCode, "2025", "nu") || e.New.Reporting != 1 {
			t.Errorf("%s in 2025: %+v", e.UnitCode, e.New)
		}
	}
	if len(tr.Series) != 6 || tr.Series[0].Period != "2020" || tr.Series[5].Period != "2025" {
		t.Fatalf("series %+v", tr.Series)
	}
	for i, p := range tr.Series {
		if has := p.Value != nil; has != (i == 0 || i == 1 || i == 5) {
			t.Errorf("series point %s: %+v", p.Period, p)
		}
	}
}

// TestSampleAddsUp checks that every sample report is consistent: the
// partitions of a total add up to it.
func TestSampleAddsUp(t *testing.T) {
	for _, u := range []hierarchy.Unit{{Code: "03390", Level: "commune"}, {Code: "106", Level: "district"}} {
		vals := map[string]int{}
		for _, v := range Sample(u, "2021") {
			n, err := strconv.Atoi(v.Value)
			if err != nil || n < 0 {
				t.Fatalf("%s: %s.%s = %q", u.Code, v.DataElement, v.Option, v.Value)
			}
			vals[v.DataElement+"."+v.Option] = n
		}
		for _, sum := range [][]string{
			{"dang_vien.", "dang_vien.nam", "dang_vien.nu"},
			{"dang_vien.", "dang_vien.chinh_thuc", "dang_vien.du_bi"},
			{"dang_vien.", "dang_vien.dan_toc_thieu_so", "dang_vien.dan_toc_kinh"},
			{"dang_vien_xep_loai.", "dang_vien_xep_loai.htxsnv", "dang_vien_xep_loai.httnv", "dang_vien_xep_loai.htnv", "dang_vien_xep_loai.khtnv"},
			{"to_chuc_co_so_dang.", "to_chuc_co_so_dang.dang_bo_co_so", "to_chuc_co_so_dang.chi_bo_co_so"},
		} {
			parts := 0
			for _, k := range sum[1:] {
				parts += vals[k]
			}
			if parts != vals[sum[0]] {
				t.Errorf("%s: %v add up to %d, total %d", u.Code, sum[1:], parts, vals[sum[0]])
			}
		}
		if vals["truong_thon_la_dang_vien."] > vals["thon_to_dan_pho."] || vals["dang_vien_xep_loai."] > vals["dang_vien."] {
			t.Errorf("%s: a part exceeds its whole: %v", u.Code, vals)
		}
	}
}

// TestDemoIndicators: the province's figure in each indicator table is the
// sum of its districts' numerators over the sum of their denominators, and
// every district with data is stated against the province's target.
func TestDemoIndicators(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{
		DataDir: t.TempDir(), GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
		Once: true, JSON: true, Out: &out, Logger: zaptest.NewLogger(t),
	}); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Indicators) != 3 {
		t.Fatalf("%d indicator tables, want 3", len(s.Indicators))
	}
	for _, tab := range s.Indicators {
		var num, den float64
		withData := 0
		for _, d := range tab.Districts {
			if d.Value == nil {
				continue
			}
			withData++
			num += *d.Numerator
			den += *d.Denominator
			if d.Target == nil || d.ShareOfPlan == nil || d.ChangeFromBaseline == nil || d.Met == nil {
				t.Errorf("%s %s: no achievement figures: %+v", tab.Code, d.UnitCode, d)
			} else if got, want := *d.Difference, *d.Value-*d.Target; got-want > 1e-9 || want-got > 1e-9 {
				t.Errorf("%s %s: difference %v, want %v", tab.Code, d.UnitCode, got, want)
			}
		}
		p := tab.Province
		if withData != 2 || p.Numerator == nil || *p.Numerator != num || *p.Denominator != den {
			t.Fatalf("%s: province %v/%v, districts sum to %v/%v over %d", tab.Code, p.Numerator, p.Denominator, num, den, withData)
		}
		if want := num * 100 / den; *p.Value-want > 1e-9 || want-*p.Value > 1e-9 {
			t.Errorf("%s: province value %v, want %v", tab.Code, *p.Value, want)
		}
	}
}
