// Package catalog owns the catalogue: what tonghop collects and computes.
// It defines the data elements (the counts a committee enters, such as the
// number of party members), their breakdowns (sex, age band, rating...), the
// data sets that group elements and narrative sections into one submission
// (the yearly review report), and the indicators computed from the elements.
//
// A catalogue is read from YAML by Parse, which validates it fully, and is
// immutable afterwards. The built-in catalogue, default.yaml, is embedded in
// the binary and returned by Default. Digest identifies a catalogue's content
// so that nodes exchanging figures can tell whether they speak the same one.
//
// Codes are stable ASCII identifiers ([a-z][a-z0-9_]*, at most 64 bytes).
// In the default catalogue they are unaccented Vietnamese (dang_vien,
// ket_nap, thon_to_dan_pho); names are Vietnamese with diacritics, with an
// English name beside them.
package catalog

import (
	"math/big"
	"strconv"
	"sync/atomic"

	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

// Nature says how an element's values combine over organisational units and
// over time.
type Nature int

const (
	// Stock is a count at the end of the period (members, villages): it sums
	// over units and takes the last value over time.
	Stock Nature = iota + 1
	// Flow is a count during the period (admissions, deaths): it sums over
	// units and over time.
	Flow
)

// String returns "stock" or "flow", as written in the YAML.
func (n Nature) String() string {
	switch n {
	case Stock:
		return "stock"
	case Flow:
		return "flow"
	}
	return "Nature(" + strconv.Itoa(int(n)) + ")"
}

// ValueType is the kind of value an element holds.
type ValueType int

const (
	// Count is a non-negative integer: people, organisations, classes.
	Count ValueType = iota + 1
)

// String returns "count", as written in the YAML.
func (v ValueType) String() string {
	if v == Count {
		return "count"
	}
	return "ValueType(" + strconv.Itoa(int(v)) + ")"
}

// BreakdownKind says how a breakdown's options relate to the element total.
type BreakdownKind int

const (
	// Partition options are disjoint and cover the total: they sum to it
	// (male + female = members).
	Partition BreakdownKind = iota + 1
	// Subset options ("trong đó", of which) are each a part of the total and
	// need not sum to it: of the members admitted, so many were youth-union
	// members, so many women, so many from ethnic minorities.
	Subset
)

// String returns "partition" or "subset", as written in the YAML.
func (k BreakdownKind) String() string {
	switch k {
	case Partition:
		return "partition"
	case Subset:
		return "subset"
	}
	return "BreakdownKind(" + strconv.Itoa(int(k)) + ")"
}

// Option is one category of a breakdown.
type Option struct {
	Code, Name, NameEN string
	// OfficialCode is the code of an official classification the option
	// stands for, such as "08" for the Mông in the General Statistics
	// Office's list of ethnic groups; empty when there is none.
	OfficialCode string
	// Groups are, in a grouping breakdown, the options of the finer
	// breakdown this option gathers.
	Groups []string
}

// Breakdown is a disaggregation of an element's total into options. One
// breakdown (sex, rating) can serve several elements.
type Breakdown struct {
	Code, Name, NameEN string
	Kind               BreakdownKind
	// Sparse partitions have many options of which a unit has few (the 54
	// ethnic groups): options not entered count as zero once any is
	// entered, so the parts are checked against the total as printed.
	Sparse bool
	// GroupingOf names the finer breakdown whose options this one's
	// options group (Kinh and minorities over the 54 ethnic groups): each
	// option here is checked against the sum of its groups there.
	GroupingOf string
	Options    []Option
}

// Option returns the option with the given code.
func (b Breakdown) Option(code string) (Option, bool) {
	for _, o := range b.Options {
		if o.Code == code {
			return o, true
		}
	}
	return Option{}, false
}

// DataElement is one figure a committee enters, such as the number of party
// members, with the breakdowns it is collected by.
type DataElement struct {
	Code, Name, NameEN, Description string
	// Group is the theme the element belongs to, for arranging forms and
	// tables: "organisations", "members", "ratings", "discipline",
	// "training".
	Group     string
	Nature    Nature
	ValueType ValueType
	// Breakdowns are breakdown codes. Option codes are unique across one
	// element's breakdowns, so "element.option" names one value.
	Breakdowns []string
}

// Section is one narrative part of a submission, keyed by the outline's
// numbering.
type Section struct {
	Code    string // outline numbering, e.g. "I.2.1", "II.1"
	Title   string // Vietnamese, from the outline
	TitleEN string
}

// DataSet is what one submission contains: the elements it collects and the
// narrative sections it asks for, for one type of period.
type DataSet struct {
	Code, Name, NameEN string
	PeriodType         period.Type
	Elements           []string // element codes, in form order
	Sections           []Section
}

// HasElement reports whether the data set collects the element.
func (ds DataSet) HasElement(code string) bool {
	for _, e := range ds.Elements {
		if e == code {
			return true
		}
	}
	return false
}

// Section returns the section with the given code.
func (ds DataSet) Section(code string) (Section, bool) {
	for _, s := range ds.Sections {
		if s.Code == code {
			return s, true
		}
	}
	return Section{}, false
}

// Indicator is a figure computed from the elements, never typed in. Its value
// is Numerator × Factor ÷ Denominator, where numerator and denominator are
// each summed over the units first: a ratio for a district is the district's
// members over its villages, never an average of its communes' percentages.
type Indicator struct {
	Code, Name, NameEN, Description string
	// Numerator is always set. Denominator is nil for a plain count
	// indicator, whose value is Numerator × Factor.
	Numerator, Denominator *expr.Expr
	Factor                 int64  // 100 for a percentage, 1 for a plain ratio or count
	Unit                   string // "%", "đảng viên", ...
	Decimals               int    // digits shown to people, e.g. 2 for a percentage
}

// Refs returns the references of the numerator and then the denominator,
// without duplicates.
func (ind Indicator) Refs() []expr.Ref {
	refs := ind.Numerator.Refs()
	if ind.Denominator == nil {
		return refs
	}
	seen := make(map[expr.Ref]bool, len(refs))
	for _, r := range refs {
		seen[r] = true
	}
	for _, r := range ind.Denominator.Refs() {
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	return refs
}

// Eval computes the indicator exactly from values already summed over the
// units. It reports ok == false when a value is missing or the denominator
// is zero: a share of no villages is no value, not 0% and not an error.
func (ind Indicator) Eval(lookup func(expr.Ref) (int64, bool)) (v *big.Rat, ok bool) {
	num, ok := ind.Numerator.Eval(lookup)
	if !ok {
		return nil, false
	}
	num.Mul(num, new(big.Rat).SetInt64(ind.Factor))
	if ind.Denominator == nil {
		return num, true
	}
	den, ok := ind.Denominator.Eval(lookup)
	if !ok || den.Sign() == 0 {
		return nil, false
	}
	return num.Quo(num, den), true
}

// Catalog is a validated catalogue. It is immutable, except a live one
// (NewLive), which changes as a whole: accessors return copies.
type Catalog struct {
	// live, when set, holds the catalogue this one reads as (NewLive);
	// the other fields are then unused.
	live *atomic.Pointer[Catalog]

	version    string
	digest     string
	extends    string
	breakdowns []Breakdown
	elements   []DataElement
	dataSets   []DataSet
	indicators []Indicator
	rules      []ValidationRule

	breakdownIdx map[string]int
	elementIdx   map[string]int
	dataSetIdx   map[string]int
	indicatorIdx map[string]int
	// options maps element code, then option code, to where the option is.
	options map[string]map[string]optionPos
}

type optionPos struct{ breakdown, option int }

// Version returns the catalogue's version as written in its YAML, e.g.
// "2021.1".
func (c *Catalog) Version() string { return c.now().version }

// Digest returns the hex SHA-256 of a canonical encoding of the whole
// catalogue. It ignores YAML formatting, quoting, comments and the order of
// keys within a mapping, but not the order of list items, which is the order
// in which forms and tables show things.
func (c *Catalog) Digest() string { return c.now().digest }

// Breakdowns returns every breakdown in catalogue order.
func (c *Catalog) Breakdowns() []Breakdown {
	c = c.now()
	out := make([]Breakdown, len(c.breakdowns))
	for i, b := range c.breakdowns {
		out[i] = b.clone()
	}
	return out
}

// Breakdown returns the breakdown with the given code.
func (c *Catalog) Breakdown(code string) (Breakdown, bool) {
	c = c.now()
	i, ok := c.breakdownIdx[code]
	if !ok {
		return Breakdown{}, false
	}
	return c.breakdowns[i].clone(), true
}

// Elements returns every data element in catalogue order.
func (c *Catalog) Elements() []DataElement {
	c = c.now()
	out := make([]DataElement, len(c.elements))
	for i, e := range c.elements {
		out[i] = e.clone()
	}
	return out
}

// Element returns the data element with the given code.
func (c *Catalog) Element(code string) (DataElement, bool) {
	c = c.now()
	i, ok := c.elementIdx[code]
	if !ok {
		return DataElement{}, false
	}
	return c.elements[i].clone(), true
}

// DataSets returns every data set in catalogue order.
func (c *Catalog) DataSets() []DataSet {
	c = c.now()
	out := make([]DataSet, len(c.dataSets))
	for i, ds := range c.dataSets {
		out[i] = ds.clone()
	}
	return out
}

// DataSet returns the data set with the given code.
func (c *Catalog) DataSet(code string) (DataSet, bool) {
	c = c.now()
	i, ok := c.dataSetIdx[code]
	if !ok {
		return DataSet{}, false
	}
	return c.dataSets[i].clone(), true
}

// Indicators returns every indicator in catalogue order.
func (c *Catalog) Indicators() []Indicator {
	c = c.now()
	return append([]Indicator(nil), c.indicators...)
}

// ValidationRules returns the rules the catalogue states, in its order.
// (The rules its structure implies, such as a breakdown adding up to its
// total, are derived by package validate.)
func (c *Catalog) ValidationRules() []ValidationRule {
	c = c.now()
	return append([]ValidationRule(nil), c.rules...)
}

// ValidationRule is a check a report must pass: Left Operator Right, where
// Right adds Previous evaluated on the period before when Previous is set,
// as in a stock-flow balance.
type ValidationRule struct {
	Code        string
	Left, Right *expr.Expr
	Previous    *expr.Expr // nil: the rule looks at one period only
	Operator    string     // "==" or "<="
	Importance  string     // "error" blocks signing; "warning" is shown
	// PeriodType limits the rule to reports of one period type; the zero
	// Type means every period type.
	PeriodType period.Type
	Message    string // Vietnamese
	MessageEN  string
}

// Indicator returns the indicator with the given code.
func (c *Catalog) Indicator(code string) (Indicator, bool) {
	c = c.now()
	i, ok := c.indicatorIdx[code]
	if !ok {
		return Indicator{}, false
	}
	return c.indicators[i], true
}

// Option resolves "element.option": the breakdown of the element that has
// the option, and the option. ok is false if the element is unknown or has
// no such option.
func (c *Catalog) Option(element, option string) (Breakdown, Option, bool) {
	c = c.now()
	pos, ok := c.options[element][option]
	if !ok {
		return Breakdown{}, Option{}, false
	}
	b := c.breakdowns[pos.breakdown]
	return b.clone(), b.Options[pos.option], true
}

// HasRef reports whether r names an element of the catalogue, or an option
// of one.
func (c *Catalog) HasRef(r expr.Ref) bool {
	c = c.now()
	if r.Option == "" {
		_, ok := c.elementIdx[r.Element]
		return ok
	}
	_, ok := c.options[r.Element][r.Option]
	return ok
}

func (b Breakdown) clone() Breakdown {
	b.Options = append([]Option(nil), b.Options...)
	for i := range b.Options {
		b.Options[i].Groups = append([]string(nil), b.Options[i].Groups...)
	}
	return b
}

func (e DataElement) clone() DataElement {
	e.Breakdowns = append([]string(nil), e.Breakdowns...)
	return e
}

func (ds DataSet) clone() DataSet {
	ds.Elements = append([]string(nil), ds.Elements...)
	ds.Sections = append([]Section(nil), ds.Sections...)
	return ds
}
