// Package entry owns the rules for what a node accepts into its own data:
// only its own unit, only elements and options of the data set, only periods
// of the data set's type, only values of the element's type. It checks a
// whole request and reports every violation at once, each naming the request
// field, so nothing is stored until everything is right.
package entry

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// Limits of one request; a larger request is refused, not truncated.
const (
	// MaxValues is the most values one PutValues batch may carry: a full
	// yearly report is a few hundred.
	MaxValues = 10000
	// MaxCount is the largest count accepted; party membership of the whole
	// country is about 5,6 million, so anything near this is a typing error.
	MaxCount = 1_000_000_000
	// MaxSectionBytes bounds one narrative section.
	MaxSectionBytes = 1 << 20
	// MaxReportTextBytes bounds all sections of one report together, so
	// that a report with its values always fits one signed envelope
	// (envelope.MaxBytes, 4 MiB, base64 included).
	MaxReportTextBytes = 2 << 20
)

// Raw is one value as the caller wrote it.
type Raw struct {
	Element, Option, Value string
}

// Target is a checked (unit, data set, period) of the node's own data.
type Target struct {
	DataSet catalog.DataSet
	Period  period.Period
}

// Checker checks requests against the node's unit and catalogue.
type Checker struct {
	Unit    string // the node's own unit code
	Catalog *catalog.Catalog

	anyUnit bool // set by Contents: a parent checking a descendant's report
}

// Target checks the unit, data set and period named by a request.
func (c Checker) Target(unit, dataSet, periodCode string) (Target, error) {
	var bad invalid.Error
	t := c.target(&bad, unit, dataSet, periodCode)
	return t, bad.Err()
}

// DataSetPeriod checks a data set and period pair of any unit's report,
// adding what is wrong to bad with the fields named.
func (c Checker) DataSetPeriod(bad *invalid.Error, dataSet, periodCode string) Target {
	c.anyUnit = true
	return c.target(bad, "", dataSet, periodCode)
}

func (c Checker) target(bad *invalid.Error, unit, dataSet, periodCode string) Target {
	var t Target
	switch {
	case c.anyUnit:
	case unit == "":
		bad.Add("unit_code", "is required")
	case unit != c.Unit:
		bad.Add("unit_code", "%q is not this node's unit (%s): a node stores only its own unit's data", unit, c.Unit)
	}
	ds, ok := c.Catalog.DataSet(dataSet)
	switch {
	case dataSet == "":
		bad.Add("data_set", "is required")
	case !ok:
		bad.Add("data_set", "unknown data set %q", dataSet)
	}
	t.DataSet = ds
	p, err := period.Parse(periodCode)
	switch {
	case periodCode == "":
		bad.Add("period", "is required")
	case err != nil:
		bad.Add("period", "%v", err)
	case ok && p.Type() != ds.PeriodType:
		bad.Add("period", "%s is a %s period; data set %s takes %s periods", periodCode, p.Type(), dataSet, ds.PeriodType)
	}
	t.Period = p
	return t
}

// Values checks a batch of values for the node's own unit and converts them
// to what the store keeps. The error, if any, is an *invalid.Error listing
// every problem of the batch.
func (c Checker) Values(unit, dataSet, periodCode string, raws []Raw) (Target, []store.Value, error) {
	var bad invalid.Error
	t := c.target(&bad, unit, dataSet, periodCode)
	switch {
	case len(raws) == 0:
		bad.Add("values", "at least one value is required")
	case len(raws) > MaxValues:
		bad.Add("values", "%d values in one batch; at most %d", len(raws), MaxValues)
		return t, nil, bad.Err()
	}
	out := make([]store.Value, 0, len(raws))
	seen := make(map[[2]string]int, len(raws))
	for i, r := range raws {
		field := fmt.Sprintf("values[%d]", i)
		v, ok := c.value(&bad, field, t.DataSet, r)
		if !ok {
			continue
		}
		key := [2]string{v.Element, v.Option}
		if j, dup := seen[key]; dup {
			bad.Add(field, "repeats values[%d] (%s); each value at most once per batch", j, ref(v.Element, v.Option))
			continue
		}
		seen[key] = i
		out = append(out, v)
	}
	if err := bad.Err(); err != nil {
		return t, nil, err
	}
	return t, out, nil
}

// Contents checks what a descendant's signed report says, as its parent
// does on receipt: the data set, the period, every value and every section,
// by the same rules as the node's own entry, but for any unit. Fields are
// named as in the report: "values[3].value", "sections[1].code".
func (c Checker) Contents(dataSet, periodCode string, raws []Raw, sections []Section) (Target, error) {
	c.anyUnit = true
	var bad invalid.Error
	t := c.target(&bad, "", dataSet, periodCode)
	_, _, err := c.Values("", dataSet, periodCode, raws)
	if vbad, ok := invalid.As(err); ok {
		for _, v := range vbad.Violations {
			if v.Field != "data_set" && v.Field != "period" && !(v.Field == "values" && len(raws) == 0) {
				bad.Violations = append(bad.Violations, v)
			}
		}
	}
	seen := map[string]bool{}
	for i, s := range sections {
		field := fmt.Sprintf("sections[%d]", i)
		switch {
		case t.DataSet.Code == "":
		case seen[s.Code]:
			bad.Add(field+".code", "section %s appears twice", s.Code)
		default:
			if _, ok := t.DataSet.Section(s.Code); !ok {
				bad.Add(field+".code", "data set %s has no section %q", t.DataSet.Code, s.Code)
			}
		}
		seen[s.Code] = true
		if !utf8.ValidString(s.Text) {
			bad.Add(field+".text", "is not valid UTF-8")
		} else if len(s.Text) > MaxSectionBytes {
			bad.Add(field+".text", "is %d bytes; at most %d", len(s.Text), MaxSectionBytes)
		}
	}
	return t, bad.Err()
}

// Section is a narrative section of a report, as Contents checks it.
type Section struct {
	Code, Text string
}

// Key checks the element and option naming one value of the data set.
func (c Checker) Key(dataSet catalog.DataSet, element, option string) error {
	var bad invalid.Error
	c.key(&bad, "", dataSet, element, option)
	return bad.Err()
}

func (c Checker) key(bad *invalid.Error, prefix string, ds catalog.DataSet, element, option string) (catalog.DataElement, bool) {
	field := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	if element == "" {
		bad.Add(field("data_element"), "is required")
		return catalog.DataElement{}, false
	}
	de, ok := c.Catalog.Element(element)
	if !ok {
		bad.Add(field("data_element"), "unknown data element %q", element)
		return de, false
	}
	if ds.Code != "" && !ds.HasElement(element) {
		bad.Add(field("data_element"), "%s is not collected by data set %s", element, ds.Code)
		return de, false
	}
	if option != "" {
		// HasRef, not Option: a report checks some 200 options, and
		// Option copies the whole breakdown each time.
		if !c.Catalog.HasRef(expr.Ref{Element: element, Option: option}) {
			bad.Add(field("option"), "data element %s has no breakdown option %q (options: %s)", element, option, strings.Join(c.options(de), ", "))
			return de, false
		}
	}
	return de, true
}

func (c Checker) options(de catalog.DataElement) []string {
	var codes []string
	for _, bc := range de.Breakdowns {
		b, _ := c.Catalog.Breakdown(bc)
		for _, o := range b.Options {
			codes = append(codes, o.Code)
		}
	}
	if len(codes) == 0 {
		return []string{"none: it has no breakdown"}
	}
	return codes
}

func (c Checker) value(bad *invalid.Error, field string, ds catalog.DataSet, r Raw) (store.Value, bool) {
	de, ok := c.key(bad, field, ds, r.Element, r.Option)
	if !ok {
		// Still check the value, so one pass reports everything.
		_, _ = parseCount(bad, field+".value", r.Value)
		return store.Value{}, false
	}
	switch de.ValueType {
	case catalog.Count:
		n, ok := parseCount(bad, field+".value", r.Value)
		if !ok {
			return store.Value{}, false
		}
		return store.Value{Element: r.Element, Option: r.Option, Count: n}, true
	default:
		bad.Add(field+".value", "data element %s has a value type this node cannot store", de.Code)
		return store.Value{}, false
	}
}

// parseCount accepts a whole number of zero or more in plain ASCII digits.
// "2.675" is refused rather than read as 2675 or 2,675: people type the
// Vietnamese thousands separator, and guessing would hide mistakes.
func parseCount(bad *invalid.Error, field, s string) (int64, bool) {
	switch {
	case s == "":
		bad.Add(field, "is required")
		return 0, false
	case strings.HasPrefix(s, "-") && isDigits(s[1:]):
		bad.Add(field, "%s is negative; a count is zero or more", s)
		return 0, false
	case strings.ContainsAny(s, ".,") && isDigits(strings.NewReplacer(".", "", ",", "").Replace(s)):
		bad.Add(field, "%q: write a count in plain digits, without separators (2675, not 2.675)", s)
		return 0, false
	case !isDigits(s):
		bad.Add(field, "%q is not a whole number", truncate(s))
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxCount {
		bad.Add(field, "%s is too large; a count is at most %d", truncate(s), MaxCount)
		return 0, false
	}
	return n, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncate keeps error messages short when someone pastes a paragraph.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Section checks a narrative section of the data set.
func (c Checker) Section(unit, dataSet, periodCode, section string, text *string) (Target, error) {
	var bad invalid.Error
	t := c.target(&bad, unit, dataSet, periodCode)
	switch {
	case section == "":
		bad.Add("section", "is required")
	case t.DataSet.Code != "":
		if _, ok := t.DataSet.Section(section); !ok {
			bad.Add("section", "data set %s has no section %q", t.DataSet.Code, section)
		}
	}
	if text != nil {
		switch {
		case !utf8.ValidString(*text):
			bad.Add("content.text", "is not valid UTF-8")
		case len(*text) > MaxSectionBytes:
			bad.Add("content.text", "is %d bytes; at most %d", len(*text), MaxSectionBytes)
		}
	}
	return t, bad.Err()
}

func ref(element, option string) string {
	if option == "" {
		return element
	}
	return element + "." + option
}
