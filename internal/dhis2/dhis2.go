// Package dhis2 speaks the exchange formats of DHIS2, which other systems
// in the field use: data value sets in DHIS2's JSON, XML (DXF 2) and CSV
// forms, IHE ADX XML, DHIS2's period codes and ADX's ISO 8601 periods,
// category option combos with the default combo, the import summary an
// import answers with, and catalogues made from a DHIS2 metadata export.
//
// A Mapping ties DHIS2's identifiers (UIDs or codes) of data elements,
// category option combos, org units and data sets to tonghop's codes;
// without an entry an identifier is taken as the tonghop code itself.
package dhis2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/period"
)

// ErrInvalid marks a file that is not a data value set of its format.
var ErrInvalid = errors.New("invalid DHIS2 file")

// DefaultCOC is the UID of DHIS2's default category option combo, and
// DefaultCode its code: a value with it (or with none) is an element's
// total.
const (
	DefaultCOC  = "HllvX50cXC0"
	DefaultCode = "default"
)

// DataValue is one value as DHIS2 exchanges it.
type DataValue struct {
	DataElement          string `json:"dataElement"`
	Period               string `json:"period,omitempty"`
	OrgUnit              string `json:"orgUnit,omitempty"`
	CategoryOptionCombo  string `json:"categoryOptionCombo,omitempty"`
	AttributeOptionCombo string `json:"attributeOptionCombo,omitempty"`
	Value                string `json:"value"`
	StoredBy             string `json:"storedBy,omitempty"`
	Created              string `json:"created,omitempty"`
	LastUpdated          string `json:"lastUpdated,omitempty"`
	Comment              string `json:"comment,omitempty"`
	FollowUp             bool   `json:"followup,omitempty"`
	Deleted              bool   `json:"deleted,omitempty"`
	// Categories are ADX's per-category attributes (GENDER="FMLE"), which
	// a mapping turns into a category option combo.
	Categories map[string]string `json:"-"`
}

// DataValueSet is a set of values, with the defaults its values inherit.
type DataValueSet struct {
	DataSet              string      `json:"dataSet,omitempty"`
	CompleteDate         string      `json:"completeDate,omitempty"`
	Period               string      `json:"period,omitempty"`
	OrgUnit              string      `json:"orgUnit,omitempty"`
	AttributeOptionCombo string      `json:"attributeOptionCombo,omitempty"`
	DataValues           []DataValue `json:"dataValues"`
}

// Resolved returns the values with the set's period, org unit and
// attribute option combo filled in where a value leaves them out.
func (s DataValueSet) Resolved() []DataValue {
	out := make([]DataValue, len(s.DataValues))
	for i, v := range s.DataValues {
		if v.Period == "" {
			v.Period = s.Period
		}
		if v.OrgUnit == "" {
			v.OrgUnit = s.OrgUnit
		}
		if v.AttributeOptionCombo == "" {
			v.AttributeOptionCombo = s.AttributeOptionCombo
		}
		out[i] = v
	}
	return out
}

// ParsePeriod reads a period in any form DHIS2's exchange formats use:
// DHIS2's codes (2021, 2021S1, 2021Q3, 202109), the ISO month 2021-09,
// and ADX's start and duration (2021-01-01/P1Y, 2021-07-01/P6M,
// 2021-07-01/P3M, 2021-09-01/P1M).
func ParsePeriod(s string) (period.Period, error) {
	s = strings.TrimSpace(s)
	if start, dur, ok := strings.Cut(s, "/"); ok {
		t, err := time.Parse("2006-01-02", start)
		if err != nil {
			return period.Period{}, fmt.Errorf("%w: period %q: the start %q is not a date YYYY-MM-DD", ErrInvalid, s, start)
		}
		types := map[string]period.Type{"P1Y": period.Yearly, "P12M": period.Yearly, "P6M": period.SixMonthly, "P3M": period.Quarterly, "P1M": period.Monthly}
		typ, ok := types[dur]
		if !ok {
			return period.Period{}, fmt.Errorf("%w: period %q: duration %q is not P1Y, P6M, P3M or P1M", ErrInvalid, s, dur)
		}
		months := map[period.Type]int{period.Yearly: 12, period.SixMonthly: 6, period.Quarterly: 3, period.Monthly: 1}[typ]
		if t.Day() != 1 || (int(t.Month())-1)%months != 0 {
			return period.Period{}, fmt.Errorf("%w: period %q: a %s period starts on the first day of its first month", ErrInvalid, s, dur)
		}
		return period.Of(typ, t.Year(), (int(t.Month())-1)/months+1)
	}
	if len(s) == 7 && s[4] == '-' {
		y, err1 := strconv.Atoi(s[:4])
		m, err2 := strconv.Atoi(s[5:])
		if err1 != nil || err2 != nil || m < 1 || m > 12 {
			return period.Period{}, fmt.Errorf("%w: period %q is not YYYY-MM", ErrInvalid, s)
		}
		return period.Of(period.Monthly, y, m)
	}
	p, err := period.Parse(s)
	if err != nil {
		return period.Period{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

// ADXPeriod writes p as ADX does: its first day and its length.
func ADXPeriod(p period.Period) string {
	d := map[period.Type]string{period.Yearly: "P1Y", period.SixMonthly: "P6M", period.Quarterly: "P3M", period.Monthly: "P1M"}[p.Type()]
	return p.Start().Format("2006-01-02") + "/" + d
}

// isDefaultCOC reports whether a category option combo is the default
// one: the element's total.
func isDefaultCOC(coc string) bool {
	return coc == "" || coc == DefaultCOC || strings.EqualFold(coc, DefaultCode)
}
