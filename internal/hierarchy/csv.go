package hierarchy

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrInvalidCSV is wrapped by every error of [ReadCSV] about its input.
var ErrInvalidCSV = errors.New("hierarchy: invalid CSV")

// CSV column names. The first four are required, the validity columns
// optional; order is free.
const (
	colCode      = "code"
	colName      = "name"
	colLevel     = "level"
	colParent    = "parent_code"
	colValidFrom = "valid_from"
	colValidTo   = "valid_to"
)

// csvColumns lists every known column in the order WriteCSV writes them.
var csvColumns = [...]string{colCode, colName, colLevel, colParent, colValidFrom, colValidTo}

// Column indexes into csvColumns.
const (
	iCode = iota
	iName
	iLevel
	iParent
	iValidFrom
	iValidTo
	nRequired = iValidFrom
)

// columnOfField maps a FieldError's field to the CSV column holding it.
func columnOfField(field string) string {
	if field == "parent" {
		return colParent
	}
	return field
}

// maxCSVErrors bounds how many bad records ReadCSV reports at once: enough
// to fix a file in few passes, not so many that the message is unreadable.
const maxCSVErrors = 10

// CSVError describes one problem in a CSV input. Line is 1-based and counts
// physical lines, so it matches what an editor shows (a quoted field spanning
// lines makes later records start further down). Column is the column name,
// or "" when the problem is the record as a whole.
type CSVError struct {
	Line   int
	Column string
	Reason string
}

// Error returns "line N: column: reason" or "line N: reason".
func (e *CSVError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Reason)
}

// Unwrap returns [ErrInvalidCSV], so errors.Is(err, ErrInvalidCSV) holds.
func (e *CSVError) Unwrap() error { return ErrInvalidCSV }

// ReadCSV reads units in the format of the official lists (see internal/country):
// RFC 4180, UTF-8, a header naming the columns code, name, level, parent_code
// and optionally valid_from, valid_to (YYYY-MM-DD, empty = unbounded), in any
// order. A missing required column, an unknown or repeated column, a record
// with the wrong number of fields, a bad date or a unit that fails
// [Unit.Validate] is an error; cells are taken as they are, never trimmed. A
// leading UTF-8 byte order mark, as spreadsheet programs write, is skipped.
//
// Errors are *CSVError values naming the line and column (for example
// `line 17: parent_code: must contain only ASCII letters and digits, got " 12"`),
// all wrapping [ErrInvalidCSV]. Syntax errors and header errors stop the
// reading; bad records are collected, up to 10, and returned joined.
//
// ReadCSV checks each unit alone; whether the units form a tree is checked by
// [NewTree].
func ReadCSV(r io.Reader) ([]Unit, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{Line: 1, Reason: "empty input, want a header " + strings.Join(csvColumns[:nRequired], ",")}
	}
	if err != nil {
		return nil, csvSyntaxError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	// pos[i] is the record index of csvColumns[i], or -1 if absent.
	var pos [len(csvColumns)]int
	for i := range pos {
		pos[i] = -1
	}
	for j, name := range header {
		i := indexOf(csvColumns[:], name)
		switch {
		case i < 0:
			return nil, &CSVError{Line: headerLine, Column: name,
				Reason: "unknown column (known: " + strings.Join(csvColumns[:], ", ") + ")"}
		case pos[i] >= 0:
			return nil, &CSVError{Line: headerLine, Column: name, Reason: "repeated column"}
		}
		pos[i] = j
	}
	for i := range nRequired {
		if pos[i] < 0 {
			return nil, &CSVError{Line: headerLine, Column: csvColumns[i], Reason: "missing required column"}
		}
	}
	width := len(header)

	var units []Unit
	var errs []error
	for len(errs) < maxCSVErrors {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, csvSyntaxError(err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != width {
			errs = append(errs, &CSVError{Line: line,
				Reason: fmt.Sprintf("record has %d fields, want %d as in the header", len(rec), width)})
			continue
		}
		u, cerr := unitFromRecord(cr, rec, &pos)
		if cerr != nil {
			errs = append(errs, cerr)
			continue
		}
		units = append(units, u)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return units, nil
}

// unitFromRecord builds and validates the unit of one record whose width has
// been checked.
func unitFromRecord(cr *csv.Reader, rec []string, pos *[len(csvColumns)]int) (Unit, *CSVError) {
	errAt := func(col int, reason string) *CSVError {
		line, _ := cr.FieldPos(pos[col])
		return &CSVError{Line: line, Column: csvColumns[col], Reason: reason}
	}
	// Strings from a reused record alias nothing: the csv package allocates
	// each field's string anew, only the slice is reused.
	u := Unit{
		Code:   rec[pos[iCode]],
		Name:   rec[pos[iName]],
		Level:  rec[pos[iLevel]],
		Parent: rec[pos[iParent]],
	}
	for _, c := range [...]struct {
		col int
		dst *time.Time
	}{{iValidFrom, &u.ValidFrom}, {iValidTo, &u.ValidTo}} {
		if pos[c.col] < 0 || rec[pos[c.col]] == "" {
			continue
		}
		d, err := ParseDate(rec[pos[c.col]])
		if err != nil {
			return Unit{}, errAt(c.col, err.Error())
		}
		*c.dst = d
	}
	if err := u.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			col := indexOf(csvColumns[:], columnOfField(fe.Field))
			if col >= 0 && pos[col] >= 0 {
				return Unit{}, errAt(col, fe.Reason)
			}
		}
		line, _ := cr.FieldPos(0)
		return Unit{}, &CSVError{Line: line, Reason: err.Error()}
	}
	return u, nil
}

func csvSyntaxError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &CSVError{Line: pe.Line, Reason: fmt.Sprintf("%v (at byte %d of the line)", pe.Err, pe.Column)}
	}
	// Not a syntax error: the underlying reader failed. It is not the
	// input's fault, so it does not wrap ErrInvalidCSV.
	return fmt.Errorf("hierarchy: reading CSV: %w", err)
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// skipBOM drops a leading UTF-8 byte order mark, which would otherwise make
// the first header cell "\ufeffcode". The csv package reuses the
// *bufio.Reader it is given, so peeking costs no extra copy.
func skipBOM(r io.Reader) io.Reader {
	const bom = "\ufeff"
	br := bufio.NewReader(r)
	// A Peek error is left for the csv reader to meet on its first Read.
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		br.Discard(len(bom))
	}
	return br
}

// WriteCSV writes units, in the given order, in the format ReadCSV reads:
// the header code,name,level,parent_code, plus valid_from,valid_to only if
// some unit has a validity date. Units that fail [Unit.Validate] are refused
// before anything is written, so the output always reads back to the same
// units.
func WriteCSV(w io.Writer, units []Unit) error {
	dated := false
	for i, u := range units {
		if err := u.Validate(); err != nil {
			return fmt.Errorf("hierarchy: writing CSV: unit %q (index %d): %w", u.Code, i, err)
		}
		dated = dated || !u.ValidFrom.IsZero() || !u.ValidTo.IsZero()
	}
	ncol := nRequired
	if dated {
		ncol = len(csvColumns)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns[:ncol]); err != nil {
		return fmt.Errorf("hierarchy: writing CSV: %w", err)
	}
	rec := make([]string, ncol)
	for _, u := range units {
		rec[iCode], rec[iName], rec[iLevel], rec[iParent] = u.Code, u.Name, u.Level, u.Parent
		if dated {
			rec[iValidFrom], rec[iValidTo] = FormatDate(u.ValidFrom), FormatDate(u.ValidTo)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("hierarchy: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("hierarchy: writing CSV: %w", err)
	}
	return nil
}
