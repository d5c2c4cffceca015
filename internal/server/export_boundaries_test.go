package server

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// sheetRows reads an exported workbook back: its rows by the first cell,
// raw values, and the header row.
func sheetRows(t *testing.T, data []byte) (map[string][]string, []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]string{}
	var header []string
	for _, r := range rows {
		switch {
		case len(r) > 0 && (r[0] == "Mã đơn vị" || r[0] == "Kỳ"):
			header = r
		case len(r) > 1:
			byKey[r[0]] = r
		}
	}
	return byKey, header
}

// cell is column i of a row, "" past its end.
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// TestExportInBoundaries exports Thuận An's 2021 figures in 2025
// boundaries over a real gRPC server: the compare sheet has the numbers
// CompareIndicator gives in the same boundaries, and the cube has a row
// per unit of the 2025 map, each summed over its old units, the split
// ward's parts empty and flagged until weights are declared.
func TestExportInBoundaries(t *testing.T) {
	conn, admin, viewer := thuanAnNode(t)
	docs := tonghopv1.NewDocumentServiceClient(conn)
	export := func(req *tonghopv1.ExportTableRequest) (map[string][]string, []string) {
		t.Helper()
		body, err := docs.ExportTable(as(viewer), req)
		if err != nil {
			t.Fatalf("ExportTable(%v): %v", req, err)
		}
		return sheetRows(t, body.Data)
	}

	want, err := tonghopv1.NewRollupServiceClient(conn).CompareIndicator(as(viewer), &tonghopv1.CompareIndicatorRequest{UnitCode: "79", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "2025-07-01"})
	if err != nil {
		t.Fatal(err)
	}
	rows, header := export(&tonghopv1.ExportTableRequest{UnitCode: "79", Table: "compare", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "2025-07-01"})
	if len(rows) != 3 {
		t.Fatalf("compare sheet rows %v, want 25969, 25975 and 79", rows)
	}
	num := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	}
	last := len(header) - 1
	for _, v := range append(want.Rows, want.Parent) {
		r := rows[v.UnitCode]
		if cell(r, 2) != num(v.Numerator) || cell(r, 3) != num(v.Denominator) || (v.Value == nil) != (cell(r, 4) == "") {
			t.Errorf("compare sheet %s: %v; CompareIndicator: %v", v.UnitCode, r, v)
		}
	}
	// Hand-computed: 79 is 74, women 150+205+124 = 479 of 301+410+250 = 961.
	if r := rows["79"]; cell(r, 2) != "479" || cell(r, 3) != "961" || cell(r, last) != "cộng từ 74" {
		t.Errorf("compare sheet 79: %v, want 479 of 961, summed from 74", r)
	}
	if r := rows["25975"]; !strings.HasPrefix(cell(r, last), "không so sánh được: nhận một phần của 25969") {
		t.Errorf("compare sheet 25975: %v, want not comparable because of 25969", r)
	}

	// The cube of the 2025 map: VN, 79 and the two new wards.
	rows, header = export(&tonghopv1.ExportTableRequest{UnitCode: "VN", Table: "cube", Period: "2021", Boundaries: "2025-07-01"})
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	dv, nu, note := col["dang_vien"], col["dang_vien.nu"], len(header)-1
	if len(rows) != 4 || dv == 0 || nu == 0 || header[note] != mappingHeader {
		t.Fatalf("cube in 2025 boundaries: header %v rows %v, want VN, 79, 25969, 25975 and a mapping column", header, rows)
	}
	for _, u := range []string{"VN", "79"} {
		if r := rows[u]; cell(r, dv) != "961" || cell(r, nu) != "479" {
			t.Errorf("cube %s: %v, want 961 members, 479 women", u, r)
		}
	}
	if r := rows["79"]; cell(r, note) != "cộng từ 74" {
		t.Errorf("cube 79: %v, want summed from 74", r)
	}
	for _, u := range []string{"25969", "25975"} {
		if r := rows[u]; cell(r, dv) != "" || cell(r, nu) != "" || !strings.HasPrefix(cell(r, note), "không so sánh được: nhận một phần của 25969") {
			t.Errorf("cube %s without weights: %v, want empty cells, not comparable because of 25969", u, r)
		}
	}

	// In the map of 2021 (the default), the reused code 25969 is still
	// Phường Bình Chuẩn with its own figures, never the new ward's.
	rows, header = export(&tonghopv1.ExportTableRequest{UnitCode: "VN", Table: "cube", Period: "2021"})
	if r := rows["25969"]; len(rows) != 6 || cell(r, 1) != "Phường Bình Chuẩn" || header[len(header)-1] == mappingHeader {
		t.Errorf("cube in 2021's map: %v (header %v), want 6 units, 25969 Phường Bình Chuẩn, no mapping column", rows, header)
	}
	if r := rows["25969"]; cell(r, dv) != "301" || cell(r, nu) != "150" {
		t.Errorf("cube 25969 in 2021's map: %v, want 301 members, 150 women", r)
	}

	// 301 members by 2:1 → 201 and 100; 150 women → 100 and 50.
	_, err = tonghopv1.NewHierarchyServiceClient(conn).DeclareSplitWeights(as(admin), &tonghopv1.DeclareSplitWeightsRequest{SplitWeights: &tonghopv1.SplitWeights{
		OldCode: "25969", Date: "2025-07-01", Weights: map[string]int64{"25969": 2, "25975": 1}, Basis: "đảng viên ngày 30/6/2025", Reason: "Biên bản bàn giao"}})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = export(&tonghopv1.ExportTableRequest{UnitCode: "VN", Table: "cube", Period: "2021", Boundaries: "2025-07-01"})
	for u, w := range map[string][2]string{"25969": {"611", "305"}, "25975": {"350", "174"}} {
		if r := rows[u]; cell(r, dv) != w[0] || cell(r, nu) != w[1] || !strings.HasPrefix(cell(r, note), "ước tính từ ") {
			t.Errorf("cube %s with weights: %v, want %s members, %s women, estimated", u, r, w[0], w[1])
		}
	}

	for _, c := range []struct {
		req   *tonghopv1.ExportTableRequest
		field string
	}{
		{&tonghopv1.ExportTableRequest{UnitCode: "79", Table: "compare", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "2025-02-30"}, "boundaries: "},
		{&tonghopv1.ExportTableRequest{UnitCode: "79", Table: "series", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "1.7.2025"}, "boundaries: "},
		{&tonghopv1.ExportTableRequest{UnitCode: "VN", Table: "cube", Period: "2021", Boundaries: "2025-13-01"}, "boundaries: "},
		{&tonghopv1.ExportTableRequest{UnitCode: "79", Table: "cube", Period: "2021"}, `unit_code: no unit "79" in the map of 2021-12-31`},
		{&tonghopv1.ExportTableRequest{UnitCode: "VN", Table: "form", Period: "2021", Boundaries: "2025-07-01"}, "boundaries: "},
	} {
		_, err := docs.ExportTable(as(viewer), c.req)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), c.field) {
			t.Errorf("ExportTable(%v): %v, want InvalidArgument naming %q", c.req, err, c.field)
		}
	}
}
