package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestEarlierDigests pins the earlier built-in catalogues to the digests
// their reports carry: editing one would orphan every report signed with it.
func TestEarlierDigests(t *testing.T) {
	want := []struct{ version, digest string }{
		{"2021.2", "c332eb8e28754ab259a798419881e995de20bd8a89f446aa4d7c59cf2987d2f0"},
	}
	got := Earlier()
	if len(got) != len(want) {
		t.Fatalf("%d earlier catalogues, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Version() != w.version || got[i].Digest() != w.digest {
			t.Errorf("earlier[%d] = %s %s, want %s %s", i, got[i].Version(), got[i].Digest(), w.version, w.digest)
		}
	}
}

// TestDefaultKeepsEarlierCodes: the current catalogue reads every report of
// an earlier one, so it keeps every element with its nature, every option
// of every element, every indicator with its formula, every data set with
// its elements and sections.
func TestDefaultKeepsEarlierCodes(t *testing.T) {
	cur := Default()
	for _, old := range Earlier() {
		for _, e := range old.Elements() {
			ne, ok := cur.Element(e.Code)
			if !ok || ne.Nature != e.Nature || ne.ValueType != e.ValueType {
				t.Errorf("%s: element %s lost or changed nature", old.Version(), e.Code)
				continue
			}
			for _, bc := range e.Breakdowns {
				b, _ := old.Breakdown(bc)
				nb, ok := cur.Breakdown(bc)
				if !ok || nb.Kind != b.Kind {
					t.Errorf("%s: breakdown %s lost or changed kind", old.Version(), bc)
				}
				for _, o := range b.Options {
					if _, _, ok := cur.Option(e.Code, o.Code); !ok {
						t.Errorf("%s: option %s.%s lost", old.Version(), e.Code, o.Code)
					}
				}
			}
		}
		for _, ind := range old.Indicators() {
			ni, ok := cur.Indicator(ind.Code)
			if !ok || ni.Numerator.String() != ind.Numerator.String() || fmt.Sprint(ni.Denominator) != fmt.Sprint(ind.Denominator) || ni.Factor != ind.Factor {
				t.Errorf("%s: indicator %s lost or changed", old.Version(), ind.Code)
			}
		}
		for _, ds := range old.DataSets() {
			nds, ok := cur.DataSet(ds.Code)
			if !ok || nds.PeriodType != ds.PeriodType {
				t.Errorf("%s: data set %s lost or changed period type", old.Version(), ds.Code)
				continue
			}
			for _, e := range ds.Elements {
				if !nds.HasElement(e) {
					t.Errorf("%s: data set %s lost element %s", old.Version(), ds.Code, e)
				}
			}
			for _, s := range ds.Sections {
				if _, ok := nds.Section(s.Code); !ok {
					t.Errorf("%s: data set %s lost section %s", old.Version(), ds.Code, s.Code)
				}
			}
		}
	}
}

// TestEthnicGroups: the 54 groups of the statistics office's list, coded
// 01 to 54, and "other"; Kinh and minorities group them, each group once.
func TestEthnicGroups(t *testing.T) {
	c := Default()
	fine, _ := c.Breakdown("dan_toc_chi_tiet")
	if !fine.Sparse || fine.Kind != Partition || len(fine.Options) != 55 {
		t.Fatalf("dan_toc_chi_tiet: sparse %v kind %v %d options", fine.Sparse, fine.Kind, len(fine.Options))
	}
	for i, o := range fine.Options[:54] {
		if o.OfficialCode != fmt.Sprintf("%02d", i+1) || !strings.HasPrefix(o.Code, "dt_") {
			t.Errorf("option %d = %s %q", i, o.Code, o.OfficialCode)
		}
	}
	for code, want := range map[string]string{"dt_kinh": "01", "dt_thai": "03", "dt_mong": "08", "dt_dao": "09", "dt_giay": "26", "dt_lao": "35", "dt_khang": "37", "dt_lu": "42", "dt_o_du": "54"} {
		_, o, ok := c.Option("dang_vien", code)
		if !ok || o.OfficialCode != want {
			t.Errorf("dang_vien.%s: %q %v, want %s", code, o.OfficialCode, ok, want)
		}
	}
	if o := fine.Options[54]; o.Code != "dt_khac" || o.OfficialCode != "" {
		t.Errorf("last option %+v, want dt_khac without an official code", o)
	}
	g, _ := c.Breakdown("dan_toc")
	minority, _ := g.Option("dan_toc_thieu_so")
	kinh, _ := g.Option("dan_toc_kinh")
	if g.GroupingOf != "dan_toc_chi_tiet" || len(minority.Groups) != 54 || len(kinh.Groups) != 1 || kinh.Groups[0] != "dt_kinh" {
		t.Errorf("dan_toc groups %q: %d minority, kinh %v", g.GroupingOf, len(minority.Groups), kinh.Groups)
	}
}

const groupingYAML = `version: "1"
breakdowns:
  - code: coarse
    name: Dân tộc
    kind: partition
    grouping_of: fine
    options:
      - {code: kinh, name: Kinh, groups: [f_kinh]}
      - {code: thieu_so, name: Thiểu số, groups: [f_mong, f_thai]}
  - code: fine
    name: Thành phần dân tộc
    kind: partition
    sparse: true
    options:
      - {code: f_kinh, name: Kinh, official_code: "01"}
      - {code: f_thai, name: Thái, official_code: "03"}
      - {code: f_mong, name: Mông, official_code: "08"}
data_elements:
  - code: members
    name: Đảng viên
    group: members
    nature: stock
    value_type: count
    breakdowns: [coarse, fine]
`

func TestParseGroupings(t *testing.T) {
	c, err := Parse([]byte(groupingYAML))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Breakdown("coarse")
	b.Options[1].Groups[0] = "changed"
	if again, _ := c.Breakdown("coarse"); again.Options[1].Groups[0] != "f_mong" {
		t.Error("Breakdown returned groups shared with the catalogue")
	}
	tests := []struct {
		name, old, new, path, msg string
	}{
		{"unknown grouped breakdown", "grouping_of: fine", "grouping_of: finer", "breakdowns[0].grouping_of", `unknown breakdown "finer"`},
		{"groups itself", "grouping_of: fine", "grouping_of: coarse", "breakdowns[0].grouping_of", "cannot group itself"},
		{"unknown grouped option", "groups: [f_mong, f_thai]", "groups: [f_mong, f_tay]", "breakdowns[0].options[1].groups[1]", `breakdown "fine" has no option "f_tay"`},
		{"option in two groups", "groups: [f_mong, f_thai]", "groups: [f_mong, f_kinh]", "breakdowns[0].options[1].groups[1]", `option "f_kinh" of "fine" is in group "kinh" and in group "thieu_so"`},
		{"option in no group", "groups: [f_mong, f_thai]", "groups: [f_mong]", "breakdowns[0].options", `option "f_thai" of "fine" is in no group`},
		{"groups without grouping_of", "    grouping_of: fine\n", "", "breakdowns[0].options[0].groups", "names no grouping_of"},
		{"grouping option without groups", "{code: kinh, name: Kinh, groups: [f_kinh]}", "{code: kinh, name: Kinh}", "breakdowns[0].options[0].groups", "groups no options"},
		{"sparse subset", "    kind: partition\n    sparse: true", "    kind: subset\n    sparse: true", "breakdowns[1].sparse", "only a partition can be sparse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(groupingYAML, tt.old) {
				t.Fatalf("test is broken: %q not in groupingYAML", tt.old)
			}
			_, err := Parse([]byte(strings.Replace(groupingYAML, tt.old, tt.new, 1)))
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidCatalog) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Path != tt.path || !strings.Contains(ve.Err.Error(), tt.msg) || ve.Line == 0 {
				t.Errorf("got %v (line %d)\nwant path %s and message containing %q", err, ve.Line, tt.path, tt.msg)
			}
		})
	}
}

func TestGroupingChangesDigest(t *testing.T) {
	a, err := Parse([]byte(groupingYAML))
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range [][2]string{
		{`official_code: "08"`, `official_code: "09"`},
		{"    sparse: true\n", ""},
		{"groups: [f_mong, f_thai]", "groups: [f_thai, f_mong]"},
	} {
		b, err := Parse([]byte(strings.Replace(groupingYAML, edit[0], edit[1], 1)))
		if err != nil {
			t.Fatal(err)
		}
		if a.Digest() == b.Digest() {
			t.Errorf("%q → %q left the digest as it was", edit[0], edit[1])
		}
	}
}
