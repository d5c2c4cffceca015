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
	p := []string{"--addr", prov.GRPCAddr(), "--token", provToken}
	waitFor(t, func() bool {
		_, out, _ := runCLI(t, ctx, "", append([]string{"submissions", "list", "--unit", "03390"}, p...)...)
		return strings.Contains(out, "12/106 (nhập thay)")
	})
}
