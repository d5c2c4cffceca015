// Package demo runs tonghop for a newcomer: a real hierarchy on loopback —
// Tỉnh Lai Châu, two of its districts and three communes of each, with
// official codes (2024 boundaries) — where every unit is a node with its own
// bbolt file, Ed25519 key, certificate and ports. The nodes enrol with
// one-time tokens, enter sample statistics through the public API, sign them
// and send them up; the province verifies every report end to end. The 2021
// reports come in a reporting round the province opens: one commune's
// inconsistent breakdown is caught on entry and fixed before signing, one
// commune is late, each district accepts its communes before reporting, and
// the province counts who reported. The demo prints it all, then keeps
// serving REST so the printed curl lines work.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
)

// laiChau is Tỉnh Lai Châu with its districts and communes, as in the
// official list of 2024 (before the 2025 reorganisation).
//
//go:embed lai-chau-2024.csv
var laiChau []byte

// The demo hierarchy: the province, and for each district the communes that
// run a node.
const (
	Province = "12"
	DataSet  = "tong_ket_nam"
	Period   = "2021"
	// Baseline is the year before, which targets measure change from.
	Baseline = "2020"
)

// Districts maps each district of the demo to its communes.
func Districts() map[string][]string {
	return map[string][]string{
		"105": {"03386", "03387", "03388"}, // Thành phố Lai Châu
		"106": {"03390", "03394", "03400"}, // Huyện Tam Đường
	}
}

// Options configure a demo run.
type Options struct {
	// DataDir holds one directory per node; empty means a temporary
	// directory removed at the end.
	DataDir string
	// GRPCListen and HTTPListen are the province's addresses; the other
	// nodes take free loopback ports.
	GRPCListen string
	HTTPListen string
	// Once stops after printing instead of serving until ctx ends.
	Once bool
	// JSON prints one JSON object describing the run instead of text.
	JSON   bool
	Out    io.Writer
	Logger *zap.Logger
}

// running is one node of the demo.
type running struct {
	unit   hierarchy.Unit
	dir    string
	node   *node.Node
	admin  *grpc.ClientConn
	token  string // the node's first admin token
	done   chan error
	cancel context.CancelFunc
	// stopped is set once the node was stopped (a unit that retired).
	stopped bool
}

// hierarchyRun is the running demo.
type hierarchyRun struct {
	o     Options
	tree  *hierarchy.Tree
	units []hierarchy.Unit
	// changes are the official mapping's rows for Lai Châu.
	changes []hierarchy.Change
	clock   *clock
	nodes   []*running // province first, then districts, then communes
	cancel  context.CancelFunc
}

// clock is the demo's time: the real one moved to the day the demo tells
// of, so that it can live through 2025-07-01 in a few seconds.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the demo's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// set moves the demo's time to t.
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// Start is when the demo's first acts happen: the last month of the 2024
// map, so that the same nodes live through 2025-07-01 in the 2025 act.
func Start() time.Time { return time.Date(2025, time.June, 2, 9, 0, 0, 0, numfmt.Zone()) }

func (h *hierarchyRun) opts(log *zap.Logger) node.Options {
	return node.Options{Logger: log, Clock: h.clock.Now}
}

// Run runs the demo until ctx ends (or at once with Options.Once).
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "tonghop-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}
	units, changes, tree, err := demoMap()
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	h := &hierarchyRun{o: o, tree: tree, units: units, changes: changes, clock: &clock{}, cancel: cancel}
	h.clock.set(Start())
	defer h.stop()

	if err := h.startAll(ctx, runCtx); err != nil {
		return err
	}
	if err := h.enterBaseline(ctx); err != nil {
		return err
	}
	round, err := h.runRound(ctx)
	if err != nil {
		return err
	}
	s, err := h.summarise(ctx)
	if err != nil {
		return err
	}
	s.Round = round
	if s.Transition, err = h.transition(ctx, runCtx); err != nil {
		return fmt.Errorf("the 2025 act: %w", err)
	}
	if s.Tokens.SignIn, err = h.signInLinks(ctx); err != nil {
		return err
	}
	if err := report(o, s); err != nil {
		return err
	}
	if o.Once {
		return nil
	}
	<-ctx.Done()
	return nil
}

func (h *hierarchyRun) stop() {
	h.cancel()
	for i := len(h.nodes) - 1; i >= 0; i-- { // children before parents
		h.stopNode(h.nodes[i])
	}
}

// startAll initialises, enrols and starts every node, parents first.
func (h *hierarchyRun) startAll(ctx, runCtx context.Context) error {
	prov, err := h.start(runCtx, Province, nil)
	if err != nil {
		return err
	}
	for _, d := range slices.Sorted(maps.Keys(Districts())) {
		dist, err := h.start(runCtx, d, prov)
		if err != nil {
			return err
		}
		for _, c := range Districts()[d] {
			if _, err := h.start(runCtx, c, dist); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *hierarchyRun) start(runCtx context.Context, code string, parent *running) (*running, error) {
	return h.startIn(runCtx, code, code, parent)
}

// startIn is start with the node's data directory named.
func (h *hierarchyRun) startIn(runCtx context.Context, code, dirName string, parent *running) (*running, error) {
	dir := filepath.Join(h.o.DataDir, dirName)
	u, err := node.Init(dir, code, h.units, parent == nil, h.opts(h.o.Logger))
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", code, err)
	}
	if parent == nil {
		if err := putChanges(dir, h.changes); err != nil {
			return nil, err
		}
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	if parent == nil {
		if h.o.GRPCListen != "" {
			cfg.GRPCListen = h.o.GRPCListen
		}
		if h.o.HTTPListen != "" {
			cfg.HTTPListen = h.o.HTTPListen
		}
	} else {
		// Enrolment as an administrator does it: a one-time token from the
		// parent, then the child's certificate request.
		tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(context.Background(),
			&tonghopv1.CreateEnrollmentTokenRequest{UnitCode: code})
		if err != nil {
			return nil, fmt.Errorf("token for %s: %w", code, err)
		}
		if _, err := node.Enroll(context.Background(), dir, parent.node.PeerAddr(), tok.Token, h.opts(h.o.Logger)); err != nil {
			return nil, fmt.Errorf("enrolling %s: %w", code, err)
		}
		cfg.Parent = parent.node.PeerAddr()
	}
	n, err := node.New(cfg, h.opts(h.o.Logger.Named(code)))
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", code, err)
	}
	ctx, cancel := context.WithCancel(runCtx)
	r := &running{unit: u, dir: dir, node: n, done: make(chan error, 1), cancel: cancel}
	go func() { r.done <- n.Run(ctx) }()
	if r.token, err = node.AdminToken(dir); err != nil {
		return nil, err
	}
	r.admin, err = grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(access.Credentials(r.token)))
	if err != nil {
		return nil, err
	}
	h.nodes = append(h.nodes, r)
	return r, nil
}

// enterBaseline enters each district's and commune's sample statistics of
// the baseline year through its own node's API, and submits them.
func (h *hierarchyRun) enterBaseline(ctx context.Context) error {
	for _, r := range h.nodes[1:] {
		if err := h.enterValues(ctx, r, Baseline, Sample(r.unit, Baseline)); err != nil {
			return err
		}
		if _, err := tonghopv1.NewSubmissionServiceClient(r.admin).Submit(ctx, &tonghopv1.SubmitRequest{
			UnitCode: r.unit.Code, DataSet: DataSet, Period: Baseline,
		}); err != nil {
			return fmt.Errorf("submitting %s: %w", r.unit.Code, err)
		}
	}
	return nil
}

// enterValues enters a unit's values and a narrative section of period p.
func (h *hierarchyRun) enterValues(ctx context.Context, r *running, p string, vals []*tonghopv1.DataValue) error {
	data := tonghopv1.NewDataServiceClient(r.admin)
	if _, err := data.PutValues(ctx, &tonghopv1.PutValuesRequest{
		UnitCode: r.unit.Code, DataSet: DataSet, Period: p, Values: vals,
	}); err != nil {
		return fmt.Errorf("entering %s: %w", r.unit.Code, err)
	}
	if _, err := data.PutSection(ctx, &tonghopv1.PutSectionRequest{
		UnitCode: r.unit.Code, DataSet: DataSet, Period: p, Section: "II.1",
		Content: &tonghopv1.SectionContent{Text: "Ưu điểm: cấp ủy quan tâm lãnh đạo công tác xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên của " + r.unit.Name + "."},
	}); err != nil {
		return fmt.Errorf("section of %s: %w", r.unit.Code, err)
	}
	return nil
}

// Sample is the demo's statistics of a unit for a year: deterministic per
// unit code and year, of a size typical of Lai Châu, and consistent (every
// breakdown adds up).
func Sample(u hierarchy.Unit, year string) []*tonghopv1.DataValue {
	f := fnv.New64a()
	f.Write([]byte(u.Code + "/" + year))
	rng := rand.New(rand.NewPCG(f.Sum64(), 2021))
	between := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	v := func(element, option string, n int) *tonghopv1.DataValue {
		return &tonghopv1.DataValue{DataElement: element, Option: option, Value: strconv.Itoa(n)}
	}
	members := between(120, 420)
	if u.Level == hierarchy.LevelDistrict {
		members = between(300, 600) // the district's own organisations
	}
	female := members * between(28, 40) / 100
	probation := members * between(3, 6) / 100
	minority := members * between(45, 85) / 100
	rated := members - probation
	excellent := rated * between(8, 15) / 100
	good := rated * between(70, 80) / 100
	failed := rated * between(0, 2) / 100
	villages := between(8, 20)
	withCell := villages - between(0, 1)
	heads := withCell * between(40, 70) / 100
	secretaries := withCell * between(5, 20) / 100
	orgs := between(4, 9)
	committees := between(1, 3)
	return []*tonghopv1.DataValue{
		v("to_chuc_co_so_dang", "", orgs),
		v("to_chuc_co_so_dang", "dang_bo_co_so", committees),
		v("to_chuc_co_so_dang", "chi_bo_co_so", orgs-committees),
		v("thon_to_dan_pho", "", villages),
		v("thon_to_dan_pho_co_chi_bo", "", withCell),
		v("truong_thon_la_dang_vien", "", heads),
		v("bi_thu_kiem_truong_thon", "", secretaries),
		v("dang_vien", "", members),
		v("dang_vien", "nam", members-female),
		v("dang_vien", "nu", female),
		v("dang_vien", "chinh_thuc", members-probation),
		v("dang_vien", "du_bi", probation),
		v("dang_vien", "dan_toc_thieu_so", minority),
		v("dang_vien", "dan_toc_kinh", members-minority),
		v("ket_nap", "", probation),
		v("dang_vien_xep_loai", "", rated),
		v("dang_vien_xep_loai", "htxsnv", excellent),
		v("dang_vien_xep_loai", "httnv", good),
		v("dang_vien_xep_loai", "htnv", rated-excellent-good-failed),
		v("dang_vien_xep_loai", "khtnv", failed),
	}
}

// waitTimeout bounds how long the demo waits for reports to reach the
// province: on loopback it takes milliseconds.
const waitTimeout = 30 * time.Second
