package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tonghop/tonghop/internal/numfmt"
)

// outputFlags choose how results are written: a table for people (with
// Vietnamese or plain numbers), JSON or CSV for machines.
type outputFlags struct {
	format  string
	numbers string
}

func (f *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.format, "output", "o", "table", "table, json or csv")
	cmd.Flags().StringVar(&f.numbers, "numbers", "vi", "number style of tables: vi (2.675; 77,78) or plain (2675; 77.78)")
}

func (f *outputFlags) check() error {
	switch f.format {
	case "table", "json", "csv":
	default:
		return fmt.Errorf("%w: --output %q is not table, json or csv", errUsage, f.format)
	}
	switch f.numbers {
	case "vi", "plain":
	default:
		return fmt.Errorf("%w: --numbers %q is not vi or plain", errUsage, f.numbers)
	}
	return nil
}

func (f *outputFlags) style() numfmt.Style {
	if f.numbers == "plain" {
		return numfmt.Plain()
	}
	return numfmt.Vietnamese()
}

// day writes the date of t in Hà Nội.
func day(t time.Time) string { return t.In(numfmt.Zone()).Format("2006-01-02") }

// table is rows with a header, written as aligned text or CSV. The header
// is for people, in the command's language; CSV, for machines, heads its
// columns with fields when given, names that do not change with --lang.
type table struct {
	header, fields []string
	rows           [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer, format string) error {
	if format == "csv" {
		cw := csv.NewWriter(w)
		if t.fields != nil {
			cw.Write(t.fields)
		} else {
			cw.Write(t.header)
		}
		cw.WriteAll(t.rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, row := range append([][]string{t.header}, t.rows...) {
		for j, c := range row {
			if j > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// writeJSON writes a response message as indented JSON with proto field
// names, the same shape the REST gateway answers.
func writeJSON(w io.Writer, m proto.Message) error {
	raw, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true, Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", raw)
	return err
}
