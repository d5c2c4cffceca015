package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/valuefile"
)

// onBehalfFlags are submit's flags for a report entered on a unit's behalf.
type onBehalfFlags struct {
	onBehalf bool
	file     string
}

func (f *onBehalfFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.onBehalf, "on-behalf", false, "enter and sign the report of --unit, a unit below this node that runs no node")
	cmd.Flags().StringVar(&f.file, "values", "", "with --on-behalf: a CSV or JSON value file (as for `values import`)")
}

// submit sends the report entered on the unit's behalf: the values of the
// file, then those of the ELEMENT[.OPTION]=VALUE arguments.
func (f *onBehalfFlags) submit(cmd *cobra.Command, conn *grpc.ClientConn, own *tonghopv1.SubmitRequest, args []string) (*tonghopv1.Submission, error) {
	req := &tonghopv1.SubmitOnBehalfRequest{UnitCode: own.UnitCode, DataSet: own.DataSet, Period: own.Period, Overrides: own.Overrides}
	if f.file != "" {
		r, err := os.Open(f.file)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		d := valuefile.Defaults{Unit: own.UnitCode, DataSet: own.DataSet, Period: own.Period}
		var b valuefile.Batch
		switch strings.ToLower(filepath.Ext(f.file)) {
		case ".csv":
			b, err = valuefile.ReadCSV(r, d)
		case ".json":
			b, err = valuefile.ReadJSON(r, d)
		default:
			return nil, fmt.Errorf("%w: --values takes a .csv or .json file", errUsage)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.file, err)
		}
		for _, v := range b.Values {
			req.Values = append(req.Values, &tonghopv1.DataValue{DataElement: v.Element, Option: v.Option, Value: v.Value})
		}
	}
	for _, a := range args {
		v, err := parseAssignment(a)
		if err != nil {
			return nil, err
		}
		req.Values = append(req.Values, v)
	}
	resp, err := tonghopv1.NewSubmissionServiceClient(conn).SubmitOnBehalf(cmd.Context(), req)
	if err != nil {
		return nil, err
	}
	return resp.Submission, nil
}
