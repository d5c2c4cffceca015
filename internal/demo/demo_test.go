package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
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
	if s.Root.Received != 8 || s.Root.Verified != 8 || s.Root.Rejected != 0 {
		t.Fatalf("root: received %d, verified %d, rejected %d", s.Root.Received, s.Root.Verified, s.Root.Rejected)
	}
	seen := map[string]bool{}
	for _, sub := range s.Root.Submissions {
		if !sub.Verified || sub.Revision != 1 || sub.Period != "2021" {
			t.Errorf("submission %+v", sub)
		}
		seen[sub.UnitCode] = true
	}
	for _, code := range []string{"105", "106", "03386", "03387", "03388", "03390", "03394", "03400"} {
		if !seen[code] {
			t.Errorf("no report of %s at the province", code)
		}
	}
}

// TestSampleAddsUp checks that every sample report is consistent: the
// partitions of a total add up to it.
func TestSampleAddsUp(t *testing.T) {
	for _, u := range []hierarchy.Unit{{Code: "03390", Level: "commune"}, {Code: "106", Level: "district"}} {
		vals := map[string]int{}
		for _, v := range Sample(u) {
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
