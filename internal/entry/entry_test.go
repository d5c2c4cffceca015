package entry

import (
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/invalid"
)

func checker() Checker { return Checker{Unit: "106", Catalog: catalog.Default()} }

func TestCounts(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   int64
		reason string // empty: accepted
	}{
		{"0", 0, ""},
		{"2675", 2675, ""},
		{"007", 7, ""},
		{"1000000000", 1000000000, ""},
		{"1000000001", 0, "too large"},
		{"99999999999999999999", 0, "too large"},
		{"-3", 0, "negative"},
		{"2.675", 0, "plain digits"},
		{"2,675", 0, "plain digits"},
		{"26.5", 0, "plain digits"},
		{" 12", 0, "not a whole number"},
		{"12a", 0, "not a whole number"},
		{"+5", 0, "not a whole number"},
		{"", 0, "is required"},
		{"hai nghìn sáu trăm bảy mươi lăm đồng chí đảng viên", 0, "…"},
	} {
		var bad invalid.Error
		n, ok := parseCount(&bad, "v", c.in)
		switch {
		case c.reason == "" && (!ok || n != c.want):
			t.Errorf("parseCount(%q) = %d, %v (%v); want %d", c.in, n, ok, bad.Err(), c.want)
		case c.reason != "" && (ok || len(bad.Violations) != 1 || !strings.Contains(bad.Violations[0].Reason, c.reason)):
			t.Errorf("parseCount(%q) = %d, %v, %v; want a violation with %q", c.in, n, ok, bad.Violations, c.reason)
		}
	}
}

func TestValuesConverts(t *testing.T) {
	tgt, vals, err := checker().Values("106", "tong_ket_nam", "2021", []Raw{
		{Element: "dang_vien", Value: "2675"},
		{Element: "dang_vien", Option: "nu", Value: "884"},
		{Element: "ket_nap", Option: "doan_vien_thanh_nien", Value: "40"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Period.String() != "2021" || tgt.DataSet.Code != "tong_ket_nam" || len(vals) != 3 || vals[1].Option != "nu" || vals[1].Count != 884 {
		t.Fatalf("Values = %+v %+v", tgt, vals)
	}
}

func TestTargetAndSection(t *testing.T) {
	c := checker()
	err := func() error { _, err := c.Target("", "", ""); return err }()
	bad, _ := invalid.As(err)
	if bad == nil || len(bad.Violations) != 3 {
		t.Fatalf("empty target: %v", err)
	}
	if _, err := c.Target("106", "tong_ket_nam", "2021S1"); err == nil || !strings.Contains(err.Error(), "sixmonthly") {
		t.Fatalf("half-year period for a yearly data set: %v", err)
	}
	text := "Ưu điểm"
	if _, err := c.Section("106", "tong_ket_nam", "2021", "II.1", &text); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Section("106", "tong_ket_nam", "2021", "II.9", &text); err == nil {
		t.Fatal("unknown section accepted")
	}
	if err := c.Key(catalog.DataSet{}, "dang_vien", "tuoi_18_30"); err != nil {
		t.Fatalf("age option of members: %v", err)
	}
}
