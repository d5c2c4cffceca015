package cli

import (
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/node"
)

// defaultMemoryLimit is the soft limit of a node's Go heap (GOMEMLIMIT).
const defaultMemoryLimit = 1 << 30

func newServeCmd(streams IO) *cobra.Command {
	var (
		file string
		over = config.Default()
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a node: gRPC on one port, REST, /healthz and /metrics on another",
		Long: `Run a node until SIGINT or SIGTERM, then stop gracefully.

The configuration comes from --config (YAML); flags given on the command line
override the file. The data directory must have been prepared by "tonghop init".`,
		Example: `  tonghop serve --config /etc/tonghop/tonghop.yaml
  tonghop serve --data-dir ./data/106 --grpc-listen 127.0.0.1:7400 --http-listen 127.0.0.1:7401`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := config.Default()
			if file != "" {
				var err error
				if cfg, err = config.Load(file); err != nil {
					return err
				}
			}
			flags := cmd.Flags()
			set := func(name string, apply func()) {
				if flags.Changed(name) {
					apply()
				}
			}
			set("unit", func() { cfg.Unit = over.Unit })
			set("data-dir", func() { cfg.DataDir = over.DataDir })
			set("grpc-listen", func() { cfg.GRPCListen = over.GRPCListen })
			set("http-listen", func() { cfg.HTTPListen = over.HTTPListen })
			set("peer-listen", func() { cfg.PeerListen = over.PeerListen })
			set("parent", func() { cfg.Parent = over.Parent })
			set("shutdown-timeout", func() { cfg.ShutdownTimeout = over.ShutdownTimeout })
			set("sync-interval", func() { cfg.SyncInterval = over.SyncInterval })
			set("log-level", func() { cfg.Log.Level = over.Log.Level })
			set("log-format", func() { cfg.Log.Format = over.Log.Format })
			set("tls-cert-file", func() { cfg.TLSCertFile = over.TLSCertFile })
			set("tls-key-file", func() { cfg.TLSKeyFile = over.TLSKeyFile })
			set("allow-insecure-listen", func() { cfg.AllowInsecureListen = over.AllowInsecureListen })
			if err := cfg.Validate(); err != nil {
				return err
			}
			// A node's live heap is small next to the memory it may use;
			// collecting less often keeps query latencies' tail short. A
			// soft limit makes the collector work harder instead when a
			// national root's heap of in-flight reports nears it, unless the
			// operator set GOMEMLIMIT.
			debug.SetGCPercent(400)
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(defaultMemoryLimit)
			}
			log, err := newLogger(cfg.Log.Level, cfg.Log.Format, streams.Err)
			if err != nil {
				return err
			}
			defer log.Sync()
			n, err := node.New(cfg, node.Options{Logger: log})
			if err != nil {
				return err
			}
			return n.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "config", "", "YAML configuration file")
	f.StringVar(&over.Unit, "unit", "", "unit code this node holds data for (checked against the data directory)")
	f.StringVar(&over.DataDir, "data-dir", "", "data directory holding the node's bbolt file")
	f.StringVar(&over.GRPCListen, "grpc-listen", config.DefaultGRPCListen, "gRPC listen address")
	f.StringVar(&over.HTTPListen, "http-listen", config.DefaultHTTPListen, "REST, /healthz and /metrics listen address")
	f.StringVar(&over.PeerListen, "peer-listen", config.DefaultPeerListen, "peer (mutual TLS) listen address, where child nodes connect")
	f.StringVar(&over.Parent, "parent", "", "parent node's peer address (empty at the root)")
	f.DurationVar(&over.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "graceful stop limit before connections are cut")
	f.DurationVar(&over.SyncInterval, "sync-interval", config.DefaultSyncInterval, "how often a child fetches what flows down from its parent")
	f.StringVar(&over.Log.Level, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&over.Log.Format, "log-format", "json", "json or console")
	f.StringVar(&over.TLSCertFile, "tls-cert-file", "", "certificate (PEM) for the gRPC and HTTP listeners; required off loopback")
	f.StringVar(&over.TLSKeyFile, "tls-key-file", "", "its private key (PEM)")
	f.BoolVar(&over.AllowInsecureListen, "allow-insecure-listen", false, "listen off loopback without TLS (behind a TLS-terminating proxy on this host); logged as a warning at every start")
	return cmd
}
