package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
)

func TestDHIS2Commands(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	testdata := filepath.Join("..", "dhis2", "testdata")
	mapping := filepath.Join(testdata, "mapping.csv")

	code, out, errOut := runCLI(t, ctx, "", "dhis2", "import", "--addr", addr, "--mapping", mapping, filepath.Join(testdata, "tam-duong-2021.adx.xml"))
	flat := func(s string) string { return strings.Join(strings.Fields(s), "") } // protojson spaces at random
	if code != 0 || !strings.Contains(flat(out), `"status":"SUCCESS"`) || !strings.Contains(flat(out), `"imported":4`) {
		t.Fatalf("dhis2 import: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, ctx, "", "dhis2", "import", "--addr", addr, "--mapping", mapping, "--dry-run", "--strategy", "DELETE", filepath.Join(testdata, "tam-duong-2021.json"))
	if code != 0 || !strings.Contains(flat(out), `"deleted":4`) || !strings.Contains(flat(out), `"dry_run":true`) {
		t.Fatalf("dhis2 import --dry-run DELETE: %d %s %s", code, out, errOut)
	}
	dir := t.TempDir()
	export := filepath.Join(dir, "out.csv")
	if code, _, errOut := runCLI(t, ctx, "", "dhis2", "export", "--addr", addr, "--period", "2021", "--mapping", mapping, "-o", export); code != 0 {
		t.Fatalf("dhis2 export: %s", errOut)
	}
	raw, _ := os.ReadFile(export)
	if !strings.Contains(string(raw), "fbfJHSPpUQD,2021,DiszpKrYNg8,V6L425pT3A0,HllvX50cXC0,884") {
		t.Fatalf("the CSV export (values still there after the dry run):\n%s", raw)
	}

	yamlOut, mapOut := filepath.Join(dir, "catalog.yaml"), filepath.Join(dir, "mapping.csv")
	code, _, errOut = runCLI(t, ctx, "", "dhis2", "catalog", filepath.Join(testdata, "metadata.json"), "-o", yamlOut, "--mapping-out", mapOut)
	if code != 0 || !strings.Contains(errOut, "không chuyển sang được: data element Jtf34kNZhzP") {
		t.Fatalf("dhis2 catalog: %d %s", code, errOut)
	}
	y, _ := os.ReadFile(yamlOut)
	cat, err := catalog.Parse(y)
	if err != nil {
		t.Fatalf("the catalogue written does not parse: %v", err)
	}
	if _, ok := cat.Indicator("tl_dv_nu"); !ok {
		t.Errorf("no indicator tl_dv_nu in\n%s", y)
	}
	if m, _ := os.ReadFile(mapOut); !strings.Contains(string(m), "categoryOptionCombo,V6L425pT3A0,nu") {
		t.Errorf("mapping written:\n%s", m)
	}
}
