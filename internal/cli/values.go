package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/valuefile"
)

// targetFlags name the unit, data set and period of a command.
type targetFlags struct {
	unit, dataSet, period string
}

func (f *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.unit, "unit", "", "unit code (the node's own unit)")
	cmd.Flags().StringVar(&f.dataSet, "data-set", "tong_ket_nam", "data set code")
	cmd.Flags().StringVar(&f.period, "period", "", "period code, e.g. 2021, 2021S1, 2021Q3, 202109")
}

func newValuesCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "values",
		Short: "Enter, read, delete and import the node's own values",
	}
	cmd.AddCommand(newValuesPutCmd(streams), newValuesGetCmd(streams), newValuesDeleteCmd(streams), newValuesImportCmd(streams))
	return cmd
}

// parseAssignment reads ELEMENT=VALUE or ELEMENT.OPTION=VALUE.
func parseAssignment(arg string) (*tonghopv1.DataValue, error) {
	key, value, ok := strings.Cut(arg, "=")
	if !ok {
		return nil, fmt.Errorf("%w: %q is not ELEMENT[.OPTION]=VALUE", errUsage, arg)
	}
	element, option, _ := strings.Cut(key, ".")
	return &tonghopv1.DataValue{DataElement: element, Option: option, Value: value}, nil
}

func newValuesPutCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		t targetFlags
	)
	cmd := &cobra.Command{
		Use:     "put ELEMENT[.OPTION]=VALUE...",
		Short:   "Store values, all of them or none",
		Example: `  tonghop values put --unit 106 --period 2021 dang_vien=2675 dang_vien.nam=1793 dang_vien.nu=882`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := &tonghopv1.PutValuesRequest{UnitCode: t.unit, DataSet: t.dataSet, Period: t.period}
			for _, a := range args {
				v, err := parseAssignment(a)
				if err != nil {
					return err
				}
				req.Values = append(req.Values, v)
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewDataServiceClient(conn).PutValues(cmd.Context(), req)
			if err != nil {
				return err
			}
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.storedValues, resp.Stored, t.unit, t.dataSet, t.period)
			ws.writeStoredViolations(streams.Out, resp.Violations)
			return nil
		},
	}
	c.register(cmd)
	t.register(cmd)
	return cmd
}

func newValuesGetCmd(streams IO) *cobra.Command {
	var (
		c       clientFlags
		t       targetFlags
		o       outputFlags
		element string
	)
	cmd := &cobra.Command{
		Use:     "get",
		Short:   "Show the values of a data set and period",
		Example: `  tonghop values get --unit 106 --period 2021 --element dang_vien`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewDataServiceClient(conn).GetValues(cmd.Context(), &tonghopv1.GetValuesRequest{
				UnitCode: t.unit, DataSet: t.dataSet, Period: t.period, DataElement: element,
			})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(streams.Out, resp)
			}
			names, err := fetchNames(cmd, conn)
			if err != nil {
				return err
			}
			tab := &table{header: say(cmd).valuesNamed, fields: []string{"data_element", "option", "value", "name"}}
			for _, v := range resp.Values {
				value := v.Value
				if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil && o.format == "table" {
					value = o.style().Int(n)
				}
				tab.add(v.DataElement, v.Option, value, names.of(v.DataElement, v.Option))
			}
			return tab.write(streams.Out, o.format)
		},
	}
	c.register(cmd)
	t.register(cmd)
	o.register(cmd)
	cmd.Flags().StringVar(&element, "element", "", "only this data element")
	return cmd
}

func newValuesDeleteCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		t targetFlags
	)
	cmd := &cobra.Command{
		Use:     "delete ELEMENT[.OPTION]",
		Short:   "Delete one value",
		Example: `  tonghop values delete --unit 106 --period 2021 dang_vien.nu`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			element, option, _ := strings.Cut(args[0], ".")
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = tonghopv1.NewDataServiceClient(conn).DeleteValue(cmd.Context(), &tonghopv1.DeleteValueRequest{
				UnitCode: t.unit, DataSet: t.dataSet, Period: t.period, DataElement: element, Option: option,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).deletedValue, args[0])
			return nil
		},
	}
	c.register(cmd)
	t.register(cmd)
	return cmd
}

func newValuesImportCmd(streams IO) *cobra.Command {
	var (
		c        clientFlags
		t        targetFlags
		format   string
		onBehalf bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a CSV, JSON or XLSX file of values as one batch, all or nothing",
		Long: `Import a file of values as one batch: every value is stored, or none is.

CSV has the header data_element,option,value and may add unit_code, data_set
and period columns; JSON is the gRPC PutValues request:
  {"unit_code":"106","data_set":"tong_ket_nam","period":"2021",
   "values":[{"data_element":"dang_vien","value":"2675"}]}
Flags fill in what the file leaves out. One file holds one unit, data set
and period: a file whose rows name two periods is refused (import one file
per period). Errors name the file's lines.
An XLSX file is a form: a column "Mã" (dang_vien, dang_vien.nu) and a column
"Số lượng", as "tonghop export --table form" writes it; errors name each bad
cell (Sheet!D7).

With --on-behalf, an XLSX file is a district's sheet with one column per
child unit ("03390 Thị trấn Tam Đường"), as "tonghop export --table children"
writes it: each column becomes that unit's report, entered and signed by
this node on its behalf (as "submit --on-behalf"), all columns or none; a
file with any bad cell signs nothing and every bad cell is named.`,
		Example: `  tonghop values import --unit 106 --period 2021 tam-duong-2021.csv
  tonghop values import --on-behalf --unit 106 --period 2021 bieu-cac-xa-2021.xlsx`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(args[0])), ".")
			}
			if onBehalf {
				if format != "xlsx" {
					return fmt.Errorf("%w: --on-behalf imports an XLSX sheet with one column per unit; for one unit's CSV or JSON use `submit --on-behalf --values FILE`", errUsage)
				}
				return say(cmd).importSheetOnBehalf(cmd.Context(), &c, args[0], t.unit, t.dataSet, t.period, streams.Out)
			}
			if format == "xlsx" {
				return say(cmd).importSpreadsheet(cmd.Context(), &c, args[0], t.unit, t.dataSet, t.period, streams.Out)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			d := valuefile.Defaults{Unit: t.unit, DataSet: t.dataSet, Period: t.period}
			if !cmd.Flags().Changed("data-set") {
				d.DataSet = "" // let the file name it; fall back below
			}
			var b valuefile.Batch
			switch format {
			case "csv":
				b, err = valuefile.ReadCSV(f, d)
			case "json":
				b, err = valuefile.ReadJSON(f, d)
			default:
				return fmt.Errorf("%w: cannot tell the format of %s: use --format csv or json", errUsage, args[0])
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if b.DataSet == "" {
				b.DataSet = t.dataSet
			}
			req := &tonghopv1.PutValuesRequest{UnitCode: b.Unit, DataSet: b.DataSet, Period: b.Period}
			for _, v := range b.Values {
				req.Values = append(req.Values, &tonghopv1.DataValue{DataElement: v.Element, Option: v.Option, Value: v.Value})
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewDataServiceClient(conn).PutValues(cmd.Context(), req)
			if err != nil {
				return withLines(err, args[0], b.Lines)
			}
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.imported, resp.Stored, args[0], b.Unit, b.DataSet, b.Period)
			ws.writeStoredViolations(streams.Out, resp.Violations)
			return nil
		},
	}
	c.register(cmd)
	t.register(cmd)
	cmd.Flags().StringVar(&format, "format", "", "csv, json or xlsx (default: from the file name)")
	cmd.Flags().BoolVar(&onBehalf, "on-behalf", false, "an XLSX sheet with one column per child unit of --unit: enter and sign each column's report on that unit's behalf")
	return cmd
}

// withLines rewrites "values[i].x" field violations as "FILE:LINE: x", so a
// secretary can find the row in the spreadsheet.
func withLines(err error, file string, lines []int) error {
	st, ok := status.FromError(err)
	if !ok || len(lines) == 0 {
		return err
	}
	var br *errdetails.BadRequest
	for _, d := range st.Details() {
		if b, ok := d.(*errdetails.BadRequest); ok {
			br = b
		}
	}
	if br == nil {
		return err
	}
	var msgs []string
	for _, v := range br.FieldViolations {
		field := v.Field
		var i int
		var rest string
		if n, _ := fmt.Sscanf(field, "values[%d]", &i); n == 1 && i >= 0 && i < len(lines) {
			if _, after, found := strings.Cut(field, "]"); found {
				rest = strings.TrimPrefix(after, ".")
			}
			field = fmt.Sprintf("%s:%d", file, lines[i])
			if rest != "" {
				field += ": " + rest
			}
		}
		msgs = append(msgs, field+": "+v.Description)
	}
	return fmt.Errorf("%s: %w", st.Code(), errors.New(strings.Join(msgs, "\n  ")))
}

// writeStoredViolations says what the values just stored break: they are
// kept; errors (lỗi) block signing until fixed or overridden, warnings
// (cảnh báo) do not.
func (ws *words) writeStoredViolations(w io.Writer, vs []*tonghopv1.Violation) {
	if len(vs) == 0 {
		return
	}
	errs := 0
	for _, v := range vs {
		if v.Importance != tonghopv1.Importance_IMPORTANCE_WARNING {
			errs++
		}
	}
	switch {
	case errs == 0:
		fmt.Fprintf(w, ws.warningsOnly, len(vs))
	case errs == len(vs):
		fmt.Fprintf(w, ws.errorsOnly, len(vs))
	default:
		fmt.Fprintf(w, ws.errorsAndWarnings, errs, len(vs)-errs)
	}
	ws.writeViolations(w, vs, numfmt.Vietnamese())
}
