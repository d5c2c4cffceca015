package dhis2

import (
	"bytes"
	"errors"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]string{
		"2021": "2021", "2021S2": "2021S2", "2021Q3": "2021Q3", "202109": "202109", "2021-09": "202109",
		"2021-01-01/P1Y": "2021", "2021-07-01/P6M": "2021S2", "2021-07-01/P3M": "2021Q3", "2021-09-01/P1M": "202109",
		"2021-01-01/P12M": "2021",
	} {
		p, err := ParsePeriod(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "2021-13", "2021-02-01/P3M", "2021-01-15/P1M", "2021-01-01/P2W", "21Q3", "2021W3"} {
		if _, err := ParsePeriod(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePeriod(%q): %v, want ErrInvalid", bad, err)
		}
	}
	for code, want := range map[string]string{"2021": "2021-01-01/P1Y", "2021S2": "2021-07-01/P6M", "2021Q3": "2021-07-01/P3M", "202109": "2021-09-01/P1M"} {
		if got := ADXPeriod(period.MustParse(code)); got != want {
			t.Errorf("ADXPeriod(%s) = %s, want %s", code, got, want)
		}
	}
}

func readMapping(t *testing.T) *Mapping {
	t.Helper()
	f, err := os.Open("testdata/mapping.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadMapping(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The files in testdata are written by hand from DHIS2's documentation of
// each format, with its UIDs in the JSON, XML and CSV and its codes in the
// ADX; all say the same thing.
func TestHandWrittenFilesWithAMapping(t *testing.T) {
	m := readMapping(t)
	p := period.MustParse("2021")
	want := []Value{
		{Unit: "106", DataSet: "tong_ket_nam", Period: p, Element: "dang_vien", Option: "", Value: "2675", Index: 0},
		{Unit: "106", DataSet: "tong_ket_nam", Period: p, Element: "dang_vien", Option: "nam", Value: "1791", Index: 1},
		{Unit: "106", DataSet: "tong_ket_nam", Period: p, Element: "dang_vien", Option: "nu", Value: "884", Index: 2},
		{Unit: "106", DataSet: "tong_ket_nam", Period: p, Element: "ket_nap", Option: "", Value: "71", Index: 3},
	}
	for file, format := range map[string]string{"tam-duong-2021.json": JSON, "tam-duong-2021.xml": XML, "tam-duong-2021.csv": CSV, "tam-duong-2021.adx.xml": ADX} {
		if FormatOf(file) != format {
			t.Errorf("FormatOf(%s) = %s", file, FormatOf(file))
		}
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		set, err := Read(format, bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got, conflicts := Translate(set, m)
		if format == CSV { // CSV carries no data set
			for i := range got {
				got[i].DataSet = "tong_ket_nam"
			}
		}
		if len(conflicts) != 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v\nconflicts %v", file, got, want, conflicts)
		}
	}
}

// Export → read → translate gives back the values, in every format.
func TestRoundTrips(t *testing.T) {
	m := readMapping(t)
	values := []Value{
		{Unit: "106", Period: period.MustParse("2021"), Element: "dang_vien", Value: "2675"},
		{Unit: "106", Period: period.MustParse("2021"), Element: "dang_vien", Option: "nam", Value: "1791"},
		{Unit: "106", Period: period.MustParse("2021"), Element: "dang_vien", Option: "nu", Value: "884"},
		{Unit: "03390", Period: period.MustParse("2021"), Element: "ket_nap", Value: "12"},
		{Unit: "03390", Period: period.MustParse("2021"), Element: "ket_nap", Option: "doan_vien_thanh_nien", Value: "9"},
	}
	breakdownOf := func(element, option string) string { return "ket_nap_trong_do" }
	for _, mapping := range []*Mapping{m, nil} {
		for _, format := range []string{JSON, XML, CSV, ADX} {
			var buf bytes.Buffer
			set := Export("tong_ket_nam", values, mapping, breakdownOf)
			if err := Write(format, &buf, set); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			back, err := Read(format, bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%s: reading back: %v\n%s", format, err, buf.String())
			}
			got, conflicts := Translate(back, mapping)
			if len(conflicts) > 0 || len(got) != len(values) {
				t.Fatalf("%s (mapping %v): %d values, conflicts %v\n%s", format, mapping != nil, len(got), conflicts, buf.String())
			}
			for i, v := range values {
				g := got[i]
				if g.Unit != v.Unit || g.Period != v.Period || g.Element != v.Element || g.Option != v.Option || g.Value != v.Value {
					t.Errorf("%s value %d: %+v, want %+v", format, i, g, v)
				}
				if format != CSV && g.DataSet != "tong_ket_nam" {
					t.Errorf("%s value %d: data set %q", format, i, g.DataSet)
				}
			}
			if mapping != nil && format == JSON && !strings.Contains(buf.String(), `"categoryOptionCombo": "V6L425pT3A0"`) {
				t.Errorf("the JSON export does not use the mapping's UIDs:\n%s", buf.String())
			}
			if mapping != nil && format == ADX && (!strings.Contains(buf.String(), `GIOI_TINH="NU"`) || !strings.Contains(buf.String(), `period="2021-01-01/P1Y"`)) {
				t.Errorf("the ADX export lacks the categories or the ISO period:\n%s", buf.String())
			}
		}
	}
}

// The default combo, by UID, by code or left out, is the total.
func TestDefaultCombo(t *testing.T) {
	set := DataValueSet{Period: "2021", OrgUnit: "106", DataValues: []DataValue{
		{DataElement: "dang_vien", CategoryOptionCombo: DefaultCOC, Value: "1"},
		{DataElement: "dang_vien", CategoryOptionCombo: "default", Value: "2"},
		{DataElement: "dang_vien", Value: "3"},
	}}
	got, conflicts := Translate(set, nil)
	if len(conflicts) != 0 || len(got) != 3 {
		t.Fatalf("%v %v", got, conflicts)
	}
	for _, v := range got {
		if v.Option != "" {
			t.Errorf("value %s has option %q, want the total", v.Value, v.Option)
		}
	}
	if c := NewMapping().COC(""); c != DefaultCOC {
		t.Errorf("the total exports as %s", c)
	}
}

// Each value that cannot be taken is a conflict of its own, naming it; the
// others go on.
func TestConflictsPerValue(t *testing.T) {
	set := DataValueSet{OrgUnit: "106", DataValues: []DataValue{
		{DataElement: "dang_vien", Period: "2021", Value: "10"},
		{DataElement: "dang_vien", Period: "2021W40", Value: "10"},
		{DataElement: "", Period: "2021", Value: "10"},
		{DataElement: "dang_vien", Period: "2021", AttributeOptionCombo: "aocFunding1", Value: "10"},
		{DataElement: "dang_vien", Period: "2021", Value: "11", Categories: map[string]string{"GIOI_TINH": "NU", "TUOI": "Q1"}},
	}}
	got, conflicts := Translate(set, readMapping(t))
	if len(got) != 1 || got[0].Value != "10" {
		t.Fatalf("kept %v", got)
	}
	if len(conflicts) != 4 {
		t.Fatalf("conflicts: %v", conflicts)
	}
	for i, c := range []struct{ object, says string }{
		{"2021W40", "2021W40"}, {"dataElement", "no data element"}, {"aocFunding1", "attribute option combo"}, {"dang_vien", "GIOI_TINH=NU;TUOI=Q1"},
	} {
		if conflicts[i].Object != c.object || !strings.Contains(conflicts[i].Value, c.says) || conflicts[i].Indexes[0] != i+1 {
			t.Errorf("conflict %d: %+v, want object %s saying %q", i, conflicts[i], c.object, c.says)
		}
	}
	var s Summary
	s.Conflicts = conflicts
	s.ImportCount.Imported = 1
	s.Finish()
	if s.Status != "WARNING" || s.ResponseType != "ImportSummary" {
		t.Errorf("summary: %+v", s)
	}
	if _, err := Strategy("delete"); err != nil {
		t.Error(err)
	}
	if _, err := Strategy("MERGE"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Strategy(MERGE): %v", err)
	}
}

// A DHIS2 metadata export becomes a catalogue whose indicators compute as
// worked by hand.
func TestCatalogueFromMetadata(t *testing.T) {
	f, err := os.Open("testdata/metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Catalogue(f, "dhis2-2.40")
	if err != nil {
		t.Fatalf("%v", err)
	}
	cat := c.Catalog
	ds, ok := cat.DataSet("ds_dang_vien")
	if !ok || !reflect.DeepEqual(ds.Elements, []string{"dv_tong", "dv_ket_nap"}) || ds.PeriodType != period.Yearly {
		t.Fatalf("data set: %+v (%v)\n%s", ds, ok, c.YAML)
	}
	de, _ := cat.Element("dv_tong")
	if de.Nature.String() != "stock" || len(de.Breakdowns) != 1 {
		t.Errorf("dv_tong: %+v", de)
	}
	if b, _ := cat.Breakdown(de.Breakdowns[0]); len(b.Options) != 2 || b.Options[0].Code != "nam" || b.Options[1].Name != "Nữ" {
		t.Errorf("breakdown: %+v", b)
	}
	if de, _ := cat.Element("dv_ket_nap"); de.Nature.String() != "flow" {
		t.Errorf("dv_ket_nap: %+v", de)
	}
	if len(c.Skipped) != 3 { // the text element, the indicator on it, the != rule
		t.Errorf("skipped: %q", c.Skipped)
	}
	// 2.675 members, 1.791 men and 884 women; 71 admitted.
	values := map[expr.Ref]int64{{Element: "dv_tong"}: 2675, {Element: "dv_tong", Option: "nam"}: 1791, {Element: "dv_tong", Option: "nu"}: 884, {Element: "dv_ket_nap"}: 71}
	lookup := func(r expr.Ref) (int64, bool) { v, ok := values[r]; return v, ok }
	for code, want := range map[string]*big.Rat{
		"tl_dv_nu":    big.NewRat(884*100, 2675),    // 33,05%
		"ket_nap_100": big.NewRat(71*100, 1791+884), // 2,65 per 100
		"so_ket_nap":  big.NewRat(71, 1),
	} {
		ind, ok := cat.Indicator(code)
		if !ok {
			t.Errorf("no indicator %s:\n%s", code, c.YAML)
			continue
		}
		got, ok := ind.Eval(lookup)
		if !ok || got.Cmp(want) != 0 {
			t.Errorf("%s = %v, want %v (%s)", code, got, want, want.FloatString(2))
		}
	}
	if ind, _ := cat.Indicator("tl_dv_nu"); ind.Unit != "%" || ind.Factor != 100 {
		t.Errorf("tl_dv_nu: %+v", ind)
	}
	rules := cat.ValidationRules()
	if len(rules) != 2 || rules[0].Operator != "<=" || rules[0].Importance != "error" {
		t.Errorf("rules: %+v", rules)
	}
	// The mapping made beside it reads a DHIS2 file of that data set.
	set := DataValueSet{DataSet: "pBOMPrpg1QX", Period: "2021", OrgUnit: "106", DataValues: []DataValue{
		{DataElement: "fbfJHSPpUQD", CategoryOptionCombo: "V6L425pT3A0", Value: "884"},
		{DataElement: "cYeuwXTCPkU", CategoryOptionCombo: DefaultCOC, Value: "71"},
	}}
	got, conflicts := Translate(set, c.Mapping)
	if len(conflicts) != 0 || got[0].Element != "dv_tong" || got[0].Option != "nu" || got[1].Element != "dv_ket_nap" || got[1].Option != "" || got[0].DataSet != "ds_dang_vien" {
		t.Errorf("through the made mapping: %+v %v", got, conflicts)
	}
	var buf bytes.Buffer
	if err := c.Mapping.Write(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ReadMapping(&buf)
	if err != nil || again.Code(KindCOC, "V6L425pT3A0") != "nu" {
		t.Errorf("the written mapping reads back: %v", err)
	}
}
