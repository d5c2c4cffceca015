package dhis2

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Kinds of identifier a mapping ties.
const (
	KindDataElement = "dataElement"
	KindCOC         = "categoryOptionCombo"
	KindOrgUnit     = "orgUnit"
	KindDataSet     = "dataSet"
)

// Mapping ties DHIS2 identifiers (UIDs or codes) to tonghop codes, both
// ways. A category option combo maps to an option code (empty for the
// total) and, for ADX, to its categories ("GENDER=FMLE;AGE=Q1"). An
// identifier the mapping does not name is taken as the tonghop code itself.
type Mapping struct {
	to   map[string]map[string]string // kind → DHIS2 id → tonghop code
	from map[string]map[string]string // kind → tonghop code → DHIS2 id (the first given)
	// adx ties a combo's categories, written canonically, to the option.
	adx     map[string]string
	adxFrom map[string]map[string]string // option → categories
}

// NewMapping returns an empty mapping.
func NewMapping() *Mapping {
	m := &Mapping{to: map[string]map[string]string{}, from: map[string]map[string]string{}, adx: map[string]string{}, adxFrom: map[string]map[string]string{}}
	for _, k := range []string{KindDataElement, KindCOC, KindOrgUnit, KindDataSet} {
		m.to[k], m.from[k] = map[string]string{}, map[string]string{}
	}
	return m
}

// Add ties a DHIS2 identifier of a kind to a tonghop code; for a category
// option combo, categories are its ADX attributes (may be nil).
func (m *Mapping) Add(kind, dhis2ID, code string, categories map[string]string) error {
	to, ok := m.to[kind]
	if !ok {
		return fmt.Errorf("%w: unknown kind %q (want dataElement, categoryOptionCombo, orgUnit or dataSet)", ErrInvalid, kind)
	}
	if dhis2ID == "" {
		return fmt.Errorf("%w: a %s without its DHIS2 identifier", ErrInvalid, kind)
	}
	if old, dup := to[dhis2ID]; dup && old != code {
		return fmt.Errorf("%w: %s %s maps to both %q and %q", ErrInvalid, kind, dhis2ID, old, code)
	}
	to[dhis2ID] = code
	if _, ok := m.from[kind][code]; !ok {
		m.from[kind][code] = dhis2ID
	}
	if kind == KindCOC && len(categories) > 0 {
		m.adx[canonical(categories)] = code
		if _, ok := m.adxFrom[code]; !ok {
			m.adxFrom[code] = categories
		}
	}
	return nil
}

func canonical(cats map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(cats)) {
		parts = append(parts, k+"="+cats[k])
	}
	return strings.Join(parts, ";")
}

// ReadMapping reads a mapping file: CSV with the header type,dhis2,tonghop
// and optionally adx, e.g.
//
//	type,dhis2,tonghop,adx
//	dataElement,fbfJHSPpUQD,dang_vien,
//	categoryOptionCombo,Rm4VFF6TQi8,nu,GIOI_TINH=NU
//	orgUnit,DiszpKrYNg8,106,
//	dataSet,pBOMPrpg1QX,tong_ket_nam,
func ReadMapping(r io.Reader) (*Mapping, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%w: mapping: %v", ErrInvalid, err)
	}
	m := NewMapping()
	if len(rows) == 0 {
		return m, nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"type", "dhis2", "tonghop"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w: mapping line 1: no column %q (want type,dhis2,tonghop[,adx])", ErrInvalid, need)
		}
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for n, row := range rows[1:] {
		var cats map[string]string
		if a := get(row, "adx"); a != "" {
			cats = map[string]string{}
			for _, kv := range strings.Split(a, ";") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("%w: mapping line %d: adx %q is not CATEGORY=OPTION;…", ErrInvalid, n+2, a)
				}
				cats[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		if err := m.Add(get(row, "type"), get(row, "dhis2"), get(row, "tonghop"), cats); err != nil {
			return nil, fmt.Errorf("mapping line %d: %w", n+2, err)
		}
	}
	return m, nil
}

// Write writes the mapping in the form ReadMapping reads.
func (m *Mapping) Write(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"type", "dhis2", "tonghop", "adx"})
	for _, kind := range []string{KindDataSet, KindDataElement, KindCOC, KindOrgUnit} {
		for _, id := range slices.Sorted(maps.Keys(m.to[kind])) {
			code := m.to[kind][id]
			adx := ""
			if kind == KindCOC {
				if c, ok := m.adxFrom[code]; ok {
					adx = canonical(c)
				}
			}
			cw.Write([]string{kind, id, code, adx})
		}
	}
	cw.Flush()
	return cw.Error()
}

// Code is the tonghop code of a DHIS2 identifier.
func (m *Mapping) Code(kind, id string) string {
	if m == nil {
		return id
	}
	if c, ok := m.to[kind][id]; ok {
		return c
	}
	return id
}

// ID is the DHIS2 identifier of a tonghop code.
func (m *Mapping) ID(kind, code string) string {
	if m == nil {
		return code
	}
	if id, ok := m.from[kind][code]; ok {
		return id
	}
	return code
}

// Option is the tonghop option of a category option combo: "" for the
// default combo (the total).
func (m *Mapping) Option(coc string) string {
	if c, ok := m.lookup(KindCOC, coc); ok {
		return c
	}
	if isDefaultCOC(coc) {
		return ""
	}
	return coc
}

func (m *Mapping) lookup(kind, id string) (string, bool) {
	if m == nil {
		return "", false
	}
	c, ok := m.to[kind][id]
	return c, ok
}

// COC is the DHIS2 category option combo of a tonghop option: the default
// combo for the total.
func (m *Mapping) COC(option string) string {
	if option == "" {
		if m != nil {
			if id, ok := m.from[KindCOC][""]; ok {
				return id
			}
		}
		return DefaultCOC
	}
	return m.ID(KindCOC, option)
}

// OptionOfCategories is the option an ADX value's categories name; no
// categories is the total.
func (m *Mapping) OptionOfCategories(cats map[string]string) (string, bool) {
	if len(cats) == 0 {
		return "", true
	}
	if m == nil {
		return "", false
	}
	o, ok := m.adx[canonical(cats)]
	return o, ok
}

// Categories are the ADX attributes of a tonghop option; nil for the total.
func (m *Mapping) Categories(option string) (map[string]string, bool) {
	if option == "" {
		return nil, true
	}
	if m == nil {
		return nil, false
	}
	c, ok := m.adxFrom[option]
	return c, ok
}
