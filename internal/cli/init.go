package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

func newInitCmd(streams IO) *cobra.Command {
	var (
		unitsFile, mappingFile, validFrom string
		cfg                               = config.Default()
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Prepare a data directory for a node and write its configuration",
		Long: `Create the node's store in --data-dir, load the administrative units, record
the node's unit as its identity, and write DATA_DIR/tonghop.yaml for
"tonghop serve --config".

Without --units the node gets Vietnam's map built into the program: the
3-level list valid until 2025-06-30, the 2-level list from 2025-07-01, and
the official mapping between them, so that figures of either map can be
asked in the boundaries of the other. --units loads another list instead
(CSV: code,name,level,parent_code[,valid_from,valid_to]); with --valid-from
the list takes over from that day, ending every unit the node knew that is
still valid then, and --mapping adds the old → new mapping of that day
(old_code,old_name,new_code,new_name,level,merge_type).`,
		Example: `  tonghop init --data-dir ./data/106 --unit 106
  tonghop init --data-dir ./data/12 --unit 12 --units lai-chau-2024.csv
  tonghop init --data-dir ./data/12 --unit 12 --units lai-chau-2026.csv --valid-from 2026-01-01 --mapping sap-nhap-2026.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.DataDir == "" || cfg.Unit == "" {
				return fmt.Errorf("%w: --data-dir and --unit are required", errUsage)
			}
			var from time.Time
			if validFrom != "" {
				var err error
				if from, err = hierarchy.ParseDate(validFrom); err != nil {
					return fmt.Errorf("%w: --valid-from: %v", errUsage, err)
				}
			}
			switch {
			case unitsFile == "" && (validFrom != "" || mappingFile != ""):
				return fmt.Errorf("%w: --valid-from and --mapping go with --units; the built-in map has its own dates", errUsage)
			case mappingFile != "" && validFrom == "":
				return fmt.Errorf("%w: --mapping needs --valid-from, the day the mapping takes effect", errUsage)
			}
			// serve may run from another directory (systemd): record where
			// the data is, not where init happened to run.
			abs, err := filepath.Abs(cfg.DataDir)
			if err != nil {
				return err
			}
			cfg.DataDir = abs
			var (
				units   []hierarchy.Unit
				changes []hierarchy.Change
				source  = say(cmd).builtInMap
			)
			if unitsFile == "" {
				if units, err = country.Units(); err != nil {
					return err
				}
				if changes, err = country.Mapping2025(); err != nil {
					return err
				}
			} else {
				source = unitsFile
				if units, err = readUnitsFile(unitsFile); err != nil {
					return err
				}
				if mappingFile != "" {
					if changes, err = readMappingFile(mappingFile, from); err != nil {
						return err
					}
				}
			}
			if err := node.LoadMap(cfg.DataDir, units, changes, from, node.Options{}); err != nil {
				return err
			}
			u, err := node.Init(cfg.DataDir, cfg.Unit, nil, cfg.Parent == "", node.Options{})
			if err != nil {
				return err
			}
			path := filepath.Join(cfg.DataDir, "tonghop.yaml")
			kept, ws := "", say(cmd)
			if _, err := os.Stat(path); err == nil {
				// Running init again adds units; it never undoes an
				// operator's edits to the configuration.
				kept = ws.configKept
			} else {
				raw, err := cfg.Marshal()
				if err != nil {
					return err
				}
				if err := os.WriteFile(path, raw, 0o600); err != nil {
					return err
				}
			}
			fmt.Fprintf(streams.Out, ws.initialised, u.Name, u.Code, u.Level, cfg.DataDir, len(units), source, kept)
			if cfg.Parent != "" {
				fmt.Fprintf(streams.Out, ws.initNext, u.Code, cfg.DataDir)
			} else {
				fmt.Fprint(streams.Out, ws.initRoot)
			}
			if tok, err := node.AdminToken(cfg.DataDir); err == nil && kept == "" {
				fmt.Fprintf(streams.Out, ws.initToken,
					filepath.Join(cfg.DataDir, node.AdminTokenFile), tok)
			}
			fmt.Fprintf(streams.Out, ws.initStart, path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "", "data directory to prepare")
	f.StringVar(&cfg.Unit, "unit", "", "code of the unit this node holds data for, e.g. 106")
	f.StringVar(&unitsFile, "units", "", "CSV file of administrative units; default Vietnam's map built in")
	f.StringVar(&validFrom, "valid-from", "", "with --units: the list takes over from this day, YYYY-MM-DD, ending the units the node knew")
	f.StringVar(&mappingFile, "mapping", "", "with --valid-from: CSV of the old → new mapping of that day")
	f.StringVar(&cfg.GRPCListen, "grpc-listen", config.DefaultGRPCListen, "gRPC listen address to write into the configuration")
	f.StringVar(&cfg.HTTPListen, "http-listen", config.DefaultHTTPListen, "HTTP listen address to write into the configuration")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "certificate (PEM) for the gRPC and HTTP listeners, to write into the configuration")
	f.StringVar(&cfg.TLSKeyFile, "tls-key-file", "", "its private key (PEM)")
	f.BoolVar(&cfg.AllowInsecureListen, "allow-insecure-listen", false, "write allow_insecure_listen into the configuration (listen off loopback without TLS)")
	f.StringVar(&cfg.PeerListen, "peer-listen", config.DefaultPeerListen, "peer (mutual TLS) listen address to write into the configuration")
	f.StringVar(&cfg.Parent, "parent", "", "parent node's peer address; empty makes this node the root, with its own CA")
	return cmd
}

func readUnitsFile(name string) ([]hierarchy.Unit, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	units, err := hierarchy.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return units, nil
}

func readMappingFile(name string, effective time.Time) ([]hierarchy.Change, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	changes, err := hierarchy.ReadMapping(f, effective)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return changes, nil
}
