// Package config owns a node's configuration: the YAML file an operator
// writes, its defaults, and the checks that run before anything starts.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults bind to loopback: a node is reachable from elsewhere only when
// its operator says so.
const (
	DefaultGRPCListen      = "127.0.0.1:7400"
	DefaultHTTPListen      = "127.0.0.1:7401"
	DefaultPeerListen      = "127.0.0.1:7402"
	DefaultShutdownTimeout = 10 * time.Second
	DefaultSyncInterval    = 5 * time.Minute
)

// ErrInvalid marks a configuration that cannot run.
var ErrInvalid = errors.New("invalid configuration")

// Config is one node's configuration.
type Config struct {
	// Unit is the code of the unit this node holds data for, e.g. "106".
	Unit string `yaml:"unit"`
	// DataDir holds the node's bbolt file.
	DataDir string `yaml:"data_dir"`
	// GRPCListen is the gRPC address, host:port.
	GRPCListen string `yaml:"grpc_listen"`
	// HTTPListen is the REST, /healthz and /metrics address, host:port.
	HTTPListen string `yaml:"http_listen"`
	// PeerListen is where child nodes connect, over mutual TLS.
	PeerListen string `yaml:"peer_listen"`
	// Parent is the parent node's peer address (its peer_listen); empty at
	// the root.
	Parent string `yaml:"parent"`
	// ShutdownTimeout bounds a graceful stop before connections are cut.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// SyncInterval is how often a child fetches the definitions that flow
	// down from its parent (targets).
	SyncInterval time.Duration `yaml:"sync_interval"`
	// TLSCertFile and TLSKeyFile (PEM) secure the gRPC and HTTP listeners.
	// Off loopback they are required, unless AllowInsecureListen.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// AllowInsecureListen lets the gRPC and HTTP listeners take a
	// non-loopback address without TLS (behind a TLS-terminating proxy on
	// the same host, say). The node warns about it at every start.
	AllowInsecureListen bool `yaml:"allow_insecure_listen"`
	Log                 Log  `yaml:"log"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is json (for services) or console (for people).
	Format string `yaml:"format"`
}

// Default returns the configuration used where the file and flags are silent.
func Default() Config {
	return Config{
		GRPCListen:      DefaultGRPCListen,
		HTTPListen:      DefaultHTTPListen,
		PeerListen:      DefaultPeerListen,
		ShutdownTimeout: DefaultShutdownTimeout,
		SyncInterval:    DefaultSyncInterval,
		Log:             Log{Level: "info", Format: "json"},
	}
}

// Load reads a YAML file over the defaults. Unknown keys are errors: a
// misspelt key silently ignored is a misconfigured node.
func Load(path string) (Config, error) {
	c := Default()
	raw, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	// An empty or comments-only file is a file that changes no default.
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	return c, nil
}

// Validate checks that the configuration can run, naming the key at fault.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	if c.DataDir == "" {
		bad("data_dir", "is required")
	}
	seen := map[string]string{}
	for _, l := range []struct{ key, addr string }{{"grpc_listen", c.GRPCListen}, {"http_listen", c.HTTPListen}, {"peer_listen", c.PeerListen}} {
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			bad(l.key, "%q is not host:port", l.addr)
			continue
		}
		if other, dup := seen[l.addr]; dup && !hasZeroPort(l.addr) {
			bad(l.key, "must differ from %s (%s)", other, l.addr)
		}
		seen[l.addr] = l.key
	}
	if c.Parent != "" {
		if _, _, err := net.SplitHostPort(c.Parent); err != nil {
			bad("parent", "%q is not host:port", c.Parent)
		}
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown_timeout", "must be positive")
	}
	if c.SyncInterval <= 0 {
		bad("sync_interval", "must be positive")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("tls_key_file", "tls_cert_file and tls_key_file go together")
	}
	if c.TLSCertFile == "" && !c.AllowInsecureListen {
		for _, l := range []struct{ key, addr string }{{"grpc_listen", c.GRPCListen}, {"http_listen", c.HTTPListen}} {
			if !IsLoopback(l.addr) {
				bad(l.key, "%s is not a loopback address: set tls_cert_file and tls_key_file, or allow_insecure_listen if a proxy on this host terminates TLS", l.addr)
			}
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		bad("log.format", "%q is not json or console", c.Log.Format)
	}
	return errors.Join(errs...)
}

// IsLoopback reports whether a listen address stays on this machine.
// "localhost" counts; an empty host (all interfaces) does not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hasZeroPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// Marshal renders the configuration as YAML, for `tonghop init`.
func (c Config) Marshal() ([]byte, error) { return yaml.Marshal(c) }
