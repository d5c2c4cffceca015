package node

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// communesSheet is Huyện Tam Đường's sheet for its two communes as an
// office keeps it: a title, a header row naming each commune by code and
// name, rows of elements and options. bad puts a decimal in Thèn Sin's
// count of villages (D7) and an option the catalogue lacks in row 8.
func communesSheet(t *testing.T, bad bool) []byte {
	t.Helper()
	rows := [][]any{
		{"Biểu tổng hợp số liệu các xã, thị trấn năm 2021"},
		{},
		{"Mã", "Nội dung", "03390 Thị trấn Tam Đường", "03394 Xã Thèn Sin"},
		{"dang_vien", "Đảng viên", 90, 120},
		{"dang_vien.nam", "   Nam", 50, 70},
		{"dang_vien.nu", "   Nữ", 40, 50},
		{"thon_to_dan_pho", "Thôn, tổ dân phố", 10, 12},
		{"truong_thon_la_dang_vien", "Trưởng thôn là đảng viên", 9, ""},
	}
	if bad {
		rows[6][3] = "2,5"
		rows = append(rows, []any{"dang_vien.khong_ro", "   Không rõ", 1, ""})
	}
	return xlsx(t, "Sheet1", rows)
}

// TestSheetOnBehalf: the district imports one sheet for its two communes,
// which run no node. A sheet with bad cells names each by sheet, cell and
// reason and leaves the district's file as it was; the good one becomes
// two reports entered on the communes' behalf, which the province verifies
// and rolls up: 40+50 women of 90+120 members = 42,86%. The district's
// template export has a column per commune, filled from those reports.
func TestSheetOnBehalf(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	subs := tonghopv1.NewSubmissionServiceClient(district.admin)
	sheet := func(raw []byte) (*tonghopv1.SubmitSheetOnBehalfResponse, error) {
		return subs.SubmitSheetOnBehalf(ctx, &tonghopv1.SubmitSheetOnBehalfRequest{
			UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", File: &httpbody.HttpBody{Data: raw}})
	}

	// The template: one column per commune, named by code and name, empty.
	docs := tonghopv1.NewDocumentServiceClient(district.admin)
	body, err := docs.ExportTable(ctx, &tonghopv1.ExportTableRequest{UnitCode: "106", Table: "children", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, body)
	name := f.GetSheetList()[0]
	if c, _ := f.GetCellValue(name, "C3"); c != "03390 Thị trấn Tam Đường" {
		t.Fatalf("C3 = %q", c)
	}
	if d, _ := f.GetCellValue(name, "D3"); d != "03394 Xã Thèn Sin" {
		t.Fatalf("D3 = %q", d)
	}
	dangVien := templateRow(t, f, name, "dang_vien")
	if v, _ := f.GetCellValue(name, "C"+dangVien); v != "" {
		t.Fatalf("the empty template's C%s = %q", dangVien, v)
	}

	_, err = sheet(communesSheet(t, true))
	wantCode(t, "a sheet with bad cells", err, codes.InvalidArgument)
	got := fieldViolations(err)
	want := map[string]string{
		"Sheet1!D7": `"2,5" is not a whole number`,
		"Sheet1!C9": `data element dang_vien has no breakdown option "khong_ro"`,
	}
	if len(got) != len(want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	for cell, reason := range want {
		if !strings.Contains(got[cell], reason) {
			t.Errorf("%s: %q, want %q", cell, got[cell], reason)
		}
	}
	if got["Sheet1!D7"] != `"2,5" is not a whole number` {
		t.Errorf("D7: %q", got["Sheet1!D7"])
	}
	// Nothing stored: the district's own background sync may write its
	// file, so what is checked is that it holds no report and queues none.
	if len(district.submissions("", true)) != 0 || len(district.outbox()) != 0 {
		t.Fatal("a refused sheet changed the district's store")
	}

	resp, err := sheet(communesSheet(t, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Submissions) != 2 {
		t.Fatalf("%d reports, want 2", len(resp.Submissions))
	}
	for i, w := range []struct {
		unit   string
		values int32
	}{{"03390", 5}, {"03394", 4}} {
		s := resp.Submissions[i]
		if s.UnitCode != w.unit || s.EnteredBy != "106" || s.Signer != "12/106" || s.Revision != 1 || s.ValueCount != w.values {
			t.Errorf("report %d: %v", i, s)
		}
	}
	eventually(t, "both reports at the province", func() bool {
		return len(province.submissions("03390", true)) == 1 && len(province.submissions("03394", true)) == 1
	})
	iv, err := tonghopv1.NewRollupServiceClient(province.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{
		UnitCode: "106", Indicator: "ty_le_dang_vien_nu", Period: "2021"})
	if err != nil || iv.Value.GetNumerator() != 90 || iv.Value.GetDenominator() != 210 {
		t.Fatalf("women among members at the province: %v %v", iv, err)
	}
	iv, err = tonghopv1.NewRollupServiceClient(province.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{
		UnitCode: "03390", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil || iv.Value.GetNumerator() != 9 || iv.Value.GetDenominator() != 10 {
		t.Fatalf("Thị trấn's village heads at the province: %v %v", iv, err)
	}

	// The filled template: each commune's column from its report.
	body, err = docs.ExportTable(ctx, &tonghopv1.ExportTableRequest{UnitCode: "106", Table: "children", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	f = openXLSX(t, body)
	if c, d := number(t, f, name, "C"+dangVien), number(t, f, name, "D"+dangVien); c != 90 || d != 120 {
		t.Errorf("dang_vien in the filled template: %v, %v", c, d)
	}

	// Over REST, the file itself; a second import is each commune's
	// revision 2.
	req, _ := http.NewRequest("POST", "http://"+district.node.HTTPAddr()+"/v1/units/106/data-sets/tong_ket_nam/periods/2021:submit-sheet-on-behalf",
		bytes.NewReader(communesSheet(t, false)))
	tok, _ := AdminToken(district.dir)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if hr.StatusCode != 200 || strings.Count(string(out), `"revision":"2"`) != 2 {
		t.Fatalf("POST the sheet: %d %s", hr.StatusCode, out)
	}
	req, _ = http.NewRequest("POST", "http://"+district.node.HTTPAddr()+"/v1/units/106/data-sets/tong_ket_nam/periods/2021:submit-sheet-on-behalf",
		bytes.NewReader(communesSheet(t, true)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	hr, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(hr.Body)
	hr.Body.Close()
	if hr.StatusCode != 400 || !strings.Contains(string(out), "Sheet1!D7") {
		t.Fatalf("POST a bad sheet: %d %s", hr.StatusCode, out)
	}

	// Thèn Sin gets a node and signs its own revision 3. A sheet that would
	// enter it again is refused whole: Thị trấn's column, stored first in
	// the transaction, is rolled back with it.
	thenSin := startNode(t, "03394", district)
	thenSin.put("2021", dv("dang_vien", "", "121"), dv("dang_vien", "nam", "71"), dv("dang_vien", "nu", "50"))
	if own := thenSin.submit("2021"); own.Revision != 3 || own.EnteredBy != "" {
		t.Fatalf("Thèn Sin's own report: %v", own)
	}
	eventually(t, "Thèn Sin's own report at the district", func() bool { return len(district.submissions("03394", true)) == 3 })
	_, err = sheet(communesSheet(t, false))
	wantCode(t, "a sheet over a commune's own report", err, codes.FailedPrecondition)
	if !strings.Contains(err.Error(), "column of 03394 (Sheet1!D4)") {
		t.Errorf("the refusal does not name the column: %v", err)
	}
	if n := len(district.submissions("03390", true)); n != 2 {
		t.Fatalf("Thị trấn has %d revisions after a refused sheet, want 2", n)
	}
}

// templateRow is the row number of the template's row for code.
func templateRow(t *testing.T, f *excelize.File, sheet, code string) string {
	t.Helper()
	rows, _ := f.GetRows(sheet)
	for i, r := range rows {
		if len(r) > 0 && r[0] == code {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			return cell[1:]
		}
	}
	t.Fatalf("the template has no row %s", code)
	return ""
}
