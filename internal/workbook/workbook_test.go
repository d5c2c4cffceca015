package workbook

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteThenRead(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, Sheet{
		Name: "Biểu", Title: "Huyện Tam Đường, kỳ 2021",
		Columns: []Column{{Header: "Mã", Format: Text}, {Header: "Nội dung", Format: Text}, {Header: "Số lượng", Format: Count}},
		Rows: [][]Cell{
			{Str("dang_vien"), Str("Đảng viên"), Num(2675)},
			{Str("dang_vien.nu"), Str("Nữ"), Num(884)},
			{Str("dang_vien.nam"), Str("Nam"), {}}, // missing stays empty
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := f.GetCellType("Biểu", "C4"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("C4 is %v, not a number", typ)
	}
	if v, _ := f.GetCellValue("Biểu", "C4"); v != "2,675" {
		t.Errorf("C4 shows %q with #,##0, want 2,675 (Excel groups per the reader's locale)", v)
	}
	entries, err := Read(bytes.NewReader(buf.Bytes()), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{Element: "dang_vien", Value: "2675", Cell: "Biểu!C4"}, {Element: "dang_vien", Option: "nu", Value: "884", Cell: "Biểu!C5"}}
	if len(entries) != 2 || entries[0] != want[0] || entries[1] != want[1] {
		t.Fatalf("read back %+v, want %+v", entries, want)
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		raw    string
		typ    excelize.CellType
		want   string
		reason string
	}{
		{"2675", excelize.CellTypeNumber, "2675", ""},
		{"2.675", excelize.CellTypeSharedString, "2675", ""}, // Vietnamese thousands, typed as text
		{"2.675", excelize.CellTypeNumber, "", "not a whole number"},
		{"007", excelize.CellTypeSharedString, "7", ""},
		{"0", excelize.CellTypeSharedString, "0", ""},
		{"-1", excelize.CellTypeNumber, "", "negative"},
		{"-1", excelize.CellTypeSharedString, "", "negative"},
		{"1,5", excelize.CellTypeSharedString, "", "not a whole number"},
		{"2.5", excelize.CellTypeSharedString, "", "not a whole number"},
		{"1.2.3", excelize.CellTypeSharedString, "", "not a count"},
		{"hai", excelize.CellTypeInlineString, "", "not a count"},
	} {
		got, reason := count(c.raw, c.typ)
		if got != c.want || !strings.Contains(reason, c.reason) || (c.reason == "") != (reason == "") {
			t.Errorf("count(%q, %v) = %q, %q; want %q, %q", c.raw, c.typ, got, reason, c.want, c.reason)
		}
	}
}

func TestReadRefusesAFileWithoutAForm(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "Danh sách")
	var buf bytes.Buffer
	f.Write(&buf)
	if _, err := Read(&buf, func(string) (string, bool) { return "", false }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a sheet without a header row: %v", err)
	}
	if _, err := Read(strings.NewReader("data_element,option,value\n"), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a CSV file: %v", err)
	}
}
