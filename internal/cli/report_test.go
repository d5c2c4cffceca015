package cli

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	at := []string{"--addr", addr, "--unit", "106", "--period", "2021"}
	dir := t.TempDir()
	out := filepath.Join(dir, "bao-cao.docx")

	code, _, errOut := runCLI(t, ctx, "", append([]string{"report", "-o", out}, at...)...)
	if code != 1 || !strings.Contains(errOut, "FailedPrecondition") || !strings.Contains(errOut, "sign it first") {
		t.Fatalf("report before signing: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, ctx, "", append([]string{"values", "put"}, append(at, "dang_vien=2675", "dang_vien.nam=1791", "dang_vien.nu=884")...)...); code != 0 {
		t.Fatalf("values put: %s", errOut)
	}
	if code, _, errOut := runCLI(t, ctx, "", append([]string{"submit"}, at...)...); code != 0 {
		t.Fatalf("submit: %s", errOut)
	}
	code, stdout, errOut := runCLI(t, ctx, "", append([]string{"report", "-o", out, "--number", "154"}, at...)...)
	if code != 0 || !strings.Contains(stdout, "Đã ghi "+out) {
		t.Fatalf("report: %d %q %q", code, stdout, errOut)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var doc string
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			raw, _ := io.ReadAll(r)
			doc = string(raw)
		}
	}
	for _, s := range []string{"HUYỆN ỦY TAM ĐƯỜNG", "Số 154-BC/HU", "Đảng viên: 2.675 (giới tính: nam 1.791, nữ 884)"} {
		if !strings.Contains(doc, s) {
			t.Errorf("the DOCX lacks %q", s)
		}
	}
	pdf := filepath.Join(dir, "bao-cao.pdf")
	if code, _, errOut := runCLI(t, ctx, "", append([]string{"report", "-o", pdf}, at...)...); code != 0 {
		t.Fatalf("report pdf: %s", errOut)
	}
	if raw, _ := os.ReadFile(pdf); !strings.HasPrefix(string(raw), "%PDF-") {
		t.Fatal("the .pdf is not a PDF")
	}
}
