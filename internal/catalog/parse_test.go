package catalog

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/expr"
)

// baseYAML is a small valid catalogue that the rejection tests break one
// piece at a time.
const baseYAML = `version: "1"
breakdowns:
  - code: sex
    name: Giới tính
    kind: partition
    options:
      - {code: male, name: Nam}
      - {code: female, name: Nữ}
  - code: status
    name: Tình trạng
    kind: partition
    options:
      - {code: full, name: Chính thức}
      - {code: probationary, name: Dự bị}
  - code: of_which
    name: Trong đó
    kind: subset
    options:
      - {code: female, name: Nữ}
      - {code: youth, name: Đoàn viên}
data_elements:
  - code: members
    name: Đảng viên
    group: members
    nature: stock
    value_type: count
    breakdowns: [sex, status]
  - code: admitted
    name: Kết nạp
    group: members
    nature: flow
    value_type: count
    breakdowns: [of_which]
data_sets:
  - code: yearly
    name: Báo cáo năm
    period_type: yearly
    elements: [members, admitted]
    sections:
      - {code: I.1, title: Lãnh đạo}
      - {code: II.1, title: Ưu điểm}
indicators:
  - code: female_share
    name: Tỷ lệ nữ
    numerator: members.female
    denominator: members
    factor: 100
    unit: "%"
    decimals: 2
`

func TestParseBase(t *testing.T) {
	c, err := Parse([]byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Breakdowns()) != 3 || len(c.Elements()) != 2 || len(c.DataSets()) != 1 || len(c.Indicators()) != 1 {
		t.Errorf("counts %d %d %d %d", len(c.Breakdowns()), len(c.Elements()), len(c.DataSets()), len(c.Indicators()))
	}
	// The same option code in two breakdowns of different elements is fine.
	if b, o, ok := c.Option("admitted", "female"); !ok || b.Code != "of_which" || b.Kind != Subset || o.Name != "Nữ" {
		t.Errorf("Option(admitted, female) = %+v, %+v, %v", b, o, ok)
	}
	if b, _, ok := c.Option("members", "female"); !ok || b.Code != "sex" {
		t.Errorf("Option(members, female) = %+v, %v", b, ok)
	}
	ind, _ := c.Indicator("female_share")
	v, ok := ind.Eval(func(r expr.Ref) (int64, bool) {
		return map[expr.Ref]int64{{Element: "members"}: 3, {Element: "members", Option: "female"}: 1}[r], true
	})
	if !ok || v.FloatString(2) != "33.33" {
		t.Errorf("female_share = %v, %v; want 33.33", v, ok)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace old (which must occur in baseYAML) by new
		path     string // want ValidationError.Path
		msg      string // want a substring of the message
	}{
		{"unknown field", "    nature: stock\n", "    nature: stock\n    colour: red\n",
			"data_elements[0].colour", `unknown field "colour"`},
		{"unknown field in flow mapping", "{code: male, name: Nam}", "{code: male, nmae: Nam}",
			"breakdowns[0].options[0].nmae", `unknown field "nmae"`},
		{"unknown top-level field", "version: \"1\"\n", "version: \"1\"\nelements: []\n",
			"elements", `unknown field "elements"`},
		{"wrong type", "factor: 100", "factor: abc",
			"indicators[0].factor", "cannot unmarshal"},
		{"missing version", `version: "1"`, `version: ""`,
			"version", "missing version"},
		{"duplicate element code", "  - code: admitted", "  - code: members",
			"data_elements[1].code", `duplicate data element code "members" (also data_elements[0])`},
		{"duplicate breakdown code", "  - code: status", "  - code: sex",
			"breakdowns[1].code", `duplicate breakdown code "sex"`},
		{"duplicate indicator code", "indicators:\n", "indicators:\n  - {code: female_share, name: x, numerator: members, factor: 1}\n",
			"indicators[1].code", `duplicate indicator code "female_share"`},
		{"invalid code", "  - code: members", "  - code: Members",
			"data_elements[0].code", `invalid code "Members"`},
		{"code too long", "  - code: members", "  - code: " + strings.Repeat("m", 65),
			"data_elements[0].code", "longer than 64"},
		{"missing name", "    name: Kết nạp\n", "",
			"data_elements[1].name", "missing name"},
		{"unknown breakdown", "breakdowns: [sex, status]", "breakdowns: [sex, sexx]",
			"data_elements[0].breakdowns[1]", `unknown breakdown "sexx"`},
		{"breakdown twice", "breakdowns: [sex, status]", "breakdowns: [sex, sex]",
			"data_elements[0].breakdowns[1]", `breakdown "sex" listed twice`},
		{"ambiguous option", "breakdowns: [sex, status]", "breakdowns: [sex, of_which]",
			"data_elements[0].breakdowns[1]", `option "female" of breakdown "of_which" is also in breakdown "sex", so "members.female" would be ambiguous`},
		{"unknown nature", "nature: stock", "nature: stok",
			"data_elements[0].nature", `unknown nature "stok"`},
		{"missing nature", "    nature: stock\n", "",
			"data_elements[0].nature", "missing nature"},
		{"unknown value type", "    value_type: count\n    breakdowns: [sex", "    value_type: ratio\n    breakdowns: [sex",
			"data_elements[0].value_type", `unknown value type "ratio"`},
		{"missing group", "    group: members\n    nature: flow", "    nature: flow",
			"data_elements[1].group", "missing group"},
		{"unknown kind", "kind: subset", "kind: subst",
			"breakdowns[2].kind", `unknown kind "subst"`},
		{"one option", "      - {code: youth, name: Đoàn viên}\n", "",
			"breakdowns[2].options", "at least 2 options, has 1"},
		{"duplicate option", "{code: probationary,", "{code: full,",
			"breakdowns[1].options[1].code", `duplicate option code "full"`},
		{"unknown period type", "period_type: yearly", "period_type: annual",
			"data_sets[0].period_type", `unknown period type "annual"`},
		{"unknown element in data set", "elements: [members, admitted]", "elements: [members, admited]",
			"data_sets[0].elements[1]", `unknown data element "admited"`},
		{"element twice in data set", "elements: [members, admitted]", "elements: [members, members]",
			"data_sets[0].elements[1]", `data element "members" listed twice`},
		{"bad section code", "{code: II.1,", "{code: II-1,",
			"data_sets[0].sections[1].code", `invalid section code "II-1"`},
		{"arabic section code", "{code: II.1,", "{code: 2.1,",
			"data_sets[0].sections[1].code", `invalid section code "2.1"`},
		{"duplicate section", "{code: II.1,", "{code: I.1,",
			"data_sets[0].sections[1].code", `duplicate section code "I.1"`},
		{"section without title", "{code: II.1, title: Ưu điểm}", "{code: II.1}",
			"data_sets[0].sections[1].title", "missing title"},
		{"indicator syntax error", "numerator: members.female\n", "numerator: sum(members.female, \n",
			"indicators[0].numerator", "position 19: expected number, name"},
		{"indicator unknown option", "numerator: members.female", "numerator: members.femal",
			"indicators[0].numerator", `data element "members" has no option "femal"`},
		{"indicator option of another element", "numerator: members.female", "numerator: admitted.male",
			"indicators[0].numerator", `data element "admitted" has no option "male"`},
		{"indicator unknown element", "denominator: members", "denominator: member",
			"indicators[0].denominator", `unknown data element "member"`},
		{"missing numerator", "    numerator: members.female\n", "",
			"indicators[0].numerator", "missing numerator"},
		{"factor 0", "factor: 100", "factor: 0",
			"indicators[0].factor", "factor must be at least 1, got 0"},
		{"no factor", "    factor: 100\n", "",
			"indicators[0].factor", "factor must be at least 1, got 0"},
		{"negative decimals", "decimals: 2", "decimals: -1",
			"indicators[0].decimals", "decimals must be between 0 and 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(baseYAML, tt.old) {
				t.Fatalf("test is broken: %q not in baseYAML", tt.old)
			}
			src := strings.Replace(baseYAML, tt.old, tt.new, 1)
			c, err := Parse([]byte(src))
			if err == nil {
				t.Fatalf("Parse succeeded (%d elements), want error", len(c.Elements()))
			}
			if !errors.Is(err, ErrInvalidCatalog) {
				t.Errorf("error %v does not wrap ErrInvalidCatalog", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if ve.Path != tt.path || !strings.Contains(ve.Err.Error(), tt.msg) {
				t.Errorf("got %v\nwant path %s and message containing %q", err, tt.path, tt.msg)
			}
			if !strings.Contains(err.Error(), tt.path+": ") || !strings.HasSuffix(err.Error(), fmt.Sprintf(" (line %d)", ve.Line)) || ve.Line == 0 {
				t.Errorf("error %q does not name the path and line", err)
			}
		})
	}
}

func TestParseErrorLineAndMessage(t *testing.T) {
	src := strings.Replace(baseYAML, "breakdowns: [sex, status]", "breakdowns: [sex, sexx]", 1)
	_, err := Parse([]byte(src))
	// Line 27 of baseYAML is "    breakdowns: [sex, status]"; the error is
	// at its key, the sequence starting on the same line.
	want := `invalid catalogue: data_elements[0].breakdowns[1]: unknown breakdown "sexx" (line 27)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if got := strings.Split(baseYAML, "\n")[26]; got != "    breakdowns: [sex, status]" {
		t.Fatalf("test is broken: line 27 is %q", got)
	}
}

func TestParseSyntaxErrorPosition(t *testing.T) {
	src := strings.Replace(baseYAML, "numerator: members.female", `numerator: "(members.female + members.male"`, 1)
	_, err := Parse([]byte(src))
	var se *expr.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v does not wrap an *expr.SyntaxError", err)
	}
	if se.Pos != 30 {
		t.Errorf("position %d, want 30 (end of the numerator)", se.Pos)
	}
	if !strings.Contains(err.Error(), `indicators[0].numerator: position 30: expected ")", found end of input (line 45)`) {
		t.Errorf("error %q", err)
	}
}

func TestParseDocumentErrors(t *testing.T) {
	for _, tt := range []struct{ name, src, msg string }{
		{"empty", "", "empty document"},
		{"comment only", "# nothing\n", "empty document"},
		{"two documents", baseYAML + "---\nversion: \"2\"\n", "more than one YAML document"},
		{"bad YAML", "version: [1\n", "yaml:"},
		{"not a mapping", "- 1\n- 2\n", "cannot unmarshal"},
		{"duplicate key", baseYAML + "version: \"2\"\n", "already defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src))
			if err == nil || !errors.Is(err, ErrInvalidCatalog) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want an invalid-catalogue error containing %q", err, tt.msg)
			}
		})
	}
}

// rulesYAML adds a stock-flow balance to baseYAML.
const rulesYAML = baseYAML + `validation_rules:
  - code: balance
    left: members
    operator: "=="
    right: admitted
    previous: members
    importance: error
    period_type: yearly
    message: Đảng viên cuối kỳ bằng đầu kỳ cộng kết nạp
    message_en: Members at the end are those at the start plus admitted
`

// TestParseRules: a rule's sides name the catalogue's values, its
// operator, importance and period type are known words, and it has a
// message; each is part of the digest.
func TestParseRules(t *testing.T) {
	c := mustParse(t, rulesYAML)
	rs := c.ValidationRules()
	if len(rs) != 1 || rs[0].Left.String() != "members" || rs[0].Previous.String() != "members" || rs[0].Operator != "==" ||
		rs[0].Importance != "error" || rs[0].PeriodType.String() != "yearly" {
		t.Fatalf("rules %+v", rs)
	}
	if c.Digest() == mustParse(t, baseYAML).Digest() {
		t.Error("a rule left the digest unchanged")
	}
	for _, tc := range []struct{ old, new, path, msg string }{
		{"left: members", "left: memberz", "validation_rules[0].left", `unknown data element "memberz"`},
		{"right: admitted", "right: admitted.male", "validation_rules[0].right", `data element "admitted" has no option "male"`},
		{"    right: admitted\n", "", "validation_rules[0].right", "missing right"},
		{`operator: "=="`, `operator: ">="`, "validation_rules[0].operator", `unknown operator ">="`},
		{"importance: error", "importance: fatal", "validation_rules[0].importance", `unknown importance "fatal"`},
		{"    period_type: yearly\n    message:", "    period_type: weekly\n    message:", "validation_rules[0].period_type", `unknown period type "weekly"`},
		{"    message: Đảng viên cuối kỳ bằng đầu kỳ cộng kết nạp\n", "", "validation_rules[0].message", "missing message"},
		{"  - code: balance\n", "  - code: Balance\n", "validation_rules[0].code", `invalid code "Balance"`},
		{"    message_en: Members at the end are those at the start plus admitted\n",
			"    message_en: x\n  - {code: balance, left: members, operator: \"<=\", right: members, importance: warning, message: y}\n",
			"validation_rules[1].code", `duplicate rule code "balance"`},
		{"previous: members", "previous: 1 +", "validation_rules[0].previous", "expected"},
	} {
		if !strings.Contains(rulesYAML, tc.old) {
			t.Fatalf("test is broken: %q not in rulesYAML", tc.old)
		}
		_, err := Parse([]byte(strings.Replace(rulesYAML, tc.old, tc.new, 1)))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Path != tc.path || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q -> %q: %v (path %q), want %s: %s", tc.old, tc.new, err, pathOf(err), tc.path, tc.msg)
		}
	}
}

func pathOf(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Path
	}
	return ""
}
