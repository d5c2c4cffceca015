package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/rollup"
)

const unitsCSV = `code,name,level,parent_code
12,Tỉnh Lai Châu,province,
106,Huyện Tam Đường,district,12
03390,Thị trấn Tam Đường,commune,106
03394,Xã Thèn Sin,commune,106
03397,Xã Tả Lèng,commune,106
`

// tamDuong is Huyện Tam Đường's node with the 2021 report signed from the
// fixed seed figures, its narrative, and the target the seed speaks of
// (68 of 126 village heads are members, "đạt 67,5% kế hoạch": a target of
// 80%), with 2020 as its baseline.
type tamDuong struct {
	conn   *grpc.ClientConn
	ctx    context.Context
	engine *rollup.Engine
	digest string
}

func startTamDuong(t *testing.T) *tamDuong {
	t.Helper()
	dir := t.TempDir()
	units, err := hierarchy.ReadCSV(strings.NewReader(unitsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Init(dir, "106", units, true, node.Options{}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	n, err := node.New(cfg, node.Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	tok, err := node.AdminToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
	tree, err := hierarchy.NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	td := &tamDuong{conn: conn, ctx: ctx,
		engine: &rollup.Engine{Store: n.Store(), Catalog: catalog.Default(), Tree: tree, Self: "106"}}

	data := tonghopv1.NewDataServiceClient(conn)
	put := func(p string, vals []*tonghopv1.DataValue) {
		if _, err := data.PutValues(ctx, &tonghopv1.PutValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: p, Values: vals}); err != nil {
			t.Fatalf("put %s: %v", p, err)
		}
	}
	put("2021", readFixture(t))
	put("2020", []*tonghopv1.DataValue{{DataElement: "thon_to_dan_pho", Value: "126"}, {DataElement: "truong_thon_la_dang_vien", Value: "53"}})
	for code, text := range readSections(t) {
		if _, err := data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: code,
			Content: &tonghopv1.SectionContent{Text: text}}); err != nil {
			t.Fatalf("section %s: %v", code, err)
		}
	}
	if _, err := tonghopv1.NewTargetServiceClient(conn).SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: &tonghopv1.Target{
		Indicator: "ty_le_truong_thon_la_dang_vien", UnitCode: "106", Period: "2021",
		Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 80, BaselinePeriod: "2020",
	}}); err != nil {
		t.Fatal(err)
	}
	sub, err := tonghopv1.NewSubmissionServiceClient(conn).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
	if err != nil {
		t.Fatalf("submit the fixed figures: %v", err)
	}
	td.digest = sub.Submission.Digest
	return td
}

func readFixture(t *testing.T) []*tonghopv1.DataValue {
	f, err := os.Open("testdata/tam-duong-2021.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []*tonghopv1.DataValue
	for _, r := range rows[1:] {
		out = append(out, &tonghopv1.DataValue{DataElement: r[0], Option: r[1], Value: r[2]})
	}
	return out
}

func readSections(t *testing.T) map[string]string {
	raw, err := os.ReadFile("testdata/tam-duong-2021-sections.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, part := range strings.Split(string(raw), "## ") {
		code, text, ok := strings.Cut(part, "\n")
		if ok && code != "" {
			out[code] = strings.TrimSpace(text)
		}
	}
	return out
}

func (td *tamDuong) report(t *testing.T, format tonghopv1.DocumentFormat) []byte {
	t.Helper()
	body, err := tonghopv1.NewDocumentServiceClient(td.conn).GetReport(td.ctx, &tonghopv1.GetReportRequest{
		UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Format: format,
		Number: "154", Date: "2021-10-14",
		Basis:    "Thực hiện Công văn số 365-CV/TU, ngày 23/9/2021 của Tỉnh ủy Lai Châu về việc tổng kết công tác xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên, Ban Thường vụ Huyện ủy Tam Đường báo cáo kết quả thực hiện như sau:",
		OnBehalf: "T/M BAN THƯỜNG VỤ", SignerTitle: "PHÓ BÍ THƯ",
		Recipients: []string{"- Thường trực Tỉnh ủy,", "- Ban Tổ chức Tỉnh ủy,", "- Các đồng chí Huyện ủy viên,", "- Các chi, đảng bộ cơ sở,", "- Lưu."},
	})
	if err != nil {
		t.Fatalf("GetReport %v: %v", format, err)
	}
	if out := os.Getenv("TONGHOP_REPORT_OUT"); out != "" {
		ext := map[tonghopv1.DocumentFormat]string{tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX: "docx", tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF: "pdf"}[format]
		os.WriteFile(filepath.Join(out, "tam-duong-2021."+ext), body.Data, 0o644)
	}
	return body.Data
}

// docxLines is the text of a DOCX: a line per paragraph outside tables,
// and a line per table row with its cells separated by tabs.
func docxLines(t *testing.T, raw []byte) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var doc io.ReadCloser
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			doc, err = f.Open()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if doc == nil {
		t.Fatal("no word/document.xml")
	}
	defer doc.Close()
	dec := xml.NewDecoder(doc)
	var (
		lines           []string
		para, row       strings.Builder
		cells           []string
		inText          bool
		tableDepth, tcs int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "t":
				inText = true
			case "tbl":
				tableDepth++
			case "tr":
				cells = nil
			case "tc":
				tcs++
				row.Reset()
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inText = false
			case "p":
				if tableDepth > 0 {
					if row.Len() > 0 && para.Len() > 0 {
						row.WriteString(" ")
					}
					row.WriteString(para.String())
				} else {
					lines = append(lines, para.String())
				}
				para.Reset()
			case "tc":
				cells = append(cells, row.String())
			case "tr":
				lines = append(lines, strings.Join(cells, "\t"))
			case "tbl":
				tableDepth--
			}
		case xml.CharData:
			if inText {
				para.Write(e)
			}
		}
	}
	return lines
}

var vi = numfmt.Vietnamese()

// checkFigures finds every figure of the document equal to the engine's
// answer: every row of appendix 1 (each element and each option), the
// table of indicators, and the figures in the body.
func (td *tamDuong) checkFigures(t *testing.T, kind string, lines []string) {
	t.Helper()
	cat := catalog.Default()
	ds, _ := cat.DataSet("tong_ket_nam")
	r := period.Range{From: period.MustParse("2021"), To: period.MustParse("2021")}
	text := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")

	for _, want := range []string{
		"ĐẢNG BỘ TỈNH LAI CHÂU", "HUYỆN ỦY TAM ĐƯỜNG", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 154-BC/HU",
		"Tam Đường, ngày 14 tháng 10 năm 2021", "BÁO CÁO", "Nơi nhận:", "T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ",
		"I. THỰC TRẠNG CÔNG TÁC XÂY DỰNG TỔ CHỨC CƠ SỞ ĐẢNG VÀ ĐỘI NGŨ ĐẢNG VIÊN", "3.1. Về tình hình đội ngũ đảng viên",
		"II. ĐÁNH GIÁ CHUNG", "Thực hiện Công văn số 365-CV/TU", "PHỤ LỤC 1", td.digest,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: %q is missing", kind, want)
		}
	}
	// One word for a target, the official outline's: "mục tiêu". "Chỉ tiêu"
	// would read as a target to some and as an indicator to others.
	if i := strings.Index(strings.ToLower(text), "chỉ tiêu"); i >= 0 {
		t.Errorf("%s says %q: a target is a mục tiêu, an indicator a chỉ số, a data element a mục số liệu", kind, text[max(0, i-40):min(len(text), i+40)])
	}
	for _, want := range []string{"Chỉ số", "Mục tiêu", "So với mục tiêu", "Kết quả các chỉ số"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: %q is missing", kind, want)
		}
	}

	// Appendix 1: one row per element and per option, numbered 1, 1.1, ….
	want := map[string]string{}
	var order []string
	for i, code := range ds.Elements {
		refs := []expr.Ref{{Element: code}}
		de, _ := cat.Element(code)
		for _, b := range de.Breakdowns {
			bd, _ := cat.Breakdown(b)
			for _, o := range bd.Options {
				refs = append(refs, expr.Ref{Element: code, Option: o.Code})
			}
		}
		for j, ref := range refs {
			stt := fmt.Sprint(i + 1)
			if j > 0 {
				stt = fmt.Sprintf("%d.%d", i+1, j)
			}
			fig, err := td.engine.Value("106", ref, r, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			w := "–"
			if !fig.Missing {
				w = vi.Int(fig.Value)
			}
			want[stt] = w
			order = append(order, stt)
		}
	}
	rowRE := regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s+(.*\S)\s+(\S+)\s*$`)
	got := map[string]string{}
	in := false
	for _, l := range lines {
		if strings.Contains(l, "PHỤ LỤC 1") {
			in = true
		}
		if strings.Contains(l, "PHỤ LỤC 2") {
			in = false
		}
		if m := rowRE.FindStringSubmatch(l); in && m != nil {
			if _, dup := got[m[1]]; dup {
				t.Errorf("%s: appendix 1 row %s twice", kind, m[1])
			}
			got[m[1]] = m[3]
		}
	}
	present := 0
	for _, stt := range order {
		if got[stt] != want[stt] {
			t.Errorf("%s: appendix 1 row %s = %q, the engine says %q", kind, stt, got[stt], want[stt])
		}
		if want[stt] != "–" {
			present++
		}
	}
	if present < 40 {
		t.Errorf("%s: only %d figures present in appendix 1", kind, present)
	}

	// The indicators: numerator, denominator and value from the engine,
	// and for the target the seed speaks of, the figures worked by hand:
	// 68/126 = 53,97%; 53,97 − 80 = −26,03 points; 53,97 ÷ 80 = 67,5% of
	// plan; against 2020's 53/126 = 42,06%: +11,90.
	for _, ind := range cat.Indicators() {
		iv, err := td.engine.Indicator("106", ind.Code, r, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if iv.Value == nil {
			continue
		}
		cells := []string{vi.Rat(iv.Numerator, 0)}
		if iv.Denominator != nil {
			cells = append(cells, vi.Rat(iv.Denominator, 0))
		} else {
			cells = append(cells, "–")
		}
		value := vi.Rat(iv.Value, ind.Decimals)
		if ind.Unit == "%" {
			value += "%"
		}
		cells = append(cells, value)
		if ind.Code == "ty_le_truong_thon_la_dang_vien" {
			cells = append(cells, "≥80,00%", "-26,03", "67,5", "+11,90")
		}
		if !containsRow(lines, cells) {
			t.Errorf("%s: no indicator row for %s with %q", kind, ind.Code, cells)
		}
	}

	// The body: totals with their breakdowns, as the engine answers them.
	for _, s := range []string{
		"Đảng viên: 2.675", "giới tính: nam 1.791, nữ 884", "dự bị 103", "Đảng viên kết nạp mới: 1.633",
		"Thôn, bản, tổ dân phố: 126", "Trưởng thôn, bản, tổ trưởng tổ dân phố là đảng viên: 68",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("%s: body lacks %q", kind, s)
		}
	}
}

// containsRow reports whether a line holds the cells in order, each a
// whole token.
func containsRow(lines []string, cells []string) bool {
	for _, l := range lines {
		toks := strings.Fields(strings.ReplaceAll(l, "\t", " "))
		i := 0
		for _, tok := range toks {
			if i < len(cells) && tok == cells[i] {
				i++
			}
		}
		if i == len(cells) {
			return true
		}
	}
	return false
}

func TestTamDuong2021(t *testing.T) {
	td := startTamDuong(t)

	docx := td.report(t, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX)
	td.checkFigures(t, "docx", docxLines(t, docx))

	pdf := td.report(t, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "tam-duong-2021.pdf")
	os.WriteFile(pdfPath, pdf, 0o600)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
	} else {
		out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		td.checkFigures(t, "pdf", strings.Split(string(out), "\n"))
	}

	t.Run("LibreOffice", func(t *testing.T) {
		soffice, err := exec.LookPath("soffice")
		if err != nil {
			t.Skip("soffice (libreoffice-writer-nogui) is not installed: the DOCX is not opened in LibreOffice")
		}
		docxPath := filepath.Join(dir, "bao-cao.docx")
		os.WriteFile(docxPath, docx, 0o600)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--headless", "--convert-to", "pdf", "--outdir", filepath.Join(dir, "lo"), docxPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to pdf: %v\n%s", err, out)
		}
		converted := filepath.Join(dir, "lo", "bao-cao.pdf")
		if _, err := os.Stat(converted); err != nil {
			t.Fatalf("LibreOffice wrote no PDF: %v", err)
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			return
		}
		out, err := exec.Command("pdftotext", converted, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext of LibreOffice's PDF: %v", err)
		}
		for _, s := range []string{"HUYỆN ỦY TAM ĐƯỜNG", "ĐẢNG CỘNG SẢN VIỆT NAM", "2.675", "PHỤ LỤC 1", td.digest} {
			if !strings.Contains(string(out), s) {
				t.Errorf("LibreOffice's rendering lacks %q", s)
			}
		}
	})
}

func TestReportRefusesUnsigned(t *testing.T) {
	td := startTamDuong(t)
	_, err := tonghopv1.NewDocumentServiceClient(td.conn).GetReport(td.ctx, &tonghopv1.GetReportRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2020"})
	if err == nil || !strings.Contains(err.Error(), "FailedPrecondition") {
		t.Fatalf("a report of an unsigned period: %v, want FailedPrecondition", err)
	}
	_, err = tonghopv1.NewDocumentServiceClient(td.conn).GetReport(td.ctx, &tonghopv1.GetReportRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021x", Date: "14/10/2021", Format: 9})
	for _, f := range []string{"period", "date", "format"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("bad request: %v, want a violation of %s", err, f)
		}
	}
}
