package server

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/report"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/workbook"
)

type documentService struct {
	tonghopv1.UnimplementedDocumentServiceServer
	src   report.Source
	check entry.Checker
	tree  *hierarchy.Tree
	self  string
	store *store.Store
	// The answers a spreadsheet exports come from the services that give
	// them, so the two never differ.
	rollup    *rollupService
	reporting *reportingService
}

func newDocumentService(d Deps) any {
	return &documentService{
		src:   report.Source{Store: d.Store, Catalog: d.Catalog, Tree: d.Tree, Engine: d.Engine},
		check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree:  d.Tree, self: d.Unit, store: d.Store,
		rollup: newRollupService(d).(*rollupService), reporting: newReportingService(d).(*reportingService),
	}
}

// subtreeUnit checks a unit code of the node's subtree.
func (s *documentService) subtreeUnit(bad *invalid.Error, field, unit string) {
	switch _, ok := s.tree.Unit(unit); {
	case unit == "":
		bad.Add(field, "is required")
	case !ok:
		bad.Add(field, "unknown unit %q", unit)
	case !s.tree.InSubtree(s.self, unit):
		bad.Add(field, "%s is not in this node's subtree (%s)", unit, s.self)
	}
}

func (s *documentService) GetReport(ctx context.Context, req *tonghopv1.GetReportRequest) (*httpbody.HttpBody, error) {
	var bad invalid.Error
	s.subtreeUnit(&bad, "unit_code", req.UnitCode)
	t := s.check.DataSetPeriod(&bad, req.DataSet, req.Period)
	var date time.Time
	if req.Date != "" {
		d, err := time.ParseInLocation("2006-01-02", req.Date, numfmt.Zone())
		if err != nil {
			bad.Add("date", "%q is not a date YYYY-MM-DD", req.Date)
		}
		date = d
	}
	switch req.Format {
	case tonghopv1.DocumentFormat_DOCUMENT_FORMAT_UNSPECIFIED, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF:
	default:
		bad.Add("format", "unknown format %d", req.Format)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	doc, err := report.Build(s.src, report.Request{
		Unit: req.UnitCode, DataSet: t.DataSet.Code, Period: t.Period,
		Letterhead: report.Letterhead{
			Number: req.Number, Place: req.Place, Date: date, Basis: req.Basis,
			OnBehalf: req.OnBehalf, SignerTitle: req.SignerTitle, SignerName: req.SignerName,
			Recipients: req.Recipients,
		},
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if req.Format == tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF {
		err = report.WritePDF(&buf, doc)
		return &httpbody.HttpBody{ContentType: report.PDFType, Data: buf.Bytes()}, err
	}
	err = report.WriteDOCX(&buf, doc)
	return &httpbody.HttpBody{ContentType: report.DOCXType, Data: buf.Bytes()}, err
}

// XLSXType is the media type of an XLSX workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *documentService) ExportTable(ctx context.Context, req *tonghopv1.ExportTableRequest) (*httpbody.HttpBody, error) {
	var sheet workbook.Sheet
	switch req.Table {
	case "value", "compare", "series":
		ind, ok := s.src.Catalog.Indicator(req.Indicator)
		if !ok {
			if req.Indicator == "" {
				return nil, invalid.Field("indicator", "is required for table %s", req.Table)
			}
			return nil, invalid.Field("indicator", "unknown indicator %q", req.Indicator)
		}
		var rows []*tonghopv1.IndicatorValue
		title := ind.Name + ", " + req.Period
		switch req.Table {
		case "value":
			resp, err := s.rollup.GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: req.UnitCode, Indicator: req.Indicator, Period: req.Period, Boundaries: req.Boundaries})
			if err != nil {
				return nil, err
			}
			rows = []*tonghopv1.IndicatorValue{resp.Value}
		case "compare":
			resp, err := s.rollup.CompareIndicator(ctx, &tonghopv1.CompareIndicatorRequest{UnitCode: req.UnitCode, Indicator: req.Indicator, Period: req.Period, Level: req.Level, Boundaries: req.Boundaries})
			if err != nil {
				return nil, err
			}
			rows = append(resp.Rows, resp.Parent)
			title = "So sánh: " + title
		case "series":
			resp, err := s.rollup.GetIndicatorSeries(ctx, &tonghopv1.GetIndicatorSeriesRequest{UnitCode: req.UnitCode, Indicator: req.Indicator, Period: req.Period, Boundaries: req.Boundaries})
			if err != nil {
				return nil, err
			}
			rows = resp.Points
		}
		sheet = indicatorSheet(title, ind.Unit == "%", rows, req.Table)
	case "completeness":
		if req.RoundId == "" {
			return nil, invalid.Field("round_id", "is required for table completeness")
		}
		resp, err := s.reporting.GetCompleteness(ctx, &tonghopv1.GetCompletenessRequest{RoundId: req.RoundId, UnitCode: req.UnitCode})
		if err != nil {
			return nil, err
		}
		sheet = completenessSheet(resp)
	case "cube":
		var err error
		if sheet, err = s.cubeSheet(req.UnitCode, req.Period, req.Boundaries); err != nil {
			return nil, err
		}
	case "form", "children":
		if req.Boundaries != "" {
			return nil, invalid.Field("boundaries", "table %s is the node's own form, always in the map in force; boundaries are for value, compare, series and cube", req.Table)
		}
		var bad invalid.Error
		s.subtreeUnit(&bad, "unit_code", req.UnitCode)
		p, err := period.Parse(req.Period)
		if err != nil {
			bad.Add("period", "%v", err)
		}
		if err := bad.Err(); err != nil {
			return nil, err
		}
		if req.Table == "form" {
			sheet, err = s.formSheet(req.UnitCode, p)
		} else {
			sheet, err = s.childrenSheet(req.UnitCode, p)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, invalid.Field("table", "%q is not value, compare, series, completeness, cube, form or children", req.Table)
	}
	var buf bytes.Buffer
	if err := workbook.Write(&buf, sheet); err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: XLSXType, Data: buf.Bytes()}, nil
}

func optNum(x *float64) workbook.Cell {
	if x == nil {
		return workbook.Cell{}
	}
	return workbook.Num(*x)
}

// indicatorSheet lays out indicator values: numerator and denominator as
// counts, the value and the achievement figures with two decimals.
func indicatorSheet(title string, percent bool, rows []*tonghopv1.IndicatorValue, table string) workbook.Sheet {
	first := workbook.Column{Header: "Mã đơn vị", Format: workbook.Text, Width: 10}
	if table == "series" {
		first = workbook.Column{Header: "Kỳ", Format: workbook.Text, Width: 10}
	}
	valueHeader := "Giá trị"
	if percent {
		valueHeader = "Giá trị (%)"
	}
	sh := workbook.Sheet{
		Name: "Chỉ số", Title: title, Bold: map[int]bool{},
		Columns: []workbook.Column{
			first, {Header: "Đơn vị", Format: workbook.Text, Width: 28},
			{Header: "Tử số", Format: workbook.Count}, {Header: "Mẫu số", Format: workbook.Count},
			{Header: valueHeader, Format: workbook.Decimal}, {Header: "Mục tiêu", Format: workbook.Decimal},
			{Header: "So với mục tiêu", Format: workbook.Decimal}, {Header: "% kế hoạch", Format: workbook.Share},
			{Header: "So với năm gốc", Format: workbook.Decimal}, {Header: "Đạt", Format: workbook.Text, Width: 10},
		},
		Notes: []string{"Tử số và mẫu số cộng trên các đơn vị trước khi chia; ô trống: chưa có số liệu."},
	}
	mapped := slices.ContainsFunc(rows, func(r *tonghopv1.IndicatorValue) bool { return r.Mapping != nil })
	if mapped {
		// Figures brought from an older map say how, in a last column.
		sh.Columns = append(sh.Columns, workbook.Column{Header: mappingHeader + " (ranh giới " + rows[0].Boundaries + ")", Format: workbook.Text, Width: 40})
	}
	for i, r := range rows {
		key := r.UnitCode
		if table == "series" {
			key = r.Period
		}
		row := []workbook.Cell{workbook.Str(key), workbook.Str(r.UnitName), optNum(r.Numerator), optNum(r.Denominator), optNum(r.Value)}
		if a := r.Achievement; a != nil {
			met := "chưa đạt"
			if a.Met {
				met = "đạt"
			}
			row = append(row, workbook.Num(a.Target.GetValue()), workbook.Num(a.Difference), workbook.Num(a.ShareOfPlan), optNum(a.ChangeFromBaseline), workbook.Str(met))
		}
		if mapped {
			for len(row) < len(sh.Columns)-1 {
				row = append(row, workbook.Cell{})
			}
			m := r.Mapping
			row = append(row, workbook.Str(mappingNote(m.GetSources(), m.GetApportioned(), m.GetNotComparable(), m.GetEstimated())))
		}
		sh.Rows = append(sh.Rows, row)
		if table == "compare" && i == len(rows)-1 {
			sh.Bold[i] = true
		}
	}
	return sh
}

func completenessSheet(resp *tonghopv1.GetCompletenessResponse) workbook.Sheet {
	sh := workbook.Sheet{
		Name: "Tiến độ", Title: "Tiến độ báo cáo: " + resp.GetRound().GetId() + ", " + resp.UnitCode, Bold: map[int]bool{},
		Columns: []workbook.Column{{Header: "Cấp", Format: workbook.Text, Width: 14}},
	}
	for _, h := range []string{"Phải nộp", "Đã nộp"} {
		sh.Columns = append(sh.Columns, workbook.Column{Header: h, Format: workbook.Count})
	}
	sh.Columns = append(sh.Columns, workbook.Column{Header: "Tỷ lệ (%)", Format: workbook.Decimal})
	for _, h := range []string{"Đúng hạn", "Trễ hạn", "Chưa nộp", "Đã duyệt", "Trả lại", "Chờ duyệt"} {
		sh.Columns = append(sh.Columns, workbook.Column{Header: h, Format: workbook.Count})
	}
	add := func(level string, c *tonghopv1.CompletenessCounts) {
		rate := workbook.Cell{}
		if c.Expected > 0 {
			rate = workbook.Num(float64(c.Submitted) * 100 / float64(c.Expected))
		}
		sh.Rows = append(sh.Rows, []workbook.Cell{workbook.Str(level), workbook.Num(float64(c.Expected)), workbook.Num(float64(c.Submitted)), rate,
			workbook.Num(float64(c.OnTime)), workbook.Num(float64(c.Late)), workbook.Num(float64(c.Missing)),
			workbook.Num(float64(c.Accepted)), workbook.Num(float64(c.Returned)), workbook.Num(float64(c.AwaitingReview))})
	}
	for _, l := range resp.Levels {
		add(hierarchy.LevelName(l.Level), l.Counts)
	}
	sh.Bold[len(sh.Rows)] = true
	add("Tổng", resp.Total)
	return sh
}

// formSheet is the node's own form: every element and option of each data
// set of the period's type with the value the node holds, in the layout
// Read takes back.
func (s *documentService) formSheet(unit string, p period.Period) (workbook.Sheet, error) {
	if unit != s.self {
		return workbook.Sheet{}, invalid.Field("unit_code", "%s is not this node's unit (%s): a form holds the node's own values", unit, s.self)
	}
	vals, err := s.store.Values(p)
	if err != nil {
		return workbook.Sheet{}, err
	}
	have := map[expr.Ref]int64{}
	for _, v := range vals {
		have[expr.Ref{Element: v.Element, Option: v.Option}] = v.Count
	}
	u, _ := s.tree.Unit(unit)
	sh := s.elementRows(p, []map[expr.Ref]int64{have})
	sh.Name, sh.Title = "Biểu số liệu", u.Name+", kỳ "+p.String()
	sh.Columns = append(sh.Columns, workbook.Column{Header: "Số lượng", Format: workbook.Count})
	sh.Notes = []string{"Ô trống: chưa nhập. Nhập lại bằng: tonghop values import FILE.xlsx"}
	return sh, nil
}

// childrenSheet is the district's sheet for entry on its communes' behalf:
// the rows of the form, one column per child of the node's unit named by
// code and name, each with the figures the node holds for that child (its
// latest report), empty where there are none; in the layout
// SubmitSheetOnBehalf reads.
func (s *documentService) childrenSheet(unit string, p period.Period) (workbook.Sheet, error) {
	if unit != s.self {
		return workbook.Sheet{}, invalid.Field("unit_code", "%s is not this node's unit (%s): the sheet has a column for each of the node's children", unit, s.self)
	}
	children := s.tree.Children(unit)
	if len(children) == 0 {
		return workbook.Sheet{}, invalid.Field("unit_code", "%s has no child unit", unit)
	}
	codes := make([]string, len(children))
	for i, c := range children {
		codes[i] = c.Code
	}
	cells, err := s.store.Rollups(codes, []string{p.String()})
	if err != nil {
		return workbook.Sheet{}, err
	}
	columns := make([]map[expr.Ref]int64, len(children))
	for i, c := range children {
		columns[i] = map[expr.Ref]int64{}
		for _, cell := range cells[c.Code][p.String()] {
			columns[i][expr.Ref{Element: cell.Element, Option: cell.Option}] = cell.Sum
		}
	}
	u, _ := s.tree.Unit(unit)
	sh := s.elementRows(p, columns)
	sh.Name, sh.Title = "Biểu theo đơn vị", u.Name+": số liệu của từng đơn vị trực thuộc, kỳ "+p.String()
	for _, c := range children {
		sh.Columns = append(sh.Columns, workbook.Column{Header: c.Code + " " + c.Name, Format: workbook.Count, Width: 16})
	}
	sh.Notes = []string{"Mỗi cột là báo cáo của một đơn vị, nhập và ký thay đơn vị. Ô trống: chưa nhập.",
		"Nhập bằng: tonghop values import FILE.xlsx --on-behalf"}
	return sh, nil
}

// elementRows lays out every element and option of each data set of the
// period's type, a row each, with a column of figures per map; the sheet's
// first two columns are "Mã" and "Nội dung", the caller names the others.
func (s *documentService) elementRows(p period.Period, columns []map[expr.Ref]int64) workbook.Sheet {
	sh := workbook.Sheet{
		Bold:    map[int]bool{},
		Columns: []workbook.Column{{Header: "Mã", Format: workbook.Text, Width: 34}, {Header: "Nội dung", Format: workbook.Text, Width: 60}},
	}
	for _, ds := range s.src.Catalog.DataSets() {
		if ds.PeriodType != p.Type() {
			continue
		}
		for _, code := range ds.Elements {
			de, _ := s.src.Catalog.Element(code)
			refs := []expr.Ref{{Element: code}}
			names := []string{de.Name}
			for _, b := range de.Breakdowns {
				bd, _ := s.src.Catalog.Breakdown(b)
				for _, o := range bd.Options {
					refs = append(refs, expr.Ref{Element: code, Option: o.Code})
					names = append(names, "   "+bd.Name+": "+o.Name)
				}
			}
			for i, ref := range refs {
				if i == 0 {
					sh.Bold[len(sh.Rows)] = true
				}
				row := []workbook.Cell{workbook.Str(ref.String()), workbook.Str(names[i])}
				for _, have := range columns {
					cell := workbook.Cell{}
					if v, ok := have[ref]; ok {
						cell = workbook.Num(float64(v))
					}
					row = append(row, cell)
				}
				sh.Rows = append(sh.Rows, row)
			}
		}
	}
	return sh
}

// cubeSheet is every cell of every unit of the subtree for one period,
// in the map of the boundaries asked (by default the map in force at the
// end of the period): one row per unit, one column per element and option
// that any unit has. A period of an older map is summed, for each unit,
// over the units it was made of; a unit that received part of a split
// unit has empty cells and says so, as the indicators do.
func (s *documentService) cubeSheet(unit, periodCode, boundaries string) (workbook.Sheet, error) {
	var bad invalid.Error
	b := parseBoundaries(&bad, "boundaries", boundaries)
	p, err := period.Parse(periodCode)
	if err != nil {
		bad.Add("period", "%v", err)
	}
	if err := bad.Err(); err != nil {
		return workbook.Sheet{}, err
	}
	day := b
	if day.IsZero() {
		day = p.End().AddDate(0, 0, -1)
	}
	engine := s.rollup.engine
	tree := engine.TreeAt(day)
	switch _, ok := tree.Unit(unit); {
	case unit == "":
		bad.Add("unit_code", "is required")
	case !ok:
		bad.Add("unit_code", "no unit %q in the map of %s", unit, hierarchy.FormatDate(day))
	case !tree.InSubtree(s.self, unit):
		bad.Add("unit_code", "%s is not in this node's subtree (%s)", unit, s.self)
	}
	if err := bad.Err(); err != nil {
		return workbook.Sheet{}, err
	}
	units := []string{unit}
	for _, d := range tree.Descendants(unit) {
		units = append(units, d.Code)
	}
	cells, mappings, err := engine.Cells(units, p, s.allRefs(), b)
	if err != nil {
		return workbook.Sheet{}, boundariesErr(err)
	}
	refs := map[expr.Ref]bool{}
	for _, cs := range cells {
		for _, c := range cs {
			refs[expr.Ref{Element: c.Element, Option: c.Option}] = true
		}
	}
	cols := slices.SortedFunc(maps.Keys(refs), func(a, b expr.Ref) int { return cmp.Compare(a.String(), b.String()) })
	u, _ := tree.Unit(unit)
	sh := workbook.Sheet{
		Name: "Khối số liệu", Title: "Số liệu tổng hợp của mọi đơn vị thuộc " + u.Name + ", kỳ " + p.String() + ", ranh giới ngày " + day.Format("02/01/2006"),
		Columns: []workbook.Column{{Header: "Mã đơn vị", Format: workbook.Text, Width: 10}, {Header: "Đơn vị", Format: workbook.Text, Width: 28}, {Header: "Cấp", Format: workbook.Text, Width: 10}},
		Notes:   []string{"Mỗi ô là số liệu tổng hợp của đơn vị và các đơn vị trực thuộc; ô trống: chưa có số liệu."},
	}
	for _, ref := range cols {
		sh.Columns = append(sh.Columns, workbook.Column{Header: ref.String(), Format: workbook.Count, Width: 14})
	}
	if len(mappings) > 0 {
		sh.Columns = append(sh.Columns, workbook.Column{Header: mappingHeader, Format: workbook.Text, Width: 40})
	}
	for _, code := range units {
		uu, _ := tree.Unit(code)
		row := []workbook.Cell{workbook.Str(code), workbook.Str(uu.Name), workbook.Str(hierarchy.LevelName(uu.Level))}
		have := map[expr.Ref]int64{}
		for _, c := range cells[code] {
			have[expr.Ref{Element: c.Element, Option: c.Option}] = c.Sum
		}
		for _, ref := range cols {
			if v, ok := have[ref]; ok {
				row = append(row, workbook.Num(float64(v)))
			} else {
				row = append(row, workbook.Cell{})
			}
		}
		if len(mappings) > 0 {
			m := mappings[code]
			row = append(row, workbook.Str(mappingNote(m.Sources, m.Apportioned, m.NotComparable, m.Estimated)))
		}
		sh.Rows = append(sh.Rows, row)
	}
	return sh, nil
}

// mappingHeader heads the column that says how a figure was brought into
// the boundaries asked.
const mappingHeader = "Quy đổi ranh giới"

// mappingNote says how a figure was brought into other boundaries: from
// which old units, exactly or as an estimate, or why it has no value.
func mappingNote(sources, apportioned, notComparable []string, estimated bool) string {
	switch {
	case len(notComparable) > 0:
		return "không so sánh được: nhận một phần của " + strings.Join(notComparable, ", ") + " (chưa khai báo trọng số chia tách)"
	case estimated:
		return "ước tính từ " + strings.Join(sources, "+") + " (chia " + strings.Join(apportioned, ", ") + " theo trọng số đã khai báo)"
	case len(sources) > 0:
		return "cộng từ " + strings.Join(sources, "+")
	}
	return ""
}

// allRefs is every element of the catalogue and each of its options.
func (s *documentService) allRefs() []expr.Ref {
	var refs []expr.Ref
	for _, de := range s.src.Catalog.Elements() {
		refs = append(refs, expr.Ref{Element: de.Code})
		for _, b := range de.Breakdowns {
			bd, _ := s.src.Catalog.Breakdown(b)
			for _, o := range bd.Options {
				refs = append(refs, expr.Ref{Element: de.Code, Option: o.Code})
			}
		}
	}
	return refs
}

// ImportSpreadsheet stores a form's values as one batch. A sheet with one
// column per child unit is read and checked cell by cell, but a node
// stores only its own unit's values, so such a file is refused whole with
// ErrChildColumns: its columns are reports entered on the children's
// behalf, which SubmitSheetOnBehalf signs.
func (s *documentService) ImportSpreadsheet(ctx context.Context, req *tonghopv1.ImportSpreadsheetRequest) (*tonghopv1.ImportSpreadsheetResponse, error) {
	if len(req.GetFile().GetData()) == 0 {
		return nil, invalid.Field("file", "is required: the XLSX file as the request body")
	}
	var bad invalid.Error
	entries, err := readSheet(&bad, req.File.Data, childResolver(s.tree, req.UnitCode))
	if err != nil {
		return nil, err
	}
	var own []workbook.Entry
	others := map[string]bool{}
	for _, e := range entries {
		if e.Unit == "" {
			own = append(own, e)
			continue
		}
		others[e.Unit] = true
		// The cells of the children's columns are checked as their own
		// node would check them, so the file can be fixed in one go.
		if _, _, err := s.check.Values(s.check.Unit, req.DataSet, req.Period, []entry.Raw{{Element: e.Element, Option: e.Option, Value: e.Value}}); err != nil {
			if bi, ok := invalid.As(err); ok {
				for _, v := range bi.Violations {
					bad.Add(e.Cell, "%s", v.Reason)
				}
			}
		}
	}
	raws := make([]entry.Raw, len(own))
	for i, e := range own {
		raws[i] = entry.Raw{Element: e.Element, Option: e.Option, Value: e.Value}
	}
	t, err := s.check.Target(req.UnitCode, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	var vals []store.Value
	if len(raws) > 0 {
		t, vals, err = s.check.Values(req.UnitCode, req.DataSet, req.Period, raws)
	}
	if err != nil {
		bi, ok := invalid.As(err)
		if !ok {
			return nil, err
		}
		for _, v := range bi.Violations {
			var i int
			if n, _ := fmt.Sscanf(v.Field, "values[%d]", &i); n == 1 && i >= 0 && i < len(own) {
				bad.Add(own[i].Cell, "%s", v.Reason)
			} else {
				bad.Add(v.Field, "%s", v.Reason)
			}
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if len(others) > 0 {
		return nil, fmt.Errorf("%w: the file has columns for %s; this node stores only %s's own values (enter the columns on the units' behalf with SubmitSheetOnBehalf, `tonghop values import --on-behalf`)",
			ErrChildColumns, strings.Join(slices.Sorted(maps.Keys(others)), ", "), req.UnitCode)
	}
	if len(vals) == 0 {
		return nil, invalid.Field("file", "holds no value: every cell of the values column is empty")
	}
	if err := s.store.PutValues(t.Period, vals); err != nil {
		return nil, err
	}
	return &tonghopv1.ImportSpreadsheetResponse{Stored: int32(len(vals)), UnitCodes: []string{req.UnitCode}}, nil
}

// ErrChildColumns marks a sheet with values for other units than the
// node's own: read and checked, but not stored.
var ErrChildColumns = errors.New("values for child units cannot be entered at this node")

// readSheet reads a workbook's values, adding each bad cell to bad; the
// error is for a file that is no workbook of values at all.
func readSheet(bad *invalid.Error, data []byte, units workbook.Units) ([]workbook.Entry, error) {
	entries, err := workbook.Read(bytes.NewReader(data), units)
	if err != nil {
		var cells workbook.Errors
		if !errors.As(err, &cells) {
			return nil, invalid.Field("file", "%v", err)
		}
		for _, c := range cells {
			bad.Add(c.Cell, "%s", c.Reason)
		}
	}
	return entries, nil
}

// UploadMarshaler reads a request body sent as mediaType (an XLSX file) as
// the raw bytes of the request's google.api.HttpBody field, and answers in
// JSON as json does. Registered for the spreadsheet's media type, it lets
// REST clients POST the file itself.
func UploadMarshaler(mediaType string, json runtime.Marshaler) runtime.Marshaler {
	return &uploadMarshaler{Marshaler: json, mediaType: mediaType}
}

type uploadMarshaler struct {
	runtime.Marshaler
	mediaType string
}

func (m *uploadMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		switch b := v.(type) {
		case **httpbody.HttpBody:
			*b = &httpbody.HttpBody{ContentType: m.mediaType, Data: data}
		case *httpbody.HttpBody:
			b.ContentType, b.Data = m.mediaType, data
		default:
			return fmt.Errorf("a %s body is only accepted as a file upload", m.mediaType)
		}
		return nil
	})
}
