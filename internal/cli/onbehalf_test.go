package cli

import (
	"context"
	"strings"
	"testing"
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
	if code != 0 || !strings.Contains(out, "Signed revision 1 of 03390") || !strings.Contains(out, "Entered and signed by 106 on behalf of 03390") {
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
