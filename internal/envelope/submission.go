package envelope

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SubmissionType is the DSSE payload type of a submission.
const SubmissionType = "application/vnd.tonghop.submission+json; version=1"

// Submission is what a node reports upward for one unit, data set and
// period: its values and narrative sections, at a revision.
//
// Its canonical encoding is
//
//	{"version":1,"unit":…,"data_set":…,"period":…,"revision":…,"catalog_version":…,"catalog_digest":…,"signed_at":…,"values":[{"element":…,"option":…,"count":…},…],"sections":[{"code":…,"text":…},…],"overrides":[{"rule":…,"reason":…},…],"accepted":[{"unit":…,"revision":…,"digest":…},…]}
//
// with every member present, in that order, and no white space, except
// overrides, accepted and entered_by (a string, last), which are left out
// when empty (so a submission without them encodes as before they existed).
type Submission struct {
	Unit           string // unit code, e.g. "03390"
	DataSet        string // data set code, e.g. "tong_ket_nam"
	Period         string // period code, e.g. "2021"
	Revision       uint64 // 1, 2, … per (unit, data set, period); a higher one supersedes
	CatalogVersion string // version of the catalogue the values follow
	CatalogDigest  string // digest of that catalogue
	// SignedAt is when the submission was signed. It is encoded in UTC
	// with nanoseconds, so it decodes as the same instant in UTC.
	SignedAt time.Time
	// Values are encoded sorted by (Element, Option); they decode sorted.
	Values []Value
	// Sections are encoded sorted by Code; they decode sorted.
	Sections []Section
	// Overrides are the validation errors the signer submitted anyway,
	// each with the reason given; encoded sorted by Rule.
	Overrides []Override
	// Accepted are the revisions of the children's reports of the same data
	// set and period this node accepted; encoded sorted by Unit.
	Accepted []Acceptance
	// EnteredBy is set on a report a unit above entered and signed on the
	// unit's behalf, because the unit runs no node: it names that unit,
	// whose key signs. Empty for a report the unit signed itself.
	EnteredBy string
}

// Override is a validation error submitted anyway, and why.
type Override struct {
	Rule   string // the rule's code, e.g. "dang_vien/gioi_tinh/sum"
	Reason string
}

// Acceptance names the revision of a child's report its parent accepted.
type Acceptance struct {
	Unit     string
	Revision uint64
	Digest   string
}

// Value is the count for one data element and breakdown option. Option is
// empty for an element without breakdown.
type Value struct {
	Element string
	Option  string
	Count   int64
}

// Section is the narrative text of one report section, such as "Ưu điểm".
type Section struct {
	Code string
	Text string
}

type wireSubmission struct {
	Version        *int64           `json:"version"`
	Unit           string           `json:"unit"`
	DataSet        string           `json:"data_set"`
	Period         string           `json:"period"`
	Revision       uint64           `json:"revision"`
	CatalogVersion string           `json:"catalog_version"`
	CatalogDigest  string           `json:"catalog_digest"`
	SignedAt       string           `json:"signed_at"`
	Values         []wireValue      `json:"values"`
	Sections       []wireSection    `json:"sections"`
	Overrides      []wireOverride   `json:"overrides,omitempty"`
	Accepted       []wireAcceptance `json:"accepted,omitempty"`
	EnteredBy      string           `json:"entered_by,omitempty"`
}

type wireOverride struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

type wireAcceptance struct {
	Unit     string `json:"unit"`
	Revision uint64 `json:"revision"`
	Digest   string `json:"digest"`
}

// wireValue and wireSection have the fields of Value and Section, so they
// convert to them directly.
type wireValue struct {
	Element string `json:"element"`
	Option  string `json:"option"`
	Count   int64  `json:"count"`
}

type wireSection struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// EncodeSubmission returns the canonical JSON encoding of s. It rejects an
// empty unit, data set or period, revision 0, a missing signing time,
// invalid UTF-8, an empty element or section code, a negative count, and
// a repeated (element, option) pair or section code: a receiver could not
// tell which of two values for the same cell is meant. s is not modified.
func EncodeSubmission(s Submission) ([]byte, error) {
	const doc = "submission"
	if err := checkKey(doc, "unit", s.Unit); err != nil {
		return nil, err
	}
	if err := checkKey(doc, "data_set", s.DataSet); err != nil {
		return nil, err
	}
	if err := checkKey(doc, "period", s.Period); err != nil {
		return nil, err
	}
	if s.Revision == 0 {
		return nil, malformed(doc, "revision", "0, revisions start at 1")
	}
	if err := checkText(doc, "catalog_version", s.CatalogVersion); err != nil {
		return nil, err
	}
	if err := checkText(doc, "catalog_digest", s.CatalogDigest); err != nil {
		return nil, err
	}
	if err := checkTime(doc, "signed_at", s.SignedAt); err != nil {
		return nil, err
	}
	size := 256 + len(s.Unit) + len(s.DataSet) + len(s.Period) + len(s.CatalogVersion) + len(s.CatalogDigest)
	// Field names are formatted only on failure: a submission has hundreds
	// of values.
	for i, v := range s.Values {
		switch {
		case v.Element == "":
			return nil, malformed(doc, fmt.Sprintf("values[%d].element", i), "empty")
		case !utf8.ValidString(v.Element):
			return nil, malformed(doc, fmt.Sprintf("values[%d].element", i), "not valid UTF-8")
		case !utf8.ValidString(v.Option):
			return nil, malformed(doc, fmt.Sprintf("values[%d].option", i), "not valid UTF-8")
		case v.Count < 0:
			return nil, malformed(doc, fmt.Sprintf("values[%d].count", i), "negative (%d)", v.Count)
		}
		size += 48 + len(v.Element) + len(v.Option)
	}
	for i, sec := range s.Sections {
		switch {
		case sec.Code == "":
			return nil, malformed(doc, fmt.Sprintf("sections[%d].code", i), "empty")
		case !utf8.ValidString(sec.Code):
			return nil, malformed(doc, fmt.Sprintf("sections[%d].code", i), "not valid UTF-8")
		case !utf8.ValidString(sec.Text):
			return nil, malformed(doc, fmt.Sprintf("sections[%d].text", i), "not valid UTF-8")
		}
		size += 24 + len(sec.Code) + len(sec.Text)
	}

	for i, o := range s.Overrides {
		if err := checkKey(doc, fmt.Sprintf("overrides[%d].rule", i), o.Rule); err != nil {
			return nil, err
		}
		if strings.TrimSpace(o.Reason) == "" {
			return nil, malformed(doc, fmt.Sprintf("overrides[%d].reason", i), "empty: an override needs a reason")
		}
		if err := checkText(doc, fmt.Sprintf("overrides[%d].reason", i), o.Reason); err != nil {
			return nil, err
		}
		size += 32 + len(o.Rule) + len(o.Reason)
	}
	for i, a := range s.Accepted {
		if err := checkKey(doc, fmt.Sprintf("accepted[%d].unit", i), a.Unit); err != nil {
			return nil, err
		}
		if a.Revision == 0 {
			return nil, malformed(doc, fmt.Sprintf("accepted[%d].revision", i), "0, revisions start at 1")
		}
		if err := checkKey(doc, fmt.Sprintf("accepted[%d].digest", i), a.Digest); err != nil {
			return nil, err
		}
		size += 64 + len(a.Unit) + len(a.Digest)
	}
	if s.EnteredBy != "" {
		if err := checkKey(doc, "entered_by", s.EnteredBy); err != nil {
			return nil, err
		}
		if s.EnteredBy == s.Unit {
			return nil, malformed(doc, "entered_by", "names the unit itself; leave it empty for the unit's own report")
		}
		size += 24 + len(s.EnteredBy)
	}
	overrides := slices.Clone(s.Overrides)
	slices.SortFunc(overrides, func(a, b Override) int { return cmp.Compare(a.Rule, b.Rule) })
	for i := 1; i < len(overrides); i++ {
		if overrides[i-1].Rule == overrides[i].Rule {
			return nil, malformed(doc, "overrides", "rule %q given twice", overrides[i].Rule)
		}
	}
	accepted := slices.Clone(s.Accepted)
	slices.SortFunc(accepted, func(a, b Acceptance) int { return cmp.Compare(a.Unit, b.Unit) })
	for i := 1; i < len(accepted); i++ {
		if accepted[i-1].Unit == accepted[i].Unit {
			return nil, malformed(doc, "accepted", "unit %q given twice", accepted[i].Unit)
		}
	}

	values := slices.Clone(s.Values)
	slices.SortFunc(values, func(a, b Value) int {
		return cmp.Or(cmp.Compare(a.Element, b.Element), cmp.Compare(a.Option, b.Option))
	})
	for i := 1; i < len(values); i++ {
		if a, b := values[i-1], values[i]; a.Element == b.Element && a.Option == b.Option {
			return nil, malformed(doc, "values", "element %q option %q given twice", a.Element, a.Option)
		}
	}
	sections := slices.Clone(s.Sections)
	slices.SortFunc(sections, func(a, b Section) int { return cmp.Compare(a.Code, b.Code) })
	for i := 1; i < len(sections); i++ {
		if sections[i-1].Code == sections[i].Code {
			return nil, malformed(doc, "sections", "code %q given twice", sections[i].Code)
		}
	}

	b := beginPayload(size)
	b = appendStringMember(b, "unit", s.Unit)
	b = appendStringMember(b, "data_set", s.DataSet)
	b = appendStringMember(b, "period", s.Period)
	b = appendUintMember(b, "revision", s.Revision)
	b = appendStringMember(b, "catalog_version", s.CatalogVersion)
	b = appendStringMember(b, "catalog_digest", s.CatalogDigest)
	b = appendTimeMember(b, "signed_at", s.SignedAt)
	b = append(appendMember(b, "values"), '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendStringMember(b, "element", v.Element)
		b = appendStringMember(b, "option", v.Option)
		b = appendIntMember(b, "count", v.Count)
		b = append(b, '}')
	}
	b = append(b, ']')
	b = append(appendMember(b, "sections"), '[')
	for i, sec := range sections {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = appendStringMember(b, "code", sec.Code)
		b = appendStringMember(b, "text", sec.Text)
		b = append(b, '}')
	}
	b = append(b, ']')
	if len(overrides) > 0 {
		b = append(appendMember(b, "overrides"), '[')
		for i, o := range overrides {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendStringMember(b, "rule", o.Rule)
			b = appendStringMember(b, "reason", o.Reason)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(accepted) > 0 {
		b = append(appendMember(b, "accepted"), '[')
		for i, a := range accepted {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendStringMember(b, "unit", a.Unit)
			b = appendUintMember(b, "revision", a.Revision)
			b = appendStringMember(b, "digest", a.Digest)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if s.EnteredBy != "" {
		b = appendStringMember(b, "entered_by", s.EnteredBy)
	}
	return append(b, '}'), nil
}

// DecodeSubmission decodes a submission, accepting only its canonical
// encoding: unknown members, a version other than 1, and any bytes that
// EncodeSubmission would not write for the decoded value (other member
// order, white space, unsorted lists, other escapes) are rejected, so a
// submission has exactly one encoding. Errors wrap ErrMalformed and name
// the field. Empty lists decode as nil.
func DecodeSubmission(raw []byte) (Submission, error) {
	if s, ok := decodeSubmissionFast(raw); ok {
		return s, nil
	}
	return decodeSubmissionStrict(raw)
}

// decodeSubmissionStrict is DecodeSubmission through encoding/json, which
// names what is wrong with a submission not in canonical form.
func decodeSubmissionStrict(raw []byte) (Submission, error) {
	const doc = "submission"
	var w wireSubmission
	if err := decodeStrict(doc, raw, &w); err != nil {
		return Submission{}, err
	}
	if err := checkVersion(doc, w.Version); err != nil {
		return Submission{}, err
	}
	at, err := parseTime(doc, "signed_at", w.SignedAt)
	if err != nil {
		return Submission{}, err
	}
	s := Submission{
		Unit:           w.Unit,
		DataSet:        w.DataSet,
		Period:         w.Period,
		Revision:       w.Revision,
		CatalogVersion: w.CatalogVersion,
		CatalogDigest:  w.CatalogDigest,
		SignedAt:       at,
	}
	if len(w.Values) > 0 {
		s.Values = make([]Value, len(w.Values))
		for i, v := range w.Values {
			s.Values[i] = Value(v)
		}
	}
	if len(w.Sections) > 0 {
		s.Sections = make([]Section, len(w.Sections))
		for i, sec := range w.Sections {
			s.Sections[i] = Section(sec)
		}
	}
	for _, o := range w.Overrides {
		s.Overrides = append(s.Overrides, Override(o))
	}
	for _, a := range w.Accepted {
		s.Accepted = append(s.Accepted, Acceptance(a))
	}
	s.EnteredBy = w.EnteredBy
	canon, err := EncodeSubmission(s)
	if err != nil {
		return Submission{}, err
	}
	if err := checkCanonical(doc, raw, canon); err != nil {
		return Submission{}, err
	}
	return s, nil
}
