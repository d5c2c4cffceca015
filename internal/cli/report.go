package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newReportCmd(streams IO) *cobra.Command {
	var (
		c                         clientFlags
		unit, dataSet, periodCode string
		format, outFile           string
		req                       tonghopv1.GetReportRequest
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Make a unit's printed report (DOCX or PDF) from its signed report and the roll-up",
		Long: `Make the printed yearly review of a unit for a data set and period, laid out
as the party's documents are (Hướng dẫn 36-HD/VPTW): the heading block, the
number, the place and date, the sections of the official outline with the
narrative the unit wrote, the figures and indicators from the data, "Nơi
nhận", the signature block and the appendices. It is made from the latest
signed report, whose digest it names; no figure is typed.`,
		Example: `  tonghop report --unit 106 --period 2021 --format docx -o bao-cao-tam-duong-2021.docx
  tonghop report --unit 106 --period 2021 --format pdf -o bao-cao.pdf --number 154 --date 2021-10-14 \
    --on-behalf "T/M BAN THƯỜNG VỤ" --signer-title "PHÓ BÍ THƯ" \
    --recipient "- Thường trực Tỉnh ủy," --recipient "- Ban Tổ chức Tỉnh ủy," --recipient "- Lưu."`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unit == "" || periodCode == "" || outFile == "" {
				return fmt.Errorf("%w: --unit, --period and -o are required", errUsage)
			}
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(outFile)), ".")
			}
			switch format {
			case "docx":
				req.Format = tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX
			case "pdf":
				req.Format = tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF
			default:
				return fmt.Errorf("%w: --format %q is not docx or pdf", errUsage, format)
			}
			req.UnitCode, req.DataSet, req.Period = unit, dataSet, periodCode
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			body, err := tonghopv1.NewDocumentServiceClient(conn).GetReport(cmd.Context(), &req)
			if err != nil {
				return err
			}
			if err := os.WriteFile(outFile, body.Data, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).wroteReport, outFile, body.ContentType, len(body.Data), unit, dataSet, periodCode)
			return nil
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&unit, "unit", "", "unit code")
	f.StringVar(&dataSet, "data-set", "tong_ket_nam", "data set code")
	f.StringVar(&periodCode, "period", "", "period code, e.g. 2021")
	f.StringVar(&format, "format", "", "docx or pdf (default: from the file name)")
	f.StringVarP(&outFile, "output", "o", "", "file to write")
	f.StringVar(&req.Number, "number", "", `the document's number ("154" gives "Số 154-BC/HU"); empty leaves the blank`)
	f.StringVar(&req.Place, "place", "", "place of the date line (default: the unit's name)")
	f.StringVar(&req.Date, "date", "", "date of the document, YYYY-MM-DD (default: the day the report was signed)")
	f.StringVar(&req.Basis, "basis", "", `opening sentence, e.g. "Thực hiện Công văn số 365-CV/TU …"`)
	f.StringVar(&req.OnBehalf, "on-behalf", "", `line above the signer's title (default: "T/M BAN THƯỜNG VỤ", or "T/M ĐẢNG ỦY" for a commune)`)
	f.StringVar(&req.SignerTitle, "signer-title", "", `signer's title (default: "BÍ THƯ")`)
	f.StringVar(&req.SignerName, "signer-name", "", "signer's name")
	f.StringArrayVar(&req.Recipients, "recipient", nil, `a line of "Nơi nhận" (repeat; default: the superior committee and "Lưu.")`)
	return cmd
}
