package workbook

import (
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Entry is one value read from a cell.
type Entry struct {
	// Unit is the column's unit in a sheet with one column per unit; empty
	// in a form with one column of values, whose unit the import names.
	Unit            string
	Element, Option string
	Value           string // a whole number of zero or more, in plain digits
	Cell            string // "Biểu 1!D7"
}

// CellError is one bad cell and why.
type CellError struct {
	Cell, Reason string
}

// Errors are every bad cell of a file.
type Errors []CellError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, c := range e {
		parts[i] = c.Cell + ": " + c.Reason
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes every Errors an ErrInvalid.
func (e Errors) Unwrap() error { return ErrInvalid }

// Units resolves a column header to a unit code: "03390", "03390 Thị trấn
// Tam Đường" or "Thị trấn Tam Đường".
type Units func(header string) (code string, ok bool)

// Headers the reader recognises, compared in lower case without spaces
// around: the code of the element (or "element.option"), the option when
// it has its own column, and the value.
var (
	codeHeaders   = []string{"mã", "mã số", "mã chỉ tiêu", "code", "data_element"}
	optionHeaders = []string{"mã phân tổ", "mã cơ cấu", "option"}
	valueHeaders  = []string{"số lượng", "giá trị", "số liệu", "value"}
)

// layout is where a sheet's header row puts things.
type layout struct {
	row            int // 1-based
	code, option   int // 0-based columns; option -1 when none
	value          int // -1 in a sheet of unit columns
	units          map[int]string
	unknownColumns []CellError
}

// Read reads the values of every sheet that has a code column ("Mã"):
// either a form with a column of values ("Số lượng"), or a sheet with one
// column per unit whose headers units resolves. Empty value cells are not
// entered. Every bad cell is named; any makes the error an Errors, and the
// entries are then those of the cells that read well, so that a caller can
// check them too and name every bad cell at once.
func Read(r io.Reader, units Units) ([]Entry, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not an XLSX file: %v", ErrInvalid, err)
	}
	defer f.Close()
	var (
		out  []Entry
		bad  Errors
		seen = map[[3]string]string{}
		any  bool
	)
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("%w: sheet %s: %v", ErrInvalid, sheet, err)
		}
		l, ok := findLayout(sheet, rows, units)
		if !ok {
			continue
		}
		any = true
		bad = append(bad, l.unknownColumns...)
		for i := l.row; i < len(rows); i++ {
			row := rows[i]
			code := strings.TrimSpace(cellAt(row, l.code))
			if code == "" {
				continue // a heading or a blank line of the form
			}
			element, option, _ := strings.Cut(code, ".")
			if l.option >= 0 {
				if o := strings.TrimSpace(cellAt(row, l.option)); o != "" {
					if option != "" && option != o {
						bad = append(bad, CellError{ref(sheet, l.option, i+1), fmt.Sprintf("option %q, but the code %q names option %q", o, code, option)})
						continue
					}
					option = o
				}
			}
			columns := map[int]string{}
			if l.value >= 0 {
				columns[l.value] = ""
			}
			for c, u := range l.units {
				columns[c] = u
			}
			for _, c := range slices.Sorted(maps.Keys(columns)) {
				unit := columns[c]
				cell := ref(sheet, c, i+1)
				raw := strings.TrimSpace(cellAt(row, c))
				if raw == "" {
					continue
				}
				typ, _ := f.GetCellType(sheet, cell[len(sheet)+1:])
				v, reason := count(raw, typ)
				if reason != "" {
					bad = append(bad, CellError{cell, reason})
					continue
				}
				key := [3]string{unit, element, option}
				if first, dup := seen[key]; dup {
					bad = append(bad, CellError{cell, fmt.Sprintf("%s is given twice (also %s)", code, first)})
					continue
				}
				seen[key] = cell
				out = append(out, Entry{Unit: unit, Element: element, Option: option, Value: v, Cell: cell})
			}
		}
	}
	if !any {
		return nil, fmt.Errorf("%w: no sheet has a header row with a column %q and a column %q or one column per unit", ErrInvalid, "Mã", "Số lượng")
	}
	if len(bad) > 0 {
		return out, bad
	}
	return out, nil
}

func cellAt(row []string, c int) string {
	if c < 0 || c >= len(row) {
		return ""
	}
	return row[c]
}

func ref(sheet string, col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col+1, row)
	return sheet + "!" + name
}

func is(h string, names []string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	for _, n := range names {
		if h == n {
			return true
		}
	}
	return false
}

var looksLikeCode = regexp.MustCompile(`^\d{2,}\b`)

// findLayout finds the header row among a sheet's first 30 rows.
func findLayout(sheet string, rows [][]string, units Units) (layout, bool) {
	for i := 0; i < len(rows) && i < 30; i++ {
		l := layout{row: i + 1, code: -1, option: -1, value: -1, units: map[int]string{}}
		for c, h := range rows[i] {
			switch {
			case l.code < 0 && is(h, codeHeaders):
				l.code = c
			case is(h, optionHeaders):
				l.option = c
			case is(h, valueHeaders):
				l.value = c
			case strings.TrimSpace(h) != "" && l.code >= 0:
				if u, ok := units(strings.TrimSpace(h)); ok {
					l.units[c] = u
				} else if looksLikeCode.MatchString(strings.TrimSpace(h)) {
					l.unknownColumns = append(l.unknownColumns, CellError{ref(sheet, c, i+1), fmt.Sprintf("column %q names no unit of this node's subtree", h)})
				}
			}
		}
		if l.code >= 0 && (l.value >= 0 || len(l.units) > 0 || len(l.unknownColumns) > 0) {
			return l, true
		}
	}
	return layout{}, false
}

var (
	grouped = regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`)
	// decimal is a number with a fraction, typed with a decimal comma
	// ("2,5") or point: a count cannot have one.
	decimal = regexp.MustCompile(`^\d+[,.]\d+$`)
)

// count reads a count from a cell: a number cell holding a whole number of
// zero or more, or text of plain digits or digits grouped in Vietnamese
// style ("2.675"), which in a count can only mean thousands.
func count(raw string, typ excelize.CellType) (string, string) {
	if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset || typ == excelize.CellTypeFormula {
		if x, err := strconv.ParseFloat(raw, 64); err == nil {
			switch {
			case x < 0:
				return "", fmt.Sprintf("%s is negative; a count is zero or more", raw)
			case x != math.Trunc(x):
				return "", fmt.Sprintf("%s is not a whole number", raw)
			case x > 1e15:
				return "", fmt.Sprintf("%s is too large for a count", raw)
			}
			return strconv.FormatInt(int64(x), 10), ""
		}
	}
	s := strings.TrimSpace(raw)
	if grouped.MatchString(s) {
		s = strings.ReplaceAll(s, ".", "")
	}
	if _, err := strconv.ParseUint(s, 10, 63); err != nil || s == "" {
		if strings.HasPrefix(s, "-") {
			return "", fmt.Sprintf("%q is negative; a count is zero or more", raw)
		}
		if decimal.MatchString(s) {
			return "", fmt.Sprintf("%q is not a whole number", raw)
		}
		return "", fmt.Sprintf("%q is not a count (a whole number of zero or more)", raw)
	}
	return strings.TrimLeft(s, "0") + map[bool]string{true: "0"}[strings.TrimLeft(s, "0") == ""], ""
}
