package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

// startProvinceAndDistrict runs Tỉnh Lai Châu as the root and Huyện Tam
// Đường enrolled under it, and returns their addresses and admin tokens.
func startProvinceAndDistrict(t *testing.T) (prov, dist *node.Node, provToken, distToken string) {
	t.Helper()
	ctx := context.Background()
	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	start := func(unit string, parent *node.Node, parentToken string) (*node.Node, string) {
		dir := filepath.Join(t.TempDir(), unit)
		if _, err := node.Init(dir, unit, units, parent == nil, node.Options{}); err != nil {
			t.Fatal(err)
		}
		cfg := config.Default()
		cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
		cfg.SyncInterval = 20 * time.Millisecond
		if parent != nil {
			code, tok, errOut := runCLI(t, ctx, "", "children", "token", unit, "--addr", parent.GRPCAddr(), "--token", parentToken)
			if code != 0 {
				t.Fatalf("children token: %s", errOut)
			}
			if _, err := node.Enroll(ctx, dir, parent.PeerAddr(), strings.TrimSpace(tok), node.Options{}); err != nil {
				t.Fatal(err)
			}
			cfg.Parent = parent.PeerAddr()
		}
		n := runConfigured(t, cfg)
		token, err := node.AdminToken(dir)
		if err != nil {
			t.Fatal(err)
		}
		return n, token
	}
	prov, provToken = start("12", nil, "")
	dist, distToken = start("106", prov, provToken)
	return prov, dist, provToken, distToken
}

// TestTamDuongThroughTheCLI: the district imports its 2021 member figures as
// printed; the answer lists the six breakdowns off by one with their
// values, in the Vietnamese style; validate says the same; submit is
// refused naming each rule; with six reasons it signs, and the province
// sees the report in its round, accepts it and logs who did.
func TestTamDuongThroughTheCLI(t *testing.T) {
	ctx := context.Background()
	prov, dist, provToken, distToken := startProvinceAndDistrict(t)
	p := []string{"--addr", prov.GRPCAddr(), "--token", provToken}
	d := []string{"--addr", dist.GRPCAddr(), "--token", distToken}
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, ctx, "", args...)
		if code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out + errOut
	}

	run(0, append([]string{"rounds", "open", "--unit", "12", "--period", "2021", "--deadline", "2099-10-15",
		"--reference", "Công văn số 365-CV/TU ngày 23/9/2021"}, p...)...)
	waitFor(t, func() bool {
		_, out, _ := runCLI(t, ctx, "", append([]string{"due", "--unit", "106", "-o", "csv"}, d...)...)
		return strings.Contains(out, "12.tong_ket_nam.2021,tong_ket_nam,2021,15/10/2099 23:59,chưa nộp")
	})

	out := run(0, append([]string{"values", "import", "--unit", "106", "--period", "2021", "../validate/testdata/tam-duong-2021.csv"}, d...)...)
	want := []string{
		"dang_vien/dan_toc/sum", "dang_vien/do_tuoi/sum", "dang_vien/gioi_tinh/sum",
		"dang_vien/hoc_van/sum", "dang_vien/ly_luan_chinh_tri/sum", "dang_vien/nghe_nghiep/sum",
	}
	if !strings.Contains(out, "có 6 lỗi, chặn việc ký") || strings.Count(out, ": là 2.674, phải bằng 2.675") != 6 {
		t.Fatalf("import:\n%s", out)
	}
	for _, rule := range want {
		if !strings.Contains(out, "lỗi ["+rule+"]") {
			t.Errorf("import does not name %s:\n%s", rule, out)
		}
	}
	// The status and professional-level breakdowns add up: not named.
	if strings.Contains(out, "tinh_trang") || strings.Contains(out, "chuyen_mon") {
		t.Fatalf("a breakdown that adds up is flagged:\n%s", out)
	}
	if v := run(0, append([]string{"validate", "--unit", "106", "--period", "2021"}, d...)...); strings.Count(v, "là 2.674, phải bằng 2.675") != 6 {
		t.Fatalf("validate:\n%s", v)
	}
	refused := run(1, append([]string{"submit", "--unit", "106", "--period", "2021"}, d...)...)
	if !strings.Contains(refused, "FailedPrecondition") || strings.Count(refused, "(là 2674, phải bằng 2675)") != 6 {
		t.Fatalf("submit with errors:\n%s", refused)
	}
	args := append([]string{"submit", "--unit", "106", "--period", "2021"}, d...)
	for _, rule := range want {
		args = append(args, "--override", rule+"=Báo cáo in lệch 1 đồng chí, đang rà soát")
	}
	if out := run(0, args...); !strings.Contains(out, "Đã ký lần 1 của 106") || !strings.Contains(out, "ghi 6 vi phạm") ||
		strings.Count(out, "(giữ nguyên, lý do: Báo cáo in lệch 1 đồng chí, đang rà soát)") != 6 {
		t.Fatalf("submit with overrides:\n%s", out)
	}

	waitFor(t, func() bool {
		_, out, _ := runCLI(t, ctx, "", append([]string{"rounds", "completeness", "12.tong_ket_nam.2021", "-o", "csv", "--numbers", "plain"}, p...)...)
		return strings.Contains(out, "district,1,1,100.00%,1,0,0,0,0,1")
	})
	out = run(0, append([]string{"rounds", "completeness", "12.tong_ket_nam.2021", "--units"}, p...)...)
	if !strings.Contains(out, "33,33%") || !strings.Contains(out, "Huyện Tam Đường") || !strings.Contains(out, "đã nộp") {
		t.Fatalf("completeness:\n%s", out)
	}
	if out := run(1, append([]string{"review", "accept", "106", "--period", "2021", "--revision", "2"}, p...)...); !strings.Contains(out, "no revision 2") {
		t.Fatalf("accepting a revision that is not there:\n%s", out)
	}
	run(0, append([]string{"review", "accept", "106", "--period", "2021", "--revision", "1"}, p...)...)
	if out := run(0, append([]string{"review", "log", "-o", "csv"}, p...)...); !strings.Contains(out, ",106,tong_ket_nam,2021,accept,1,đã nộp,đã duyệt,") {
		t.Fatalf("review log:\n%s", out)
	}
	// The province's verdict reaches the district.
	waitFor(t, func() bool {
		resp, err := listDue(ctx, dist.GRPCAddr(), distToken)
		return err == nil && len(resp.Due) == 1 && resp.Due[0].State == tonghopv1.ReportState_REPORT_STATE_ACCEPTED
	})
	if out := run(1, append([]string{"review", "return", "106", "--period", "2021", "--comment", "Bổ sung số liệu"}, p...)...); !strings.Contains(out, "FailedPrecondition") {
		t.Fatalf("returning an accepted report:\n%s", out)
	}
	if out := run(1, append([]string{"review", "reopen", "106", "--period", "2021"}, p...)...); !strings.Contains(out, "reason: is required") {
		t.Fatalf("reopening without a reason:\n%s", out)
	}
	if out := run(0, append([]string{"review", "reopen", "106", "--period", "2021", "--reason", "Bổ sung số liệu chuyển đến", "--lang", "en"}, p...)...); out != "Reopened 106 tong_ket_nam 2021 revision 1: reopened.\n" {
		t.Fatalf("reopen:\n%q", out)
	}
	waitFor(t, func() bool {
		resp, err := listDue(ctx, dist.GRPCAddr(), distToken)
		return err == nil && len(resp.Due) == 1 && resp.Due[0].State == tonghopv1.ReportState_REPORT_STATE_REOPENED &&
			resp.Due[0].Comment == "Bổ sung số liệu chuyển đến"
	})
}

func listDue(ctx context.Context, addr, token string) (*tonghopv1.ListDueResponse, error) {
	c := clientFlags{addr: addr, token: token}
	conn, err := c.dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return tonghopv1.NewReportingServiceClient(conn).ListDue(ctx, &tonghopv1.ListDueRequest{UnitCode: "106"})
}
