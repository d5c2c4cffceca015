// Package report makes the printed yearly review of a unit (the Báo cáo a
// party committee signs and sends up) from its signed report and the
// roll-up, as DOCX for offices that edit the wording in Word and as PDF.
//
// The layout follows Hướng dẫn 36-HD/VPTW on the party's documents: the
// heading block (the superior party organisation and the issuing committee
// on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" on the right), the number
// "Số …-BC/HU", the place and date line, the title, the sections of the
// official outline with the narrative the unit wrote, "Nơi nhận" and the
// signature block, then the appendices (phụ lục).
//
// No figure is typed: Build reads every count, indicator, target and
// achievement from the engine and the narrative from the signed report, and
// the document names the digest of the signed report it was made from.
//
// The DOCX is WordprocessingML written by hand with archive/zip and
// encoding/xml: there is no well-kept free Go library for writing DOCX, and
// the few parts a report needs are small. The PDF uses go-pdf/fpdf with the
// DejaVu Serif TrueType fonts embedded from fonts/ (with their licence), so
// Vietnamese diacritics render on any machine.
package report

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
)

// ErrNotSigned means the unit has no signed report for the data set and
// period: a document is only made from a signed report.
var ErrNotSigned = errors.New("no signed report")

// Letterhead is what the committee decides about one document and no
// figure tells: its number, date, signer and recipients. Zero fields take
// defaults from the unit and the signed report.
type Letterhead struct {
	// Number is the document's number in the committee's register ("154");
	// empty leaves the blank that is filled in by hand.
	Number string
	// Place is the place of the date line; empty: the unit's name without
	// its kind ("Tam Đường").
	Place string
	// Date is the date of the document; zero: the day the report was signed,
	// in Hà Nội time.
	Date time.Time
	// Basis is the opening sentence ("Thực hiện Công văn số 365-CV/TU …").
	Basis string
	// OnBehalf is the line above the signer's title; empty: "T/M BAN
	// THƯỜNG VỤ" above a commune, "T/M ĐẢNG ỦY" for a commune.
	OnBehalf string
	// SignerTitle defaults to "BÍ THƯ"; SignerName may stay empty.
	SignerTitle, SignerName string
	// Recipients are the lines of "Nơi nhận"; empty: the superior
	// committee and "Lưu.".
	Recipients []string
}

// Request names the document to make.
type Request struct {
	Unit    string
	DataSet string
	Period  period.Period
	Letterhead
}

// Source is what a document is made from, at one node.
type Source struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Tree    *hierarchy.Tree
	Engine  *rollup.Engine
}

// Document is a report laid out, every figure already written for people.
// DOCX and PDF render the same Document.
type Document struct {
	Superior  string // "ĐẢNG BỘ TỈNH LAI CHÂU"; empty at the top
	Committee string // "HUYỆN ỦY TAM ĐƯỜNG"
	Number    string // "Số 154-BC/HU"
	PlaceDate string // "Tam Đường, ngày 14 tháng 10 năm 2021"
	Title     string // "BÁO CÁO"
	Subtitle  string // the data set's name and the period
	Body      []Block
	// Recipients are the lines under "Nơi nhận:".
	Recipients                        []string
	OnBehalf, SignerTitle, SignerName string
	// Provenance names the signed report and the roll-up the figures come
	// from, digest included.
	Provenance string
	Appendices []Appendix
	// Digest is the signed report's digest, also kept in the file's
	// properties.
	Digest string
}

// Appendix is one phụ lục: its label ("PHỤ LỤC 1"), title and content.
type Appendix struct {
	Label, Title string
	Body         []Block
}

// Kind is what a block is.
type Kind int

// Kinds of block.
const (
	Heading1  Kind = iota + 1 // "I. THỰC TRẠNG …"
	Heading2                  // "1. Công tác lãnh đạo …"
	Heading3                  // "2.1. Về xây dựng …"
	Paragraph                 // narrative, justified, first line indented
	Figures                   // a line of figures inserted from the data
	Note                      // small italic text
	TableBlock
)

// Block is a heading, a paragraph or a table.
type Block struct {
	Kind  Kind
	Text  string
	Table *Table
}

// Table is a table with a header row. Widths are relative column widths.
type Table struct {
	Title  string
	Header []string
	Widths []float64
	Rows   []Row
}

// Row is one table row; Bold marks an element's total or a sum.
type Row struct {
	Cells []string
	Bold  bool
}

// numbers are written for people.
var vi = numfmt.Vietnamese()

// Build lays out the document for req from src.
func Build(src Source, req Request) (*Document, error) {
	unit, ok := src.Tree.Unit(req.Unit)
	if !ok {
		return nil, fmt.Errorf("unit %s: %w", req.Unit, store.ErrNotFound)
	}
	ds, ok := src.Catalog.DataSet(req.DataSet)
	if !ok {
		return nil, fmt.Errorf("data set %s: %w", req.DataSet, store.ErrNotFound)
	}
	signed, sub, err := latestSigned(src.Store, req.Unit, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	parent, hasParent := src.Tree.Parent(req.Unit)
	committee, abbrev := Committee(unit)
	doc := &Document{
		Committee: committee,
		Title:     "BÁO CÁO",
		Subtitle:  subtitle(ds, req.Period),
		Digest:    signed.Digest,
	}
	if hasParent {
		doc.Superior = "ĐẢNG BỘ " + strings.ToUpper(parent.Name)
	}
	number := strings.TrimSpace(req.Number)
	if number == "" {
		number = "        " // left blank, to be filled in by hand
	}
	doc.Number = "Số " + number + "-BC/" + abbrev
	place := req.Place
	if place == "" {
		place = PlaceName(unit.Name)
	}
	date := req.Date
	if date.IsZero() {
		date = signed.SignedAt
	}
	doc.PlaceDate = place + ", " + DateLine(date.In(numfmt.Zone()))
	doc.OnBehalf = req.OnBehalf
	if doc.OnBehalf == "" {
		doc.OnBehalf = "T/M BAN THƯỜNG VỤ"
		if len(src.Tree.Children(unit.Code)) == 0 {
			doc.OnBehalf = "T/M ĐẢNG ỦY"
		}
	}
	doc.SignerTitle = cmpOr(req.SignerTitle, "BÍ THƯ")
	doc.SignerName = req.SignerName
	doc.Recipients = req.Recipients
	if len(doc.Recipients) == 0 {
		if hasParent {
			pc, _ := committeeTitle(parent)
			doc.Recipients = append(doc.Recipients, "- "+pc+" (báo cáo),")
		}
		doc.Recipients = append(doc.Recipients, "- Lưu.")
	}
	r := period.Range{From: req.Period, To: req.Period}
	f := &filler{src: src, unit: unit.Code, r: r, ds: ds}
	if err := f.load(); err != nil {
		return nil, err
	}
	if req.Basis != "" {
		doc.Body = append(doc.Body, Block{Kind: Paragraph, Text: req.Basis})
	}
	doc.Body = append(doc.Body, f.body(sub.Sections)...)
	doc.Provenance = fmt.Sprintf("Số liệu trong báo cáo này lấy từ báo cáo đã ký của %s, %s kỳ %s, lần %d, ký lúc %s bởi %s (mã %s), và từ số liệu tổng hợp của tonghop tại %s; không số liệu nào được gõ tay.",
		unit.Name, ds.Code, req.Period, signed.Revision, signed.SignedAt.In(numfmt.Zone()).Format("15:04 02/01/2006 (giờ Hà Nội)"),
		signed.Signer, signed.Digest, src.Engine.Self)
	doc.Appendices = f.appendices()
	return doc, nil
}

func cmpOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// latestSigned finds the newest signed revision of the report and decodes
// its payload.
func latestSigned(st *store.Store, unit, dataSet string, p period.Period) (store.Submission, envelope.Submission, error) {
	subs, superseded, _, err := st.Submissions(store.SubmissionFilter{Unit: unit, DataSet: dataSet, Period: p.String()}, nil, 0)
	if err != nil {
		return store.Submission{}, envelope.Submission{}, err
	}
	for i := len(subs) - 1; i >= 0; i-- {
		if superseded[i] {
			continue
		}
		raw, err := st.Envelope(subs[i].Digest)
		if err != nil {
			return store.Submission{}, envelope.Submission{}, err
		}
		payload, err := envelope.ReadSubmission(raw)
		if err != nil {
			return store.Submission{}, envelope.Submission{}, fmt.Errorf("stored report %s: %w", subs[i].Digest, err)
		}
		return subs[i], payload, nil
	}
	return store.Submission{}, envelope.Submission{}, fmt.Errorf("%w of %s for %s, %s: sign it first", ErrNotSigned, unit, dataSet, p)
}

// Committee is the name of the unit's party committee as its documents head
// it, and the abbreviation of their numbers: "HUYỆN ỦY TAM ĐƯỜNG", "HU".
func Committee(u hierarchy.Unit) (name, abbrev string) {
	title, abbrev := committeeTitle(u)
	return strings.ToUpper(title), abbrev
}

// committeeTitle is the committee's name as a sentence writes it: "Huyện
// ủy Tam Đường", "Đảng ủy Xã Thèn Sin".
func committeeTitle(u hierarchy.Unit) (string, string) {
	kinds := []struct{ prefix, committee, abbrev string }{
		{"Tỉnh ", "Tỉnh ủy ", "TU"},
		{"Thành phố ", "Thành ủy ", "TU"},
		{"Huyện ", "Huyện ủy ", "HU"},
		{"Quận ", "Quận ủy ", "QU"},
		{"Thị xã ", "Thị ủy ", "TU"},
	}
	for _, k := range kinds {
		if rest, ok := strings.CutPrefix(u.Name, k.prefix); ok {
			return k.committee + rest, k.abbrev
		}
	}
	// Communes, wards, townships and anything else: the party committee of
	// the unit.
	return "Đảng ủy " + u.Name, "ĐU"
}

// PlaceName is the unit's name without its kind: "Huyện Tam Đường" → "Tam
// Đường".
func PlaceName(name string) string {
	for _, p := range []string{"Tỉnh ", "Thành phố ", "Huyện ", "Quận ", "Thị xã ", "Thị trấn ", "Xã ", "Phường ", "Đặc khu "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}

// DateLine writes "ngày 14 tháng 10 năm 2021": days below 10, and months 1
// and 2, with a leading zero, as administrative documents write them.
func DateLine(t time.Time) string {
	month := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		month = fmt.Sprintf("%02d", int(t.Month()))
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), month, t.Year())
}

func subtitle(ds catalog.DataSet, p period.Period) string {
	name := ds.Name
	if rest, ok := strings.CutPrefix(name, "Báo cáo "); ok {
		name = strings.ToUpper(rest[:1]) + rest[1:]
	}
	return name + " " + periodWords(p)
}

// periodWords is "năm 2021", "quý 3 năm 2021", "tháng 9 năm 2021".
func periodWords(p period.Period) string {
	s := p.String()
	switch {
	case len(s) == 4:
		return "năm " + s
	case strings.Contains(s, "Q"):
		return "quý " + s[5:] + " năm " + s[:4]
	case strings.Contains(s, "S"):
		return "6 tháng " + map[string]string{"1": "đầu", "2": "cuối"}[s[5:]] + " năm " + s[:4]
	case len(s) == 6:
		return "tháng " + strings.TrimPrefix(s[4:], "0") + " năm " + s[:4]
	}
	return "kỳ " + s
}

// filler reads the figures once and lays them out.
type filler struct {
	src  Source
	unit string
	r    period.Range
	ds   catalog.DataSet

	figures    map[expr.Ref]rollup.Figure
	indicators []indicatorRow
	targets    []store.Target
}

type indicatorRow struct {
	ind catalog.Indicator
	iv  rollup.IndicatorValue
	ach *rollup.Achievement
}

func (f *filler) load() error {
	f.figures = map[expr.Ref]rollup.Figure{}
	for _, code := range f.ds.Elements {
		for _, ref := range f.refs(code) {
			fig, err := f.src.Engine.Value(f.unit, ref, f.r, time.Time{})
			if err != nil {
				return err
			}
			f.figures[ref] = fig
		}
	}
	ts, err := f.src.Store.Targets()
	if err != nil {
		return err
	}
	f.targets = ts
	for _, ind := range f.dataSetIndicators() {
		iv, err := f.src.Engine.Indicator(f.unit, ind.Code, f.r, time.Time{})
		if err != nil {
			return err
		}
		ach, err := f.src.Engine.AchievementOf(ind.Code, iv, f.r, ts, time.Time{})
		if err != nil {
			return err
		}
		if iv.Value == nil && ach == nil {
			continue // nothing reported for it: no row
		}
		f.indicators = append(f.indicators, indicatorRow{ind: ind, iv: iv, ach: ach})
	}
	return nil
}

// refs is the element's total and then each option of each breakdown, in
// the catalogue's order.
func (f *filler) refs(element string) []expr.Ref {
	refs := []expr.Ref{{Element: element}}
	de, _ := f.src.Catalog.Element(element)
	for _, b := range de.Breakdowns {
		bd, _ := f.src.Catalog.Breakdown(b)
		for _, o := range bd.Options {
			refs = append(refs, expr.Ref{Element: element, Option: o.Code})
		}
	}
	return refs
}

// dataSetIndicators are the indicators computed only from the data set's
// elements, in the catalogue's order.
func (f *filler) dataSetIndicators() []catalog.Indicator {
	var out []catalog.Indicator
	for _, ind := range f.src.Catalog.Indicators() {
		all := true
		for _, ref := range ind.Refs() {
			if !f.ds.HasElement(ref.Element) {
				all = false
			}
		}
		if all {
			out = append(out, ind)
		}
	}
	return out
}

func (f *filler) count(ref expr.Ref) string {
	fig := f.figures[ref]
	if fig.Missing {
		return "–"
	}
	return vi.Int(fig.Value)
}

// elementLine writes an element's total with its breakdowns: "Đảng viên:
// 2.675 (giới tính: nam 1.791, nữ 884; …)."
func (f *filler) elementLine(code string) (string, bool) {
	total := f.figures[expr.Ref{Element: code}]
	if total.Missing {
		return "", false
	}
	de, _ := f.src.Catalog.Element(code)
	var parts []string
	for _, b := range de.Breakdowns {
		bd, _ := f.src.Catalog.Breakdown(b)
		var opts []string
		for _, o := range bd.Options {
			fig := f.figures[expr.Ref{Element: code, Option: o.Code}]
			if fig.Missing {
				continue
			}
			opts = append(opts, lowerFirst(o.Name)+" "+vi.Int(fig.Value))
		}
		if len(opts) > 0 {
			label := lowerFirst(bd.Name)
			if bd.Kind == catalog.Subset {
				label = "trong đó"
			}
			parts = append(parts, label+": "+strings.Join(opts, ", "))
		}
	}
	line := "- " + de.Name + ": " + vi.Int(total.Value)
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, "; ") + ")"
	}
	return line + ".", true
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && r[1] >= 'a' { // keep acronyms such as "THPT"
		r[0] = []rune(strings.ToLower(string(r[0])))[0]
	}
	return string(r)
}

// groupSection places the figures of an element group in the section of
// the official outline that speaks of them.
var groupSection = map[string]string{
	"organisations": "I.2.1",
	"training":      "I.2.3",
	"ratings":       "I.2.5",
	"members":       "I.3.1",
	"discipline":    "I.3.4",
}

// outlineHeadings are the headings of the official outline
// (Đề cương báo cáo tổng kết, 2021) that have no narrative of their own.
var outlineHeadings = map[string]string{
	"I":   "THỰC TRẠNG CÔNG TÁC XÂY DỰNG TỔ CHỨC CƠ SỞ ĐẢNG VÀ ĐỘI NGŨ ĐẢNG VIÊN",
	"I.2": "Xây dựng tổ chức cơ sở đảng",
	"I.3": "Xây dựng đội ngũ đảng viên",
	"II":  "ĐÁNH GIÁ CHUNG",
	"III": "MỤC TIÊU, NHIỆM VỤ, GIẢI PHÁP VÀ ĐỀ XUẤT, KIẾN NGHỊ",
}

// body lays out the outline's sections in order with their narrative, the
// figures of each, and the table of indicators at the end of part I.
func (f *filler) body(texts []envelope.Section) []Block {
	text := map[string]string{}
	for _, s := range texts {
		text[s.Code] = s.Text
	}
	bySection := map[string][]string{}
	var unplaced []string
	for _, code := range f.ds.Elements {
		line, ok := f.elementLine(code)
		if !ok {
			continue
		}
		de, _ := f.src.Catalog.Element(code)
		sec := groupSection[de.Group]
		if _, ok := f.ds.Section(sec); !ok {
			unplaced = append(unplaced, line)
			continue
		}
		bySection[sec] = append(bySection[sec], line)
	}
	var out []Block
	seen := map[string]bool{}
	part := ""
	indicatorsDone := false
	for _, s := range f.ds.Sections {
		parts := strings.Split(s.Code, ".")
		if parts[0] != part && part == "I" && !indicatorsDone {
			out = append(out, f.indicatorBlocks()...)
			indicatorsDone = true
		}
		part = parts[0]
		// The headings above the section that have not been written yet.
		for i := 1; i < len(parts); i++ {
			prefix := strings.Join(parts[:i], ".")
			if seen[prefix] {
				continue
			}
			seen[prefix] = true
			if h, ok := outlineHeadings[prefix]; ok {
				out = append(out, Block{Kind: headingKind(i), Text: number(prefix) + " " + h})
			}
		}
		out = append(out, Block{Kind: headingKind(len(parts)), Text: number(s.Code) + " " + s.Title})
		if t := strings.TrimSpace(text[s.Code]); t != "" {
			for _, p := range strings.Split(t, "\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, Block{Kind: Paragraph, Text: p})
				}
			}
		} else {
			out = append(out, Block{Kind: Note, Text: "(Đơn vị chưa viết phần này.)"})
		}
		if lines := bySection[s.Code]; len(lines) > 0 {
			out = append(out, Block{Kind: Paragraph, Text: "Số liệu " + periodWords(f.r.Last()) + ":"})
			for _, l := range lines {
				out = append(out, Block{Kind: Figures, Text: l})
			}
		}
	}
	if len(unplaced) > 0 {
		out = append(out, Block{Kind: Heading2, Text: "Số liệu " + periodWords(f.r.Last())})
		for _, l := range unplaced {
			out = append(out, Block{Kind: Figures, Text: l})
		}
	}
	if !indicatorsDone {
		out = append(out, f.indicatorBlocks()...)
	}
	return out
}

func headingKind(depth int) Kind {
	switch depth {
	case 1:
		return Heading1
	case 2:
		return Heading2
	}
	return Heading3
}

// number writes an outline code as its heading number: "I" → "I.", "I.2"
// → "2.", "I.2.1" → "2.1.", "II.3" → "3.".
func number(code string) string {
	parts := strings.Split(code, ".")
	if len(parts) == 1 {
		return code + "."
	}
	return strings.Join(parts[1:], ".") + "."
}

// IndicatorHeader is the header of the table of indicators.
var IndicatorHeader = []string{"STT", "Chỉ số", "Tử số", "Mẫu số", "Kết quả", "Mục tiêu", "So với mục tiêu", "% kế hoạch", "So với năm gốc"}

func (f *filler) indicatorBlocks() []Block {
	if len(f.indicators) == 0 {
		return nil
	}
	t := &Table{
		Title:  "Kết quả các chỉ số " + periodWords(f.r.Last()),
		Header: IndicatorHeader,
		Widths: []float64{7, 43, 13, 13, 14, 14, 14, 12, 14},
	}
	for i, row := range f.indicators {
		t.Rows = append(t.Rows, Row{Cells: append([]string{fmt.Sprint(i + 1), row.ind.Name}, IndicatorCells(row.ind, row.iv, row.ach)...)})
	}
	return []Block{
		{Kind: Heading2, Text: t.Title},
		{Kind: TableBlock, Table: t},
		{Kind: Note, Text: "Tử số và mẫu số cộng trên các đơn vị trước khi chia. So với mục tiêu: điểm phần trăm; % kế hoạch: kết quả ÷ mục tiêu; so với năm gốc: so với kết quả năm gốc của mục tiêu."},
	}
}

// IndicatorCells are the numerator, denominator, value, target and the
// three achievement figures of an indicator, written for people ("–" where
// there is none).
func IndicatorCells(ind catalog.Indicator, iv rollup.IndicatorValue, ach *rollup.Achievement) []string {
	dash := "–"
	cells := []string{dash, dash, dash, dash, dash, dash, dash}
	if iv.Numerator != nil {
		cells[0] = ratInt(iv.Numerator)
	}
	if iv.Denominator != nil {
		cells[1] = ratInt(iv.Denominator)
	}
	unit := ""
	if ind.Unit == "%" {
		unit = "%"
	}
	if iv.Value != nil {
		cells[2] = vi.Rat(iv.Value, ind.Decimals) + unit
	}
	if ach != nil {
		sym := map[int]string{rollup.AtLeast: "≥", rollup.AtMost: "≤", rollup.Equal: "="}[ach.Target.Direction]
		cells[3] = sym + Float(ach.Target.Value, ind.Decimals, false) + unit
		cells[4] = Float(ach.Difference, ind.Decimals, true)
		if ach.Target.Value != 0 {
			cells[5] = Float(ach.ShareOfPlan, 1, false)
		}
		if ach.ChangeFromBaseline != nil {
			cells[6] = Float(*ach.ChangeFromBaseline, ind.Decimals, true)
		}
	}
	return cells
}

// Float writes x in Vietnamese style to decimals places, with its sign when
// signed (+1,33; -6,67).
func Float(x float64, decimals int, signed bool) string {
	r := new(big.Rat)
	r.SetFloat64(x)
	s := vi.Rat(r, decimals)
	if signed && x >= 0 && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

func ratInt(r *big.Rat) string {
	if r.IsInt() {
		return vi.Int(r.Num().Int64())
	}
	return vi.Rat(r, 2)
}

func (f *filler) appendices() []Appendix {
	a1 := Appendix{Label: "PHỤ LỤC 1", Title: "Số liệu theo từng mục số liệu và phân tổ, " + periodWords(f.r.Last())}
	t := &Table{Header: []string{"STT", "Nội dung", "Số lượng"}, Widths: []float64{12, 128, 30}}
	for i, code := range f.ds.Elements {
		de, _ := f.src.Catalog.Element(code)
		t.Rows = append(t.Rows, Row{Cells: []string{fmt.Sprint(i + 1), de.Name, f.count(expr.Ref{Element: code})}, Bold: true})
		j := 0
		for _, b := range de.Breakdowns {
			bd, _ := f.src.Catalog.Breakdown(b)
			for _, o := range bd.Options {
				j++
				label := bd.Name + ": " + o.Name
				if bd.Kind == catalog.Subset {
					label = "Trong đó: " + o.Name
				}
				t.Rows = append(t.Rows, Row{Cells: []string{fmt.Sprintf("%d.%d", i+1, j), label, f.count(expr.Ref{Element: code, Option: o.Code})}})
			}
		}
	}
	a1.Body = []Block{{Kind: TableBlock, Table: t}, {Kind: Note, Text: "“–”: chưa có số liệu. Số liệu tổng hợp của toàn đơn vị tại thời điểm lập báo cáo."}}

	a2 := Appendix{Label: "PHỤ LỤC 2", Title: "So sánh các đơn vị trực thuộc, " + periodWords(f.r.Last())}
	children := f.src.Tree.Children(f.unit)
	for _, row := range f.indicators {
		cmp, err := f.src.Engine.CompareChildren(f.unit, row.ind.Code, f.r, time.Time{})
		if err != nil {
			continue
		}
		any := false
		for _, r := range cmp.Rows {
			if r.Value != nil {
				any = true
			}
		}
		if !any {
			continue
		}
		ct := &Table{
			Title:  row.ind.Name,
			Header: append([]string{"STT", "Đơn vị"}, IndicatorHeader[2:]...),
			Widths: []float64{7, 43, 13, 13, 14, 14, 14, 12, 14},
		}
		names := map[string]string{}
		for _, c := range children {
			names[c.Code] = c.Name
		}
		for i, r := range cmp.Rows {
			ach, _ := f.src.Engine.AchievementOf(row.ind.Code, r, f.r, f.targets, time.Time{})
			ct.Rows = append(ct.Rows, Row{Cells: append([]string{fmt.Sprint(i + 1), names[r.Unit]}, IndicatorCells(row.ind, r, ach)...)})
		}
		ct.Rows = append(ct.Rows, Row{Cells: append([]string{"", "Toàn đơn vị"}, IndicatorCells(row.ind, row.iv, row.ach)...), Bold: true})
		a2.Body = append(a2.Body, Block{Kind: Heading3, Text: ct.Title}, Block{Kind: TableBlock, Table: ct})
	}
	switch {
	case len(children) == 0:
		return []Appendix{a1}
	case len(a2.Body) == 0:
		a2.Body = []Block{{Kind: Note, Text: fmt.Sprintf("Chưa có đơn vị nào trong %d đơn vị trực thuộc báo cáo kỳ này.", len(children))}}
	}
	return []Appendix{a1, a2}
}
