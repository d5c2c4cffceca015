package node

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// tamDuongWithCommunes is Huyện Tam Đường's node as the root, with two
// communes that have reported 2021 to it.
func tamDuongWithCommunes(t *testing.T) (district, thiTran, thenSin *tnode) {
	district = startNode(t, "106", nil)
	thiTran = startNode(t, "03390", district)
	thenSin = startNode(t, "03394", district)
	thiTran.put("2021", dv("thon_to_dan_pho", "", "10"), dv("truong_thon_la_dang_vien", "", "9"), dv("dang_vien", "", "412"))
	thenSin.put("2021", dv("thon_to_dan_pho", "", "40"), dv("truong_thon_la_dang_vien", "", "11"), dv("dang_vien", "", "300"))
	thiTran.submit("2021")
	thenSin.submit("2021")
	eventually(t, "both communes' reports at the district", func() bool {
		return len(district.submissions("03390", false)) == 1 && len(district.submissions("03394", false)) == 1
	})
	return district, thiTran, thenSin
}

func openXLSX(t *testing.T, body *httpbody.HttpBody) *excelize.File {
	t.Helper()
	if !strings.Contains(body.ContentType, "spreadsheetml") {
		t.Fatalf("content type %q", body.ContentType)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body.Data))
	if err != nil {
		t.Fatalf("the library cannot read the export: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// number reads a cell that must hold a number, not text.
func number(t *testing.T, f *excelize.File, sheet, cell string) float64 {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("%s!%s is %v %q, not a number", sheet, cell, typ, raw)
	}
	x, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q: %v", sheet, cell, raw, err)
	}
	return x
}

func TestCompareExportsAsNumbers(t *testing.T) {
	district, _, _ := tamDuongWithCommunes(t)
	ctx := context.Background()
	docs := tonghopv1.NewDocumentServiceClient(district.admin)
	cmp, err := tonghopv1.NewRollupServiceClient(district.admin).CompareIndicator(ctx, &tonghopv1.CompareIndicatorRequest{
		UnitCode: "106", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := docs.ExportTable(ctx, &tonghopv1.ExportTableRequest{UnitCode: "106", Table: "compare", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	f := openXLSX(t, body)
	sheet := f.GetSheetList()[0]
	want := append(cmp.Rows, cmp.Parent)
	// Rows start under the title and the header (row 3); the communes
	// reported 9/10 and 11/40, the district 20/50 = 40%.
	for i, iv := range want {
		row := strconv.Itoa(4 + i)
		if got, _ := f.GetCellValue(sheet, "A"+row); got != iv.UnitCode {
			t.Fatalf("row %s is %q, want %s", row, got, iv.UnitCode)
		}
		if iv.Value == nil {
			if v, _ := f.GetCellValue(sheet, "E"+row); v != "" {
				t.Errorf("unit %s has no value but the sheet says %q", iv.UnitCode, v)
			}
			continue
		}
		for col, w := range map[string]float64{"C": iv.GetNumerator(), "D": iv.GetDenominator(), "E": iv.GetValue()} {
			if got := number(t, f, sheet, col+row); got != w {
				t.Errorf("unit %s column %s = %v, the engine says %v", iv.UnitCode, col, got, w)
			}
		}
	}
	last := strconv.Itoa(4 + len(want) - 1)
	if number(t, f, sheet, "E"+last) != 40 || number(t, f, sheet, "C"+last) != 20 {
		t.Errorf("the district's row: %v / %v", number(t, f, sheet, "C"+last), number(t, f, sheet, "E"+last))
	}
	style, _ := f.GetCellStyle(sheet, "E4")
	if s, err := f.GetStyle(style); err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "#,##0.00" {
		t.Errorf("the value column's number format: %v %v", s, err)
	}

	// The cube: every unit's cells, as numbers.
	body, err = docs.ExportTable(ctx, &tonghopv1.ExportTableRequest{UnitCode: "106", Table: "cube", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	f = openXLSX(t, body)
	sheet = f.GetSheetList()[0]
	rows, _ := f.GetRows(sheet)
	col := -1
	for i, h := range rows[2] {
		if h == "dang_vien" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no dang_vien column in %q", rows[2])
	}
	for i, want := range map[string]float64{"106": 712, "03390": 412, "03394": 300} {
		found := false
		for r, row := range rows {
			if len(row) > 0 && row[0] == i {
				cell, _ := excelize.CoordinatesToCellName(col+1, r+1)
				if got := number(t, f, sheet, cell); got != want {
					t.Errorf("cube %s dang_vien = %v, want %v", i, got, want)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("cube lacks unit %s", i)
		}
	}

	// Over REST, the file itself with its media type.
	req, _ := http.NewRequest("GET", "http://"+district.node.HTTPAddr()+"/v1/units/106/tables/compare?indicator=ty_le_truong_thon_la_dang_vien&period=2021", nil)
	tok, _ := AdminToken(district.dir)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("REST export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// xlsx builds a workbook from rows of cells (string or number), on a sheet.
func xlsx(t *testing.T, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fieldViolations(err error) map[string]string {
	out := map[string]string{}
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.FieldViolations {
				out[v.Field] = v.Description
			}
		}
	}
	return out
}

func TestSpreadsheetImport(t *testing.T) {
	district, _, _ := tamDuongWithCommunes(t)
	ctx := context.Background()
	docs := tonghopv1.NewDocumentServiceClient(district.admin)
	imp := func(raw []byte) (*tonghopv1.ImportSpreadsheetResponse, error) {
		return docs.ImportSpreadsheet(ctx, &tonghopv1.ImportSpreadsheetRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021",
			File: &httpbody.HttpBody{Data: raw}})
	}
	stored := func() map[string]string {
		resp, err := tonghopv1.NewDataServiceClient(district.admin).GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range resp.Values {
			out[v.DataElement+"."+v.Option] = v.Value
		}
		return out
	}

	// A form as offices fill it: a title, a header, headings without a
	// code, numbers as numbers, one as text in Vietnamese style.
	good := xlsx(t, "Biểu 1", [][]any{
		{"BIỂU THỐNG KÊ ĐẢNG VIÊN NĂM 2021"},
		{},
		{"STT", "Mã", "Nội dung", "Số lượng"},
		{"I", "", "Đảng viên"},
		{1, "dang_vien", "Tổng số đảng viên", 2675},
		{2, "dang_vien.nam", "Nam", 1791},
		{3, "dang_vien.nu", "Nữ", "884"},
		{4, "thon_to_dan_pho", "Thôn, bản", "126"},
		{5, "truong_thon_la_dang_vien", "Trưởng thôn là đảng viên", ""},
	})
	resp, err := imp(good)
	if err != nil {
		t.Fatalf("good form: %v", err)
	}
	if resp.Stored != 4 {
		t.Fatalf("stored %d, want 4", resp.Stored)
	}
	before := stored()
	if before["dang_vien."] != "2675" || before["dang_vien.nu"] != "884" || before["thon_to_dan_pho."] != "126" {
		t.Fatalf("stored: %v", before)
	}

	// Every bad cell is named by sheet and cell, and nothing is stored.
	bad := xlsx(t, "Biểu 1", [][]any{
		{"STT", "Mã", "Nội dung", "Số lượng"},
		{1, "dang_vien", "Tổng số", 2700},
		{2, "dang_vien.nam", "Nam", -3},
		{3, "dang_vien.nu", "Nữ", 12.5},
		{4, "dang_vien.ba", "?", 1},
		{5, "dang_vienx", "?", 1},
		{6, "thon_to_dan_pho", "Thôn", "một trăm"},
		{7, "dang_vien", "Tổng số lần nữa", 2700},
	})
	_, err = imp(bad)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad cells: %v", err)
	}
	v := fieldViolations(err)
	for cell, reason := range map[string]string{
		"Biểu 1!D3": "negative", "Biểu 1!D4": "not a whole number", "Biểu 1!D5": `no breakdown option "ba"`,
		"Biểu 1!D6": "dang_vienx", "Biểu 1!D7": "not a count", "Biểu 1!D8": "twice",
	} {
		if !strings.Contains(v[cell], reason) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", cell, v[cell], reason, v)
		}
	}
	if len(v) != 6 {
		t.Errorf("%d violations, want 6: %v", len(v), v)
	}
	if after := stored(); after["dang_vien."] != "2675" || len(after) != len(before) {
		t.Fatalf("a refused file changed the values: %v", after)
	}

	// The district's sheet with one column per commune: every cell is
	// checked, and since this node stores only its own values, nothing is
	// stored and the answer says why.
	communes := [][]any{
		{"Mã", "Nội dung", "03390 Thị trấn Tam Đường", "Xã Thèn Sin"},
		{"dang_vien", "Đảng viên", 412, 300},
		{"dang_vien.nu", "Nữ", 150, -1},
	}
	_, err = imp(xlsx(t, "Các xã", communes))
	if v := fieldViolations(err); status.Code(err) != codes.InvalidArgument || !strings.Contains(v["Các xã!D3"], "negative") {
		t.Fatalf("a bad commune cell: %v %v", err, v)
	}
	communes[2][3] = 120
	_, err = imp(xlsx(t, "Các xã", communes))
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "03390, 03394") {
		t.Fatalf("commune columns: %v", err)
	}
	if after := stored(); len(after) != len(before) {
		t.Fatalf("a sheet for the communes changed the district's values: %v", after)
	}

	// The form export reads back as it was written.
	body, err := docs.ExportTable(ctx, &tonghopv1.ExportTableRequest{UnitCode: "106", Table: "form", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = imp(body.Data)
	if err != nil {
		t.Fatalf("re-importing the form export: %v", err)
	}
	if int(resp.Stored) != len(before) {
		t.Fatalf("re-import stored %d, the node holds %d", resp.Stored, len(before))
	}
	if after := stored(); len(after) != len(before) || after["dang_vien.nam"] != "1791" || after["thon_to_dan_pho."] != "126" {
		t.Fatalf("after re-import: %v", after)
	}
}

func TestSpreadsheetImportOverREST(t *testing.T) {
	h := start(t)
	raw := xlsx(t, "Biểu 1", [][]any{{"Mã", "Số lượng"}, {"dang_vien", 2675}, {"dang_vien.nu", 884}})
	post := func(body []byte) (*http.Response, string) {
		req, _ := http.NewRequest("POST", h.base+"/v1/units/106/data-sets/tong_ket_nam/periods/2021/values:importSpreadsheet", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp, b.String()
	}
	resp, body := post(raw)
	if resp.StatusCode != 200 || !strings.Contains(body, `"stored":2`) {
		t.Fatalf("POST the file: %d %s", resp.StatusCode, body)
	}
	resp, body = post(xlsx(t, "Biểu 1", [][]any{{"Mã", "Số lượng"}, {"dang_vien", "nhiều"}}))
	if resp.StatusCode != 400 || !strings.Contains(body, `Biểu 1!B2`) {
		t.Fatalf("POST a bad file: %d %s", resp.StatusCode, body)
	}
}

// The printed report of a district compares its communes in phụ lục 2,
// from the reports they sent up.
func TestReportComparesChildren(t *testing.T) {
	district, _, _ := tamDuongWithCommunes(t)
	district.put("2021", dv("dang_vien", "", "150"))
	district.submit("2021")
	body, err := tonghopv1.NewDocumentServiceClient(district.admin).GetReport(context.Background(), &tonghopv1.GetReportRequest{
		UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Format: tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX})
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(body.Data), int64(len(body.Data)))
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			raw, _ := io.ReadAll(r)
			doc = string(raw)
		}
	}
	appendix := doc[strings.Index(doc, "PHỤ LỤC 2"):]
	// 9 of 10 and 11 of 40 village heads are members; the district 20/50.
	for _, s := range []string{"So sánh các đơn vị trực thuộc", "Thị trấn Tam Đường", "Xã Thèn Sin", "Xã Tả Lèng", "90,00%", "27,50%", "40,00%", "Toàn đơn vị"} {
		if !strings.Contains(appendix, s) {
			t.Errorf("phụ lục 2 lacks %q", s)
		}
	}
	// Members: the district's own 150 and the communes' 412 and 300.
	if !strings.Contains(doc, "Đảng viên: 862") {
		t.Errorf("the body lacks the district's roll-up of members, 862")
	}
}
