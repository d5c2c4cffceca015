package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSpreadsheetCommands(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	at := []string{"--addr", addr, "--unit", "106", "--period", "2021"}
	dir := t.TempDir()

	form := filepath.Join(dir, "bieu.xlsx")
	f := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "Mã", "B1": "Số lượng", "A2": "dang_vien", "B2": 2675, "A3": "dang_vien.nu", "B3": "một", "A4": "thon_to_dan_pho", "B4": -2} {
		f.SetCellValue("Sheet1", cell, v)
	}
	if err := f.SaveAs(form); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, ctx, "", append([]string{"values", "import", form}, at...)...)
	if code != 1 || !strings.Contains(errOut, "Sheet1!B3") || !strings.Contains(errOut, "Sheet1!B4") {
		t.Fatalf("import of bad cells: %d %q", code, errOut)
	}
	f.SetCellValue("Sheet1", "B3", 884)
	f.SetCellValue("Sheet1", "B4", 126)
	f.Save()
	code, out, errOut := runCLI(t, ctx, "", append([]string{"values", "import", form}, at...)...)
	if code != 0 || !strings.Contains(out, "Đã nhập 3 số liệu") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}

	export := filepath.Join(dir, "form-out.xlsx")
	code, _, errOut = runCLI(t, ctx, "", "export", "--addr", addr, "--unit", "106", "--table", "form", "--period", "2021", "-o", export)
	if code != 0 {
		t.Fatalf("export: %q", errOut)
	}
	g, err := excelize.OpenFile(export)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := g.GetRows(g.GetSheetList()[0], excelize.Options{RawCellValue: true})
	found := false
	for _, r := range rows {
		if len(r) == 3 && r[0] == "dang_vien.nu" && r[2] == "884" {
			found = true
		}
	}
	if !found {
		t.Errorf("the exported form lacks dang_vien.nu = 884")
	}

	code, out, errOut = runCLI(t, ctx, "", "query", "--addr", addr, "--unit", "106", "--indicator", "ty_le_dang_vien_nu", "--period", "2021", "-o", "xlsx")
	if code != 0 || !strings.HasPrefix(out, "PK") {
		t.Fatalf("query -o xlsx: %d %q", code, errOut)
	}
	os.WriteFile(filepath.Join(dir, "q.xlsx"), []byte(out), 0o600)
	q, err := excelize.OpenFile(filepath.Join(dir, "q.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := q.GetCellValue(q.GetSheetList()[0], "E4", excelize.Options{RawCellValue: true}); !strings.HasPrefix(v, "33.04") {
		t.Errorf("884/2675 = 33,05%%: the sheet says %q", v)
	}
	// The workbook is asked in the boundaries given, as the answer on
	// screen: a day that does not exist is refused naming the field.
	for _, args := range [][]string{
		{"query", "--indicator", "ty_le_dang_vien_nu", "--compare", "-o", "xlsx"},
		{"export", "--table", "cube"},
	} {
		code, out, errOut = runCLI(t, ctx, "", append(append(args, at...), "--boundaries", "2025-02-30")...)
		if code == 0 || out != "" || !strings.Contains(errOut, "boundaries") {
			t.Errorf("%s --boundaries 2025-02-30: %d %q %q, want a refusal naming boundaries", args[0], code, out, errOut)
		}
	}
}
