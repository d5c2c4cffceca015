package dhis2

import (
	"fmt"
	"strings"

	"github.com/tonghop/tonghop/internal/period"
)

// Value is one value in tonghop's terms.
type Value struct {
	Unit, DataSet   string
	Period          period.Period
	Element, Option string
	Value           string
	// Index is the value's position in the file it came from.
	Index int
}

// Conflict is a value an import could not take, as DHIS2's import summary
// states it: the object (an identifier of the value) and why, with the
// value's position in the file.
type Conflict struct {
	Object  string `json:"object"`
	Value   string `json:"value"`
	Indexes []int  `json:"indexes,omitempty"`
}

// ImportCount counts an import's values.
type ImportCount struct {
	Imported int `json:"imported"`
	Updated  int `json:"updated"`
	Ignored  int `json:"ignored"`
	Deleted  int `json:"deleted"`
}

// Summary is DHIS2's import summary.
type Summary struct {
	ResponseType string      `json:"responseType"`
	Status       string      `json:"status"` // SUCCESS, WARNING or ERROR
	Description  string      `json:"description,omitempty"`
	ImportCount  ImportCount `json:"importCount"`
	Conflicts    []Conflict  `json:"conflicts,omitempty"`
	DryRun       bool        `json:"dryRun,omitempty"`
	Strategy     string      `json:"importStrategy,omitempty"`
}

// Finish sets the status and description from the counts and conflicts.
func (s *Summary) Finish() {
	s.ResponseType = "ImportSummary"
	switch {
	case len(s.Conflicts) == 0:
		s.Status, s.Description = "SUCCESS", "Import process completed successfully"
	case s.ImportCount.Imported+s.ImportCount.Updated+s.ImportCount.Deleted > 0:
		s.Status, s.Description = "WARNING", "One more conflicts encountered, please check import summary."
	default:
		s.Status, s.Description = "ERROR", "The import process failed: every value was ignored, see the conflicts."
	}
}

// Import strategies.
const (
	CreateAndUpdate = "CREATE_AND_UPDATE"
	Create          = "CREATE"
	Update          = "UPDATE"
	Delete          = "DELETE"
)

// Strategy reads an importStrategy (case-insensitive; empty is
// CREATE_AND_UPDATE).
func Strategy(s string) (string, error) {
	switch u := strings.ToUpper(strings.TrimSpace(s)); u {
	case "":
		return CreateAndUpdate, nil
	case CreateAndUpdate, Create, Update, Delete:
		return u, nil
	case "NEW_AND_UPDATES":
		return CreateAndUpdate, nil
	case "NEW":
		return Create, nil
	case "UPDATES":
		return Update, nil
	}
	return "", fmt.Errorf("%w: importStrategy %q is not CREATE_AND_UPDATE, CREATE, UPDATE or DELETE", ErrInvalid, s)
}

// Translate puts a set's values in tonghop's terms through the mapping;
// each value that cannot be (no data element, a bad period, an unknown
// combo, an attribute option combo) is a conflict, and the rest go on.
func Translate(set DataValueSet, m *Mapping) ([]Value, []Conflict) {
	var (
		out       []Value
		conflicts []Conflict
	)
	dataSet := ""
	if set.DataSet != "" {
		dataSet = m.Code(KindDataSet, set.DataSet)
	}
	for i, v := range set.Resolved() {
		bad := func(object, format string, args ...any) {
			conflicts = append(conflicts, Conflict{Object: object, Value: fmt.Sprintf(format, args...), Indexes: []int{i}})
		}
		switch {
		case v.DataElement == "":
			bad("dataElement", "data value %d has no data element", i)
			continue
		case v.OrgUnit == "":
			bad(v.DataElement, "data value %d has no org unit", i)
			continue
		case v.Period == "":
			bad(v.DataElement, "data value %d has no period", i)
			continue
		}
		p, err := ParsePeriod(v.Period)
		if err != nil {
			bad(v.Period, "%v", err)
			continue
		}
		if v.AttributeOptionCombo != "" && !isDefaultCOC(v.AttributeOptionCombo) {
			bad(v.AttributeOptionCombo, "attribute option combo %s: tonghop keeps one value per element and option, without attribute option combos", v.AttributeOptionCombo)
			continue
		}
		option := ""
		switch {
		case v.Categories != nil:
			o, ok := m.OptionOfCategories(v.Categories)
			if !ok {
				if len(v.Categories) == 1 { // one category: its option is the option code
					for _, c := range v.Categories {
						o, ok = c, true
					}
				}
			}
			if !ok {
				bad(v.DataElement, "categories %s name no category option combo of the mapping", canonical(v.Categories))
				continue
			}
			option = o
		default:
			option = m.Option(v.CategoryOptionCombo)
		}
		out = append(out, Value{
			Unit: m.Code(KindOrgUnit, v.OrgUnit), DataSet: dataSet, Period: p,
			Element: m.Code(KindDataElement, v.DataElement), Option: option, Value: strings.TrimSpace(v.Value), Index: i,
		})
	}
	return out, conflicts
}

// Export puts tonghop's values in DHIS2's terms through the mapping. For
// ADX, a value's categories are the mapping's, or else the option under its
// breakdown's code (breakdownOf) as the one category.
func Export(dataSet string, values []Value, m *Mapping, breakdownOf func(element, option string) string) DataValueSet {
	set := DataValueSet{DataValues: []DataValue{}}
	if dataSet != "" {
		set.DataSet = m.ID(KindDataSet, dataSet)
	}
	for _, v := range values {
		dv := DataValue{
			DataElement: m.ID(KindDataElement, v.Element), Period: v.Period.String(), OrgUnit: m.ID(KindOrgUnit, v.Unit),
			CategoryOptionCombo: m.COC(v.Option), AttributeOptionCombo: DefaultCOC, Value: v.Value,
		}
		if cats, ok := m.Categories(v.Option); ok {
			dv.Categories = cats
		} else if breakdownOf != nil {
			dv.Categories = map[string]string{breakdownOf(v.Element, v.Option): v.Option}
		}
		set.DataValues = append(set.DataValues, dv)
	}
	return set
}
