package catalog

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// reformattedBaseYAML is baseYAML written differently: keys in another
// order, block and flow styles swapped, strings quoted, comments, and the
// expressions spaced differently. It is the same catalogue.
const reformattedBaseYAML = `# the same catalogue, written by someone else
indicators:
- {decimals: 2, unit: '%', factor: 100, denominator: "(members)", numerator: "members.female", name: "Tỷ lệ nữ", code: female_share}
data_sets:
- sections: [{title: "Lãnh đạo", code: "I.1"}, {title: Ưu điểm, code: II.1}]
  elements:
  - members
  - admitted
  period_type: "yearly"
  name: 'Báo cáo năm'
  code: yearly
data_elements:
- {breakdowns: [sex, status], value_type: count, nature: stock, group: members, name: Đảng viên, code: members}
- code: admitted
  breakdowns:
    - of_which
  value_type: count
  nature: flow
  group: members
  name: "Kết nạp"
breakdowns:
- options: [{name: Nam, code: male}, {name: "Nữ", code: female}]
  kind: partition
  name: Giới tính
  code: sex
- {code: status, kind: partition, name: Tình trạng, options: [{code: full, name: Chính thức}, {code: probationary, name: Dự bị}]}
- code: of_which
  name: Trong đó
  kind: subset
  options:
  - code: female
    name: Nữ
  - code: youth
    name: Đoàn viên
version: '1'
`

func mustParse(t *testing.T, src string) *Catalog {
	t.Helper()
	c, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDigestIgnoresFormatting(t *testing.T) {
	a := mustParse(t, baseYAML)
	b := mustParse(t, reformattedBaseYAML)
	if a.Digest() != b.Digest() {
		t.Errorf("same catalogue, different digests:\n%s\n%s", a.Digest(), b.Digest())
	}
}

// TestDigestDefaultReserialised decodes the built-in YAML into plain maps
// and writes it back: comments go, keys are sorted alphabetically, quoting
// and layout change. The digest must not.
func TestDigestDefaultReserialised(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal(DefaultYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "Conventions:") || string(out) == string(DefaultYAML()) {
		t.Fatal("test is broken: re-serialised YAML is not different")
	}
	c := mustParse(t, string(out))
	if c.Digest() != Default().Digest() {
		t.Errorf("re-serialised default catalogue has digest %s, want %s", c.Digest(), Default().Digest())
	}
}

func TestDigestChanges(t *testing.T) {
	base := mustParse(t, baseYAML).Digest()
	for _, tt := range []struct{ name, old, new string }{
		{"element name", "name: Kết nạp", "name: Kết nạp mới"},
		{"breakdown name", "name: Tình trạng", "name: Tình trạng đảng viên"},
		{"data set name", "name: Báo cáo năm", "name: Báo cáo tổng kết năm"},
		{"indicator name", "name: Tỷ lệ nữ", "name: Tỷ lệ đảng viên nữ"},
		{"unit", `unit: "%"`, `unit: "phần trăm"`},
		{"option name", "{code: youth, name: Đoàn viên}", "{code: youth, name: Đoàn viên thanh niên}"},
		{"option English name", "{code: youth, name: Đoàn viên}", "{code: youth, name: Đoàn viên, name_en: Youth}"},
		{"section title", "title: Ưu điểm", "title: Ưu điểm và nguyên nhân"},
		{"version", `version: "1"`, `version: "2"`},
		{"nature", "nature: flow", "nature: stock"},
		{"kind", "kind: subset", "kind: partition"},
		{"factor", "factor: 100", "factor: 1000"},
		{"decimals", "decimals: 2", "decimals: 1"},
		{"expression", "denominator: members", "denominator: members.male + members.female"},
		{"element order", "elements: [members, admitted]", "elements: [admitted, members]"},
		{"description", "    group: members\n    nature: flow", "    description: Số đảng viên kết nạp.\n    group: members\n    nature: flow"},
	} {
		if !strings.Contains(baseYAML, tt.old) {
			t.Fatalf("%s: test is broken: %q not in baseYAML", tt.name, tt.old)
		}
		c := mustParse(t, strings.Replace(baseYAML, tt.old, tt.new, 1))
		if c.Digest() == base {
			t.Errorf("changing the %s left the digest unchanged", tt.name)
		}
	}
}
