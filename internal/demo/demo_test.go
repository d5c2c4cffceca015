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
