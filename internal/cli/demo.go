package cli

import (
	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/demo"
)

func newDemoCmd(streams IO) *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a node with sample statistics on loopback and keep serving REST",
		Long: `Start a real node for Huyện Tam Đường (106) of Tỉnh Lai Châu with its own bbolt
file, enter the district's 2021 sample statistics through the API, print
them, and keep serving gRPC and REST until Ctrl-C.`,
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
	f.StringVar(&o.DataDir, "data-dir", "", "keep the node's files here (default: a temporary directory, removed at exit)")
	f.StringVar(&o.GRPCListen, "grpc-listen", "127.0.0.1:7400", "gRPC listen address")
	f.StringVar(&o.HTTPListen, "http-listen", "127.0.0.1:7401", "REST listen address")
	return cmd
}
