package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// digestPrefix versions the canonical encoding: if the encoding ever
// changes, digests change with it rather than colliding with old ones.
const digestPrefix = "tonghop catalogue digest v1\n"

// The canonical encoding is JSON of the structures below: fixed field
// order, enums as their YAML words, expressions in expr's canonical form,
// lists in catalogue order. Whatever YAML spelling produced the catalogue,
// the same content encodes to the same bytes.
type canonCatalog struct {
	Version string `json:"version"`
	// Extends is the digest of the catalogue a published version extends;
	// left out for the built-in ones.
	Extends    string           `json:"extends,omitempty"`
	Breakdowns []canonBreakdown `json:"breakdowns"`
	Elements   []canonElement   `json:"data_elements"`
	DataSets   []canonDataSet   `json:"data_sets"`
	Indicators []canonIndicator `json:"indicators"`
	// Left out when empty, so catalogues from before rules existed keep
	// their digests.
	Rules []canonRule `json:"validation_rules,omitempty"`
}

type canonRule struct {
	Code       string `json:"code"`
	Left       string `json:"left"`
	Operator   string `json:"operator"`
	Right      string `json:"right"`
	Previous   string `json:"previous"`
	Importance string `json:"importance"`
	PeriodType string `json:"period_type"`
	Message    string `json:"message"`
	MessageEN  string `json:"message_en"`
}

// The fields added after the first catalogues are left out when empty, so
// those keep their digests.
type canonBreakdown struct {
	Code       string        `json:"code"`
	Name       string        `json:"name"`
	NameEN     string        `json:"name_en"`
	Kind       string        `json:"kind"`
	Sparse     bool          `json:"sparse,omitempty"`
	GroupingOf string        `json:"grouping_of,omitempty"`
	Options    []canonOption `json:"options"`
}

type canonOption struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	NameEN       string   `json:"name_en"`
	OfficialCode string   `json:"official_code,omitempty"`
	Groups       []string `json:"groups,omitempty"`
}

type canonSection struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	TitleEN string `json:"title_en"`
}

type canonElement struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	NameEN      string   `json:"name_en"`
	Description string   `json:"description"`
	Group       string   `json:"group"`
	Nature      string   `json:"nature"`
	ValueType   string   `json:"value_type"`
	Breakdowns  []string `json:"breakdowns"`
}

type canonDataSet struct {
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	NameEN     string         `json:"name_en"`
	PeriodType string         `json:"period_type"`
	Elements   []string       `json:"elements"`
	Sections   []canonSection `json:"sections"`
}

type canonIndicator struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	NameEN      string `json:"name_en"`
	Description string `json:"description"`
	Numerator   string `json:"numerator"`
	Denominator string `json:"denominator"`
	Factor      int64  `json:"factor"`
	Unit        string `json:"unit"`
	Decimals    int    `json:"decimals"`
}

func digest(c *Catalog) string {
	cc := canonCatalog{
		Version:    c.version,
		Extends:    c.extends,
		Breakdowns: []canonBreakdown{},
		Elements:   []canonElement{},
		DataSets:   []canonDataSet{},
		Indicators: []canonIndicator{},
	}
	for _, b := range c.breakdowns {
		cb := canonBreakdown{Code: b.Code, Name: b.Name, NameEN: b.NameEN, Kind: b.Kind.String(), Sparse: b.Sparse, GroupingOf: b.GroupingOf, Options: []canonOption{}}
		for _, o := range b.Options {
			cb.Options = append(cb.Options, canonOption{Code: o.Code, Name: o.Name, NameEN: o.NameEN, OfficialCode: o.OfficialCode, Groups: o.Groups})
		}
		cc.Breakdowns = append(cc.Breakdowns, cb)
	}
	for _, e := range c.elements {
		cc.Elements = append(cc.Elements, canonElement{
			Code: e.Code, Name: e.Name, NameEN: e.NameEN, Description: e.Description, Group: e.Group,
			Nature: e.Nature.String(), ValueType: e.ValueType.String(), Breakdowns: nonNil(e.Breakdowns),
		})
	}
	for _, ds := range c.dataSets {
		sections := []canonSection{}
		for _, sec := range ds.Sections {
			sections = append(sections, canonSection{Code: sec.Code, Title: sec.Title, TitleEN: sec.TitleEN})
		}
		cc.DataSets = append(cc.DataSets, canonDataSet{
			Code: ds.Code, Name: ds.Name, NameEN: ds.NameEN, PeriodType: ds.PeriodType.String(),
			Elements: nonNil(ds.Elements), Sections: sections,
		})
	}
	for _, ind := range c.indicators {
		ci := canonIndicator{
			Code: ind.Code, Name: ind.Name, NameEN: ind.NameEN, Description: ind.Description,
			Numerator: ind.Numerator.String(), Factor: ind.Factor, Unit: ind.Unit, Decimals: ind.Decimals,
		}
		if ind.Denominator != nil {
			ci.Denominator = ind.Denominator.String()
		}
		cc.Indicators = append(cc.Indicators, ci)
	}
	for _, r := range c.rules {
		cr := canonRule{Code: r.Code, Left: r.Left.String(), Operator: r.Operator, Right: r.Right.String(),
			Importance: r.Importance, Message: r.Message, MessageEN: r.MessageEN}
		if r.Previous != nil {
			cr.Previous = r.Previous.String()
		}
		if r.PeriodType != 0 {
			cr.PeriodType = r.PeriodType.String()
		}
		cc.Rules = append(cc.Rules, cr)
	}
	var buf bytes.Buffer
	buf.WriteString(digestPrefix)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(cc); err != nil {
		// Only strings, integers and slices of them: encoding cannot fail.
		panic("catalog: encoding digest: " + err.Error())
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// nonNil makes an absent list and an empty one encode alike.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
