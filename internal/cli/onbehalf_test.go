package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestSubmitOnBehalf: Huyện Tam Đường enters and signs the report of Thị
// trấn Tam Đường, which runs no node; the province lists it marked.
func TestSubmitOnBehalf(t *testing.T) {
	ctx := context.Background()
	prov, dist, provToken, distToken := startProvinceAndDistrict(t)
	d := []string{"--addr", dist.GRPCAddr(), "--token", distToken}
	p := []string{"--addr", prov.GRPCAddr(), "--token", provToken}
	if code, out, errOut := runCLI(t, ctx, "", append([]string{"rounds", "open", "--unit", "12", "--period", "2021", "--deadline", "2030-12-31"}, p...)...); code != 0 {
		t.Fatalf("rounds open: %s %s", out, errOut)
	}
	code, out, errOut := runCLI(t, ctx, "", append([]string{"submit", "--on-behalf", "--unit", "03390", "--period", "2021",
		"dang_vien=90", "dang_vien.nam=50", "dang_vien.nu=41"}, d...)...)
	if code != 1 || !strings.Contains(errOut, "dang_vien/gioi_tinh/sum") {
		t.Fatalf("a broken breakdown: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", append([]string{"submit", "--unit", "03390", "--period", "2021", "dang_vien=90"}, d...)...)
	if code != 1 || !strings.Contains(errOut, "--on-behalf") {
		t.Fatalf("values without --on-behalf: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", append([]string{"submit", "--on-behalf", "--unit", "03390", "--period", "2021",
		"dang_vien=90", "dang_vien.nam=50", "dang_vien.nu=40"}, d...)...)
	if code != 0 || !strings.Contains(out, "Đã ký lần 1 của 03390") || !strings.Contains(out, "106 nhập và ký thay cho 03390") {
		t.Fatalf("submit --on-behalf: %d %s %s", code, out, errOut)
	}
	waitFor(t, func() bool {
		_, out, _ := runCLI(t, ctx, "", append([]string{"submissions", "list", "--unit", "03390"}, p...)...)
		return strings.Contains(out, "12/106 (nhập thay)")
	})
	code, out, errOut = runCLI(t, ctx, "", append([]string{"rounds", "completeness", "12.tong_ket_nam.2021", "--units", "-o", "csv"}, p...)...)
	// Two communes expected, one submitted, entered on its behalf; its row
	// names who entered it.
	if code != 0 || !strings.Contains(out, "\ncommune,2,1,\"50,00%\",1,0,1,0,0,1,1\n") ||
		!strings.Contains(out, "\n03390,Thị trấn Tam Đường,commune,đã nộp,1,") || !strings.Contains(out, ",0,0,,106\n") {
		t.Fatalf("completeness: %d\n%s%s", code, out, errOut)
	}
}

// TestSheetOnBehalfCommand: the district exports its sheet for its two
// communes, an office fills it in, a bad cell is named and nothing signed;
// filled right, each column becomes that commune's report entered on its
// behalf.
func TestSheetOnBehalfCommand(t *testing.T) {
	ctx := context.Background()
	_, dist, _, distToken := startProvinceAndDistrict(t)
	d := []string{"--addr", dist.GRPCAddr(), "--token", distToken}
	file := filepath.Join(t.TempDir(), "bieu-cac-xa-2021.xlsx")
	if code, out, errOut := runCLI(t, ctx, "", append([]string{"export", "--unit", "106", "--table", "children", "--period", "2021", "-o", file}, d...)...); code != 0 {
		t.Fatalf("export --table children: %s %s", out, errOut)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	rows, _ := f.GetRows(sheet)
	if len(rows) < 3 || len(rows[2]) != 4 || rows[2][2] != "03390 Thị trấn Tam Đường" || rows[2][3] != "03394 Xã Thèn Sin" {
		t.Fatalf("the header row: %q", rows[2])
	}
	at := map[string]int{}
	for i, r := range rows {
		if len(r) > 0 {
			at[r[0]] = i + 1
		}
	}
	set := func(col, code string, v any) {
		t.Helper()
		if at[code] == 0 {
			t.Fatalf("no row %s", code)
		}
		f.SetCellValue(sheet, col+strconv.Itoa(at[code]), v)
	}
	for code, v := range map[string][2]any{"dang_vien": {90, 120}, "dang_vien.nam": {50, 70}, "dang_vien.nu": {40, "5O"}} {
		set("C", code, v[0])
		set("D", code, v[1])
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, ctx, "", append([]string{"values", "import", "--on-behalf", "--unit", "106", "--period", "2021", file}, d...)...)
	bad := fmt.Sprintf("%s!D%d: %q is not a count", sheet, at["dang_vien.nu"], "5O")
	if code != 1 || !strings.Contains(errOut, bad) {
		t.Fatalf("a bad cell: %d %s %s, want %s", code, out, errOut, bad)
	}
	if _, out, _ := runCLI(t, ctx, "", append([]string{"submissions", "list", "--unit", "106", "--subtree"}, d...)...); strings.Contains(out, "0339") {
		t.Fatalf("a refused sheet signed a report: %s", out)
	}
	set("D", "dang_vien.nu", 50)
	f.Save()
	code, out, errOut = runCLI(t, ctx, "", append([]string{"values", "import", "--on-behalf", "--unit", "106", "--period", "2021", file}, d...)...)
	if code != 0 || !strings.Contains(out, "Đã nhập và ký thay 2 đơn vị") ||
		!strings.Contains(out, "  03390: lần 1, 3 số liệu, 106 nhập thay: ") || !strings.Contains(out, "  03394: lần 1, 3 số liệu, 106 nhập thay: ") {
		t.Fatalf("import --on-behalf: %d %s %s", code, out, errOut)
	}
}
