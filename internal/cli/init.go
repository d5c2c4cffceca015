package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

func newInitCmd(streams IO) *cobra.Command {
	var (
		unitsFile string
		cfg       = config.Default()
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Prepare a data directory for a node and write its configuration",
		Long: `Create the node's store in --data-dir, load the administrative units from a
CSV file (code,name,level,parent_code[,valid_from,valid_to]) that includes the
node's own unit, record the unit as the node's identity, and write
DATA_DIR/tonghop.yaml for "tonghop serve --config".`,
		Example: `  tonghop init --data-dir ./data/106 --unit 106 --units vn-admin-units-2024.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.DataDir == "" || cfg.Unit == "" || unitsFile == "" {
				return fmt.Errorf("%w: --data-dir, --unit and --units are required", errUsage)
			}
			// serve may run from another directory (systemd): record where
			// the data is, not where init happened to run.
			abs, err := filepath.Abs(cfg.DataDir)
			if err != nil {
				return err
			}
			cfg.DataDir = abs
			f, err := os.Open(unitsFile)
			if err != nil {
				return err
			}
			defer f.Close()
			units, err := hierarchy.ReadCSV(f)
			if err != nil {
				return fmt.Errorf("%s: %w", unitsFile, err)
			}
			u, err := node.Init(cfg.DataDir, cfg.Unit, units, cfg.Parent == "", node.Options{})
			if err != nil {
				return err
			}
			path := filepath.Join(cfg.DataDir, "tonghop.yaml")
			kept := ""
			if _, err := os.Stat(path); err == nil {
				// Running init again adds units; it never undoes an
				// operator's edits to the configuration.
				kept = " (configuration kept as it was)"
			} else {
				raw, err := cfg.Marshal()
				if err != nil {
					return err
				}
				if err := os.WriteFile(path, raw, 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(streams.Out, "Initialised the node of %s (%s, %s) in %s with %d units%s.\n", u.Name, u.Code, u.Level, cfg.DataDir, len(units), kept)
			if cfg.Parent != "" {
				fmt.Fprintf(streams.Out, "Next, with a token from the parent's administrator (tonghop children token %s):\n  tonghop enroll --data-dir %s --token TOKEN\n", u.Code, cfg.DataDir)
			} else {
				fmt.Fprintf(streams.Out, "This node is the root of its hierarchy and holds its own CA certificate.\n")
			}
			if tok, err := node.AdminToken(cfg.DataDir); err == nil && kept == "" {
				fmt.Fprintf(streams.Out, "Its first admin token (shown once; also in %s, readable by you only):\n  %s\n",
					filepath.Join(cfg.DataDir, node.AdminTokenFile), tok)
			}
			fmt.Fprintf(streams.Out, "Start it with:\n  tonghop serve --config %s\n", path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "", "data directory to prepare")
	f.StringVar(&cfg.Unit, "unit", "", "code of the unit this node holds data for, e.g. 106")
	f.StringVar(&unitsFile, "units", "", "CSV file of administrative units")
	f.StringVar(&cfg.GRPCListen, "grpc-listen", config.DefaultGRPCListen, "gRPC listen address to write into the configuration")
	f.StringVar(&cfg.HTTPListen, "http-listen", config.DefaultHTTPListen, "HTTP listen address to write into the configuration")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "certificate (PEM) for the gRPC and HTTP listeners, to write into the configuration")
	f.StringVar(&cfg.TLSKeyFile, "tls-key-file", "", "its private key (PEM)")
	f.BoolVar(&cfg.AllowInsecureListen, "allow-insecure-listen", false, "write allow_insecure_listen into the configuration (listen off loopback without TLS)")
	f.StringVar(&cfg.PeerListen, "peer-listen", config.DefaultPeerListen, "peer (mutual TLS) listen address to write into the configuration")
	f.StringVar(&cfg.Parent, "parent", "", "parent node's peer address; empty makes this node the root, with its own CA")
	return cmd
}
