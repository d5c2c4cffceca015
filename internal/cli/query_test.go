package cli

import (
	"bytes"
	"strings"
	"testing"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// A comparison in 2025 boundaries says, row by row, how each figure was
// brought into them.
func TestIndicatorTableMapping(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	rows := []*tonghopv1.IndicatorValue{
		{UnitCode: "25969", UnitName: "Phường Thuận Giao", Period: "2021", Numerator: f(305), Denominator: f(611), Value: f(49.91816693944353),
			Boundaries: "2025-07-01", Mapping: &tonghopv1.BoundaryMapping{Sources: []string{"25969", "25972"}, Estimated: true, Apportioned: []string{"25969"}}},
		{UnitCode: "25975", UnitName: "Phường An Phú", Period: "2021", Boundaries: "2025-07-01",
			Mapping: &tonghopv1.BoundaryMapping{Sources: []string{"25969", "25975"}, NotComparable: []string{"25969"}}},
		{UnitCode: "79", UnitName: "Thành phố Hồ Chí Minh", Period: "2021", Numerator: f(479), Denominator: f(961), Value: f(49.84391259105099),
			Boundaries: "2025-07-01", Mapping: &tonghopv1.BoundaryMapping{Sources: []string{"74"}}},
	}
	ind := &tonghopv1.Indicator{Code: "ty_le_dang_vien_nu", Unit: "%", Decimals: 2}
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"table", []string{"RANH GIỚI 2025-07-01", "ước tính từ 25969+25972 (chia 25969 theo trọng số đã khai báo)",
			"không so sánh được: nhận một phần của 25969 (chưa khai báo trọng số chia tách)", "cộng từ 74", "49,92%"}},
		{"csv", []string{",mapping\n", ",estimated:25969+25972;apportioned:25969\n", ",not_comparable:25969\n", ",exact:74\n"}},
	} {
		var buf bytes.Buffer
		o := outputFlags{format: tc.format, numbers: "vi"}
		if err := vietnamese().indicatorTable(rows, ind, o, true).write(&buf, tc.format); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s output lacks %q:\n%s", tc.format, w, buf.String())
			}
		}
	}
}
