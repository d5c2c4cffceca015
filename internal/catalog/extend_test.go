package catalog

import (
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/expr"
)

func konTum(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExtendKonTum: the province's version keeps every built-in code and
// adds its own, and its indicators compute 373/377 and 2.203/2.276 exactly.
func TestExtendKonTum(t *testing.T) {
	parent := Default()
	c, err := Extend(parent, konTum(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != "2021.3-kt62.1" || c.Extends() != parent.Digest() || c.Digest() == parent.Digest() {
		t.Fatalf("version %s extends %.12s digest %.12s; parent %.12s", c.Version(), c.Extends(), c.Digest(), parent.Digest())
	}
	if again, _ := Extend(Default(), konTum(t)); again.Digest() != c.Digest() {
		t.Error("the same version read twice has two digests")
	}
	if len(c.Elements()) != len(parent.Elements())+4 || len(c.Indicators()) != len(parent.Indicators())+2 || len(c.ValidationRules()) != len(parent.ValidationRules())+2 {
		t.Errorf("%d elements, %d indicators, %d rules", len(c.Elements()), len(c.Indicators()), len(c.ValidationRules()))
	}
	for _, ind := range parent.Indicators() {
		if got, ok := c.Indicator(ind.Code); !ok || got.Numerator.String() != ind.Numerator.String() {
			t.Errorf("inherited indicator %s lost or changed", ind.Code)
		}
	}
	if _, ok := parent.Element("nq03_chi_bo"); ok {
		t.Error("extending changed the parent")
	}
	values := map[string]int64{"nq03_chi_bo": 377, "nq03_chi_bo_sinh_hoat_chuyen_de": 373, "nq03_dang_vien": 2276, "nq03_dang_vien_duoc_phan_cong": 2203}
	lookup := func(r expr.Ref) (int64, bool) { v, ok := values[r.Element]; return v, ok }
	for code, want := range map[string]*big.Rat{
		"nq03_ty_le_chi_bo_sinh_hoat_chuyen_de": big.NewRat(37300, 377),
		"nq03_ty_le_dang_vien_duoc_phan_cong":   big.NewRat(220300, 2276),
	} {
		ind, ok := c.Indicator(code)
		if !ok {
			t.Fatalf("no indicator %s", code)
		}
		got, ok := ind.Eval(lookup)
		if !ok || got.Cmp(want) != 0 {
			t.Errorf("%s = %v, want %v", code, got, want)
		}
	}
	if got, _ := c.Indicator("nq03_ty_le_chi_bo_sinh_hoat_chuyen_de"); got.Name != "Tỷ lệ chi bộ sinh hoạt chuyên đề" {
		t.Errorf("name %q", got.Name)
	}
}

// TestExtendRefuses: each kind of mistake in a published version is named
// by path and reason, and leaves the parent as it was.
func TestExtendRefuses(t *testing.T) {
	src := string(konTum(t))
	tests := []struct {
		name, old, new, path, msg string
	}{
		{"bad expression", "numerator: nq03_chi_bo_sinh_hoat_chuyen_de\n", "numerator: nq03_chi_bo_sinh_hoat_chuyen_de +\n", "indicators[0].numerator", `found end of input`},
		{"unknown code in an expression", "denominator: nq03_dang_vien\n", "denominator: nq03_dang_vien_x\n", "indicators[1].denominator", `unknown data element "nq03_dang_vien_x"`},
		{"unknown element in a data set", "elements: [nq03_chi_bo,", "elements: [nq03_chi_bo_x,", "data_sets[0].elements[0]", `unknown data element "nq03_chi_bo_x"`},
		{"unknown breakdown", "    nature: stock\n    value_type: count\n  - code: nq03_dang_vien\n", "    nature: stock\n    value_type: count\n    breakdowns: [gioi_tinh_x]\n  - code: nq03_dang_vien\n", "data_elements[1].breakdowns[0]", `unknown breakdown "gioi_tinh_x"`},
		{"redefines an inherited element", "  - code: nq03_dang_vien\n", "  - code: dang_vien\n", "data_elements[2].code", `data element "dang_vien" is inherited from catalogue 2021.3`},
		{"redefines an inherited indicator", "  - code: nq03_ty_le_dang_vien_duoc_phan_cong\n", "  - code: ty_le_dang_vien_nu\n", "indicators[1].code", `indicator "ty_le_dang_vien_nu" is inherited`},
		{"duplicate element", "  - code: nq03_dang_vien\n", "  - code: nq03_chi_bo\n", "data_elements[2].code", `duplicate data element code "nq03_chi_bo" (also data_elements[0])`},
		{"duplicate indicator", "  - code: nq03_ty_le_dang_vien_duoc_phan_cong\n", "  - code: nq03_ty_le_chi_bo_sinh_hoat_chuyen_de\n", "indicators[1].code", `duplicate indicator code "nq03_ty_le_chi_bo_sinh_hoat_chuyen_de" (also indicators[0])`},
		{"duplicate rule", "  - code: nq03_dang_vien_phan_cong_trong_tong_so\n", "  - code: nq03_chi_bo_chuyen_de_trong_tong_so\n", "validation_rules[1].code", `duplicate rule code`},
		{"grouping cycle", "data_elements:\n", cycleYAML + "data_elements:\n", "breakdowns[0].grouping_of", "grouping_of forms a cycle: nq03_a → nq03_b → nq03_a"},
		{"extends another version", `extends: "2021.3"`, `extends: "2021.2"`, "extends", `extends catalogue "2021.2", but the catalogue in force here is "2021.3"`},
		{"same version", `version: "2021.3-kt62.1"`, `version: "2021.3"`, "version", "is the version it extends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(src, tt.old) {
				t.Fatalf("test is broken: %q not in the fixture", tt.old)
			}
			parent := Default()
			_, err := Extend(parent, []byte(strings.Replace(src, tt.old, tt.new, 1)))
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidCatalog) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Path != tt.path || !strings.Contains(ve.Error(), tt.msg) || ve.Line == 0 {
				t.Errorf("got %v (line %d)\nwant path %s and message containing %q", err, ve.Line, tt.path, tt.msg)
			}
			if parent.Digest() != Default().Digest() {
				t.Error("a refused version changed the parent")
			}
		})
	}
}

const cycleYAML = `breakdowns:
  - code: nq03_a
    name: A
    kind: partition
    grouping_of: nq03_b
    options:
      - {code: a1, name: A1, groups: [b1]}
      - {code: a2, name: A2, groups: [b2]}
  - code: nq03_b
    name: B
    kind: partition
    grouping_of: nq03_a
    options:
      - {code: b1, name: B1, groups: [a1]}
      - {code: b2, name: B2, groups: [a2]}
`

// TestMergeClash: a node holding two subtrees' versions reads both with one
// catalogue, and refuses a second definition of a code either added.
func TestMergeClash(t *testing.T) {
	union, err := Merge(Default(), konTum(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := union.Indicator("nq03_ty_le_dang_vien_duoc_phan_cong"); !ok || union.Version() != Default().Version() {
		t.Fatalf("merged: %s, indicator missing", union.Version())
	}
	other := strings.Replace(string(konTum(t)), `version: "2021.3-kt62.1"`, `version: "2021.3-other"`, 1)
	_, err = Merge(union, []byte(other))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Path != "data_elements[0].code" || !strings.Contains(ve.Error(), `"nq03_chi_bo" is inherited`) {
		t.Fatalf("a clash between two versions: %v", err)
	}
}

// TestLive: a live catalogue reads as the last one it was given.
func TestLive(t *testing.T) {
	l := NewLive(Default())
	if l.Digest() != Default().Digest() {
		t.Fatal("live catalogue does not read as its first")
	}
	next, err := Extend(l, konTum(t))
	if err != nil {
		t.Fatal(err)
	}
	l.Replace(next)
	if _, ok := l.DataSet("nghi_quyet_03_kon_tum"); !ok || l.Digest() != next.Digest() || l.Extends() != Default().Digest() {
		t.Error("live catalogue did not take the new version")
	}
}

func TestParseRefusesExtends(t *testing.T) {
	_, err := Parse(konTum(t))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Path != "extends" {
		t.Fatalf("Parse of a published version: %v", err)
	}
}

// TestVersions: a province's version is in force at the province and below
// it, not beside it; it is known by digest, and a version that does not
// rebuild to the digest it names is refused.
func TestVersions(t *testing.T) {
	src := konTum(t)
	base := Default()
	kt, err := Extend(base, src)
	if err != nil {
		t.Fatal(err)
	}
	district := NewVersions(Default(), Earlier(), []string{"vn", "62", "608"})
	beside := NewVersions(Default(), Earlier(), []string{"vn", "01"})
	if _, err := district.Add([]string{"vn", "62"}, base.Digest(), src, strings.Repeat("0", 64)); !errors.Is(err, ErrInvalidCatalog) {
		t.Fatalf("a wrong digest: %v", err)
	}
	if _, err := district.Add([]string{"vn", "62"}, strings.Repeat("1", 64), src, kt.Digest()); !errors.Is(err, ErrUnknownBase) {
		t.Fatalf("an unknown base: %v", err)
	}
	if district.InForce().Digest() != base.Digest() || len(district.Published()) != 0 {
		t.Fatal("a refused version changed what is in force")
	}
	for _, v := range []*Versions{district, beside} {
		if _, err := v.Add([]string{"vn", "62"}, base.Digest(), src, kt.Digest()); err != nil {
			t.Fatal(err)
		}
		if _, ok := v.All().Indicator("nq03_ty_le_chi_bo_sinh_hoat_chuyen_de"); !ok {
			t.Error("the union lacks the province's indicator")
		}
	}
	if district.InForce().Digest() != kt.Digest() || beside.InForce().Digest() != base.Digest() {
		t.Errorf("in force: district %.12s, beside %.12s; want %.12s and %.12s", district.InForce().Digest(), beside.InForce().Digest(), kt.Digest(), base.Digest())
	}
	if _, ok := district.Covers(kt.Digest(), []string{"vn", "62", "608", "23"}); !ok {
		t.Error("the version does not cover a commune of the province")
	}
	if _, ok := district.Covers(kt.Digest(), []string{"vn", "01", "001"}); ok {
		t.Error("the version covers a unit of another province")
	}
	if _, ok := district.Covers(base.Digest(), []string{"vn", "01"}); !ok {
		t.Error("the built-in catalogue does not cover every unit")
	}
}

// FuzzExtend: a version published elsewhere is outside input. Whatever it
// holds, Extend answers a *ValidationError or a catalogue, never panics,
// and leaves the parent as it was; the same source makes the same digest.
func FuzzExtend(f *testing.F) {
	src, err := os.ReadFile("testdata/kon-tum-03-nq-tu.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add([]byte("version: x\nbreakdowns:\n  - {code: a, name: A, kind: partition, grouping_of: a, options: [{code: o, name: O, groups: [o]}, {code: p, name: P, groups: [p]}]}\n"))
	parent := Default()
	digest := parent.Digest()
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Extend(parent, raw)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidCatalog) {
				t.Fatalf("error is not a *ValidationError: %v", err)
			}
			return
		}
		again, err := Extend(parent, raw)
		if err != nil || again.Digest() != c.Digest() {
			t.Fatalf("the same source read twice: %v", err)
		}
		if parent.Digest() != digest || len(c.Elements()) < len(parent.Elements()) {
			t.Fatal("extending changed the parent or lost its codes")
		}
	})
}
