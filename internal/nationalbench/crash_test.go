package nationalbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/zap/zaptest"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/synth"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
)

// errKilled stops a province's uplink once the root is dead.
var errKilled = errors.New("the root was killed")

// TestCrashedRootMidRoundLosesNothing kills the root's process with SIGKILL
// while four provinces' uplinks push a yearly round into it in the
// benchmark's batches (uplink.DefaultBatch full reports a call), right
// after the first receipt comes back, so that the other batches are in
// the middle of being verified, stored and rolled up. On the dead root's
// disk every report it acknowledged must be held, and its roll-up must be
// exactly the sum of the reports it holds: no batch half applied. The
// provinces then send the whole round again to the restarted root, which
// must answer every report it had acknowledged as a duplicate, and end
// with the country's roll-up equal to the sum of every report once.
func TestCrashedRootMidRoundLosesNothing(t *testing.T) {
	t.Setenv(AsTonghop, "1")
	const year = 2021
	// Four provinces of the 2024 list, 90 to 105 units each: 400 reports,
	// one or two batches a province.
	provinces := []string{"92", "74", "72", "35"}
	cfg := Config{UnitsCSV: country.File2024, Provinces: provinces}
	tree, err := cfg.tree()
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.Default()
	ds, _ := cat.DataSet(DataSet)
	cols, err := newColumns(tree, Root)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), Root)
	log := zaptest.NewLogger(t)
	if _, err := node.Init(dir, Root, tree.Units(), true, node.Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	rootID, err := trust.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := newFleet(cat, ds, tree, rootID, Root)
	if err != nil {
		t.Fatal(err)
	}
	r, err := fl.sign(year, cols)
	if err != nil {
		t.Fatal(err)
	}
	unitOf := map[string]string{}
	for i, e := range r.envs {
		unitOf[envelope.Digest(e)] = fl.units[i].Code
	}

	ctx := context.Background()
	root, err := startNode(ctx, []string{os.Args[0]}, dir, "", log.Named("root"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kill(root) })

	// The receipts the provinces hold when the root dies.
	var (
		mu     sync.Mutex
		acked  = map[string]bool{}
		dead   bool
		first  = make(chan struct{})
		signal sync.Once
	)
	deliverErr := make(chan error, 1)
	go func() {
		deliverErr <- fl.deliver(ctx, root.peerAddr, []string{Root}, r, uplink.DefaultBatch, func(res *tonghopv1.DeliveryResult) error {
			if err := accepted(res); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if dead {
				// A receipt read from the socket after the kill was
				// still sent before it: it counts, and the uplink stops.
				acked[res.Digest] = true
				return errKilled
			}
			acked[res.Digest] = true
			signal.Do(func() { close(first) })
			return nil
		})
	}()
	select {
	case <-first:
	case err := <-deliverErr:
		t.Fatalf("the round ended before any receipt: %v", err)
	}
	kill(root)
	mu.Lock()
	dead = true
	mu.Unlock()
	if err := <-deliverErr; err == nil {
		t.Fatal("every province delivered its whole round to a root killed after the first receipt")
	}
	mu.Lock()
	receipts := len(acked)
	mu.Unlock()
	if receipts >= len(r.envs) {
		t.Fatalf("the root acknowledged all %d reports before it died: the kill came too late to test anything", receipts)
	}

	held := heldReports(t, dir, unitOf)
	var lost []string
	for d := range acked {
		if !held[d] {
			lost = append(lost, unitOf[d])
		}
	}
	if len(lost) > 0 {
		t.Errorf("the root acknowledged %d reports but lost them in the crash, of units %v", len(lost), lost)
	}
	t.Logf("killed: the provinces held %d receipts of %d reports; the root's disk held %d reports (%d stored but not yet acknowledged)",
		receipts, len(r.envs), len(held), len(held)-receipts)
	var heldUnits []string
	for d := range held {
		heldUnits = append(heldUnits, unitOf[d])
	}
	checkRollup(t, dir, cat, ds, heldUnits, year)

	// The uplinks resend everything they hold no receipt for; here, the
	// whole round, which also checks that what was acknowledged is known.
	root, err = startNode(ctx, []string{os.Args[0]}, dir, "", log.Named("root"))
	if err != nil {
		t.Fatal(err)
	}
	err = fl.deliver(ctx, root.peerAddr, []string{Root}, r, uplink.DefaultBatch, func(res *tonghopv1.DeliveryResult) error {
		want := tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED
		if held[res.Digest] {
			want = tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE
		}
		if res.Outcome != want || len(res.Receipt) == 0 {
			return fmt.Errorf("report of %s: %v %v, want %v with a receipt", unitOf[res.Digest], res.Outcome, res.Error, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("resending the round to the restarted root: %v", err)
	}
	root.Stop()
	var all []string
	for _, u := range fl.units {
		all = append(all, u.Code)
	}
	if got := heldReports(t, dir, unitOf); len(got) != len(r.envs) {
		t.Errorf("the root holds %d reports after the resend, want %d", len(got), len(r.envs))
	}
	checkRollup(t, dir, cat, ds, all, year)
}

// kill sends the node's process SIGKILL, with no chance to flush, close or
// say goodbye, and waits until it is gone.
func kill(n *runningNode) {
	n.proc.cmd.Process.Kill() // an error means it is dead already
	<-n.proc.exited
}

// heldReports reads a stopped root's store directly: which of the round's
// reports it holds.
func heldReports(t *testing.T, dir string, round map[string]string) map[string]bool {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	held := map[string]bool{}
	for d := range round {
		switch _, env, _, err := st.Submission(d); {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			t.Fatal(err)
		case len(env) == 0:
			t.Errorf("report of %s: its record is held, its signed envelope is not", round[d])
		default:
			held[d] = true
		}
	}
	return held
}

// checkRollup checks a stopped root's roll-up of the country for year
// against the sum of the units' reports, computed here from the
// generator: every cell's sum, and the number of reports in it.
func checkRollup(t *testing.T, dir string, cat *catalog.Catalog, ds catalog.DataSet, units []string, year int) {
	t.Helper()
	type key struct{ element, option string }
	want := map[key]store.Cell{}
	for _, u := range units {
		for _, v := range synth.Values(cat, ds, u, year) {
			c := want[key{v.Element, v.Option}]
			c.Element, c.Option = v.Element, v.Option
			c.Sum += v.Count
			c.Reporting++
			want[key{v.Element, v.Option}] = c
		}
	}
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := fmt.Sprint(year)
	got, err := st.Rollups([]string{Root}, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	cells := got[Root][p]
	if len(cells) != len(want) {
		t.Fatalf("the root's roll-up of %d reports has %d cells, want %d", len(units), len(cells), len(want))
	}
	for _, c := range cells {
		if w := want[key{c.Element, c.Option}]; c != w {
			t.Errorf("the root's roll-up of %d reports: %+v, want %+v", len(units), c, w)
		}
	}
}
