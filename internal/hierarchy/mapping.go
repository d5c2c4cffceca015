package hierarchy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Change is one row of a reorganisation: on Date, all (Partial false) or
// part (Partial true) of the old unit Old became part of the new unit New.
// A unit split between several new units has one partial Change per part; a
// unit that went whole into one new unit has exactly one full Change.
type Change struct {
	Old, New         string // codes
	OldName, NewName string
	Level            string // level of the old unit
	Partial          bool
	Date             time.Time // the day the new units came into force
}

// Mapping CSV columns, the layout of the official old → new mapping.
var mappingColumns = [...]string{"old_code", "old_name", "new_code", "new_name", "level", "merge_type"}

// Values of the merge_type column.
const (
	MergeFull    = "full"
	MergePartial = "partial"
)

// ReadMapping reads an old → new mapping in the layout of the 2025 one
// (old_code,old_name,new_code,new_name,level,merge_type, in this order),
// every row taking effect on effective. It checks each row (codes and level
// well formed, names not blank, merge_type "full" or "partial") and the rows
// together: a full old unit has exactly one row, a partial one at least two,
// no pair repeats. Errors are *CSVError values wrapping [ErrInvalidCSV], up to
// ten joined. Whether the codes exist is checked by [NewHistory].
func ReadMapping(r io.Reader, effective time.Time) ([]Change, error) {
	if reason := checkDate(effective); reason != "" || effective.IsZero() {
		return nil, fmt.Errorf("%w: effective date: %s", ErrInvalidCSV, cmpOr(reason, "must be set"))
	}
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{Line: 1, Reason: "empty input, want a header " + strings.Join(mappingColumns[:], ",")}
	}
	if err != nil {
		return nil, csvSyntaxError(err)
	}
	if !slices.Equal(header, mappingColumns[:]) {
		return nil, &CSVError{Line: 1, Reason: fmt.Sprintf("header is %q, want %s", strings.Join(header, ","), strings.Join(mappingColumns[:], ","))}
	}
	type seen struct {
		line    int
		partial bool
		rows    int
	}
	var (
		out   []Change
		errs  []error
		byOld = map[string]*seen{}
		pairs = map[[2]string]int{}
	)
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
		if len(rec) != len(mappingColumns) {
			errs = append(errs, &CSVError{Line: line, Reason: fmt.Sprintf("record has %d fields, want %d", len(rec), len(mappingColumns))})
			continue
		}
		bad := func(col int, reason string) {
			errs = append(errs, &CSVError{Line: line, Column: mappingColumns[col], Reason: reason})
		}
		c := Change{Old: rec[0], OldName: rec[1], New: rec[2], NewName: rec[3], Level: rec[4], Date: effective}
		switch {
		case checkCode(c.Old) != "":
			bad(0, checkCode(c.Old))
			continue
		case checkName(c.OldName) != "":
			bad(1, checkName(c.OldName))
			continue
		case checkCode(c.New) != "":
			bad(2, checkCode(c.New))
			continue
		case checkName(c.NewName) != "":
			bad(3, checkName(c.NewName))
			continue
		case checkLevel(c.Level) != "":
			bad(4, checkLevel(c.Level))
			continue
		}
		switch rec[5] {
		case MergeFull:
		case MergePartial:
			c.Partial = true
		default:
			bad(5, fmt.Sprintf("must be %q or %q, got %q", MergeFull, MergePartial, rec[5]))
			continue
		}
		pair := [2]string{c.Old, c.New}
		if first, dup := pairs[pair]; dup {
			errs = append(errs, &CSVError{Line: line, Reason: fmt.Sprintf("%s → %s repeats line %d", c.Old, c.New, first)})
			continue
		}
		pairs[pair] = line
		s := byOld[c.Old]
		if s == nil {
			s = &seen{line: line, partial: c.Partial}
			byOld[c.Old] = s
		}
		if s.partial != c.Partial {
			bad(5, fmt.Sprintf("old unit %s is %s here and %s at line %d", c.Old, rec[5], mergeType(s.partial), s.line))
			continue
		}
		s.rows++
		out = append(out, c)
	}
	if len(errs) == 0 {
		olds := make([]string, 0, len(byOld))
		for code := range byOld {
			olds = append(olds, code)
		}
		slices.Sort(olds)
		for _, code := range olds {
			s := byOld[code]
			switch {
			case !s.partial && s.rows > 1:
				errs = append(errs, &CSVError{Line: s.line, Column: "merge_type", Reason: fmt.Sprintf("old unit %s is full but has %d rows; a full unit goes into exactly one new unit", code, s.rows)})
			case s.partial && s.rows < 2:
				errs = append(errs, &CSVError{Line: s.line, Column: "merge_type", Reason: fmt.Sprintf("old unit %s is partial but has 1 row; a split unit goes into at least two new units", code)})
			}
			if len(errs) == maxCSVErrors {
				break
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func mergeType(partial bool) string {
	if partial {
		return MergePartial
	}
	return MergeFull
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
