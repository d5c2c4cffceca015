// Package nationalbench is the national-scale benchmark, side by side with
// PostgreSQL: it builds a real hierarchy from an official unit list under a
// national root node, gives every unit a key certified down the hierarchy,
// signs every unit's yearly report (synth's deterministic figures) and
// pushes the reports over mutual-TLS gRPC on loopback into the root, as the
// provinces' uplinks would, in batches. It then loads the same values into
// a PostgreSQL it starts itself (COPY into a denormalised fact table with
// covering indexes), asks both the same questions, fails if their answers
// differ, and times both. The results are a Markdown table.
package nationalbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/synth"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
)

// Root is the code of the national unit put above the provinces.
const Root = "VN"

// DataSet is the data set every unit reports.
const DataSet = "tong_ket_nam"

// The indicators asked: a ratio of two single cells, and one whose
// numerator sums two cells.
const (
	indicatorShare   = "ty_le_dang_vien_nu"
	indicatorVillage = "ty_le_truong_thon_la_dang_vien"
	indicatorRated   = "ty_le_dang_vien_httnv_tro_len"
)

// Config is one run.
type Config struct {
	// UnitsCSV is an official unit list (code,name,level,parent_code): a
	// file, or the name of a list built in (country.File2024, File2025).
	UnitsCSV string
	// Provinces limits the run to these provinces' subtrees; empty is the
	// whole list.
	Provinces []string
	// FirstYear..LastYear are the rounds; every unit reports each year.
	FirstYear, LastYear int
	// DataDir receives the nodes' directories; it must not hold a root
	// already. Empty means a temporary directory, removed at the end.
	DataDir string
	// Batch is the envelopes per Deliver call; 0 is the uplink's.
	Batch int
	// Queries is how many timed calls each question gets; Checks how many
	// of them are first compared between the two systems (all of them for
	// a question that has one request); CubeRuns the timed full-year cubes.
	Queries, Checks, CubeRuns int
	// ServeCommand runs `tonghop serve` when "serve" and its flags are
	// appended: the root then runs as a process of its own, whose memory is
	// measured alone, and an idle commune node is started to measure its
	// memory. Empty runs the root in this process and skips the commune.
	ServeCommand []string
	// RootInProcess runs the root in this process even with a
	// ServeCommand, so that IngestProfile sees it.
	RootInProcess bool
	// IngestProfile, when set, receives a CPU profile (pprof) of this
	// process over the last round's delivery: the root's work when it runs
	// in this process, and the provinces' side of the calls.
	IngestProfile io.Writer
	// QueryProfile, when set, receives a CPU profile of this process over
	// the questions (not the cube): the root's answers when it runs in this
	// process, and the client sides of both systems.
	QueryProfile io.Writer
	// Scale repeats the unit list this many times under the root, a
	// synthetic country of that many times the size (scaled); 0 is once.
	Scale int
	// Growth measures a Point after each round: PostgreSQL then starts
	// first, with its indexed table empty, and takes each round as it
	// comes, by COPY into the indexed table; the ranking questions are
	// asked GrowthQueries times each, in both systems.
	Growth        bool
	GrowthQueries int
	// RoundsOnly ends the run after the rounds (and their points): no
	// questions, cube, commune or other map.
	RoundsOnly bool
	PG         PGConfig
	Logger     *zap.Logger
	// Progress receives a line per step; nil means none.
	Progress io.Writer
}

// Results are what a run measured.
type Results struct {
	UnitsCSV                       string
	Scale                          int
	Provinces, Districts, Communes int
	FirstYear, LastYear            int
	Envelopes, Values              int
	EnvelopeBytes                  int64
	Batch                          int
	// Sign is the load generator's time to sign every report (not the
	// root's).
	Sign time.Duration
	// Rounds is each yearly round at the root: from the first Deliver to
	// the last receipt, every report verified, stored and rolled up.
	Rounds []time.Duration
	// DeliverCPU is the CPU time this process (the provinces' side of the
	// calls) used during each round, RootCPU the root's; with the root in
	// this process both are the whole process's.
	DeliverCPU, RootCPU []time.Duration
	// RootInProcess says the root ran inside the benchmark, so that
	// RootPeakRSS is the whole benchmark's.
	RootInProcess bool
	RootPeakRSS   int64
	// RootAnon and RootFile split the root's resident memory at the end
	// of the run: its heap and stacks, and the pages of files it maps,
	// which for a node is its bbolt file.
	RootAnon, RootFile int64
	StoreBytes         int64
	// CommuneRSS is an idle commune node's resident memory; 0 when not
	// measured, CommuneSkip says why.
	CommuneRSS  int64
	CommuneSkip string
	// PG is nil when PostgreSQL did not run; PGSkip says why.
	PG       *PGResults
	PGSkip   string
	Answers  []QuestionResult
	Cube     QuestionResult
	CubeRows int
	// Growth is a point after each round, with Config.Growth.
	Growth []Point
}

// PGResults is PostgreSQL's load: the rounds before the last in bulk
// (COPY into a new table, indexes, VACUUM ANALYZE), then the last round
// (COPY into the indexed table, VACUUM ANALYZE).
//
// With PerRound (Config.Growth), every round went in as it came, by COPY
// into the indexed table and VACUUM ANALYZE: Copy and Vacuum add up those
// of the rounds before the last, and Indexes is zero.
type PGResults struct {
	PerRound               bool
	Copy, Indexes, Vacuum  time.Duration
	Round, RoundVacuum     time.Duration
	TableBytes, IndexBytes int64
}

// Load is the whole load.
func (p *PGResults) Load() time.Duration {
	return p.Copy + p.Indexes + p.Vacuum + p.Round + p.RoundVacuum
}

// QuestionResult is one question's latencies in both systems.
type QuestionResult struct {
	Name        string
	Tonghop, PG Latency
	// Checked is how many requests' answers were compared and agreed.
	Checked int
}

// Ingest is the time of all the rounds together.
func (r *Results) Ingest() time.Duration {
	var t time.Duration
	for _, d := range r.Rounds {
		t += d
	}
	return t
}

func (c *Config) defaults() {
	if c.Batch == 0 {
		c.Batch = uplink.DefaultBatch
	}
	if c.Queries == 0 {
		c.Queries = 2000
	}
	if c.Checks == 0 {
		c.Checks = 50
	}
	if c.CubeRuns == 0 {
		c.CubeRuns = 3
	}
	if c.GrowthQueries == 0 {
		c.GrowthQueries = 300
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// tree reads the unit list under the national root, limited to the
// configured provinces.
func (c *Config) tree() (*hierarchy.Tree, error) {
	full, err := synth.NationalTree(c.UnitsCSV, Root)
	if err != nil {
		return nil, fmt.Errorf("unit list %s: %w", c.UnitsCSV, err)
	}
	if len(c.Provinces) == 0 {
		return scaled(full, Root, c.Scale)
	}
	root, _ := full.Unit(Root)
	units := []hierarchy.Unit{root}
	for _, p := range c.Provinces {
		u, ok := full.Unit(p)
		if !ok || u.Parent != Root {
			return nil, fmt.Errorf("%s is not a province of %s", p, c.UnitsCSV)
		}
		units = append(append(units, u), full.Descendants(p)...)
	}
	tree, err := hierarchy.NewTree(units)
	if err != nil {
		return nil, err
	}
	return scaled(tree, Root, c.Scale)
}

// Run runs the benchmark.
func Run(ctx context.Context, cfg Config) (_ *Results, err error) {
	cfg.defaults()
	if cfg.FirstYear == 0 || cfg.LastYear < cfg.FirstYear {
		return nil, fmt.Errorf("years %d..%d: give a first and a last year", cfg.FirstYear, cfg.LastYear)
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(cfg.Progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	tree, err := cfg.tree()
	if err != nil {
		return nil, err
	}
	cat := catalog.Default()
	ds, ok := cat.DataSet(DataSet)
	if !ok {
		return nil, fmt.Errorf("no data set %s in the catalogue", DataSet)
	}
	cols, err := newColumns(tree, Root)
	if err != nil {
		return nil, err
	}
	res := &Results{
		UnitsCSV: cfg.UnitsCSV, Scale: max(cfg.Scale, 1), FirstYear: cfg.FirstYear, LastYear: cfg.LastYear, Batch: cfg.Batch,
		Provinces: len(tree.AtLevel(hierarchy.LevelProvince)), Districts: len(tree.AtLevel(hierarchy.LevelDistrict)),
		Communes: len(tree.AtLevel(hierarchy.LevelCommune)),
	}

	dataDir := cfg.DataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "tonghop-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dataDir)
	}
	rootDir := filepath.Join(dataDir, Root)
	if _, err := os.Stat(rootDir); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s exists already: give an empty data directory", rootDir)
	}
	if _, err := node.Init(rootDir, Root, tree.Units(), true, node.Options{Logger: cfg.Logger}); err != nil {
		return nil, fmt.Errorf("preparing the root: %w", err)
	}
	rootID, err := trust.Load(rootDir)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	fl, err := newFleet(cat, ds, tree, rootID, Root)
	if err != nil {
		return nil, err
	}
	say("%d units below %s certified in %v", len(fl.units), Root, time.Since(t).Round(time.Millisecond))

	serveRoot := cfg.ServeCommand
	if cfg.RootInProcess {
		serveRoot = nil
	}
	root, err := startNode(ctx, serveRoot, rootDir, "", cfg.Logger.Named("root"))
	if err != nil {
		return nil, err
	}
	defer root.Stop()
	res.RootInProcess = root.InProcess()
	conn, err := dialRoot(root.grpcAddr, rootDir)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	q := &querier{rollup: tonghopv1.NewRollupServiceClient(conn), cols: cols, cat: cat}
	var g *growth
	if cfg.Growth {
		// PostgreSQL takes each round as it comes.
		if q.pg, err = cfg.startPG(ctx, res, say); err != nil {
			return nil, err
		}
		if q.pg != nil {
			defer q.pg.Stop()
			if err := q.pg.createIndexed(ctx); err != nil {
				return nil, err
			}
			res.PG = &PGResults{PerRound: true}
		}
		g = &growth{cfg: cfg, tree: tree, root: root, q: q}
	}

	// history is the rounds before the last as PostgreSQL's rows, last the
	// last round's.
	var history, last []byte
	for y := cfg.FirstYear; y <= cfg.LastYear; y++ {
		t := time.Now()
		r, err := fl.sign(y, cols)
		if err != nil {
			return nil, err
		}
		res.Sign += time.Since(t)
		profile := cfg.IngestProfile != nil && y == cfg.LastYear
		if profile {
			if err := pprof.StartCPUProfile(cfg.IngestProfile); err != nil {
				return nil, fmt.Errorf("CPU profile: %w", err)
			}
		}
		cpu0, err := cpuOf(root)
		if err != nil {
			return nil, err
		}
		t = time.Now()
		err = fl.deliver(ctx, root.peerAddr, []string{Root}, r, cfg.Batch, nil)
		d := time.Since(t)
		cpu1, cerr := cpuOf(root)
		if cerr != nil {
			return nil, cerr
		}
		if profile {
			pprof.StopCPUProfile()
		}
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", y, err)
		}
		res.Rounds = append(res.Rounds, d)
		res.DeliverCPU = append(res.DeliverCPU, cpu1[0]-cpu0[0])
		res.RootCPU = append(res.RootCPU, cpu1[1]-cpu0[1])
		res.Envelopes += len(r.envs)
		res.Values += r.values
		for _, e := range r.envs {
			res.EnvelopeBytes += int64(len(e))
		}
		say("round %d: %d reports, %d values, at the root in %v", y, len(r.envs), r.values, d.Round(time.Millisecond))
		if g == nil {
			history = append(history, last...)
			last = r.facts
			continue
		}
		p, err := g.point(ctx, y-cfg.FirstYear+1, d, r)
		if err != nil {
			return nil, fmt.Errorf("after round %d: %w", y, err)
		}
		res.Growth = append(res.Growth, p)
		if q.pg != nil {
			res.PG.add(p, y == cfg.LastYear)
		}
		say("after round %d: %s", y, p.summary())
	}
	pg := q.pg
	if g != nil && pg != nil {
		if res.PG.TableBytes, res.PG.IndexBytes, err = pg.sizes(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.RoundsOnly {
		return res, nil
	}
	if g == nil {
		if pg, err = cfg.startPG(ctx, res, say); err != nil {
			return nil, err
		}
		if pg != nil {
			defer pg.Stop()
			q.pg = pg
			l, err := pg.load(ctx, history, last)
			if err != nil {
				return nil, err
			}
			res.PG = &PGResults{Copy: l.copy, Indexes: l.indexes, Vacuum: l.vacuum, Round: l.round, RoundVacuum: l.roundVacuum,
				TableBytes: l.tableBytes, IndexBytes: l.indexBytes}
			ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
			say("PostgreSQL loaded in %v (COPY %v, indexes %v, VACUUM ANALYZE %v; the last round's COPY %v, VACUUM ANALYZE %v)",
				ms(l.total()), ms(l.copy), ms(l.indexes), ms(l.vacuum), ms(l.round), ms(l.roundVacuum))
		}
	}
	history, last = nil, nil

	if res.Answers, err = askAll(ctx, questions(q, tree, cfg), cfg, pg != nil, say); err != nil {
		return nil, err
	}

	if len(cfg.ServeCommand) == 0 {
		res.CommuneSkip = "needs `tonghop serve` as a process of its own: measured by `tonghop-bench` only"
	} else if res.CommuneRSS, err = idleCommune(ctx, cfg, tree, fl, dataDir); err != nil {
		return nil, err
	}

	for field, to := range map[string]*int64{"VmHWM": &res.RootPeakRSS, "RssAnon": &res.RootAnon, "RssFile": &res.RootFile} {
		if *to, err = root.Status(field); err != nil {
			return nil, err
		}
	}
	root.Stop()
	dbPath := filepath.Join(rootDir, store.FileName)
	fi, err := os.Stat(dbPath)
	if err != nil {
		return nil, err
	}
	res.StoreBytes = fi.Size()
	if err := cube(ctx, res, cfg, q, dbPath, tree); err != nil {
		return nil, err
	}
	say("full-year cube: tonghop p50 %v; PostgreSQL p50 %v", res.Cube.Tonghop.P50, res.Cube.PG.P50)
	if m, ok, err := newMapped(tree); err != nil {
		return nil, err
	} else if ok {
		// The profile file holds the questions above: a second profile
		// would be appended to it, which pprof cannot read.
		mcfg := cfg
		mcfg.QueryProfile = nil
		mq, err := askMapped(ctx, mcfg, m, tree, rootDir, pg, cols, say)
		if err != nil {
			return nil, err
		}
		res.Answers = append(res.Answers, mq...)
	}
	return res, nil
}

// cpuOf is the CPU time used so far by this process and by the root.
func cpuOf(root *runningNode) ([2]time.Duration, error) {
	self, err := selfCPU()
	if err != nil {
		return [2]time.Duration{}, err
	}
	r, err := root.CPU()
	return [2]time.Duration{self, r}, err
}

// questions are the questions asked of both systems, of the last year
// unless they say otherwise.
func questions(q *querier, tree *hierarchy.Tree, cfg Config) []question {
	last := strconv.Itoa(cfg.LastYear)
	var qs []question
	single := func(name string, units []string) {
		qs = append(qs, question{
			name: name,
			tonghop: func(ctx context.Context, i int) (answer, error) {
				return q.tonghopValue(ctx, units[i%len(units)], indicatorShare, last)
			},
			pg: func(ctx context.Context, i int) (answer, error) {
				return q.pgIndicator(ctx, units[i%len(units)], indicatorShare, cfg.LastYear, cfg.LastYear, false)
			},
		})
	}
	single("one ratio, the country", []string{Root})
	rng := rand.New(rand.NewPCG(7, uint64(cfg.LastYear)))
	for _, level := range levelColumns() {
		at := tree.AtLevel(level)
		if len(at) == 0 {
			continue
		}
		units := make([]string, cfg.Queries)
		for i := range units {
			units[i] = at[rng.IntN(len(at))].Code
		}
		single("one ratio, a "+level+" (random)", units)
	}

	qs = append(qs, rankings(q, tree, cfg.LastYear)...)
	big := biggest(tree)
	qs = append(qs, question{
		name: fmt.Sprintf("a ratio of %s year by year, %d–%d", big.Name, cfg.FirstYear, cfg.LastYear),
		tonghop: func(ctx context.Context, _ int) (answer, error) {
			return q.tonghopSeries(ctx, big.Code, indicatorShare, cfg.FirstYear, cfg.LastYear)
		},
		pg: func(ctx context.Context, _ int) (answer, error) {
			return q.pgIndicator(ctx, big.Code, indicatorShare, cfg.FirstYear, cfg.LastYear, false)
		},
	})
	return qs
}

// biggest is the province with the most children: Thanh Hóa in the 2024
// list.
func biggest(tree *hierarchy.Tree) hierarchy.Unit {
	return slices.MaxFunc(tree.Children(Root), func(a, b hierarchy.Unit) int {
		return len(tree.Children(a.Code)) - len(tree.Children(b.Code))
	})
}

// rankings are the two questions that rank children for year: the
// biggest province's, and all provinces.
func rankings(q *querier, tree *hierarchy.Tree, year int) []question {
	p := strconv.Itoa(year)
	var qs []question
	compare := func(name, unit, ind string) {
		qs = append(qs, question{
			name: name,
			tonghop: func(ctx context.Context, _ int) (answer, error) {
				return q.tonghopCompare(ctx, unit, ind, p)
			},
			pg: func(ctx context.Context, _ int) (answer, error) {
				return q.pgIndicator(ctx, unit, ind, year, year, true)
			},
		})
	}
	big := biggest(tree)
	kids := tree.Children(big.Code)
	compare(fmt.Sprintf("%s's %d %ss ranked", big.Name, len(kids), kids[0].Level), big.Code, indicatorVillage)
	compare(fmt.Sprintf("all %d provinces ranked", len(tree.Children(Root))), Root, indicatorRated)
	return qs
}

// askAll asks every question, under QueryProfile if it is set.
func askAll(ctx context.Context, qs []question, cfg Config, withPG bool, say func(string, ...any)) ([]QuestionResult, error) {
	if cfg.QueryProfile != nil {
		if err := pprof.StartCPUProfile(cfg.QueryProfile); err != nil {
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var out []QuestionResult
	for _, qu := range qs {
		qr, err := ask(ctx, qu, cfg, withPG)
		if err != nil {
			return nil, err
		}
		out = append(out, qr)
		say("%s: tonghop p50 %v p99 %v; PostgreSQL p50 %v p99 %v", qr.Name, qr.Tonghop.P50, qr.Tonghop.P99, qr.PG.P50, qr.PG.P99)
	}
	return out, nil
}

// ask checks that both systems agree on the question's first requests,
// then times each.
func ask(ctx context.Context, qu question, cfg Config, withPG bool) (QuestionResult, error) {
	r := QuestionResult{Name: qu.name}
	if withPG {
		for i := range min(cfg.Checks, cfg.Queries) {
			t, err := qu.tonghop(ctx, i)
			if err != nil {
				return r, err
			}
			p, err := qu.pg(ctx, i)
			if err != nil {
				return r, err
			}
			if err := agree(qu.name, t, p); err != nil {
				return r, err
			}
			r.Checked++
		}
	}
	var err error
	if r.Tonghop, err = timeCalls(ctx, cfg.Queries, cfg.Queries, qu.tonghop); err != nil {
		return r, err
	}
	if withPG {
		if r.PG, err = timeCalls(ctx, cfg.Queries, cfg.Queries, qu.pg); err != nil {
			return r, err
		}
	}
	return r, nil
}

// cube times every cell of every unit for the last year: in tonghop read
// from the root's store by a caller in the same process (no RPC returns
// it), in PostgreSQL by one query with a grouping set per level.
func cube(ctx context.Context, res *Results, cfg Config, q *querier, dbPath string, tree *hierarchy.Tree) error {
	st, err := store.Open(dbPath, store.Options{MustExist: true, Logger: cfg.Logger})
	if err != nil {
		return fmt.Errorf("opening the root's store again: %w", err)
	}
	defer st.Close()
	var units []string
	for _, u := range tree.Units() {
		units = append(units, u.Code)
	}
	p := strconv.Itoa(cfg.LastYear)
	res.Cube.Name = "full-year cube: every cell of every unit, " + p
	t, err := tonghopCube(st, units, p)
	if err != nil {
		return err
	}
	res.CubeRows = len(t)
	if q.pg != nil {
		pgRows, err := q.pgCube(ctx, cfg.LastYear)
		if err != nil {
			return err
		}
		if err := sameCube(t, pgRows); err != nil {
			return err
		}
		res.Cube.Checked = 1
	}
	if res.Cube.Tonghop, err = timeCalls(ctx, cfg.CubeRuns, 1, func(context.Context, int) (answer, error) {
		_, err := tonghopCube(st, units, p)
		return nil, err
	}); err != nil {
		return err
	}
	if q.pg != nil {
		if res.Cube.PG, err = timeCalls(ctx, cfg.CubeRuns, 1, func(ctx context.Context, _ int) (answer, error) {
			_, err := q.pgCube(ctx, cfg.LastYear)
			return nil, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// idleCommune starts the node of the first commune, enrolled and holding
// its province's units, with its parent unreachable (nothing to send), and
// reads its resident memory once it is ready.
func idleCommune(ctx context.Context, cfg Config, tree *hierarchy.Tree, fl *fleet, dataDir string) (int64, error) {
	communes := tree.AtLevel(hierarchy.LevelCommune)
	if len(communes) == 0 {
		return 0, errors.New("no commune to start")
	}
	c := communes[0]
	path := tree.Path(c.Code)
	units := []hierarchy.Unit{}
	for _, code := range path[:2] {
		u, _ := tree.Unit(code)
		units = append(units, u)
	}
	units = append(units, tree.Descendants(path[1])...)
	dir := filepath.Join(dataDir, c.Code)
	if _, err := node.Init(dir, c.Code, units, false, node.Options{Logger: cfg.Logger}); err != nil {
		return 0, fmt.Errorf("preparing commune %s: %w", c.Code, err)
	}
	// Enrolment's outcome, without a running parent: the parent's
	// certificate for the key Init made.
	key, err := trust.LoadKey(dir)
	if err != nil {
		return 0, err
	}
	csr, err := trust.NewCSR(key, path, c.Name)
	if err != nil {
		return 0, err
	}
	chain, err := fl.ids[c.Parent].Issue(csr, path, time.Now(), certValidity)
	if err != nil {
		return 0, err
	}
	if err := trust.Save(dir, trust.Identity{Key: key, Chain: chain}); err != nil {
		return 0, err
	}
	parent, err := freeAddr()
	if err != nil {
		return 0, err
	}
	n, err := startNode(ctx, cfg.ServeCommand, dir, parent, cfg.Logger.Named(c.Code))
	if err != nil {
		return 0, err
	}
	defer n.Stop()
	return n.Status("VmRSS")
}

// dialRoot connects to the root's administrators' port with the admin token
// init wrote into its data directory.
func dialRoot(addr, rootDir string) (*grpc.ClientConn, error) {
	token, err := node.AdminToken(rootDir)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(access.Credentials(token)))
}
