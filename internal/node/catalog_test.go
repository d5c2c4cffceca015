package node

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/numfmt"
)

// konTumUnits is the country with Tỉnh Kon Tum (old code 62) and its
// provincial city, and Tỉnh Lai Châu beside it.
func konTumUnits() []hierarchy.Unit {
	return []hierarchy.Unit{
		{Code: "vn", Name: "Toàn quốc", Level: "country"},
		{Code: "62", Name: "Tỉnh Kon Tum", Level: "province", Parent: "vn"},
		{Code: "608", Name: "Thành phố Kon Tum", Level: "district", Parent: "62"},
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province", Parent: "vn"},
	}
}

func (tn *tnode) catalogs() tonghopv1.CatalogServiceClient {
	return tonghopv1.NewCatalogServiceClient(tn.admin)
}

func (tn *tnode) versions() *tonghopv1.ListCatalogVersionsResponse {
	tn.t.Helper()
	resp, err := tn.catalogs().ListCatalogVersions(context.Background(), &tonghopv1.ListCatalogVersionsRequest{})
	if err != nil {
		tn.t.Fatalf("%s: ListCatalogVersions: %v", tn.unit, err)
	}
	return resp
}

func (tn *tnode) putSet(dataSet, period string, vals ...*tonghopv1.DataValue) {
	tn.t.Helper()
	if _, err := tonghopv1.NewDataServiceClient(tn.admin).PutValues(context.Background(), &tonghopv1.PutValuesRequest{
		UnitCode: tn.unit, DataSet: dataSet, Period: period, Values: vals,
	}); err != nil {
		tn.t.Fatalf("%s: PutValues %s: %v", tn.unit, dataSet, err)
	}
}

func (tn *tnode) submitSet(dataSet, period string) *tonghopv1.Submission {
	tn.t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).Submit(context.Background(), &tonghopv1.SubmitRequest{
		UnitCode: tn.unit, DataSet: dataSet, Period: period,
	})
	if err != nil {
		tn.t.Fatalf("%s: Submit %s: %v", tn.unit, dataSet, err)
	}
	return resp.Submission
}

func (tn *tnode) indicator(unit, code, period string) *tonghopv1.IndicatorValue {
	tn.t.Helper()
	resp, err := tonghopv1.NewRollupServiceClient(tn.admin).GetIndicatorValue(context.Background(), &tonghopv1.GetIndicatorValueRequest{UnitCode: unit, Indicator: code, Period: period})
	if err != nil {
		tn.t.Fatalf("%s: %s of %s: %v", tn.unit, code, unit, err)
	}
	return resp.Value
}

// TestKonTumPublishesItsOwnCatalogue: Tỉnh Kon Tum publishes the indicators
// of its Nghị quyết 03-NQ/TU as its own catalogue version; Thành phố Kon
// Tum fetches it, enters and signs its figures with it; the province and
// the root both compute 373/377 = 98,94% and 2.203/2.276 = 96,79% through
// it, while the root's national indicators, over reports made with either
// catalogue, and its own catalogue, are the built-in ones.
func TestKonTumPublishesItsOwnCatalogue(t *testing.T) {
	units := konTumUnits()
	root := startDated(t, "vn", nil, units, nil, Options{})
	konTum := startDated(t, "62", root, units, nil, Options{})
	city := startDated(t, "608", konTum, units, nil, Options{})
	laiChau := startDated(t, "12", root, units, nil, Options{})
	ctx := context.Background()
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	builtIn := catalog.Default()
	want, err := catalog.Extend(builtIn, source)
	if err != nil {
		t.Fatal(err)
	}

	resp, err := konTum.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: string(source)})
	if err != nil {
		t.Fatal(err)
	}
	v := resp.Version
	if v.Version != "2021.3-kt62.1" || v.Digest != want.Digest() || v.Extends != builtIn.Digest() || v.UnitCode != "62" || !v.InForce || v.AddedDataElements != 4 || v.AddedIndicators != 2 {
		t.Fatalf("published: %v", v)
	}
	// In force at the province and, once fetched, in the city below it;
	// known at the root, where the built-in catalogue stays in force.
	eventually(t, "the version in force at Thành phố Kon Tum", func() bool { return city.versions().InForceDigest == want.Digest() })
	eventually(t, "the version known at the root", func() bool { return len(root.versions().Versions) == 1 })
	if r := root.versions(); r.InForceDigest != builtIn.Digest() || r.Versions[0].InForce || r.Versions[0].UnitCode != "62" {
		t.Fatalf("at the root: %v", r)
	}
	if l := laiChau.versions(); l.InForceDigest != builtIn.Digest() || len(l.Versions) != 0 {
		t.Fatalf("at Lai Châu, beside Kon Tum: %v", l)
	}

	// The version's own rule judges the city's figures: more cells holding
	// thematic meetings than cells blocks signing.
	bad, err := tonghopv1.NewDataServiceClient(city.admin).PutValues(ctx, &tonghopv1.PutValuesRequest{
		UnitCode: "608", DataSet: "nghi_quyet_03_kon_tum", Period: "2024",
		Values: []*tonghopv1.DataValue{dv("nq03_chi_bo", "", "377"), dv("nq03_chi_bo_sinh_hoat_chuyen_de", "", "380")},
	})
	rules := map[string]bool{}
	for _, v := range bad.GetViolations() {
		rules[v.Rule] = v.Importance == tonghopv1.Importance_IMPORTANCE_ERROR
	}
	// The rule the version states, and the one its indicator implies.
	if err != nil || len(rules) != 2 || !rules["nq03_chi_bo_chuyen_de_trong_tong_so"] || !rules["nq03_ty_le_chi_bo_sinh_hoat_chuyen_de/part"] {
		t.Fatalf("380 of 377 cells: %v %v", bad.GetViolations(), err)
	}
	if _, err := tonghopv1.NewSubmissionServiceClient(city.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "608", DataSet: "nghi_quyet_03_kon_tum", Period: "2024"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("signing 380 of 377 cells: %v, want FailedPrecondition", err)
	}
	city.putSet("nghi_quyet_03_kon_tum", "2024",
		dv("nq03_chi_bo", "", "377"), dv("nq03_chi_bo_sinh_hoat_chuyen_de", "", "373"),
		dv("nq03_dang_vien", "", "2276"), dv("nq03_dang_vien_duoc_phan_cong", "", "2203"))
	sub := city.submitSet("nghi_quyet_03_kon_tum", "2024")
	if sub.CatalogVersion != "2021.3-kt62.1" {
		t.Fatalf("the city's report names catalogue %q", sub.CatalogVersion)
	}
	// National figures of the built-in catalogue: the city reports with
	// Kon Tum's version, Lai Châu with the built-in one.
	city.putSet("tong_ket_nam", "2024", dv("thon_to_dan_pho", "", "10"), dv("truong_thon_la_dang_vien", "", "9"))
	city.submitSet("tong_ket_nam", "2024")
	laiChau.putSet("tong_ket_nam", "2024", dv("thon_to_dan_pho", "", "40"), dv("truong_thon_la_dang_vien", "", "10"))
	if s := laiChau.submitSet("tong_ket_nam", "2024"); s.CatalogVersion != builtIn.Version() {
		t.Fatalf("Lai Châu's report names catalogue %q", s.CatalogVersion)
	}
	eventually(t, "the three reports at the root", func() bool {
		r, err := tonghopv1.NewSubmissionServiceClient(root.admin).ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: "vn", IncludeSubtree: true})
		return err == nil && len(r.Submissions) == 3
	})

	for _, at := range []*tnode{konTum, root} {
		for _, c := range []struct {
			code     string
			num, den float64
			exact    *big.Rat
			shown    string
		}{
			{"nq03_ty_le_chi_bo_sinh_hoat_chuyen_de", 373, 377, big.NewRat(37300, 377), "98,94"},
			{"nq03_ty_le_dang_vien_duoc_phan_cong", 2203, 2276, big.NewRat(220300, 2276), "96,79"},
		} {
			got := at.indicator("62", c.code, "2024")
			exact, _ := c.exact.Float64()
			if got.GetNumerator() != c.num || got.GetDenominator() != c.den || got.GetValue() != exact || got.ReportingUnits != 1 {
				t.Errorf("%s: %s of Kon Tum = %v, want %v/%v = %v", at.unit, c.code, got, c.num, c.den, exact)
			}
			if s := numfmt.Vietnamese().Rat(c.exact, 2); s != c.shown {
				t.Errorf("%s shown as %s, want %s", c.code, s, c.shown)
			}
		}
	}
	// The root's own national indicator, over both catalogues' reports:
	// (9 + 10) / (10 + 40) = 38%.
	if got := root.indicator("vn", "ty_le_truong_thon_la_dang_vien", "2024"); got.GetNumerator() != 19 || got.GetDenominator() != 50 || got.GetValue() != 38 {
		t.Errorf("national share of village heads who are members: %v", got)
	}
	cat, err := root.catalogs().GetCatalog(ctx, &tonghopv1.GetCatalogRequest{})
	if err != nil || cat.Catalog.Digest != builtIn.Digest() || len(cat.Catalog.Indicators) != len(builtIn.Indicators()) {
		t.Fatalf("the root's catalogue: %v %v", cat.GetCatalog().GetVersion(), err)
	}
	// Lai Châu, which never knew Kon Tum's version, cannot enter its codes.
	_, err = tonghopv1.NewDataServiceClient(laiChau.admin).PutValues(ctx, &tonghopv1.PutValuesRequest{
		UnitCode: "12", DataSet: "nghi_quyet_03_kon_tum", Period: "2024", Values: []*tonghopv1.DataValue{dv("nq03_chi_bo", "", "1")},
	})
	if err == nil {
		t.Fatal("Lai Châu entered a figure of Kon Tum's catalogue")
	}

	// A restart keeps the version, in force.
	city.stop()
	city.runWith(Options{})
	if r := city.versions(); r.InForceDigest != want.Digest() || len(r.Versions) != 1 {
		t.Fatalf("after a restart: %v", r)
	}
}

// TestPublishBadCatalogue: each kind of mistake in a version is refused
// with InvalidArgument naming the field of the YAML and why, and changes
// nothing: no version kept, the catalogue in force as it was.
func TestPublishBadCatalogue(t *testing.T) {
	units := konTumUnits()
	root := startDated(t, "vn", nil, units, nil, Options{})
	konTum := startDated(t, "62", root, units, nil, Options{})
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(source)
	for _, tt := range []struct {
		name, old, new, field, reason string
	}{
		{"bad expression", "numerator: nq03_dang_vien_duoc_phan_cong\n", "numerator: nq03_dang_vien_duoc_phan_cong * (2\n", "source.indicators[1].numerator", "position"},
		{"unknown code", "denominator: nq03_chi_bo\n", "denominator: nq03_chi_bo_khac\n", "source.indicators[0].denominator", `unknown data element "nq03_chi_bo_khac"`},
		{"cycle", "data_elements:\n", "breakdowns:\n  - {code: nq03_a, name: A, kind: partition, grouping_of: nq03_b, options: [{code: a1, name: A1, groups: [b1]}, {code: a2, name: A2, groups: [b2]}]}\n  - {code: nq03_b, name: B, kind: partition, grouping_of: nq03_a, options: [{code: b1, name: B1, groups: [a1]}, {code: b2, name: B2, groups: [a2]}]}\ndata_elements:\n", "source.breakdowns[0].grouping_of", "grouping_of forms a cycle"},
		{"redefines an inherited code", "  - code: nq03_chi_bo\n", "  - code: dang_vien\n", "source.data_elements[0].code", `data element "dang_vien" is inherited from catalogue 2021.3`},
		{"duplicate code", "  - code: nq03_dang_vien\n", "  - code: nq03_chi_bo\n", "source.data_elements[2].code", `duplicate data element code "nq03_chi_bo"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(src, tt.old) {
				t.Fatalf("test is broken: %q not in the fixture", tt.old)
			}
			_, err := konTum.catalogs().PublishCatalog(context.Background(), &tonghopv1.PublishCatalogRequest{Source: strings.Replace(src, tt.old, tt.new, 1)})
			st := status.Convert(err)
			var br *errdetails.BadRequest
			for _, d := range st.Details() {
				if b, ok := d.(*errdetails.BadRequest); ok {
					br = b
				}
			}
			if st.Code() != codes.InvalidArgument || br == nil || len(br.FieldViolations) != 1 {
				t.Fatalf("err = %v, want InvalidArgument with one field violation", err)
			}
			fv := br.FieldViolations[0]
			if fv.Field != tt.field || !strings.Contains(fv.Description, tt.reason) || !strings.Contains(fv.Description, "(line ") {
				t.Errorf("violation %s: %s\nwant %s: …%s… (line N)", fv.Field, fv.Description, tt.field, tt.reason)
			}
			if r := konTum.versions(); len(r.Versions) != 0 || r.InForceDigest != catalog.Default().Digest() {
				t.Errorf("a refused version changed the node: %v", r)
			}
		})
	}
	if out := konTum.outbox(); len(out) != 0 {
		t.Errorf("refused versions queued for the root: %v", out)
	}
	// Over REST: 400, naming the field.
	body, _ := json.Marshal(map[string]string{"source": strings.Replace(src, "  - code: nq03_chi_bo\n", "  - code: dang_vien\n", 1)})
	req, _ := http.NewRequest("POST", "http://"+konTum.node.HTTPAddr()+"/v1/catalog/versions", bytes.NewReader(body))
	tok, _ := AdminToken(konTum.dir)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "source.data_elements[0].code") {
		t.Fatalf("over REST: %d %s", resp.StatusCode, raw)
	}
}

// TestSiblingVersionsClash: Lai Châu publishes, beside Kon Tum, a version
// that adds the same codes; it is in force at Lai Châu, which never knew
// Kon Tum's, but the root, which knows both, refuses it and keeps Kon
// Tum's alone, and so refuses Lai Châu's reports made with it, saying why.
func TestSiblingVersionsClash(t *testing.T) {
	units := konTumUnits()
	root := startDated(t, "vn", nil, units, nil, Options{})
	konTum := startDated(t, "62", root, units, nil, Options{})
	laiChau := startDated(t, "12", root, units, nil, Options{})
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := konTum.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: string(source)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Kon Tum's version at the root", func() bool { return len(root.versions().Versions) == 1 })
	other := strings.Replace(string(source), `version: "2021.3-kt62.1"`, `version: "2021.3-lc12.1"`, 1)
	if _, err := laiChau.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: other}); err != nil {
		t.Fatal(err)
	}
	// The root answers the version refused (a notice leaves the outbox
	// either way), and then refuses the reports made with it, saying why.
	eventually(t, "Lai Châu's version delivered", func() bool { return len(laiChau.outbox()) == 0 })
	laiChau.putSet("nghi_quyet_03_kon_tum", "2024", dv("nq03_chi_bo", "", "12"), dv("nq03_chi_bo_sinh_hoat_chuyen_de", "", "10"))
	sub := laiChau.submitSet("nghi_quyet_03_kon_tum", "2024")
	eventually(t, "the root refusing Lai Châu's report", func() bool {
		got := laiChau.submissions("12", false)
		return len(got) == 1 && got[0].ForwardState == tonghopv1.ForwardState_FORWARD_STATE_REJECTED
	})
	if got := laiChau.submissions("12", false)[0]; got.Digest != sub.Digest || !strings.Contains(got.ForwardError.GetMessage(), "2021.3-lc12.1") || !strings.Contains(got.ForwardError.GetMessage(), "not one this node knows") {
		t.Errorf("refusal: %v", got)
	}
	if r := root.versions(); len(r.Versions) != 1 || r.Versions[0].UnitCode != "62" {
		t.Fatalf("at the root: %v", r)
	}
	if l := laiChau.versions(); len(l.Versions) != 1 || !l.Versions[0].InForce || l.Versions[0].Version != "2021.3-lc12.1" {
		t.Fatalf("at Lai Châu: %v", l)
	}
}

// TestVersionOverAVersion: a district publishes over its province's
// version; the district's own indicator may use the province's codes, and
// the province reads the district's reports with it.
func TestVersionOverAVersion(t *testing.T) {
	units := konTumUnits()
	root := startDated(t, "vn", nil, units, nil, Options{})
	konTum := startDated(t, "62", root, units, nil, Options{})
	city := startDated(t, "608", konTum, units, nil, Options{})
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := konTum.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: string(source)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Kon Tum's version in force at the city", func() bool { return city.versions().InForceVersion == "2021.3-kt62.1" })
	own := `version: "2021.3-kt62.1-608.1"
extends: "2021.3-kt62.1"
data_elements:
  - {code: tp608_chi_bo_to_dan_pho, name: "Số chi bộ tổ dân phố", group: nghi_quyet_03, nature: stock, value_type: count}
data_sets:
  - {code: tp608_chi_bo, name: "Chi bộ tổ dân phố", period_type: yearly, elements: [tp608_chi_bo_to_dan_pho, nq03_chi_bo]}
indicators:
  - {code: tp608_ty_le_chi_bo_to_dan_pho, name: "Tỷ lệ chi bộ tổ dân phố", numerator: tp608_chi_bo_to_dan_pho, denominator: nq03_chi_bo, factor: 100, unit: "%", decimals: 2}
`
	resp, err := city.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: own})
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.Version; v.UnitCode != "608" || v.AddedIndicators != 1 || !v.InForce {
		t.Fatalf("published: %v", v)
	}
	city.putSet("tp608_chi_bo", "2024", dv("tp608_chi_bo_to_dan_pho", "", "120"), dv("nq03_chi_bo", "", "377"))
	if s := city.submitSet("tp608_chi_bo", "2024"); s.CatalogVersion != "2021.3-kt62.1-608.1" {
		t.Fatalf("the city's report names %q", s.CatalogVersion)
	}
	// 120/377 = 31,83%, at the root too.
	for _, at := range []*tnode{konTum, root} {
		eventually(t, "the city's report at "+at.unit, func() bool { return len(at.submissions("608", false)) == 1 })
		got := at.indicator("608", "tp608_ty_le_chi_bo_to_dan_pho", "2024")
		want, _ := big.NewRat(12000, 377).Float64()
		if got.GetNumerator() != 120 || got.GetDenominator() != 377 || got.GetValue() != want {
			t.Errorf("%s: %v, want 120/377", at.unit, got)
		}
	}
}

// TestCatalogVersionByFile: Kon Tum, with no link to the root, publishes
// its version and carries it up in a bundle file with a report made with
// it; the root imports both, in that order within the one file, and
// computes the province's indicator; the receipts clear the outbox.
func TestCatalogVersionByFile(t *testing.T) {
	units := konTumUnits()
	root := startDated(t, "vn", nil, units, nil, Options{})
	konTum := startDated(t, "62", root, units, nil, Options{})
	konTum.cutOff()
	source, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := konTum.catalogs().PublishCatalog(ctx, &tonghopv1.PublishCatalogRequest{Source: string(source)}); err != nil {
		t.Fatal(err)
	}
	konTum.putSet("nghi_quyet_03_kon_tum", "2024", dv("nq03_chi_bo", "", "377"), dv("nq03_chi_bo_sinh_hoat_chuyen_de", "", "373"))
	konTum.submitSet("nghi_quyet_03_kon_tum", "2024")
	ex, err := konTum.bundles().ExportBundle(ctx, &tonghopv1.ExportBundleRequest{})
	if err != nil || ex.Manifest.Entries != 2 {
		t.Fatalf("export: %v %v", ex.GetManifest(), err)
	}
	im, err := root.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range im.Results {
		if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED {
			t.Errorf("entry %d: %v", i, r)
		}
	}
	if r := root.versions(); len(r.Versions) != 1 || r.Versions[0].UnitCode != "62" {
		t.Fatalf("the root's versions: %v", r)
	}
	got := root.indicator("62", "nq03_ty_le_chi_bo_sinh_hoat_chuyen_de", "2024")
	if got.GetNumerator() != 373 || got.GetDenominator() != 377 {
		t.Fatalf("at the root: %v", got)
	}
	rc, err := konTum.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: im.Receipts})
	if err != nil || rc.Cleared != 2 || len(konTum.outbox()) != 0 {
		t.Fatalf("receipts: %v %v, outbox %v", rc, err, konTum.outbox())
	}
}
