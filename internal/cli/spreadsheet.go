package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newExportCmd(streams IO) *cobra.Command {
	var (
		c       clientFlags
		req     tonghopv1.ExportTableRequest
		outFile string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a roll-up answer as an Excel workbook (XLSX) with real numbers",
		Long: `Write a roll-up answer as XLSX, numbers as numbers with number formats:
  --table value         one indicator of the unit (--indicator, --period)
  --table compare       the unit's children (or --level) ranked, with the unit's figure
  --table series        one indicator per period of a range
  --table completeness  who reported in a round (--round), by level
  --table cube          every element and option of every unit of the subtree for a period
  --table form          the unit's form: every element and option with its figure, in the
                        layout "tonghop values import FILE.xlsx" reads back
  --table children      the node's sheet with one column per child unit, its figures
                        where the node holds a report, for
                        "tonghop values import --on-behalf FILE.xlsx"

With --boundaries DAY (value, compare, series, cube), the figures are in the map
of that day, as tonghop query gives them: a 2021 cube in 2025 boundaries
(--boundaries 2025-07-01) has a row per unit of the 2025 map, each summed over
the old units it was made of; a unit that received part of a split unit has
empty cells and a last column saying "không so sánh được". By default, the map
in force at the end of the period.`,
		Example: `  tonghop export --unit 12 --table compare --indicator ty_le_dang_vien_nu --period 2021 -o so-sanh.xlsx
  tonghop export --unit 106 --table cube --period 2021 -o khoi-so-lieu-2021.xlsx
  tonghop export --unit 12 --table cube --period 2021 --boundaries 2025-07-01 -o khoi-2021-ranh-gioi-2025.xlsx
  tonghop export --unit 106 --table form --period 2021 -o bieu-2021.xlsx
  tonghop export --unit 106 --table children --period 2021 -o bieu-cac-xa-2021.xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.UnitCode == "" || req.Table == "" {
				return fmt.Errorf("%w: --unit and --table are required", errUsage)
			}
			return exportTable(cmd.Context(), &c, &req, outFile, streams.Out)
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&req.UnitCode, "unit", "", "unit code")
	f.StringVar(&req.Table, "table", "", "value, compare, series, completeness, cube, form or children")
	f.StringVar(&req.Indicator, "indicator", "", "indicator code (value, compare, series)")
	f.StringVar(&req.Period, "period", "", "period or range, e.g. 2021 or 2010..2020")
	f.StringVar(&req.Level, "level", "", "compare: rank the units of this level instead of the children")
	f.StringVar(&req.RoundId, "round", "", "completeness: the round's id")
	f.StringVar(&req.Boundaries, "boundaries", "", "value, compare, series, cube: in the map of this day, YYYY-MM-DD (2025-07-01: the 2025 boundaries); default the map at the end of the period")
	f.StringVarP(&outFile, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

// exportTable asks the node for the table and writes the file (or stdout).
func exportTable(ctx context.Context, c *clientFlags, req *tonghopv1.ExportTableRequest, outFile string, stdout io.Writer) error {
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	body, err := tonghopv1.NewDocumentServiceClient(conn).ExportTable(ctx, req)
	if err != nil {
		return err
	}
	return writeBody(body, outFile, stdout)
}

func writeBody(body *httpbody.HttpBody, outFile string, stdout io.Writer) error {
	if outFile == "" || outFile == "-" {
		_, err := stdout.Write(body.Data)
		return err
	}
	return os.WriteFile(outFile, body.Data, 0o644)
}

// xlsxType is the media type of an XLSX workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importSpreadsheet sends an XLSX of values as one batch; a refusal names
// every bad cell.
func (ws *words) importSpreadsheet(ctx context.Context, c *clientFlags, file, unit, dataSet, periodCode string, out io.Writer) error {
	return sendSpreadsheet(c, file, func(conn *grpc.ClientConn, body *httpbody.HttpBody) error {
		resp, err := tonghopv1.NewDocumentServiceClient(conn).ImportSpreadsheet(ctx, &tonghopv1.ImportSpreadsheetRequest{
			UnitCode: unit, DataSet: dataSet, Period: periodCode, File: body})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, ws.imported, resp.Stored, file, strings.Join(resp.UnitCodes, ", "), dataSet, periodCode)
		for _, n := range resp.Notes {
			fmt.Fprintln(out, n)
		}
		return nil
	})
}

// importSheetOnBehalf sends a sheet with one column per child unit; each
// column becomes that unit's report entered on its behalf, all or none.
func (ws *words) importSheetOnBehalf(ctx context.Context, c *clientFlags, file, unit, dataSet, periodCode string, out io.Writer) error {
	return sendSpreadsheet(c, file, func(conn *grpc.ClientConn, body *httpbody.HttpBody) error {
		resp, err := tonghopv1.NewSubmissionServiceClient(conn).SubmitSheetOnBehalf(ctx, &tonghopv1.SubmitSheetOnBehalfRequest{
			UnitCode: unit, DataSet: dataSet, Period: periodCode, File: body})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, ws.onBehalfImported, len(resp.Submissions), file, dataSet, periodCode)
		for _, s := range resp.Submissions {
			fmt.Fprintf(out, ws.onBehalfLine, s.UnitCode, s.Revision, s.ValueCount, s.EnteredBy, s.Digest)
		}
		return nil
	})
}

// sendSpreadsheet reads an XLSX file and sends it with send; a refusal is
// prefixed with the file's name.
func sendSpreadsheet(c *clientFlags, file string, send func(*grpc.ClientConn, *httpbody.HttpBody) error) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := send(conn, &httpbody.HttpBody{ContentType: xlsxType, Data: raw}); err != nil {
		if st, ok := status.FromError(err); ok {
			return fmt.Errorf("%s: %w", file, st.Err())
		}
		return err
	}
	return nil
}
