package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

// TestEnrolWholeDistrict: Huyện Tam Đường makes one file of tokens for its
// two communes; Thị trấn Tam Đường enrols with its row and reports; the
// status says, in Vietnamese and Hà Nội time, who has enrolled, when each
// certificate ends and what came last; a second file holds only Thèn Sin,
// and the first file is never overwritten.
func TestEnrolWholeDistrict(t *testing.T) {
	ctx := context.Background()
	_, dist, _, distToken := startProvinceAndDistrict(t)
	d := []string{"--addr", dist.GRPCAddr(), "--token", distToken}
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := runCLI(t, ctx, "", append(args, d...)...)
		if code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}

	out, _ := run(0, "children", "status")
	if !strings.Contains(out, "ĐƠN VỊ") || !strings.Contains(out, "NHẬN LÚC (GIỜ HÀ NỘI)") ||
		!strings.Contains(out, "2 đơn vị trực thuộc: 2 chưa đăng ký.") {
		t.Fatalf("status before any token:\n%s", out)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "ma-dang-ky.csv")
	_, errOut := run(0, "children", "token", "--all", "--out", file)
	if !strings.Contains(errOut, "Đã tạo 2 mã đăng ký, trong tệp "+file) || !strings.Contains(errOut, "(giờ Hà Nội)") {
		t.Fatalf("token --all: %s", errOut)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the file of tokens: %v %v", fi, err)
	}
	rows := readCSV(t, file)
	if len(rows) != 3 || strings.Join(rows[0], ",") != "unit_code,name,token,expires_at,command" ||
		rows[1][0] != "03390" || rows[1][1] != "Thị trấn Tam Đường" || rows[2][0] != "03394" ||
		!strings.HasSuffix(rows[1][3], "(giờ Hà Nội)") || rows[1][4] != "tonghop enroll --data-dir DIR --token "+rows[1][2] {
		t.Fatalf("the file of tokens: %q", rows)
	}
	if _, errOut := run(1, "children", "token", "--all", "--out", file); !strings.Contains(errOut, "exists") {
		t.Fatalf("a second --all over the same file: %s", errOut)
	}

	// Thị trấn Tam Đường enrols with its row and sends its report.
	units, _ := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	cdir := filepath.Join(t.TempDir(), "03390")
	if _, err := node.Init(cdir, "03390", units, false, node.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Enroll(ctx, cdir, dist.PeerAddr(), rows[1][2], node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = cdir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.SyncInterval, cfg.Parent = 20*time.Millisecond, dist.PeerAddr()
	commune := runConfigured(t, cfg)
	ctoken, _ := node.AdminToken(cdir)
	c := []string{"--addr", commune.GRPCAddr(), "--token", ctoken}
	for _, args := range [][]string{
		{"values", "put", "--unit", "03390", "--period", "2021", "dang_vien=412"},
		{"submit", "--unit", "03390", "--period", "2021"},
	} {
		if code, out, errOut := runCLI(t, ctx, "", append(args, c...)...); code != 0 {
			t.Fatalf("%s: %s %s", strings.Join(args, " "), out, errOut)
		}
	}
	waitFor(t, func() bool {
		out, _ := run(0, "children", "status")
		return strings.Contains(out, "03390 tong_ket_nam 2021, lần 1")
	})
	out, _ = run(0, "children", "status", "-o", "json")
	var list tonghopv1.ListChildrenResponse
	if err := protojson.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	thiTran := list.Children[0]
	ends := thiTran.Certificates[0].NotAfter.AsTime()
	received := thiTran.LastReport.ReceivedAt.AsTime()
	out, _ = run(0, "children", "status", "-o", "csv")
	rows = readCSVString(t, out)
	want := [][]string{
		{"unit", "name", "state", "certificate_ends", "last_report", "received"},
		{"03390", "Thị trấn Tam Đường", "đã đăng ký", minute(ends) + " (còn 729 ngày)", "03390 tong_ket_nam 2021, lần 1", minute(received)},
		{"03394", "Xã Thèn Sin", "đã cấp mã đăng ký", "", "chưa có", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("status:\n%s", out)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("status row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	if got := ends.In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02 15:04"); got != minute(ends) {
		t.Errorf("expiry %s is not in Hà Nội time (%s)", minute(ends), got)
	}
	out, _ = run(0, "children", "status")
	t.Logf("children status:\n%s", out)
	if !strings.Contains(out, "2 đơn vị trực thuộc: 1 đã đăng ký, 1 đã cấp mã đăng ký.") {
		t.Fatalf("status summary:\n%s", out)
	}

	second := filepath.Join(dir, "ma-dang-ky-2.csv")
	run(0, "children", "token", "--all", "--out", second)
	if rows := readCSV(t, second); len(rows) != 2 || rows[1][0] != "03394" {
		t.Fatalf("the second file: %q", rows)
	}
}

func readCSV(t *testing.T, file string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return readCSVString(t, string(raw))
}

func readCSVString(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v:\n%s", err, s)
	}
	return rows
}

// TestChildrenStatusFlagsAMissedRenewal: a child whose certificate has
// less than a third of its life left has not renewed it by itself, and
// the status says so; a revoked one and one whose certificate ended say
// that; in English with --lang en's words.
func TestChildrenStatusFlagsAMissedRenewal(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) // 10:00 in Hà Nội
	cert := func(from, to time.Time, revoked bool) *tonghopv1.IssuedCertificate {
		c := &tonghopv1.IssuedCertificate{NotBefore: timestamppb.New(from), NotAfter: timestamppb.New(to)}
		if revoked {
			c.RevokedAt = timestamppb.New(from.Add(time.Hour))
		}
		return c
	}
	children := []*tonghopv1.Child{
		{UnitCode: "03390", Name: "Thị trấn Tam Đường", Enrolled: true, Certificates: []*tonghopv1.IssuedCertificate{cert(now.AddDate(0, 0, -400), now.AddDate(0, 0, 330), false)}},
		{UnitCode: "03394", Name: "Xã Thèn Sin", Enrolled: true, Certificates: []*tonghopv1.IssuedCertificate{cert(now.AddDate(0, 0, -630), now.AddDate(0, 0, 100), false)},
			LastReport: &tonghopv1.LastReport{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 2, ReceivedAt: timestamppb.New(now.Add(-26 * time.Hour)), EnteredBy: "106"}},
		{UnitCode: "03397", Name: "Xã Sơn Bình", Certificates: []*tonghopv1.IssuedCertificate{cert(now.AddDate(0, 0, -10), now.AddDate(0, 0, 720), true)}},
		{UnitCode: "03400", Name: "Xã Tả Lèng", Certificates: []*tonghopv1.IssuedCertificate{cert(now.AddDate(-2, 0, -1), now.AddDate(0, 0, -1), false)}},
	}
	var b strings.Builder
	if err := writeChildrenStatus(&b, vietnamese(), "csv", children, now); err != nil {
		t.Fatal(err)
	}
	want := "unit,name,state,certificate_ends,last_report,received\n" +
		"03390,Thị trấn Tam Đường,đã đăng ký,2027-10-28 10:00 (còn 330 ngày),chưa có,\n" +
		"03394,Xã Thèn Sin,đã đăng ký,\"2027-03-12 10:00 (còn 100 ngày, chưa tự gia hạn)\",\"03394 tong_ket_nam 2021, lần 2 (nhập thay)\",2026-12-01 08:00\n" +
		"03397,Xã Sơn Bình,đã thu hồi,,chưa có,\n" +
		"03400,Xã Tả Lèng,chứng thư đã hết hạn,2026-12-01 10:00,chưa có,\n"
	if b.String() != want {
		t.Errorf("status:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := writeChildrenStatus(&b, english(), "table", children, now); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "(100 days left, not renewed yet)") || !strings.Contains(out, "CERTIFICATE ENDS (HÀ NỘI TIME)") ||
		!strings.HasSuffix(out, "4 direct children: 2 enrolled, 1 revoked, 1 certificate ended.\n") {
		t.Errorf("in English:\n%s", out)
	}
}
