// Package cli is the tonghop command line: `tonghop serve` runs a node, the
// other subcommands are the administrator's tools, most of them gRPC clients
// of a running node. Commands write results to stdout and errors to stderr,
// and exit non-zero on any error.
package cli

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs the command line with args (without the program name) and
// returns the exit code. SIGINT and SIGTERM cancel the command's context.
func Main(args []string, streams IO) int {
	return MainOf(New, args, streams)
}

// MainOf is Main for another root command built by newRoot: the benchmark's
// program runs its commands the same way.
func MainOf(newRoot func(IO) *cobra.Command, args []string, streams IO) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal starts a graceful stop, restore the default
	// handling so that a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	return run(ctx, newRoot, args, streams)
}

// Run is Main with the context given, for tests.
func Run(ctx context.Context, args []string, streams IO) int {
	return run(ctx, New, args, streams)
}

func run(ctx context.Context, newRoot func(IO) *cobra.Command, args []string, streams IO) int {
	root := newRoot(streams)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		printError(streams.Err, err)
		return 1
	}
	return 0
}

// New builds the root command and every subcommand.
func New(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "tonghop",
		Short: "Roll party-building statistics up the administrative hierarchy",
		Long: `tonghop runs one node of an administrative hierarchy (commune, district,
province, centre) and is the administrator's tool for it.

Start with "tonghop demo", or "tonghop init" then "tonghop serve".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	registerLang(root)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.AddCommand(
		newServeCmd(streams),
		newInitCmd(streams),
		newDemoCmd(streams),
		newNodeCmd(streams),
		newValuesCmd(streams),
		newSectionsCmd(streams),
		newCatalogCmd(streams),
		newUnitsCmd(streams),
		newEnrollCmd(streams),
		newRetireCmd(streams),
		newSourcesCmd(streams),
		newKeysCmd(streams),
		newChildrenCmd(streams),
		newSubmitCmd(streams),
		newSubmissionsCmd(streams),
		newBundleCmd(streams),
		newVerifyCmd(streams),
		newQueryCmd(streams),
		newTargetsCmd(streams),
		newWeightsCmd(streams),
		newRoundsCmd(streams),
		newDueCmd(streams),
		newValidateCmd(streams),
		newReviewCmd(streams),
		newTokensCmd(streams),
		newAuditCmd(streams),
		newReportCmd(streams),
		newExportCmd(streams),
		newDHIS2Cmd(streams),
		movedBenchCmd(),
	)
	return root
}

// movedBenchCmd says where the benchmark went: a program of its own, so
// that the node's program does not carry PostgreSQL's driver.
func movedBenchCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "bench",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("%w: the national benchmark is its own program now: tonghop-bench (go run ./cmd/tonghop-bench --help)", errUsage)
		},
	}
}

// printError writes err for a person: a gRPC status as its code and message,
// each field violation on its own line.
func printError(w io.Writer, err error) {
	st, ok := status.FromError(err)
	if !ok || st.Code() == 0 {
		fmt.Fprintf(w, "tonghop: %v\n", err)
		return
	}
	var violations []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			violations = append(violations, br.FieldViolations...)
		}
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			// Validation errors blocking a submission, one per line, with
			// the code to override each by.
			for _, v := range pf.Violations {
				violations = append(violations, &errdetails.BadRequest_FieldViolation{Field: v.Subject, Description: v.Description})
			}
		}
	}
	if len(violations) == 0 {
		fmt.Fprintf(w, "tonghop: %s: %s\n", st.Code(), st.Message())
		return
	}
	fmt.Fprintf(w, "tonghop: %s:\n", st.Code())
	for _, v := range violations {
		fmt.Fprintf(w, "  %s: %s\n", v.Field, v.Description)
	}
}

// errUsage marks a mistake in the command line itself.
var errUsage = errors.New("usage")

// clientFlags are the flags of every command that talks to a node.
type clientFlags struct {
	addr   string
	token  string
	caFile string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.addr, "addr", "", "gRPC address of the node (default: $TONGHOP_ADDR, else "+config.DefaultGRPCListen+")")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default: $TONGHOP_TOKEN)")
	cmd.Flags().StringVar(&f.caFile, "ca-file", "", "speak TLS, trusting this certificate authority (PEM) (default: $TONGHOP_CA_FILE; none: clear text, for loopback)")
}

func (f *clientFlags) dial() (*grpc.ClientConn, error) {
	token := cmp.Or(f.token, os.Getenv("TONGHOP_TOKEN"))
	transport := insecure.NewCredentials()
	if ca := cmp.Or(f.caFile, os.Getenv("TONGHOP_CA_FILE")); ca != "" {
		raw, err := os.ReadFile(ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw) {
			return nil, fmt.Errorf("%w: %s holds no PEM certificate", errUsage, ca)
		}
		transport = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	addr := cmp.Or(f.addr, os.Getenv("TONGHOP_ADDR"), config.DefaultGRPCListen)
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(transport),
		grpc.WithPerRPCCredentials(access.Credentials(token)),
		grpc.WithChainUnaryInterceptor(hints(addr, token != "")))
}

// answer runs a read command's one call: it checks the output flags before
// dialing, so a bad --output fails without a node; dials, calls, and writes
// the answer as JSON when asked for; otherwise show prints it for people.
// It is the shape every read command shares, written once so they cannot
// drift apart in the order of their checks or in their JSON.
func answer[R proto.Message](cmd *cobra.Command, c *clientFlags, o *outputFlags, out io.Writer, call func(context.Context, *grpc.ClientConn) (R, error), show func(R) error) error {
	if err := o.check(); err != nil {
		return err
	}
	conn, err := c.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	resp, err := call(cmd.Context(), conn)
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSON(out, resp)
	}
	return show(resp)
}

// hints adds to an error what a person can do about it: give a token, or
// point the command at a node that runs.
func hints(addr string, haveToken bool) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var answered peer.Peer
		err := invoker(ctx, method, req, reply, cc, append(opts, grpc.Peer(&answered))...)
		st, ok := status.FromError(err)
		if !ok {
			return err
		}
		var hint string
		switch {
		case st.Code() == codes.Unauthenticated && !haveToken:
			hint = "no token was given: pass --token or set $TONGHOP_TOKEN (the first admin token is in the node's data directory, admin.token)"
		case st.Code() == codes.Unavailable && answered.Addr == nil:
			hint = fmt.Sprintf("no node answers at %s: start one (tonghop serve), or point --addr or $TONGHOP_ADDR at its gRPC address", addr)
		default:
			return err
		}
		p := st.Proto()
		p.Message += "\n  " + hint
		return status.ErrorProto(p)
	}
}

// NewServeCommand is `tonghop serve`, for the benchmark's program too: its
// root node runs as one.
func NewServeCommand(streams IO) *cobra.Command { return newServeCmd(streams) }

// NewLogger builds the zap logger: JSON lines for services, a readable
// console encoding for people.
func NewLogger(level, format string, w io.Writer) (*zap.Logger, error) {
	return newLogger(level, format, w)
}

func newLogger(level, format string, w io.Writer) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.Set(level); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	var enc zapcore.Encoder
	switch format {
	case "json":
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(cfg)
	case "console":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, fmt.Errorf("log format %q is not json or console", format)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), lvl)), nil
}
