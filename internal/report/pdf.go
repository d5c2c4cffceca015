package report

import (
	_ "embed"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// PDFType is the media type of a PDF file.
const PDFType = "application/pdf"

// DejaVu Serif (Bitstream Vera licence, fonts/LICENSE): free, and covers
// every Vietnamese letter with its diacritics.
var (
	//go:embed fonts/DejaVuSerif.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSerif-Bold.ttf
	fontBold []byte
	//go:embed fonts/DejaVuSerif-Italic.ttf
	fontItalic []byte
)

// The page in millimetres: A4, margins as in the DOCX.
const (
	mmLeft, mmRight, mmTop, mmBottom = 30.0, 15.0, 20.0, 20.0
	mmText                           = 210 - mmLeft - mmRight
	bodyPt, smallPt, tablePt         = 12.5, 11.0, 9.0
)

// WritePDF writes doc as PDF.
func WritePDF(w io.Writer, doc *Document) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(mmLeft, mmTop, mmRight)
	p.SetAutoPageBreak(true, mmBottom)
	p.AddUTF8FontFromBytes("serif", "", fontRegular)
	p.AddUTF8FontFromBytes("serif", "B", fontBold)
	p.AddUTF8FontFromBytes("serif", "I", fontItalic)
	p.SetTitle(doc.Title+" "+doc.Subtitle, true)
	p.SetAuthor(doc.Committee, true)
	p.SetSubject(doc.Provenance, true)
	p.SetKeywords(doc.Digest, true)
	p.SetCreator("tonghop", true)
	// A fixed date keeps the file the same for the same document.
	stamp := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	p.SetCreationDate(stamp)
	p.SetModificationDate(stamp)
	p.SetHeaderFuncMode(func() {
		if p.PageNo() > 1 { // party documents number pages from the second
			p.SetFont("serif", "", smallPt)
			p.SetY(10)
			p.CellFormat(mmText, 5, itoa(p.PageNo()), "", 0, "C", false, 0, "")
			p.SetY(mmTop)
		}
	}, false)
	r := &pdfWriter{p: p}
	p.AddPage()
	r.heading(doc)
	r.blocks(doc.Body)
	r.closing(doc)
	for _, a := range doc.Appendices {
		p.AddPage()
		r.center(a.Label, "B", bodyPt)
		r.center(a.Title, "B", bodyPt)
		r.center(attachedTo(doc), "I", smallPt)
		p.Ln(2)
		r.blocks(a.Body)
	}
	return p.Output(w)
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

type pdfWriter struct{ p *fpdf.Fpdf }

func lineHeight(pt float64) float64 { return pt * 0.3528 * 1.35 }

// center writes text centred across the text width, wrapped.
func (r *pdfWriter) center(text, style string, pt float64) {
	r.p.SetFont("serif", style, pt)
	r.p.SetX(mmLeft)
	r.p.MultiCell(mmText, lineHeight(pt), text, "", "C", false)
}

// column writes lines centred in a column starting at x, from y; it
// returns the y below them.
func (r *pdfWriter) column(x, y, w float64, lines []styled) float64 {
	for _, l := range lines {
		r.p.SetFont("serif", l.style, l.pt)
		r.p.SetXY(x, y)
		if l.text == "" {
			y += lineHeight(l.pt)
			continue
		}
		r.p.MultiCell(w, lineHeight(l.pt), l.text, "", l.align, false)
		if l.underline {
			tw := r.p.GetStringWidth(l.text)
			ly := y + lineHeight(l.pt) - 0.6
			left := x + (w-tw)/2
			if l.align == "L" {
				left = x + 1
			}
			r.p.Line(left, ly, left+tw, ly)
		}
		y = r.p.GetY()
	}
	return y
}

type styled struct {
	text, style string
	pt          float64
	align       string
	underline   bool
}

func (r *pdfWriter) heading(doc *Document) {
	var left []styled
	if doc.Superior != "" {
		left = append(left, styled{text: doc.Superior, pt: smallPt, align: "C"})
	}
	left = append(left,
		styled{text: doc.Committee, style: "B", pt: bodyPt, align: "C"},
		styled{text: "*", pt: bodyPt, align: "C"},
		styled{text: doc.Number, pt: bodyPt, align: "C"})
	right := []styled{
		{text: "ĐẢNG CỘNG SẢN VIỆT NAM", style: "B", pt: bodyPt + 0.5, align: "C", underline: true},
		{text: "", pt: bodyPt},
		{text: doc.PlaceDate, style: "I", pt: bodyPt, align: "C"},
	}
	y0 := r.p.GetY()
	yl := r.column(mmLeft-8, y0, 78, left)
	yr := r.column(mmLeft+72, y0, mmText-72+5, right)
	r.p.SetY(max(yl, yr) + 8)
	r.center(doc.Title, "B", bodyPt+2)
	r.center(doc.Subtitle, "B", bodyPt)
	r.center("-----", "", bodyPt)
	r.p.Ln(3)
}

// para writes a paragraph with its first line indented, left-aligned.
func (r *pdfWriter) para(text, style string, pt float64, indent float64) {
	r.p.SetFont("serif", style, pt)
	lh := lineHeight(pt)
	lines := r.wrap(text, mmText-indent, mmText)
	for i, l := range lines {
		x := mmLeft
		if i == 0 {
			x += indent
		}
		if r.p.GetY()+lh > 297-mmBottom {
			r.p.AddPage()
		}
		r.p.SetX(x)
		r.p.CellFormat(0, lh, l, "", 1, "L", false, 0, "")
	}
}

// wrap breaks text into lines: the first at most first wide, the others
// at most rest wide.
func (r *pdfWriter) wrap(text string, first, rest float64) []string {
	var lines []string
	width := first
	cur := ""
	for _, word := range strings.Fields(text) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if cur != "" && r.p.GetStringWidth(try) > width-2 {
			lines = append(lines, cur)
			cur, width = word, rest
			continue
		}
		cur = try
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

func (r *pdfWriter) blocks(blocks []Block) {
	for i, b := range blocks {
		// A heading stays with the table under it: its header and first rows.
		if b.Kind != TableBlock && i+1 < len(blocks) && blocks[i+1].Kind == TableBlock && r.p.GetY()+40 > 297-mmBottom {
			r.p.AddPage()
		}
		switch b.Kind {
		case Heading1:
			r.p.Ln(1.5)
			r.para(b.Text, "B", bodyPt, 10)
		case Heading2, Heading3:
			r.p.Ln(0.8)
			r.para(b.Text, "B", bodyPt, 10)
		case Paragraph, Figures:
			r.para(b.Text, "", bodyPt, 10)
		case Note:
			r.para(b.Text, "I", smallPt, 10)
		case TableBlock:
			r.table(b.Table)
		}
	}
}

// table draws a bordered table; the header row is drawn again at the top
// of every page it runs onto. Every cell's text starts on the row's first
// line, so a row's figures share one line.
func (r *pdfWriter) table(t *Table) {
	var total float64
	for _, w := range t.Widths {
		total += w
	}
	widths := make([]float64, len(t.Widths))
	for i, w := range t.Widths {
		widths[i] = w / total * mmText
	}
	lh := lineHeight(tablePt)
	r.p.Ln(1)
	if r.p.GetY()+6*lh+4 > 297-mmBottom { // never a header alone at the foot of a page
		r.p.AddPage()
	}
	drawRow := func(cells []string, header, bold bool) {
		style := ""
		if header || bold {
			style = "B"
		}
		r.p.SetFont("serif", style, tablePt)
		split := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			split[i] = r.wrap(c, widths[i], widths[i])
			n = max(n, len(split[i]))
		}
		h := float64(n)*lh + 1
		return2 := false
		if r.p.GetY()+h > 297-mmBottom {
			r.p.AddPage()
			return2 = !header
		}
		if return2 {
			drawHeader(r, t, widths, lh)
			r.p.SetFont("serif", style, tablePt)
		}
		y := r.p.GetY()
		x := mmLeft
		for i := range cells {
			r.p.Rect(x, y, widths[i], h, "D")
			align := "L"
			switch {
			case header || i == 0:
				align = "C"
			case i >= 2:
				align = "R"
			}
			for j, l := range split[i] {
				r.p.SetXY(x, y+0.5+float64(j)*lh)
				r.p.CellFormat(widths[i], lh, l, "", 0, align, false, 0, "")
			}
			x += widths[i]
		}
		r.p.SetXY(mmLeft, y+h)
	}
	drawRow(t.Header, true, false)
	for _, row := range t.Rows {
		drawRow(row.Cells, false, row.Bold)
	}
	r.p.Ln(2)
}

// drawHeader repeats a table's header row at the top of a new page.
func drawHeader(r *pdfWriter, t *Table, widths []float64, lh float64) {
	r.p.SetFont("serif", "B", tablePt)
	split := make([][]string, len(t.Header))
	n := 1
	for i, c := range t.Header {
		split[i] = r.wrap(c, widths[i], widths[i])
		n = max(n, len(split[i]))
	}
	h := float64(n)*lh + 1
	y, x := r.p.GetY(), mmLeft
	for i := range t.Header {
		r.p.Rect(x, y, widths[i], h, "D")
		for j, l := range split[i] {
			r.p.SetXY(x, y+0.5+float64(j)*lh)
			r.p.CellFormat(widths[i], lh, l, "", 0, "C", false, 0, "")
		}
		x += widths[i]
	}
	r.p.SetXY(mmLeft, y+h)
}

// closing writes Nơi nhận and the signature block side by side, on one page.
func (r *pdfWriter) closing(doc *Document) {
	need := float64(len(doc.Recipients)+2) * lineHeight(smallPt)
	need = max(need, 7*lineHeight(bodyPt))
	if r.p.GetY()+need+6 > 297-mmBottom {
		r.p.AddPage()
	}
	r.p.Ln(6)
	y0 := r.p.GetY()
	left := []styled{{text: "Nơi nhận:", style: "B", pt: smallPt, align: "L", underline: true}}
	for _, rc := range doc.Recipients {
		left = append(left, styled{text: rc, pt: smallPt - 1, align: "L"})
	}
	right := []styled{
		{text: doc.OnBehalf, style: "B", pt: bodyPt, align: "C"},
		{text: doc.SignerTitle, style: "B", pt: bodyPt, align: "C"},
		{text: "", pt: bodyPt}, {text: "", pt: bodyPt}, {text: "", pt: bodyPt},
		{text: doc.SignerName, style: "B", pt: bodyPt, align: "C"},
	}
	yl := r.column(mmLeft, y0, mmText/2-5, left)
	yr := r.column(mmLeft+mmText/2, y0, mmText/2, right)
	r.p.SetY(max(yl, yr) + 6)
	r.para(doc.Provenance, "I", 8.5, 0)
}
