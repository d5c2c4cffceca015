package cli

import (
	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/demo"
)

func newDemoCmd(streams IO) *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a 3-level hierarchy of nodes on loopback with signed sample reports",
		Long: `Start Tỉnh Lai Châu (12), two of its districts (105, 106) and three communes of
each as nine real nodes on loopback, each with its own bbolt file, key,
certificate and ports. Children enrol with one-time tokens; every district and
commune enters sample statistics for 2021, signs them and sends them up; the
province verifies every report end to end. Prints what the province holds
and keeps serving until Ctrl-C (the province's REST on --http-listen).`,
		Example: "  tonghop demo\n  tonghop demo --once --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Out = streams.Out
			log, err := newLogger("warn", "console", streams.Err)
			if err != nil {
				return err
			}
			o.Logger = log
			return demo.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Once, "once", false, "print and exit instead of serving")
	f.BoolVar(&o.JSON, "json", false, "print one JSON object describing the run")
	f.StringVar(&o.DataDir, "data-dir", "", "keep the nodes' files here, one directory per unit (default: a temporary directory, removed at exit)")
	f.StringVar(&o.GRPCListen, "grpc-listen", "127.0.0.1:7400", "the province's gRPC listen address")
	f.StringVar(&o.HTTPListen, "http-listen", "127.0.0.1:7401", "the province's REST listen address")
	return cmd
}
