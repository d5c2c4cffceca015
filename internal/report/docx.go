package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// DOCXType is the media type of a DOCX file.
const DOCXType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

const wNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

// A4 with the margins of Hướng dẫn 36-HD/VPTW: 20 mm top and bottom, 30
// mm left, 15 mm right; in twentieths of a point.
const (
	pageW, pageH             = 11906, 16838
	marginTop, marginBottom  = 1134, 1134
	marginLeft, marginRight  = 1701, 851
	textWidth                = pageW - marginLeft - marginRight
	bodySize, smallSize      = 28, 24 // half-points: 14 pt, 12 pt
	tableSize, recipientSize = 22, 22
)

// WriteDOCX writes doc as a WordprocessingML document.
func WriteDOCX(w io.Writer, doc *Document) error {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
		{"word/header1.xml", header},
		{"docProps/core.xml", coreProps(doc)},
		{"word/document.xml", documentXML(doc)},
	}
	// A fixed time keeps the file the same for the same document.
	stamp := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range parts {
		f, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	if err := z.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`</Types>`

const rootRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`</Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>` +
	`</Relationships>`

// Times New Roman, 14 pt, Vietnamese: what offices' documents use.
const styles = xmlHeader + `<w:styles xmlns:w="` + wNS + `">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/>` +
	`<w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>` +
	`<w:tblPr><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`</w:styles>`

// The page number, at the top centre, as party documents number pages.
const header = xmlHeader + `<w:hdr xmlns:w="` + wNS + `"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>` +
	`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
	`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:hdr>`

func coreProps(doc *Document) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">`)
	fmt.Fprintf(&b, `<dc:title>%s</dc:title><dc:creator>%s</dc:creator><dc:identifier>%s</dc:identifier><dc:description>%s</dc:description>`,
		esc(doc.Title+" "+doc.Subtitle), esc(doc.Committee), esc(doc.Digest), esc(doc.Provenance))
	b.WriteString(`</cp:coreProperties>`)
	return b.String()
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run is one run of text with its character properties.
type run struct {
	text                    string
	bold, italic, underline bool
	size                    int // half-points; 0: the default
}

func (r run) xml() string {
	var b strings.Builder
	b.WriteString("<w:r>")
	if r.bold || r.italic || r.underline || r.size != 0 {
		b.WriteString("<w:rPr>")
		if r.bold {
			b.WriteString("<w:b/><w:bCs/>")
		}
		if r.italic {
			b.WriteString("<w:i/><w:iCs/>")
		}
		if r.underline {
			b.WriteString(`<w:u w:val="single"/>`)
		}
		if r.size != 0 {
			fmt.Fprintf(&b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, r.size, r.size)
		}
		b.WriteString("</w:rPr>")
	}
	fmt.Fprintf(&b, `<w:t xml:space="preserve">%s</w:t></w:r>`, esc(r.text))
	return b.String()
}

// para is a paragraph: jc is "left", "center", "right" or "both".
func para(jc string, firstLine int, before int, runs ...run) string {
	var b strings.Builder
	b.WriteString("<w:p><w:pPr>")
	if before > 0 {
		fmt.Fprintf(&b, `<w:spacing w:before="%d"/>`, before)
	}
	if firstLine > 0 {
		fmt.Fprintf(&b, `<w:ind w:firstLine="%d"/>`, firstLine)
	}
	fmt.Fprintf(&b, `<w:jc w:val="%s"/></w:pPr>`, jc)
	for _, r := range runs {
		b.WriteString(r.xml())
	}
	b.WriteString("</w:p>")
	return b.String()
}

func documentXML(doc *Document) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<w:document xmlns:w="` + wNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>`)

	// The heading block: the committee on the left, the party on the right.
	left := []string{}
	if doc.Superior != "" {
		left = append(left, para("center", 0, 0, run{text: doc.Superior, size: smallSize + 2}))
	}
	left = append(left,
		para("center", 0, 0, run{text: doc.Committee, bold: true}),
		para("center", 0, 0, run{text: "*"}),
		para("center", 0, 0, run{text: doc.Number}))
	right := []string{
		para("center", 0, 0, run{text: "ĐẢNG CỘNG SẢN VIỆT NAM", bold: true, underline: true, size: 30}),
		para("center", 0, 0),
		para("center", 0, 0, run{text: doc.PlaceDate, italic: true}),
	}
	b.WriteString(plainTable([]int{textWidth * 45 / 100, textWidth - textWidth*45/100}, [][]string{left, right}))

	b.WriteString(para("center", 0, 360, run{text: doc.Title, bold: true, size: 32}))
	b.WriteString(para("center", 0, 0, run{text: doc.Subtitle, bold: true}))
	b.WriteString(para("center", 0, 0, run{text: "-----"}))

	writeBlocks(&b, doc.Body)

	// Nơi nhận on the left, the signature on the right.
	recipients := []string{para("left", 0, 0, run{text: "Nơi nhận:", bold: true, italic: true, underline: true, size: smallSize})}
	for _, r := range doc.Recipients {
		recipients = append(recipients, para("left", 0, 0, run{text: r, size: recipientSize}))
	}
	sign := []string{
		para("center", 0, 0, run{text: doc.OnBehalf, bold: true}),
		para("center", 0, 0, run{text: doc.SignerTitle, bold: true}),
		para("center", 0, 0), para("center", 0, 0), para("center", 0, 0),
		para("center", 0, 0, run{text: doc.SignerName, bold: true}),
	}
	b.WriteString(para("left", 0, 240))
	b.WriteString(plainTable([]int{textWidth / 2, textWidth - textWidth/2}, [][]string{recipients, sign}))
	b.WriteString(para("both", 0, 240, run{text: doc.Provenance, italic: true, size: 20}))

	for _, a := range doc.Appendices {
		b.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
		b.WriteString(para("center", 0, 0, run{text: a.Label, bold: true}))
		b.WriteString(para("center", 0, 0, run{text: a.Title, bold: true}))
		b.WriteString(para("center", 0, 0, run{text: attachedTo(doc), italic: true, size: smallSize}))
		writeBlocks(&b, a.Body)
	}

	fmt.Fprintf(&b, `<w:sectPr><w:headerReference w:type="default" r:id="rId2"/><w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="567" w:footer="567" w:gutter="0"/><w:titlePg/></w:sectPr>`,
		pageW, pageH, marginTop, marginRight, marginBottom, marginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

func writeBlocks(b *strings.Builder, blocks []Block) {
	for _, bl := range blocks {
		switch bl.Kind {
		case Heading1:
			b.WriteString(para("both", 567, 120, run{text: bl.Text, bold: true}))
		case Heading2:
			b.WriteString(para("both", 567, 60, run{text: bl.Text, bold: true}))
		case Heading3:
			b.WriteString(para("both", 567, 60, run{text: bl.Text, bold: true, italic: true}))
		case Paragraph, Figures:
			b.WriteString(para("both", 567, 0, run{text: bl.Text}))
		case Note:
			b.WriteString(para("both", 567, 0, run{text: bl.Text, italic: true, size: smallSize}))
		case TableBlock:
			b.WriteString(gridTable(bl.Table))
		}
	}
}

// plainTable lays paragraphs out side by side without borders, one column
// per cell.
func plainTable(widths []int, cells [][]string) string {
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(textWidth) + `" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="nil"/>`, side)
	}
	b.WriteString(`</w:tblBorders></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid><w:tr>`)
	for i, c := range cells {
		fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>%s</w:tc>`, widths[i], strings.Join(c, ""))
	}
	b.WriteString(`</w:tr></w:tbl>`)
	return b.String()
}

// gridTable is a data table with borders; its header row repeats on every
// page. Numbers (every column after the second) are right-aligned.
func gridTable(t *Table) string {
	var total float64
	for _, w := range t.Widths {
		total += w
	}
	widths := make([]int, len(t.Widths))
	for i, w := range t.Widths {
		widths[i] = int(w / total * textWidth)
	}
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + fmt.Sprint(textWidth) + `" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header, bold bool) {
		b.WriteString("<w:tr>")
		if header {
			b.WriteString(`<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
		} else {
			b.WriteString(`<w:trPr><w:cantSplit/></w:trPr>`)
		}
		for i, c := range cells {
			jc := "left"
			switch {
			case header || i == 0:
				jc = "center"
			case i >= 2:
				jc = "right"
			}
			fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>%s</w:tc>`, widths[i],
				para(jc, 0, 0, run{text: c, bold: header || bold, size: tableSize}))
		}
		b.WriteString("</w:tr>")
	}
	row(t.Header, true, false)
	for _, r := range t.Rows {
		row(r.Cells, false, r.Bold)
	}
	b.WriteString(`</w:tbl>`)
	b.WriteString(para("left", 0, 0))
	return b.String()
}

// attachedTo is the line under an appendix's title: "(Kèm theo Báo cáo số
// 154-BC/HU)".
func attachedTo(doc *Document) string {
	return "(Kèm theo Báo cáo " + strings.Replace(doc.Number, "Số", "số", 1) + ")"
}
