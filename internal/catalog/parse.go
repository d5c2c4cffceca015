package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

// ErrInvalidCatalog is wrapped by every error Parse returns.
var ErrInvalidCatalog = errors.New("invalid catalogue")

// ValidationError reports what is wrong with a catalogue and where. It
// wraps ErrInvalidCatalog and the underlying error, so that errors.Is and
// errors.As find either (an indicator's *expr.SyntaxError, for instance).
type ValidationError struct {
	// Path locates the problem in the document, e.g.
	// "data_elements[3].breakdowns[1]"; empty for the document as a whole.
	Path string
	// Line is the 1-based line of the YAML source at Path, or 0 if unknown.
	Line int
	Err  error
}

// Error returns e.g. `invalid catalogue: data_elements[3].breakdowns[1]:
// unknown breakdown "sexx" (line 57)`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidCatalog.Error())
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// Unwrap returns ErrInvalidCatalog and the underlying error.
func (e *ValidationError) Unwrap() []error { return []error{ErrInvalidCatalog, e.Err} }

// The YAML document. Field names are the YAML keys; every key not listed
// here is rejected, so that a misspelt key is an error rather than a value
// silently left empty.
type yamlFile struct {
	Version string `yaml:"version"`
	// Extends is, in a published version, the version of the catalogue it
	// extends (see Extend); the built-in catalogue extends none.
	Extends      string          `yaml:"extends"`
	Breakdowns   []yamlBreakdown `yaml:"breakdowns"`
	DataElements []yamlElement   `yaml:"data_elements"`
	DataSets     []yamlDataSet   `yaml:"data_sets"`
	Indicators   []yamlIndicator `yaml:"indicators"`
	Rules        []yamlRule      `yaml:"validation_rules"`
}

type yamlRule struct {
	Code       string `yaml:"code"`
	Left       string `yaml:"left"`
	Operator   string `yaml:"operator"`
	Right      string `yaml:"right"`
	Previous   string `yaml:"previous"`
	Importance string `yaml:"importance"`
	PeriodType string `yaml:"period_type"`
	Message    string `yaml:"message"`
	MessageEN  string `yaml:"message_en"`
}

type yamlOption struct {
	Code         string   `yaml:"code"`
	Name         string   `yaml:"name"`
	NameEN       string   `yaml:"name_en"`
	OfficialCode string   `yaml:"official_code"`
	Groups       []string `yaml:"groups"`
}

type yamlBreakdown struct {
	Code       string       `yaml:"code"`
	Name       string       `yaml:"name"`
	NameEN     string       `yaml:"name_en"`
	Kind       string       `yaml:"kind"`
	Sparse     bool         `yaml:"sparse"`
	GroupingOf string       `yaml:"grouping_of"`
	Options    []yamlOption `yaml:"options"`
}

type yamlElement struct {
	Code        string   `yaml:"code"`
	Name        string   `yaml:"name"`
	NameEN      string   `yaml:"name_en"`
	Description string   `yaml:"description"`
	Group       string   `yaml:"group"`
	Nature      string   `yaml:"nature"`
	ValueType   string   `yaml:"value_type"`
	Breakdowns  []string `yaml:"breakdowns"`
}

type yamlSection struct {
	Code    string `yaml:"code"`
	Title   string `yaml:"title"`
	TitleEN string `yaml:"title_en"`
}

type yamlDataSet struct {
	Code       string        `yaml:"code"`
	Name       string        `yaml:"name"`
	NameEN     string        `yaml:"name_en"`
	PeriodType string        `yaml:"period_type"`
	Elements   []string      `yaml:"elements"`
	Sections   []yamlSection `yaml:"sections"`
}

type yamlIndicator struct {
	Code        string `yaml:"code"`
	Name        string `yaml:"name"`
	NameEN      string `yaml:"name_en"`
	Description string `yaml:"description"`
	Numerator   string `yaml:"numerator"`
	Denominator string `yaml:"denominator"`
	Factor      int64  `yaml:"factor"`
	Unit        string `yaml:"unit"`
	Decimals    int    `yaml:"decimals"`
}

// Parse reads and validates a catalogue from YAML. Unknown keys are
// rejected. Every error is a *ValidationError naming the path of the
// offending value, and wraps ErrInvalidCatalog.
func Parse(data []byte) (*Catalog, error) {
	f, paths, err := decode(data)
	if err != nil {
		return nil, err
	}
	if f.Extends != "" {
		return nil, paths.locate(errAt("extends", "a catalogue that extends another is published as a version of its own, not read as a whole one"))
	}
	c, err := build(f)
	if err != nil {
		return nil, paths.locate(err)
	}
	return c, nil
}

// decode reads a catalogue document strictly into the schema, with the
// index that locates errors in it.
func decode(data []byte) (*yamlFile, pathIndex, error) {
	// The document is read twice: once as a node tree, which locates errors
	// by path and line, and once strictly into the schema.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, nil, &ValidationError{Err: errors.New("empty document")}
		}
		return nil, nil, &ValidationError{Err: err}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, nil, &ValidationError{Err: errors.New("more than one YAML document")}
	}
	paths := indexPaths(&root)

	var f yamlFile
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			return nil, nil, paths.typeError(te.Errors[0])
		}
		return nil, nil, &ValidationError{Err: err}
	}
	return &f, paths, nil
}

// locate adds the line to a *ValidationError that has none.
func (idx pathIndex) locate(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) && ve.Line == 0 {
		ve.Line = idx.line(ve.Path)
	}
	return err
}

var (
	codeRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	sectionRE = regexp.MustCompile(`^[IVX]+(\.[0-9]+)*$`)
)

const maxCodeLen = 64

func errAt(path, format string, args ...any) error {
	return &ValidationError{Path: path, Err: fmt.Errorf(format, args...)}
}

func checkCode(path, code string) error {
	switch {
	case code == "":
		return errAt(path, "missing code")
	case len(code) > maxCodeLen:
		return errAt(path, "code %q is longer than %d bytes", code, maxCodeLen)
	case !codeRE.MatchString(code):
		return errAt(path, "invalid code %q (codes match [a-z][a-z0-9_]*)", code)
	}
	return nil
}

func checkName(path, name string) error {
	if strings.TrimSpace(name) == "" {
		return errAt(path, "missing name")
	}
	return nil
}

// build validates f and turns it into a Catalog. It returns the first
// problem found, as a *ValidationError without a line.
func build(f *yamlFile) (*Catalog, error) {
	c := &Catalog{
		version:      f.Version,
		breakdownIdx: make(map[string]int),
		elementIdx:   make(map[string]int),
		dataSetIdx:   make(map[string]int),
		indicatorIdx: make(map[string]int),
		options:      make(map[string]map[string]optionPos),
	}
	if err := c.add(f, nil); err != nil {
		return nil, err
	}
	c.digest = digest(c)
	return c, nil
}

// add validates the definitions of f and adds them to c. inherited, when
// set, is the catalogue c started as: a code it has is one f may not
// define again.
func (c *Catalog) add(f *yamlFile, inherited *Catalog) error {
	if strings.TrimSpace(f.Version) == "" {
		return errAt("version", "missing version")
	}
	redefines := func(path, what, code string, idx map[string]int) error {
		if inherited == nil {
			return nil
		}
		if _, ok := idx[code]; ok {
			return errAt(path, "%s %q is inherited from catalogue %s: a version adds codes of its own, it never redefines one it inherits", what, code, inherited.version)
		}
		return nil
	}
	first := len(c.breakdowns)
	for i, yb := range f.Breakdowns {
		path := fmt.Sprintf("breakdowns[%d]", i)
		if err := redefines(path+".code", "breakdown", yb.Code, inherited.idx(func(p *Catalog) map[string]int { return p.breakdownIdx })); err != nil {
			return err
		}
		b, err := buildBreakdown(path, yb)
		if err != nil {
			return err
		}
		if j, dup := c.breakdownIdx[b.Code]; dup {
			return errAt(path+".code", "duplicate breakdown code %q (also breakdowns[%d])", b.Code, j-first)
		}
		c.breakdownIdx[b.Code] = len(c.breakdowns)
		c.breakdowns = append(c.breakdowns, b)
	}
	for i, b := range c.breakdowns[first:] {
		if err := c.checkGrouping(fmt.Sprintf("breakdowns[%d]", i), b); err != nil {
			return err
		}
	}
	for i, ye := range f.DataElements {
		path := fmt.Sprintf("data_elements[%d]", i)
		if err := redefines(path+".code", "data element", ye.Code, inherited.idx(func(p *Catalog) map[string]int { return p.elementIdx })); err != nil {
			return err
		}
		if err := c.addElement(path, ye, inherited.count(func(p *Catalog) int { return len(p.elements) })); err != nil {
			return err
		}
	}
	for i, yd := range f.DataSets {
		path := fmt.Sprintf("data_sets[%d]", i)
		if err := redefines(path+".code", "data set", yd.Code, inherited.idx(func(p *Catalog) map[string]int { return p.dataSetIdx })); err != nil {
			return err
		}
		if err := c.addDataSet(path, yd, inherited.count(func(p *Catalog) int { return len(p.dataSets) })); err != nil {
			return err
		}
	}
	for i, yi := range f.Indicators {
		path := fmt.Sprintf("indicators[%d]", i)
		if err := redefines(path+".code", "indicator", yi.Code, inherited.idx(func(p *Catalog) map[string]int { return p.indicatorIdx })); err != nil {
			return err
		}
		if err := c.addIndicator(path, yi, inherited.count(func(p *Catalog) int { return len(p.indicators) })); err != nil {
			return err
		}
	}
	seen := map[string]int{}
	for _, r := range c.rules {
		seen[r.Code] = -1
	}
	for i, yr := range f.Rules {
		path := fmt.Sprintf("validation_rules[%d]", i)
		if j, dup := seen[yr.Code]; dup && j < 0 {
			return errAt(path+".code", "validation rule %q is inherited from catalogue %s: a version adds codes of its own, it never redefines one it inherits", yr.Code, inherited.version)
		} else if dup {
			return errAt(path+".code", "duplicate rule code %q (also validation_rules[%d])", yr.Code, j)
		}
		seen[yr.Code] = i
		r, err := c.buildRule(path, yr)
		if err != nil {
			return err
		}
		c.rules = append(c.rules, r)
	}
	return nil
}

// idx is an index of the inherited catalogue; an empty one when there is
// none.
func (c *Catalog) idx(of func(*Catalog) map[string]int) map[string]int {
	if c == nil {
		return nil
	}
	return of(c)
}

// count is a count of the inherited catalogue's definitions, 0 when there
// is none: positions in the document being read start after them.
func (c *Catalog) count(of func(*Catalog) int) int {
	if c == nil {
		return 0
	}
	return of(c)
}

func (c *Catalog) buildRule(path string, yr yamlRule) (ValidationRule, error) {
	r := ValidationRule{Code: yr.Code, Operator: yr.Operator, Importance: yr.Importance, Message: yr.Message, MessageEN: yr.MessageEN}
	if err := checkCode(path+".code", yr.Code); err != nil {
		return r, err
	}
	var err error
	for _, side := range []struct {
		name, src string
		into      **expr.Expr
		optional  bool
	}{{"left", yr.Left, &r.Left, false}, {"right", yr.Right, &r.Right, false}, {"previous", yr.Previous, &r.Previous, true}} {
		if strings.TrimSpace(side.src) == "" {
			if side.optional {
				continue
			}
			return r, errAt(path+"."+side.name, "missing %s", side.name)
		}
		if *side.into, err = c.parseExpr(path+"."+side.name, side.src); err != nil {
			return r, err
		}
	}
	switch yr.Operator {
	case "==", "<=":
	case "":
		return r, errAt(path+".operator", "missing operator (== or <=)")
	default:
		return r, errAt(path+".operator", "unknown operator %q (want == or <=)", yr.Operator)
	}
	switch yr.Importance {
	case "error", "warning":
	case "":
		return r, errAt(path+".importance", "missing importance (error or warning)")
	default:
		return r, errAt(path+".importance", "unknown importance %q (want error or warning)", yr.Importance)
	}
	if yr.PeriodType != "" {
		if r.PeriodType, err = period.ParseType(yr.PeriodType); err != nil {
			return r, errAt(path+".period_type", "unknown period type %q (want monthly, quarterly, sixmonthly or yearly)", yr.PeriodType)
		}
	}
	if strings.TrimSpace(yr.Message) == "" {
		return r, errAt(path+".message", "missing message")
	}
	return r, nil
}

func buildBreakdown(path string, yb yamlBreakdown) (Breakdown, error) {
	b := Breakdown{Code: yb.Code, Name: yb.Name, NameEN: yb.NameEN, Sparse: yb.Sparse, GroupingOf: yb.GroupingOf}
	if err := checkCode(path+".code", yb.Code); err != nil {
		return b, err
	}
	if err := checkName(path+".name", yb.Name); err != nil {
		return b, err
	}
	switch yb.Kind {
	case "partition":
		b.Kind = Partition
	case "subset":
		b.Kind = Subset
	case "":
		return b, errAt(path+".kind", "missing kind (partition or subset)")
	default:
		return b, errAt(path+".kind", "unknown kind %q (want partition or subset)", yb.Kind)
	}
	if len(yb.Options) < 2 {
		return b, errAt(path+".options", "a breakdown needs at least 2 options, has %d", len(yb.Options))
	}
	seen := make(map[string]int)
	for k, yo := range yb.Options {
		op := fmt.Sprintf("%s.options[%d]", path, k)
		if err := checkCode(op+".code", yo.Code); err != nil {
			return b, err
		}
		if j, dup := seen[yo.Code]; dup {
			return b, errAt(op+".code", "duplicate option code %q (also options[%d])", yo.Code, j)
		}
		seen[yo.Code] = k
		if err := checkName(op+".name", yo.Name); err != nil {
			return b, err
		}
		if len(yo.Groups) > 0 && yb.GroupingOf == "" {
			return b, errAt(op+".groups", "option %q groups options but breakdown %q names no grouping_of", yo.Code, yb.Code)
		}
		if yb.GroupingOf != "" && len(yo.Groups) == 0 {
			return b, errAt(op+".groups", "option %q of a grouping of %q groups no options", yo.Code, yb.GroupingOf)
		}
		b.Options = append(b.Options, Option{Code: yo.Code, Name: yo.Name, NameEN: yo.NameEN, OfficialCode: yo.OfficialCode, Groups: yo.Groups})
	}
	if b.Sparse && b.Kind != Partition {
		return b, errAt(path+".sparse", "only a partition can be sparse")
	}
	return b, nil
}

// checkGrouping checks a breakdown that groups the options of a finer one
// (Kinh and ethnic minorities over the 54 ethnic groups): the finer
// breakdown exists and is not itself a grouping, and every one of its
// options is in exactly one group.
func (c *Catalog) checkGrouping(path string, b Breakdown) error {
	if b.GroupingOf == "" {
		return nil
	}
	// A chain of groupings that comes back to where it started has no
	// finest breakdown to count from.
	chain := []string{b.Code}
	for next := b.GroupingOf; next != "" && b.GroupingOf != b.Code; {
		chain = append(chain, next)
		if next == b.Code && len(chain) > 2 {
			return errAt(path+".grouping_of", "grouping_of forms a cycle: %s", strings.Join(chain, " → "))
		}
		ni, ok := c.breakdownIdx[next]
		if !ok || len(chain) > len(c.breakdowns)+1 {
			break
		}
		next = c.breakdowns[ni].GroupingOf
	}
	fi, ok := c.breakdownIdx[b.GroupingOf]
	switch {
	case !ok:
		return errAt(path+".grouping_of", "unknown breakdown %q", b.GroupingOf)
	case b.GroupingOf == b.Code:
		return errAt(path+".grouping_of", "breakdown %q cannot group itself", b.Code)
	case c.breakdowns[fi].GroupingOf != "":
		return errAt(path+".grouping_of", "breakdown %q is itself a grouping (of %q); group the finest breakdown", b.GroupingOf, c.breakdowns[fi].GroupingOf)
	}
	fine := c.breakdowns[fi]
	in := make(map[string]string, len(fine.Options))
	for k, o := range b.Options {
		for g, code := range o.Groups {
			gp := fmt.Sprintf("%s.options[%d].groups[%d]", path, k, g)
			if _, ok := fine.Option(code); !ok {
				return errAt(gp, "breakdown %q has no option %q", fine.Code, code)
			}
			if prev, dup := in[code]; dup {
				return errAt(gp, "option %q of %q is in group %q and in group %q", code, fine.Code, prev, o.Code)
			}
			in[code] = o.Code
		}
	}
	for _, o := range fine.Options {
		if _, ok := in[o.Code]; !ok {
			return errAt(path+".options", "option %q of %q is in no group", o.Code, fine.Code)
		}
	}
	return nil
}

func (c *Catalog) addElement(path string, ye yamlElement, first int) error {
	if err := checkCode(path+".code", ye.Code); err != nil {
		return err
	}
	if j, dup := c.elementIdx[ye.Code]; dup {
		return errAt(path+".code", "duplicate data element code %q (also data_elements[%d])", ye.Code, j-first)
	}
	if err := checkName(path+".name", ye.Name); err != nil {
		return err
	}
	e := DataElement{
		Code:        ye.Code,
		Name:        ye.Name,
		NameEN:      ye.NameEN,
		Description: ye.Description,
		Group:       ye.Group,
	}
	if ye.Group == "" {
		return errAt(path+".group", "missing group")
	}
	if !codeRE.MatchString(ye.Group) {
		return errAt(path+".group", "invalid group %q (groups match [a-z][a-z0-9_]*)", ye.Group)
	}
	switch ye.Nature {
	case "stock":
		e.Nature = Stock
	case "flow":
		e.Nature = Flow
	case "":
		return errAt(path+".nature", "missing nature (stock or flow)")
	default:
		return errAt(path+".nature", "unknown nature %q (want stock or flow)", ye.Nature)
	}
	switch ye.ValueType {
	case "count":
		e.ValueType = Count
	case "":
		return errAt(path+".value_type", "missing value type (count)")
	default:
		return errAt(path+".value_type", "unknown value type %q (want count)", ye.ValueType)
	}
	opts := make(map[string]optionPos)
	for k, code := range ye.Breakdowns {
		bp := fmt.Sprintf("%s.breakdowns[%d]", path, k)
		bi, ok := c.breakdownIdx[code]
		if !ok {
			return errAt(bp, "unknown breakdown %q", code)
		}
		for _, prev := range e.Breakdowns {
			if prev == code {
				return errAt(bp, "breakdown %q listed twice", code)
			}
		}
		b := c.breakdowns[bi]
		for oi, o := range b.Options {
			if prev, dup := opts[o.Code]; dup {
				return errAt(bp, "option %q of breakdown %q is also in breakdown %q, so %q would be ambiguous",
					o.Code, code, c.breakdowns[prev.breakdown].Code, ye.Code+"."+o.Code)
			}
			opts[o.Code] = optionPos{breakdown: bi, option: oi}
		}
		e.Breakdowns = append(e.Breakdowns, code)
	}
	c.elementIdx[e.Code] = len(c.elements)
	c.elements = append(c.elements, e)
	c.options[e.Code] = opts
	return nil
}

func (c *Catalog) addDataSet(path string, yd yamlDataSet, first int) error {
	if err := checkCode(path+".code", yd.Code); err != nil {
		return err
	}
	if j, dup := c.dataSetIdx[yd.Code]; dup {
		return errAt(path+".code", "duplicate data set code %q (also data_sets[%d])", yd.Code, j-first)
	}
	if err := checkName(path+".name", yd.Name); err != nil {
		return err
	}
	ds := DataSet{Code: yd.Code, Name: yd.Name, NameEN: yd.NameEN}
	if yd.PeriodType == "" {
		return errAt(path+".period_type", "missing period type")
	}
	pt, err := period.ParseType(yd.PeriodType)
	if err != nil {
		return errAt(path+".period_type", "unknown period type %q (want monthly, quarterly, sixmonthly or yearly)", yd.PeriodType)
	}
	ds.PeriodType = pt
	seen := make(map[string]int)
	for k, code := range yd.Elements {
		ep := fmt.Sprintf("%s.elements[%d]", path, k)
		if _, ok := c.elementIdx[code]; !ok {
			return errAt(ep, "unknown data element %q", code)
		}
		if j, dup := seen[code]; dup {
			return errAt(ep, "data element %q listed twice (also elements[%d])", code, j)
		}
		seen[code] = k
		ds.Elements = append(ds.Elements, code)
	}
	seen = make(map[string]int)
	for k, ys := range yd.Sections {
		sp := fmt.Sprintf("%s.sections[%d]", path, k)
		if !sectionRE.MatchString(ys.Code) {
			return errAt(sp+".code", "invalid section code %q (want outline numbering such as I.2.1 or II.1)", ys.Code)
		}
		if j, dup := seen[ys.Code]; dup {
			return errAt(sp+".code", "duplicate section code %q (also sections[%d])", ys.Code, j)
		}
		seen[ys.Code] = k
		if strings.TrimSpace(ys.Title) == "" {
			return errAt(sp+".title", "missing title")
		}
		ds.Sections = append(ds.Sections, Section{Code: ys.Code, Title: ys.Title, TitleEN: ys.TitleEN})
	}
	c.dataSetIdx[ds.Code] = len(c.dataSets)
	c.dataSets = append(c.dataSets, ds)
	return nil
}

func (c *Catalog) addIndicator(path string, yi yamlIndicator, first int) error {
	if err := checkCode(path+".code", yi.Code); err != nil {
		return err
	}
	if j, dup := c.indicatorIdx[yi.Code]; dup {
		return errAt(path+".code", "duplicate indicator code %q (also indicators[%d])", yi.Code, j-first)
	}
	if err := checkName(path+".name", yi.Name); err != nil {
		return err
	}
	ind := Indicator{
		Code:        yi.Code,
		Name:        yi.Name,
		NameEN:      yi.NameEN,
		Description: yi.Description,
		Factor:      yi.Factor,
		Unit:        yi.Unit,
		Decimals:    yi.Decimals,
	}
	if strings.TrimSpace(yi.Numerator) == "" {
		return errAt(path+".numerator", "missing numerator")
	}
	var err error
	if ind.Numerator, err = c.parseExpr(path+".numerator", yi.Numerator); err != nil {
		return err
	}
	// An empty denominator means a count indicator; a blank one is a typo.
	if yi.Denominator != "" {
		if ind.Denominator, err = c.parseExpr(path+".denominator", yi.Denominator); err != nil {
			return err
		}
	}
	if yi.Factor < 1 {
		return errAt(path+".factor", "factor must be at least 1, got %d", yi.Factor)
	}
	if yi.Decimals < 0 || yi.Decimals > 9 {
		return errAt(path+".decimals", "decimals must be between 0 and 9, got %d", yi.Decimals)
	}
	c.indicatorIdx[ind.Code] = len(c.indicators)
	c.indicators = append(c.indicators, ind)
	return nil
}

// parseExpr parses an indicator expression and checks that every reference
// names an element of the catalogue or an option of one.
func (c *Catalog) parseExpr(path, src string) (*expr.Expr, error) {
	e, err := expr.Parse(src)
	if err != nil {
		return nil, &ValidationError{Path: path, Err: err}
	}
	for _, r := range e.Refs() {
		if _, ok := c.elementIdx[r.Element]; !ok {
			return nil, errAt(path, "unknown data element %q", r.Element)
		}
		if r.Option != "" && !c.HasRef(r) {
			return nil, errAt(path, "data element %q has no option %q", r.Element, r.Option)
		}
	}
	return e, nil
}

// pathIndex maps the nodes of a YAML document to the paths by which
// validation errors name them ("data_elements[3].breakdowns[1]").
type pathIndex []pathEntry

type pathEntry struct {
	path string
	key  *yaml.Node // the mapping key, nil for sequence items and the root
	val  *yaml.Node
}

func indexPaths(root *yaml.Node) pathIndex {
	var idx pathIndex
	var walk func(path string, key, n *yaml.Node)
	walk = func(path string, key, n *yaml.Node) {
		idx = append(idx, pathEntry{path: path, key: key, val: n})
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(path, nil, c)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(path+"["+strconv.Itoa(i)+"]", nil, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				walk(p, k, n.Content[i+1])
			}
		}
	}
	walk("", nil, root)
	return idx
}

// line returns the line at which the value at path starts. A value that is
// missing altogether (no "name:" key) has no line; the line of the nearest
// enclosing value that is present is the next best thing for a person
// looking for the mistake. line returns 0 if nothing encloses path.
func (idx pathIndex) line(path string) int {
	for path != "" {
		for _, e := range idx {
			if e.path == path {
				if e.key != nil {
					return e.key.Line
				}
				return e.val.Line
			}
		}
		path = path[:max(strings.LastIndexAny(path, ".["), 0)]
	}
	return 0
}

var (
	lineMsgRE      = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// typeError turns one of yaml.v3's "line N: ..." messages into a
// ValidationError with the path of the node it concerns.
func (idx pathIndex) typeError(msg string) error {
	m := lineMsgRE.FindStringSubmatch(msg)
	if m == nil {
		return &ValidationError{Err: errors.New(msg)}
	}
	line, _ := strconv.Atoi(m[1])
	if f := unknownFieldRE.FindStringSubmatch(m[2]); f != nil {
		for _, e := range idx {
			if e.key != nil && e.key.Line == line && e.key.Value == f[1] {
				return &ValidationError{Path: e.path, Line: line, Err: fmt.Errorf("unknown field %q", f[1])}
			}
		}
		return &ValidationError{Line: line, Err: fmt.Errorf("unknown field %q", f[1])}
	}
	// A value of the wrong type ("cannot unmarshal !!str `abc` into int64"):
	// prefer the scalar on that line whose text the message quotes.
	var best *pathEntry
	for i, e := range idx {
		if e.path == "" || e.val.Line != line {
			continue
		}
		if e.val.Kind == yaml.ScalarNode && strings.Contains(m[2], "`"+e.val.Value+"`") {
			best = &idx[i]
			break
		}
		if best == nil {
			best = &idx[i]
		}
	}
	if best == nil {
		return &ValidationError{Line: line, Err: errors.New(m[2])}
	}
	return &ValidationError{Path: best.path, Line: line, Err: errors.New(m[2])}
}
