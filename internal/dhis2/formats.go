package dhis2

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Formats of a data value set file.
const (
	JSON = "json" // DHIS2's JSON
	XML  = "xml"  // DHIS2's DXF 2 XML
	CSV  = "csv"  // DHIS2's CSV
	ADX  = "adx"  // IHE ADX XML
)

// MediaTypes are the formats' media types.
var MediaTypes = map[string]string{JSON: "application/json", XML: "application/xml", CSV: "application/csv", ADX: "application/adx+xml"}

// DXFNamespace and ADXNamespace are the formats' XML namespaces.
const (
	DXFNamespace = "http://dhis2.org/schema/dxf/2.0"
	ADXNamespace = "urn:ihe:qrph:adx:2015"
)

// Read reads a data value set in one of the formats. An ADX file's groups
// become one set of values, each carrying its group's org unit, period and
// data set in its own fields.
func Read(format string, r io.Reader) (DataValueSet, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return DataValueSet{}, err
	}
	switch format {
	case JSON:
		return readJSON(raw)
	case XML:
		return readXML(raw)
	case CSV:
		return readCSV(raw)
	case ADX:
		return readADX(raw)
	}
	return DataValueSet{}, fmt.Errorf("%w: unknown format %q (want json, xml, csv or adx)", ErrInvalid, format)
}

type jsonValue struct {
	DataValue
	Value json.RawMessage `json:"value"`
}

type jsonSet struct {
	DataValueSet
	DataValues []jsonValue `json:"dataValues"`
}

func readJSON(raw []byte) (DataValueSet, error) {
	var js jsonSet
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&js); err != nil {
		return DataValueSet{}, fmt.Errorf("%w: JSON: %v", ErrInvalid, err)
	}
	set := js.DataValueSet
	set.DataValues = nil
	for i, v := range js.DataValues {
		dv := v.DataValue
		// DHIS2 writes values as strings; a number is taken as written.
		var s string
		if err := json.Unmarshal(v.Value, &s); err == nil {
			dv.Value = s
		} else if len(v.Value) > 0 && v.Value[0] != 'n' {
			dv.Value = string(v.Value)
		} else if len(v.Value) > 0 {
			dv.Value = ""
		} else {
			return DataValueSet{}, fmt.Errorf("%w: dataValues[%d]: no value", ErrInvalid, i)
		}
		set.DataValues = append(set.DataValues, dv)
	}
	return set, nil
}

type xmlValue struct {
	DataElement          string `xml:"dataElement,attr"`
	Period               string `xml:"period,attr,omitempty"`
	OrgUnit              string `xml:"orgUnit,attr,omitempty"`
	CategoryOptionCombo  string `xml:"categoryOptionCombo,attr,omitempty"`
	AttributeOptionCombo string `xml:"attributeOptionCombo,attr,omitempty"`
	Value                string `xml:"value,attr"`
	StoredBy             string `xml:"storedBy,attr,omitempty"`
	Created              string `xml:"created,attr,omitempty"`
	LastUpdated          string `xml:"lastUpdated,attr,omitempty"`
	Comment              string `xml:"comment,attr,omitempty"`
	FollowUp             string `xml:"followup,attr,omitempty"`
	Deleted              string `xml:"deleted,attr,omitempty"`
}

type xmlSet struct {
	XMLName              xml.Name   `xml:"dataValueSet"`
	Xmlns                string     `xml:"xmlns,attr,omitempty"`
	DataSet              string     `xml:"dataSet,attr,omitempty"`
	CompleteDate         string     `xml:"completeDate,attr,omitempty"`
	Period               string     `xml:"period,attr,omitempty"`
	OrgUnit              string     `xml:"orgUnit,attr,omitempty"`
	AttributeOptionCombo string     `xml:"attributeOptionCombo,attr,omitempty"`
	DataValues           []xmlValue `xml:"dataValue"`
}

func readXML(raw []byte) (DataValueSet, error) {
	var xs xmlSet
	if err := xml.Unmarshal(raw, &xs); err != nil {
		return DataValueSet{}, fmt.Errorf("%w: XML: %v", ErrInvalid, err)
	}
	set := DataValueSet{DataSet: xs.DataSet, CompleteDate: xs.CompleteDate, Period: xs.Period, OrgUnit: xs.OrgUnit, AttributeOptionCombo: xs.AttributeOptionCombo}
	for _, v := range xs.DataValues {
		set.DataValues = append(set.DataValues, DataValue{
			DataElement: v.DataElement, Period: v.Period, OrgUnit: v.OrgUnit, CategoryOptionCombo: v.CategoryOptionCombo,
			AttributeOptionCombo: v.AttributeOptionCombo, Value: v.Value, StoredBy: v.StoredBy, Created: v.Created,
			LastUpdated: v.LastUpdated, Comment: v.Comment, FollowUp: v.FollowUp == "true", Deleted: v.Deleted == "true",
		})
	}
	return set, nil
}

// csvColumns are DHIS2's CSV columns, in order; a header row is optional.
var csvColumns = []string{"dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value", "storedby", "lastupdated", "comment", "followup", "deleted"}

func readCSV(raw []byte) (DataValueSet, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return DataValueSet{}, fmt.Errorf("%w: CSV: %v", ErrInvalid, err)
	}
	var set DataValueSet
	for i, row := range rows {
		if i == 0 && len(row) > 0 && strings.EqualFold(strings.TrimSpace(row[0]), "dataelement") {
			continue // the header
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		if len(row) < 6 {
			return DataValueSet{}, fmt.Errorf("%w: CSV line %d: %d columns; want at least dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value", ErrInvalid, i+1, len(row))
		}
		col := func(n int) string {
			if n < len(row) {
				return strings.TrimSpace(row[n])
			}
			return ""
		}
		set.DataValues = append(set.DataValues, DataValue{
			DataElement: col(0), Period: col(1), OrgUnit: col(2), CategoryOptionCombo: col(3), AttributeOptionCombo: col(4),
			Value: col(5), StoredBy: col(6), LastUpdated: col(7), Comment: col(8),
			FollowUp: strings.EqualFold(col(9), "true"), Deleted: strings.EqualFold(col(10), "true"),
		})
	}
	return set, nil
}

type adxValue struct {
	DataElement string     `xml:"dataElement,attr"`
	Value       string     `xml:"value,attr"`
	Attrs       []xml.Attr `xml:",any,attr"`
}

type adxGroup struct {
	OrgUnit      string     `xml:"orgUnit,attr"`
	Period       string     `xml:"period,attr"`
	DataSet      string     `xml:"dataSet,attr,omitempty"`
	CompleteDate string     `xml:"completeDate,attr,omitempty"`
	Attrs        []xml.Attr `xml:",any,attr"`
	DataValues   []adxValue `xml:"dataValue"`
}

type adxFile struct {
	XMLName  xml.Name   `xml:"adx"`
	Xmlns    string     `xml:"xmlns,attr,omitempty"`
	Exported string     `xml:"exported,attr,omitempty"`
	Groups   []adxGroup `xml:"group"`
}

func readADX(raw []byte) (DataValueSet, error) {
	var f adxFile
	if err := xml.Unmarshal(raw, &f); err != nil {
		return DataValueSet{}, fmt.Errorf("%w: ADX: %v", ErrInvalid, err)
	}
	var set DataValueSet
	for gi, g := range f.Groups {
		if g.OrgUnit == "" || g.Period == "" {
			return DataValueSet{}, fmt.Errorf("%w: ADX group %d: orgUnit and period are required", ErrInvalid, gi+1)
		}
		aoc := ""
		if cats := attrMap(g.Attrs); len(cats) > 0 {
			aoc = canonical(cats) // categories of an attribute option combo
		}
		for _, v := range g.DataValues {
			dv := DataValue{DataElement: v.DataElement, Value: v.Value, OrgUnit: g.OrgUnit, Period: g.Period, AttributeOptionCombo: aoc}
			if set.DataSet == "" {
				set.DataSet = g.DataSet
			}
			dv.Categories = attrMap(v.Attrs)
			set.DataValues = append(set.DataValues, dv)
		}
	}
	return set, nil
}

func attrMap(attrs []xml.Attr) map[string]string {
	out := map[string]string{}
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Local == "dataElement" || a.Name.Local == "value" {
			continue
		}
		out[a.Name.Local] = a.Value
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Write writes a data value set in one of the formats. ADX groups the
// values by org unit, period and data set, and writes each value's
// categories (which the mapping gives for every option but the total).
func Write(format string, w io.Writer, set DataValueSet) error {
	switch format {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if set.DataValues == nil {
			set.DataValues = []DataValue{}
		}
		return enc.Encode(set)
	case XML:
		xs := xmlSet{Xmlns: DXFNamespace, DataSet: set.DataSet, CompleteDate: set.CompleteDate, Period: set.Period, OrgUnit: set.OrgUnit, AttributeOptionCombo: set.AttributeOptionCombo}
		for _, v := range set.DataValues {
			xv := xmlValue{DataElement: v.DataElement, Period: v.Period, OrgUnit: v.OrgUnit, CategoryOptionCombo: v.CategoryOptionCombo,
				AttributeOptionCombo: v.AttributeOptionCombo, Value: v.Value, StoredBy: v.StoredBy, Created: v.Created, LastUpdated: v.LastUpdated, Comment: v.Comment}
			if v.FollowUp {
				xv.FollowUp = "true"
			}
			if v.Deleted {
				xv.Deleted = "true"
			}
			xs.DataValues = append(xs.DataValues, xv)
		}
		io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		if err := enc.Encode(xs); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n")
		return err
	case CSV:
		cw := csv.NewWriter(w)
		cw.Write(csvColumns)
		for _, v := range set.Resolved() {
			cw.Write([]string{v.DataElement, v.Period, v.OrgUnit, v.CategoryOptionCombo, v.AttributeOptionCombo, v.Value,
				v.StoredBy, v.LastUpdated, v.Comment, strconv.FormatBool(v.FollowUp), strconv.FormatBool(v.Deleted)})
		}
		cw.Flush()
		return cw.Error()
	case ADX:
		return writeADX(w, set)
	}
	return fmt.Errorf("%w: unknown format %q (want json, xml, csv or adx)", ErrInvalid, format)
}

func writeADX(w io.Writer, set DataValueSet) error {
	f := adxFile{Xmlns: ADXNamespace}
	index := map[[3]string]int{}
	for _, v := range set.Resolved() {
		p, err := ParsePeriod(v.Period)
		if err != nil {
			return err
		}
		key := [3]string{v.OrgUnit, ADXPeriod(p), set.DataSet}
		i, ok := index[key]
		if !ok {
			i = len(f.Groups)
			index[key] = i
			f.Groups = append(f.Groups, adxGroup{OrgUnit: key[0], Period: key[1], DataSet: key[2]})
		}
		av := adxValue{DataElement: v.DataElement, Value: v.Value}
		for _, k := range slices.Sorted(maps.Keys(v.Categories)) {
			av.Attrs = append(av.Attrs, xml.Attr{Name: xml.Name{Local: k}, Value: v.Categories[k]})
		}
		f.Groups[i].DataValues = append(f.Groups[i].DataValues, av)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// FormatOf tells a file's format from its name.
func FormatOf(name string) string {
	switch n := strings.ToLower(name); {
	case strings.HasSuffix(n, ".adx.xml"), strings.HasSuffix(n, ".adx"):
		return ADX
	case strings.HasSuffix(n, ".json"):
		return JSON
	case strings.HasSuffix(n, ".xml"):
		return XML
	case strings.HasSuffix(n, ".csv"):
		return CSV
	}
	return ""
}
