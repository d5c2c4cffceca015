package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCatalogPublishAndList: a node publishes Kon Tum's 03-NQ/TU version
// from its file and lists it in force; a file that redefines an inherited
// code is refused naming the field and line, and lists nothing new.
func TestCatalogPublishAndList(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(source), "  - code: nq03_chi_bo\n", "  - code: dang_vien\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, ctx, "", "catalog", "publish", "--addr", addr, bad)
	if code == 0 || !strings.Contains(errOut, "source.data_elements[0].code") || !strings.Contains(errOut, `data element "dang_vien" is inherited`) || !strings.Contains(errOut, "(line 10)") {
		t.Fatalf("a redefinition: %d\n%s", code, errOut)
	}
	code, out, errOut := runCLI(t, ctx, "", "catalog", "list", "--addr", addr)
	if code != 0 || !strings.Contains(out, "Đang áp dụng tại đây: danh mục 2021.3 (") || strings.Contains(out, "kt62") {
		t.Fatalf("list before: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", "catalog", "publish", "--addr", addr, "testdata/kon-tum-03-nq-tu.yaml")
	if code != 0 || !strings.Contains(out, "Đã ban hành danh mục 2021.3-kt62.1") || !strings.Contains(out, "thêm 4 mục số liệu và 2 chỉ số") {
		t.Fatalf("publish: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", "catalog", "list", "--addr", addr)
	if code != 0 || !strings.Contains(out, "Đang áp dụng tại đây: danh mục 2021.3-kt62.1") || !strings.Contains(out, "giờ Hà Nội") || !strings.Contains(out, " có ") {
		t.Fatalf("list after: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, ctx, "", "catalog", "indicators", "--addr", addr)
	if code != 0 || !strings.Contains(out, "Tỷ lệ chi bộ sinh hoạt chuyên đề") {
		t.Fatalf("the indicators in force:\n%s", out)
	}
}
