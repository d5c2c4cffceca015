package nationalbench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// Point is what a round cost and how fast the ranking questions were
// answered right after it, in both systems: one point of the growth plot.
type Point struct {
	// Scale is the country's size in copies of the unit list, Years how
	// many rounds both systems held after this one, Reports how many
	// reports the round had.
	Scale, Years, Reports int
	// Round is the round at the root, end to end; RootRSS the root's
	// resident memory after the round and the questions, RootPeak its peak
	// (VmHWM) so far.
	Round             time.Duration
	RootRSS, RootPeak int64
	// Rank are the ranking questions (rankings), asked of the round's year.
	Rank []QuestionResult
	// PGRound is PostgreSQL's COPY of the round into its indexed table,
	// PGVacuum the VACUUM ANALYZE after it; PGMem the proportional set
	// size (PSS) of all its processes after the round and the questions,
	// PGPeak the largest PGMem so far. Zero without PostgreSQL.
	PGRound, PGVacuum time.Duration
	PGMem, PGPeak     int64
}

// growth measures a point after each round.
type growth struct {
	cfg  Config
	tree *hierarchy.Tree
	root *runningNode
	q    *querier
	peak int64
}

// point loads the round into PostgreSQL, when it runs, and asks both the
// ranking questions of its year.
func (g *growth) point(ctx context.Context, years int, d time.Duration, r round) (Point, error) {
	p := Point{Scale: max(g.cfg.Scale, 1), Years: years, Reports: len(r.envs), Round: d}
	var err error
	if g.q.pg != nil {
		if p.PGRound, p.PGVacuum, err = g.q.pg.addRound(ctx, r.facts); err != nil {
			return p, err
		}
		if err := g.pgMemory(&p); err != nil {
			return p, err
		}
	}
	qcfg := g.cfg
	qcfg.Queries, qcfg.Checks = g.cfg.GrowthQueries, min(g.cfg.Checks, 10)
	for _, qu := range rankings(g.q, g.tree, r.year) {
		qr, err := ask(ctx, qu, qcfg, g.q.pg != nil)
		if err != nil {
			return p, err
		}
		p.Rank = append(p.Rank, qr)
	}
	if p.RootRSS, err = g.root.Status("VmRSS"); err != nil {
		return p, err
	}
	if p.RootPeak, err = g.root.Status("VmHWM"); err != nil {
		return p, err
	}
	if g.q.pg != nil {
		if err := g.pgMemory(&p); err != nil {
			return p, err
		}
	}
	return p, nil
}

// pgMemory samples PostgreSQL's memory into p.
func (g *growth) pgMemory(p *Point) error {
	m, err := pssOfTree(g.q.pg.proc.cmd.Process.Pid)
	if err != nil {
		return err
	}
	p.PGMem = m
	g.peak = max(g.peak, m)
	p.PGPeak = g.peak
	return nil
}

// pssOfTree is the proportional set size of a process and its children,
// in bytes: PostgreSQL's postmaster and its backends share its buffers,
// which PSS counts once in all, where adding up their RSS would count them
// once per process.
func pssOfTree(pid int) (int64, error) {
	pids := []int{pid}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // gone since the glob
		}
		// pid (comm) state ppid …: comm may hold spaces, so read after
		// its closing parenthesis.
		rest := raw[bytes.LastIndexByte(raw, ')')+1:]
		f := strings.Fields(string(rest))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			if child, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
				pids = append(pids, child)
			}
		}
	}
	var sum int64
	for _, p := range pids {
		kb, err := kbField(fmt.Sprintf("/proc/%d/smaps_rollup", p), "Pss")
		if err != nil && p == pid {
			return 0, fmt.Errorf("memory of PostgreSQL: %w", err)
		}
		sum += kb // 0 for a backend that ended meanwhile
	}
	return sum, nil
}

// startPG starts PostgreSQL unless it is left out or cannot run here,
// which res.PGSkip then says.
func (c *Config) startPG(ctx context.Context, res *Results, say func(string, ...any)) (*pgServer, error) {
	if c.PG.Off {
		res.PGSkip = "PostgreSQL left out (--pg=false)"
		return nil, nil
	}
	pg, skip, err := startPG(ctx, c.PG, c.Logger.Named("pg"))
	if err != nil {
		return nil, err
	}
	if skip != "" {
		res.PGSkip = skip
		say("PostgreSQL skipped: %s", skip)
		return nil, nil
	}
	return pg, nil
}

// add counts a point's round in PostgreSQL's load: as the last round, or
// as one of those before it.
func (p *PGResults) add(pt Point, last bool) {
	if last {
		p.Round, p.RoundVacuum = pt.PGRound, pt.PGVacuum
		return
	}
	p.Copy += pt.PGRound
	p.Vacuum += pt.PGVacuum
}

// summary is a point on one line, for the progress.
func (p Point) summary() string {
	s := fmt.Sprintf("%d× the country, %d years held: root RSS %s (peak %s)", p.Scale, p.Years, size(p.RootRSS), size(p.RootPeak))
	if p.PGMem > 0 {
		s += fmt.Sprintf("; PostgreSQL's COPY %s, PSS %s", dur(p.PGRound), size(p.PGMem))
	}
	for _, r := range p.Rank {
		s += fmt.Sprintf("; %s p99 %s / %s", r.Name, dur(r.Tonghop.P99), dur(r.PG.P99))
	}
	return s
}

// RunSizes runs one round of cfg.FirstYear at each of sizes (Config.Scale),
// each on a new root and a new PostgreSQL, and returns the point after
// each. A size equal to the first point of years (a run of cfg's own size
// with Config.Growth) is taken from it instead of being run again.
func RunSizes(ctx context.Context, cfg Config, sizes []int, years []Point) ([]Point, error) {
	var out []Point
	for _, n := range sizes {
		if len(years) > 0 && years[0].Scale == n {
			out = append(out, years[0])
			continue
		}
		c := cfg
		c.Scale, c.LastYear, c.Growth, c.RoundsOnly = n, cfg.FirstYear, true, true
		c.IngestProfile, c.QueryProfile = nil, nil
		if cfg.DataDir != "" {
			c.DataDir = filepath.Join(cfg.DataDir, fmt.Sprintf("size-%d", n))
		}
		res, err := Run(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("the country %d times: %w", n, err)
		}
		out = append(out, res.Growth...)
	}
	return out, nil
}
