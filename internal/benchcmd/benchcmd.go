// Package benchcmd is the command line of tonghop-bench, the national
// benchmark: it lives in a program of its own so that the node's program
// does not carry PostgreSQL's driver. Its root node runs as a real
// `tonghop serve` process, which is this program again: it has that command
// too.
package benchcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/cli"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/nationalbench"
	"github.com/tonghop/tonghop/internal/period"
)

// errUsage marks a mistake in the command line itself.
var errUsage = errors.New("usage")

// Main runs tonghop-bench with args (without the program name) and returns
// the exit code.
func Main(args []string, streams cli.IO) int { return cli.MainOf(New, args, streams) }

// New builds the benchmark's command, with `serve` for its root node.
func New(streams cli.IO) *cobra.Command {
	var (
		cfg                   nationalbench.Config
		units, years          string
		out, logLevel, pgUser string
		profile, queryProfile string
		plotFile              string
		pg                    bool
		pgSet                 []string
		sizes                 []int
	)
	cmd := &cobra.Command{
		Use:   "tonghop-bench",
		Short: "Benchmark a national round at a root node, side by side with PostgreSQL",
		Long: `Build the national hierarchy from an official unit list under a root node
"VN" (a real tonghop serve process), certify every unit's key down the
hierarchy, sign every unit's yearly report for each year and push them over
mutual-TLS gRPC into the root in the uplink's batches. Then start a
PostgreSQL of its own in a temporary directory (initdb, postgres; skipped
with a message when not installed), COPY the same values into an indexed
fact table, ask both systems the same questions, fail if any answer differs,
and print both systems' figures as a Markdown table.

With --growth it measures both systems after each round (the round, memory,
the ranking questions' p99), PostgreSQL taking each round as it comes into
its indexed table; --sizes adds one round of a synthetic country several
times the size, and --plot draws it all as a PNG.

A whole run of the 2024 list over ten years takes several minutes and some
GiB of memory; --provinces and --years make it smaller.`,
		Example: `  tonghop-bench --years 2012..2021 --out bench.md
  tonghop-bench --growth --sizes 1,2,5 --plot growth.png --out bench.md
  tonghop-bench --units vn-admin-units-2025.csv --provinces 12 --years 2020..2021`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := period.ParseRange(years)
			if err != nil || r.From.Type() != period.Yearly || r.To.Type() != period.Yearly {
				return fmt.Errorf("%w: --years %q: give years, e.g. 2012..2021", errUsage, years)
			}
			cfg.FirstYear, cfg.LastYear = r.From.Year(), r.To.Year()
			cfg.UnitsCSV = units
			cfg.PG.Off, cfg.PG.User = !pg, pgUser
			cfg.PG.Settings = map[string]string{}
			for _, s := range pgSet {
				k, v, ok := strings.Cut(s, "=")
				if !ok {
					return fmt.Errorf("%w: --pg-set %q: give name=value", errUsage, s)
				}
				cfg.PG.Settings[k] = v
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding this program to run the nodes: %w", err)
			}
			cfg.ServeCommand = []string{exe}
			if cfg.Logger, err = cli.NewLogger(logLevel, "console", streams.Err); err != nil {
				return err
			}
			cfg.Progress = streams.Err
			if profile != "" {
				f, err := os.Create(profile)
				if err != nil {
					return err
				}
				defer f.Close()
				cfg.IngestProfile = f
			}
			if queryProfile != "" {
				f, err := os.Create(queryProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				cfg.QueryProfile = f
			}
			if plotFile != "" && !cfg.Growth {
				return fmt.Errorf("%w: --plot needs --growth: the plot is of the points measured after each round", errUsage)
			}
			if len(sizes) > 0 && !cfg.Growth {
				return fmt.Errorf("%w: --sizes needs --growth", errUsage)
			}
			for _, n := range sizes {
				if n < 1 {
					return fmt.Errorf("%w: --sizes %d: a size is 1 or more copies of the unit list", errUsage, n)
				}
			}
			res, err := nationalbench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			w := streams.Out
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = io.MultiWriter(streams.Out, f)
			}
			// The run's table first: the sizes take long, and what was
			// measured is kept should they fail.
			if err := res.Markdown(w); err != nil {
				return err
			}
			sized, err := nationalbench.RunSizes(cmd.Context(), cfg, sizes, res.Growth)
			if err != nil {
				if plotFile != "" {
					// The years at least.
					err = errors.Join(err, writePlot(plotFile, res, nil))
				}
				return err
			}
			if len(sized) > 0 {
				fmt.Fprintln(w, "One round at each size, on a new root and a new PostgreSQL:")
				fmt.Fprintln(w)
				nationalbench.PointsMarkdown(w, sized)
			}
			if plotFile != "" {
				return writePlot(plotFile, res, sized)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&units, "units", country.File2024, "unit list: "+country.File2024+" or "+country.File2025+" (built in), or a CSV file's path")
	f.StringSliceVar(&cfg.Provinces, "provinces", nil, "only these provinces (codes, comma-separated); default all")
	f.StringVar(&years, "years", "2012..2021", "the yearly rounds, first..last")
	f.StringVar(&cfg.DataDir, "data-dir", "", "keep the nodes' directories here (must not hold a root yet); default a temporary directory, removed at the end")
	f.IntVar(&cfg.Batch, "batch", 0, "envelopes per Deliver call (default the uplink's)")
	f.IntVar(&cfg.Queries, "queries", 2000, "timed calls per question")
	f.IntVar(&cfg.Checks, "checks", 50, "calls per question whose answers are compared between the systems first")
	f.IntVar(&cfg.CubeRuns, "cube-runs", 3, "timed full-year cubes")
	f.BoolVar(&pg, "pg", true, "run PostgreSQL side by side")
	f.StringVar(&cfg.PG.BinDir, "pg-bin", "", "directory of initdb and postgres (default: PATH, then /usr/lib/postgresql/*/bin)")
	f.StringVar(&pgUser, "pg-user", "postgres", "user PostgreSQL runs as when the benchmark runs as root")
	f.StringArrayVar(&pgSet, "pg-set", nil, "a PostgreSQL setting over the benchmark's, name=value (repeatable)")
	f.BoolVar(&cfg.RootInProcess, "root-in-process", false, "run the root inside the benchmark instead of as a tonghop serve process (for --cpuprofile)")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile (pprof) of the benchmark's process over the last round's delivery; with --root-in-process it holds the root's work")
	f.StringVar(&queryProfile, "query-cpuprofile", "", "write a CPU profile (pprof) of the benchmark's process over the questions; with --root-in-process it holds the root's answers")
	f.IntVar(&cfg.Scale, "scale", 1, "repeat the unit list this many times under the root: a synthetic country of that size")
	f.BoolVar(&cfg.Growth, "growth", false, "after each round, ask the ranking questions and measure memory; PostgreSQL takes each round as it comes, into its indexed table")
	f.IntVar(&cfg.GrowthQueries, "growth-queries", 300, "timed calls per ranking question after each round, with --growth")
	f.IntSliceVar(&sizes, "sizes", nil, "with --growth: also one round at each of these sizes (as --scale), each on a new root and PostgreSQL")
	f.StringVar(&plotFile, "plot", "", "with --growth: write the growth plot (PNG) of the rounds and --sizes to this file")
	f.StringVar(&out, "out", "", "also write the Markdown table to this file")
	f.StringVar(&logLevel, "log-level", "warn", "log level of the benchmark's own nodes")
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.Err)
	cmd.AddCommand(cli.NewServeCommand(streams))
	return cmd
}

// writePlot writes the growth plot to path.
func writePlot(path string, res *nationalbench.Results, sized []nationalbench.Point) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := nationalbench.Plot(f, res.Growth, sized, res.PG != nil); err != nil {
		f.Close()
		return fmt.Errorf("the plot: %w", err)
	}
	return f.Close()
}
