package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/api/httpbody"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/dhis2"
)

func newDHIS2Cmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dhis2",
		Short: "Exchange values with DHIS2: data value sets (JSON, XML, CSV), ADX, metadata",
	}
	cmd.AddCommand(newDHIS2ImportCmd(streams), newDHIS2ExportCmd(streams), newDHIS2CatalogCmd(streams))
	return cmd
}

var dhis2FormatFlag = map[string]tonghopv1.DataValueSetFormat{
	"":         tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_UNSPECIFIED,
	dhis2.JSON: tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_JSON, dhis2.XML: tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_XML,
	dhis2.CSV: tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_CSV, dhis2.ADX: tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_ADX,
}

func readMappingFlag(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	raw, err := os.ReadFile(file)
	return string(raw), err
}

func newDHIS2ImportCmd(streams IO) *cobra.Command {
	var (
		c                        clientFlags
		format, mapping, dataSet string
		req                      tonghopv1.ImportDataValueSetRequest
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a DHIS2 data value set or ADX file; answers with DHIS2's import summary",
		Long: `Import a DHIS2 data value set (JSON, XML or CSV) or an ADX file into the
node's own values. Each value that cannot be taken is a conflict, named with
its reason; the others are stored. --strategy DELETE removes the values named.
A mapping (CSV: type,dhis2,tonghop[,adx]) ties DHIS2's UIDs or codes to
tonghop's codes; without one, identifiers are tonghop's codes.`,
		Example: `  tonghop dhis2 import tam-duong-2021.json --mapping mapping.csv
  tonghop dhis2 import tam-duong-2021.adx.xml --mapping mapping.csv --dry-run
  tonghop dhis2 import tam-duong-2021.csv --mapping mapping.csv --strategy DELETE`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "" {
				format = dhis2.FormatOf(args[0])
			}
			f, ok := dhis2FormatFlag[format]
			if !ok {
				return fmt.Errorf("%w: --format %q is not json, xml, csv or adx", errUsage, format)
			}
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if req.Mapping, err = readMappingFlag(mapping); err != nil {
				return err
			}
			req.Format, req.DataSet = f, dataSet
			req.File = &httpbody.HttpBody{ContentType: dhis2.MediaTypes[format], Data: raw}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewDocumentServiceClient(conn).ImportDataValueSet(cmd.Context(), &req)
			if err != nil {
				return err
			}
			return writeJSON(streams.Out, resp)
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&format, "format", "", "json, xml, csv or adx (default: from the file name)")
	cmd.Flags().StringVar(&mapping, "mapping", "", "mapping file (CSV: type,dhis2,tonghop[,adx])")
	cmd.Flags().StringVar(&dataSet, "data-set", "", "data set of values whose file names none (default tong_ket_nam)")
	cmd.Flags().StringVar(&req.ImportStrategy, "strategy", "", "CREATE_AND_UPDATE (default), CREATE, UPDATE or DELETE")
	cmd.Flags().BoolVar(&req.DryRun, "dry-run", false, "check and count without storing")
	return cmd
}

func newDHIS2ExportCmd(streams IO) *cobra.Command {
	var (
		c                        clientFlags
		format, mapping, outFile string
		req                      tonghopv1.ExportDataValueSetRequest
	)
	cmd := &cobra.Command{
		Use:     "export",
		Short:   "Write a unit's values as a DHIS2 data value set or ADX file",
		Example: `  tonghop dhis2 export --unit 106 --period 2021 --format adx --mapping mapping.csv -o tam-duong-2021.adx.xml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" && outFile != "" {
				format = dhis2.FormatOf(outFile)
			}
			f, ok := dhis2FormatFlag[format]
			if !ok {
				return fmt.Errorf("%w: --format %q is not json, xml, csv or adx", errUsage, format)
			}
			var err error
			if req.Mapping, err = readMappingFlag(mapping); err != nil {
				return err
			}
			req.Format = f
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			body, err := tonghopv1.NewDocumentServiceClient(conn).ExportDataValueSet(cmd.Context(), &req)
			if err != nil {
				return err
			}
			return writeBody(body, outFile, streams.Out)
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&req.UnitCode, "unit", "", "unit code (default: the node's own)")
	f.StringVar(&req.DataSet, "data-set", "tong_ket_nam", "data set code")
	f.StringVar(&req.Period, "period", "", "period code, e.g. 2021")
	f.BoolVar(&req.Children, "children", false, "also the latest reports of the unit's children")
	f.StringVar(&format, "format", "", "json, xml, csv or adx (default: from the file name, else json)")
	f.StringVar(&mapping, "mapping", "", "mapping file (CSV: type,dhis2,tonghop[,adx])")
	f.StringVarP(&outFile, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

func newDHIS2CatalogCmd(streams IO) *cobra.Command {
	var version, outFile, mappingOut string
	cmd := &cobra.Command{
		Use:   "catalog METADATA.json",
		Short: "Make a tonghop catalogue (YAML) and a mapping from a DHIS2 metadata export",
		Long: `Make a tonghop catalogue from a DHIS2 metadata export (GET /api/metadata):
data elements with their category combos as breakdowns, data sets, indicators
with their numerators and denominators, and validation rules; and the mapping
of DHIS2's UIDs and codes to the catalogue's codes. What cannot be carried
over is listed on standard error. Works offline.`,
		Example: `  tonghop dhis2 catalog metadata.json -o catalog.yaml --mapping-out mapping.csv`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			conv, err := dhis2.Catalogue(f, version)
			if err != nil {
				return err
			}
			for _, s := range conv.Skipped {
				fmt.Fprintf(streams.Err, say(cmd).notCarried, s)
			}
			var out io.Writer = streams.Out
			if outFile != "" {
				file, err := os.Create(outFile)
				if err != nil {
					return err
				}
				defer file.Close()
				out = file
			}
			if _, err := out.Write(conv.YAML); err != nil {
				return err
			}
			if mappingOut != "" {
				mf, err := os.Create(mappingOut)
				if err != nil {
					return err
				}
				defer mf.Close()
				return conv.Mapping.Write(mf)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&version, "version", "dhis2", "version of the catalogue made")
	cmd.Flags().StringVarP(&outFile, "output", "o", "", "catalogue file to write (default: standard output)")
	cmd.Flags().StringVar(&mappingOut, "mapping-out", "", "mapping file to write")
	return cmd
}
