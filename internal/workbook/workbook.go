// Package workbook reads and writes the Excel files offices live in, with
// excelize. Write lays tables out with real numbers and number formats
// (never numbers as text), so a spreadsheet sums and charts them. Read
// takes the values of a unit's form (rows of elements and breakdown
// options, a column of values) or of a district's sheet with one column per
// commune, and names every bad cell by sheet, cell and reason: a file with
// any bad cell is refused whole.
package workbook

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// ErrInvalid marks a file that is not a readable workbook of values.
var ErrInvalid = errors.New("invalid workbook")

// Format is how a column's numbers are shown.
type Format int

// Formats of a column.
const (
	Text    Format = iota // text as it is
	Count                 // whole numbers, thousands grouped: #,##0
	Decimal               // two decimals: #,##0.00
	Share                 // one decimal: #,##0.0
)

// Column is one column of a table.
type Column struct {
	Header string
	Format Format
	Width  float64 // in characters; 0: from the format
}

// Cell is one value: a number (Number set) or text. A cell with neither is
// empty: a missing figure stays missing, never 0.
type Cell struct {
	Number *float64
	Text   string
}

// Num is a number cell.
func Num(x float64) Cell { return Cell{Number: &x} }

// Str is a text cell.
func Str(s string) Cell { return Cell{Text: s} }

// Sheet is one worksheet: a title above a table, notes below it.
type Sheet struct {
	Name    string // at most 31 characters
	Title   string
	Columns []Column
	Rows    [][]Cell
	// Bold marks rows to stress (a total).
	Bold  map[int]bool
	Notes []string
}

// headerRow is the row of a sheet's column headers; the title is above it.
const headerRow = 3

// Write writes the sheets as an XLSX workbook.
func Write(w io.Writer, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}})
	if err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    borders(),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	})
	if err != nil {
		return err
	}
	formats := map[Format]string{Text: "@", Count: "#,##0", Decimal: "#,##0.00", Share: "#,##0.0"}
	styles := map[[2]int]int{}
	style := func(fm Format, bold bool) (int, error) {
		key := [2]int{int(fm), map[bool]int{false: 0, true: 1}[bold]}
		if id, ok := styles[key]; ok {
			return id, nil
		}
		code := formats[fm]
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code, Border: borders(), Font: &excelize.Font{Bold: bold},
			Alignment: &excelize.Alignment{WrapText: fm == Text, Vertical: "top"}})
		styles[key] = id
		return id, err
	}
	for i, s := range sheets {
		name := s.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := f.SetCellStr(name, "A1", s.Title); err != nil {
			return err
		}
		if err := f.SetCellStyle(name, "A1", "A1", title); err != nil {
			return err
		}
		for c, col := range s.Columns {
			ref, _ := excelize.CoordinatesToCellName(c+1, headerRow)
			if err := f.SetCellStr(name, ref, col.Header); err != nil {
				return err
			}
			if err := f.SetCellStyle(name, ref, ref, header); err != nil {
				return err
			}
			width := col.Width
			if width == 0 {
				width = map[Format]float64{Text: 30, Count: 12, Decimal: 12, Share: 10}[col.Format]
			}
			letter, _ := excelize.ColumnNumberToName(c + 1)
			if err := f.SetColWidth(name, letter, letter, width); err != nil {
				return err
			}
		}
		for r, row := range s.Rows {
			for c, cell := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, headerRow+1+r)
				fm := Text
				if c < len(s.Columns) {
					fm = s.Columns[c].Format
				}
				switch {
				case cell.Number != nil:
					err = f.SetCellFloat(name, ref, *cell.Number, -1, 64)
				case cell.Text != "":
					err = f.SetCellStr(name, ref, cell.Text)
				}
				if err != nil {
					return err
				}
				id, err := style(fm, s.Bold[r])
				if err != nil {
					return err
				}
				if err := f.SetCellStyle(name, ref, ref, id); err != nil {
					return err
				}
			}
		}
		for n, note := range s.Notes {
			ref, _ := excelize.CoordinatesToCellName(1, headerRow+len(s.Rows)+2+n)
			if err := f.SetCellStr(name, ref, note); err != nil {
				return err
			}
		}
		if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func borders() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "808080", Style: 1})
	}
	return out
}
