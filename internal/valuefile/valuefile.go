// Package valuefile reads files of values for import: CSV as spreadsheets
// export it, and JSON in the shape of the gRPC PutValues request. A file is one
// batch: one unit, one data set, one period, stored whole or not at all, so
// a half-imported report never exists. Errors name the line (CSV) or the
// position (JSON); checking the values themselves is the node's job.
package valuefile

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tonghop/tonghop/internal/entry"
)

// ErrInvalid marks a file that cannot be read as a batch of values.
var ErrInvalid = errors.New("invalid value file")

// Batch is the content of one file.
type Batch struct {
	Unit, DataSet, Period string
	Values                []entry.Raw
	// Lines[i] is the file line Values[i] came from (CSV only), so the
	// node's "values[i]" errors can be shown as lines of the file.
	Lines []int
}

// Defaults fill in the batch's unit, data set and period where the file
// leaves them out; where both give one, they must agree.
type Defaults struct {
	Unit, DataSet, Period string
}

func merge(field, fromFile, given string) (string, error) {
	switch {
	case fromFile == "":
		return given, nil
	case given == "" || given == fromFile:
		return fromFile, nil
	}
	return "", fmt.Errorf("%w: %s is %q in the file but %q was given", ErrInvalid, field, fromFile, given)
}

// Columns of a CSV file; the first three are required.
var csvRequired = []string{"data_element", "option", "value"}

// ReadCSV reads a CSV file with the header data_element,option,value and
// optionally unit_code,data_set,period columns (in any order), which must be
// the same on every row.
func ReadCSV(r io.Reader, d Defaults) (Batch, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return Batch{}, fmt.Errorf("%w: empty file", ErrInvalid)
	}
	if err != nil {
		return Batch{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch h {
		case "data_element", "option", "value", "unit_code", "data_set", "period":
		default:
			return Batch{}, fmt.Errorf("%w: line 1: unknown column %q", ErrInvalid, h)
		}
		if _, dup := col[h]; dup {
			return Batch{}, fmt.Errorf("%w: line 1: column %q twice", ErrInvalid, h)
		}
		col[h] = i
	}
	for _, name := range csvRequired {
		if _, ok := col[name]; !ok {
			return Batch{}, fmt.Errorf("%w: line 1: missing column %q", ErrInvalid, name)
		}
	}
	var b Batch
	fixed := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Batch{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return Batch{}, fmt.Errorf("%w: line %d: %d fields, the header has %d", ErrInvalid, line, len(rec), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		for _, name := range []string{"unit_code", "data_set", "period"} {
			v := get(name)
			if v == "" {
				continue
			}
			if prev, ok := fixed[name]; ok && prev != v {
				return Batch{}, fmt.Errorf("%w: line %d: %s %q differs from %q above: one file is one batch", ErrInvalid, line, name, v, prev)
			}
			fixed[name] = v
		}
		b.Values = append(b.Values, entry.Raw{Element: get("data_element"), Option: get("option"), Value: get("value")})
		b.Lines = append(b.Lines, line)
	}
	if len(b.Values) == 0 {
		return Batch{}, fmt.Errorf("%w: no values after the header", ErrInvalid)
	}
	if err := b.fill(fixed["unit_code"], fixed["data_set"], fixed["period"], d); err != nil {
		return Batch{}, err
	}
	return b, nil
}

func (b *Batch) fill(unit, dataSet, period string, d Defaults) error {
	var err error
	if b.Unit, err = merge("unit_code", unit, d.Unit); err != nil {
		return err
	}
	if b.DataSet, err = merge("data_set", dataSet, d.DataSet); err != nil {
		return err
	}
	if b.Period, err = merge("period", period, d.Period); err != nil {
		return err
	}
	return nil
}

// jsonFile is the PutValues request in JSON.
type jsonFile struct {
	UnitCode string      `json:"unit_code"`
	DataSet  string      `json:"data_set"`
	Period   string      `json:"period"`
	Values   []jsonValue `json:"values"`
}

type jsonValue struct {
	DataElement string          `json:"data_element"`
	Option      string          `json:"option"`
	Value       json.RawMessage `json:"value"`
}

// ReadJSON reads {"unit_code":…,"data_set":…,"period":…,"values":[{
// "data_element":…,"option":…,"value":…}]}. A value may be a JSON string or
// number; the node decides whether it is a valid count.
func ReadJSON(r io.Reader, d Defaults) (Batch, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f jsonFile
	if err := dec.Decode(&f); err != nil {
		return Batch{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return Batch{}, fmt.Errorf("%w: more than one JSON value in the file", ErrInvalid)
	}
	if len(f.Values) == 0 {
		return Batch{}, fmt.Errorf("%w: no values", ErrInvalid)
	}
	var b Batch
	for i, v := range f.Values {
		text, err := jsonScalar(v.Value)
		if err != nil {
			return Batch{}, fmt.Errorf("%w: values[%d].value: %v", ErrInvalid, i, err)
		}
		b.Values = append(b.Values, entry.Raw{Element: v.DataElement, Option: v.Option, Value: text})
	}
	if err := b.fill(f.UnitCode, f.DataSet, f.Period, d); err != nil {
		return Batch{}, err
	}
	return b, nil
}

// jsonScalar returns a string's content or a number's text as written, so
// 2675 and "2675" both arrive as "2675" and -3 or 2.5 reach the node's
// checks unchanged.
func jsonScalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", errors.New("must be a string or a number")
	}
	return n.String(), nil
}
