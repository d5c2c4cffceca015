package dhis2

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tonghop/tonghop/internal/catalog"
)

// Metadata is the part of a DHIS2 metadata export (GET /api/metadata) a
// catalogue is made from.
type Metadata struct {
	DataElements []struct {
		ID              string `json:"id"`
		Code            string `json:"code"`
		Name            string `json:"name"`
		ShortName       string `json:"shortName"`
		Description     string `json:"description"`
		ValueType       string `json:"valueType"`
		AggregationType string `json:"aggregationType"`
		DomainType      string `json:"domainType"`
		CategoryCombo   ref    `json:"categoryCombo"`
	} `json:"dataElements"`
	CategoryCombos []struct {
		ID         string `json:"id"`
		Code       string `json:"code"`
		Name       string `json:"name"`
		Categories []ref  `json:"categories"`
	} `json:"categoryCombos"`
	Categories []struct {
		ID               string `json:"id"`
		Code             string `json:"code"`
		Name             string `json:"name"`
		CategoryOptions  []ref  `json:"categoryOptions"`
		DataDimensionTyp string `json:"dataDimensionType"`
	} `json:"categories"`
	CategoryOptions []struct {
		ID   string `json:"id"`
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"categoryOptions"`
	CategoryOptionCombos []struct {
		ID              string `json:"id"`
		Code            string `json:"code"`
		Name            string `json:"name"`
		CategoryCombo   ref    `json:"categoryCombo"`
		CategoryOptions []ref  `json:"categoryOptions"`
	} `json:"categoryOptionCombos"`
	DataSets []struct {
		ID              string `json:"id"`
		Code            string `json:"code"`
		Name            string `json:"name"`
		PeriodType      string `json:"periodType"`
		DataSetElements []struct {
			DataElement ref `json:"dataElement"`
		} `json:"dataSetElements"`
	} `json:"dataSets"`
	Indicators []struct {
		ID            string `json:"id"`
		Code          string `json:"code"`
		Name          string `json:"name"`
		Numerator     string `json:"numerator"`
		Denominator   string `json:"denominator"`
		Decimals      *int   `json:"decimals"`
		IndicatorType ref    `json:"indicatorType"`
	} `json:"indicators"`
	IndicatorTypes []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Factor int64  `json:"factor"`
		Number bool   `json:"number"`
	} `json:"indicatorTypes"`
	ValidationRules []struct {
		ID          string `json:"id"`
		Code        string `json:"code"`
		Name        string `json:"name"`
		Instruction string `json:"instruction"`
		Importance  string `json:"importance"`
		Operator    string `json:"operator"`
		PeriodType  string `json:"periodType"`
		LeftSide    struct {
			Expression string `json:"expression"`
		} `json:"leftSide"`
		RightSide struct {
			Expression string `json:"expression"`
		} `json:"rightSide"`
	} `json:"validationRules"`
}

type ref struct {
	ID string `json:"id"`
}

// Converted is a catalogue made from DHIS2 metadata: its YAML (in the form
// catalog.Parse reads), the catalogue itself, the mapping from DHIS2's
// UIDs to its codes, and what could not be carried over, and why.
type Converted struct {
	YAML    []byte
	Catalog *catalog.Catalog
	Mapping *Mapping
	Skipped []string
}

// Catalogue makes a tonghop catalogue from a DHIS2 metadata export (JSON).
// Each data element's category combo becomes a partition breakdown whose
// options are the combo's category option combos (the default combo: no
// breakdown); SUM elements are flows, the others stocks; indicators keep
// their numerator and denominator (#{de} and #{de.coc} become tonghop
// references) and their type's factor; validation rules with ==, <= or
// >= are kept. Only count-like value types are carried over.
func Catalogue(r io.Reader, version string) (*Converted, error) {
	var md Metadata
	if err := json.NewDecoder(r).Decode(&md); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrInvalid, err)
	}
	c := &Converted{Mapping: NewMapping()}
	codes := map[string]bool{}
	codeOf := func(prefix, code, name, id string) string {
		base := slug(code)
		if base == "" {
			base = slug(name)
		}
		if base == "" {
			base = prefix + "_" + strings.ToLower(id)
		}
		if len(base) > 56 {
			base = base[:56]
		}
		out := base
		for n := 2; codes[out]; n++ {
			out = fmt.Sprintf("%s_%d", base, n)
		}
		codes[out] = true
		return out
	}
	type yOption struct {
		Code string `yaml:"code"`
		Name string `yaml:"name"`
	}
	type yBreakdown struct {
		Code    string    `yaml:"code"`
		Name    string    `yaml:"name"`
		Kind    string    `yaml:"kind"`
		Options []yOption `yaml:"options"`
	}
	type yElement struct {
		Code        string   `yaml:"code"`
		Name        string   `yaml:"name"`
		Description string   `yaml:"description,omitempty"`
		Group       string   `yaml:"group"`
		Nature      string   `yaml:"nature"`
		ValueType   string   `yaml:"value_type"`
		Breakdowns  []string `yaml:"breakdowns,omitempty"`
	}
	type yDataSet struct {
		Code       string   `yaml:"code"`
		Name       string   `yaml:"name"`
		PeriodType string   `yaml:"period_type"`
		Elements   []string `yaml:"elements"`
	}
	type yIndicator struct {
		Code        string `yaml:"code"`
		Name        string `yaml:"name"`
		Numerator   string `yaml:"numerator"`
		Denominator string `yaml:"denominator,omitempty"`
		Factor      int64  `yaml:"factor"`
		Unit        string `yaml:"unit"`
		Decimals    int    `yaml:"decimals"`
	}
	type yRule struct {
		Code       string `yaml:"code"`
		Left       string `yaml:"left"`
		Operator   string `yaml:"operator"`
		Right      string `yaml:"right"`
		Importance string `yaml:"importance"`
		PeriodType string `yaml:"period_type,omitempty"`
		Message    string `yaml:"message"`
	}
	var file struct {
		Version      string       `yaml:"version"`
		Breakdowns   []yBreakdown `yaml:"breakdowns"`
		DataElements []yElement   `yaml:"data_elements"`
		DataSets     []yDataSet   `yaml:"data_sets"`
		Indicators   []yIndicator `yaml:"indicators"`
		Rules        []yRule      `yaml:"validation_rules"`
	}
	file.Version = version

	// Category combos → breakdowns of their combos.
	cocsOf := map[string][]int{}
	for i, coc := range md.CategoryOptionCombos {
		cocsOf[coc.CategoryCombo.ID] = append(cocsOf[coc.CategoryCombo.ID], i)
	}
	breakdownOf := map[string]string{} // category combo → breakdown code
	optionOf := map[string]string{}    // coc UID → option code
	for _, cc := range md.CategoryCombos {
		ids := cocsOf[cc.ID]
		if len(ids) == 0 || cc.Name == "default" || cc.Code == "default" {
			continue
		}
		if len(ids) == 1 && (md.CategoryOptionCombos[ids[0]].ID == DefaultCOC || md.CategoryOptionCombos[ids[0]].Name == "default") {
			continue
		}
		b := yBreakdown{Code: codeOf("cc", cc.Code, cc.Name, cc.ID), Name: cc.Name, Kind: "partition"}
		optionCodes := map[string]bool{}
		for _, i := range ids {
			coc := md.CategoryOptionCombos[i]
			code := slug(coc.Code)
			if code == "" {
				code = slug(coc.Name)
			}
			if code == "" || optionCodes[code] {
				code = "coc_" + strings.ToLower(coc.ID)
			}
			optionCodes[code] = true
			b.Options = append(b.Options, yOption{Code: code, Name: coc.Name})
			optionOf[coc.ID] = code
			c.Mapping.Add(KindCOC, coc.ID, code, nil)
		}
		breakdownOf[cc.ID] = b.Code
		file.Breakdowns = append(file.Breakdowns, b)
	}
	c.Mapping.Add(KindCOC, DefaultCOC, "", nil)

	elementOf := map[string]string{}
	for _, de := range md.DataElements {
		switch de.ValueType {
		case "INTEGER", "INTEGER_ZERO_OR_POSITIVE", "INTEGER_POSITIVE", "NUMBER", "":
		default:
			c.Skipped = append(c.Skipped, fmt.Sprintf("data element %s (%s): value type %s is not a count", de.ID, de.Name, de.ValueType))
			continue
		}
		if de.DomainType != "" && de.DomainType != "AGGREGATE" {
			c.Skipped = append(c.Skipped, fmt.Sprintf("data element %s (%s): domain %s is not aggregate", de.ID, de.Name, de.DomainType))
			continue
		}
		e := yElement{Code: codeOf("de", de.Code, de.ShortName, de.ID), Name: de.Name, Description: de.Description, Group: "dhis2", Nature: "flow", ValueType: "count"}
		switch de.AggregationType {
		case "SUM", "COUNT", "":
		default: // AVERAGE_SUM_ORG_UNIT, LAST, LAST_SUM_ORG_UNIT…: a stock
			e.Nature = "stock"
		}
		if b, ok := breakdownOf[de.CategoryCombo.ID]; ok {
			e.Breakdowns = []string{b}
		}
		elementOf[de.ID] = e.Code
		c.Mapping.Add(KindDataElement, de.ID, e.Code, nil)
		if de.Code != "" && de.Code != de.ID {
			c.Mapping.Add(KindDataElement, de.Code, e.Code, nil) // ADX and idScheme=CODE
		}
		file.DataElements = append(file.DataElements, e)
	}
	for _, ds := range md.DataSets {
		d := yDataSet{Code: codeOf("ds", ds.Code, ds.Name, ds.ID), Name: ds.Name, PeriodType: strings.ToLower(ds.PeriodType)}
		for _, dse := range ds.DataSetElements {
			if e, ok := elementOf[dse.DataElement.ID]; ok {
				d.Elements = append(d.Elements, e)
			}
		}
		if len(d.Elements) == 0 {
			c.Skipped = append(c.Skipped, fmt.Sprintf("data set %s (%s): none of its data elements is a count", ds.ID, ds.Name))
			continue
		}
		c.Mapping.Add(KindDataSet, ds.ID, d.Code, nil)
		file.DataSets = append(file.DataSets, d)
	}
	expr := func(s string) (string, error) { return translateExpression(s, elementOf, optionOf) }
	factors := map[string]int64{}
	for _, it := range md.IndicatorTypes {
		factors[it.ID] = it.Factor
	}
	for _, ind := range md.Indicators {
		num, err := expr(ind.Numerator)
		if err != nil {
			c.Skipped = append(c.Skipped, fmt.Sprintf("indicator %s (%s): numerator: %v", ind.ID, ind.Name, err))
			continue
		}
		den, err := expr(ind.Denominator)
		if err != nil {
			c.Skipped = append(c.Skipped, fmt.Sprintf("indicator %s (%s): denominator: %v", ind.ID, ind.Name, err))
			continue
		}
		if strings.TrimSpace(den) == "1" {
			den = "" // a plain count
		}
		factor := factors[ind.IndicatorType.ID]
		if factor == 0 {
			factor = 1
		}
		y := yIndicator{Code: codeOf("in", ind.Code, ind.Name, ind.ID), Name: ind.Name, Numerator: num, Denominator: den, Factor: factor, Decimals: 2}
		if ind.Decimals != nil {
			y.Decimals = *ind.Decimals
		}
		y.Unit = map[bool]string{true: "%", false: ""}[factor == 100]
		if y.Unit == "" {
			y.Unit = "1"
		}
		file.Indicators = append(file.Indicators, y)
	}
	for _, vr := range md.ValidationRules {
		left, err1 := expr(vr.LeftSide.Expression)
		right, err2 := expr(vr.RightSide.Expression)
		if err1 != nil || err2 != nil {
			c.Skipped = append(c.Skipped, fmt.Sprintf("validation rule %s (%s): %v", vr.ID, vr.Name, firstErr(err1, err2)))
			continue
		}
		op := map[string]string{"equal_to": "==", "less_than_or_equal_to": "<=", "greater_than_or_equal_to": ">="}[vr.Operator]
		if op == "" {
			c.Skipped = append(c.Skipped, fmt.Sprintf("validation rule %s (%s): operator %s is not ==, <= or >=", vr.ID, vr.Name, vr.Operator))
			continue
		}
		if op == ">=" {
			left, right, op = right, left, "<="
		}
		importance := "warning"
		if vr.Importance == "HIGH" {
			importance = "error"
		}
		msg := vr.Instruction
		if msg == "" {
			msg = vr.Name
		}
		file.Rules = append(file.Rules, yRule{Code: codeOf("vr", vr.Code, vr.Name, vr.ID), Left: left, Operator: op, Right: right,
			Importance: importance, PeriodType: strings.ToLower(vr.PeriodType), Message: msg})
	}
	raw, err := yaml.Marshal(file)
	if err != nil {
		return nil, err
	}
	c.YAML = raw
	c.Catalog, err = catalog.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("the catalogue made from the metadata: %w", err)
	}
	return c, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

var nonCode = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a tonghop code ([a-z][a-z0-9_]*) from a DHIS2 code or name;
// letters with diacritics lose them (đ → d).
func slug(s string) string {
	s = strings.ToLower(removeDiacritics(s))
	s = strings.Trim(nonCode.ReplaceAllString(s, "_"), "_")
	if s != "" && (s[0] < 'a' || s[0] > 'z') {
		s = "x_" + s
	}
	return s
}

func removeDiacritics(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(fold(r))
	}
	return b.String()
}

// fold maps a Vietnamese (or other Latin) letter to its base letter.
func fold(r rune) string {
	const groups = "aàáảãạăằắẳẵặâầấẩẫậ eèéẻẽẹêềếểễệ iìíỉĩị oòóỏõọôồốổỗộơờớởỡợ uùúủũụưừứửữự yỳýỷỹỵ dđ AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ EÈÉẺẼẸÊỀẾỂỄỆ IÌÍỈĨỊ OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ UÙÚỦŨỤƯỪỨỬỮỰ YỲÝỶỸỴ DĐ"
	for _, g := range strings.Fields(groups) {
		if strings.ContainsRune(g, r) {
			return string([]rune(g)[0])
		}
	}
	return string(r)
}

var operand = regexp.MustCompile(`#\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9*]+))?(?:\.([A-Za-z0-9*]+))?\}`)

// translateExpression turns a DHIS2 expression (#{de}, #{de.coc}, numbers,
// + - * / and parentheses) into a tonghop one.
func translateExpression(s string, elements, options map[string]string) (string, error) {
	var err error
	out := operand.ReplaceAllStringFunc(s, func(m string) string {
		parts := operand.FindStringSubmatch(m)
		e, ok := elements[parts[1]]
		if !ok {
			err = fmt.Errorf("%s names no data element carried over", m)
			return m
		}
		if parts[3] != "" && parts[3] != "*" && parts[3] != DefaultCOC {
			err = fmt.Errorf("%s names an attribute option combo", m)
			return m
		}
		switch coc := parts[2]; {
		case coc == "" || coc == "*" || coc == DefaultCOC:
			return e
		default:
			o, ok := options[coc]
			if !ok {
				err = fmt.Errorf("%s names no category option combo carried over", m)
				return m
			}
			return e + "." + o
		}
	})
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(out, "#[]{}") || strings.Contains(out, "OUG{") || strings.Contains(out, "C{") {
		return "", fmt.Errorf("%q uses operands other than data elements", s)
	}
	return strings.TrimSpace(out), nil
}
