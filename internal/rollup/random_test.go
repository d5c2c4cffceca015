package rollup

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// cells the random histories use: stocks and a flow, totals and options.
var randomRefs = []expr.Ref{
	{Element: "dang_vien"}, {Element: "dang_vien", Option: "nu"}, {Element: "dang_vien", Option: "nam"},
	{Element: "ket_nap"}, {Element: "thon_to_dan_pho"}, {Element: "truong_thon_la_dang_vien"},
}

// randomTree is a province with 2..4 districts of 1..5 communes each.
func randomTree(rng *rand.Rand) []hierarchy.Unit {
	units := []hierarchy.Unit{{Code: "90", Name: "Tỉnh Thử", Level: "province"}}
	for d := range 2 + rng.IntN(3) {
		dc := fmt.Sprintf("9%02d", d)
		units = append(units, hierarchy.Unit{Code: dc, Name: "Huyện " + dc, Level: "district", Parent: "90"})
		for c := range 1 + rng.IntN(5) {
			cc := fmt.Sprintf("9%02d%02d", d, c)
			units = append(units, hierarchy.Unit{Code: cc, Name: "Xã " + cc, Level: "commune", Parent: dc})
		}
	}
	return units
}

func randomValues(rng *rand.Rand) []store.Value {
	var vs []store.Value
	for _, r := range randomRefs {
		if rng.IntN(3) > 0 { // about a third missing
			vs = append(vs, store.Value{Element: r.Element, Option: r.Option, Count: int64(rng.IntN(500))})
		}
	}
	return vs
}

// history drives a store with random reports, revisions and own values,
// and keeps a plain model of what the latest data is.
type history struct {
	st      *store.Store
	tree    *hierarchy.Tree
	units   []hierarchy.Unit
	latest  map[[2]string][]store.Value // unit, period → latest report
	own     map[string]map[[2]string]int64
	reports map[string]store.Report // digest → report, for Rebuild
	revs    map[[2]string]uint64
}

func newHistory(t *testing.T, rng *rand.Rand) *history {
	units := randomTree(rng)
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Initialise("90", units); err != nil {
		t.Fatal(err)
	}
	tree, _ := hierarchy.NewTree(units)
	return &history{st: st, tree: tree, units: units, latest: map[[2]string][]store.Value{},
		own: map[string]map[[2]string]int64{}, reports: map[string]store.Report{}, revs: map[[2]string]uint64{}}
}

var periods = []string{"2019", "2020", "2021"}

func (h *history) step(t *testing.T, rng *rand.Rand, n int) {
	p := periods[rng.IntN(len(periods))]
	if rng.IntN(5) == 0 { // the province edits its own values
		vs := randomValues(rng)
		if len(vs) == 0 {
			return
		}
		if err := h.st.PutValues(period.MustParse(p), vs); err != nil {
			t.Fatal(err)
		}
		if h.own[p] == nil {
			h.own[p] = map[[2]string]int64{}
		}
		for _, v := range vs {
			h.own[p][[2]string{v.Element, v.Option}] = v.Count
		}
		return
	}
	u := h.units[1+rng.IntN(len(h.units)-1)].Code
	key := [2]string{u, p}
	h.revs[key]++
	vs := randomValues(rng)
	digest := fmt.Sprintf("sha256:%d", n)
	res, err := h.st.PutSubmissions([]store.Incoming{{
		Record:   store.Submission{Digest: digest, Unit: u, DataSet: "tong_ket_nam", Period: p, Revision: h.revs[key], SignerFingerprint: "k" + u},
		Envelope: []byte(digest), Values: vs,
	}}, false)
	if err != nil || res[0].Outcome != store.Stored {
		t.Fatalf("step %d: %v %v", n, res, err)
	}
	h.latest[key] = vs
	h.reports[digest] = store.Report{Unit: u, DataSet: "tong_ket_nam", Period: p, Values: vs}
}

// bruteForce sums, by walking the tree, what the roll-up of unit should be.
func (h *history) bruteForce(unit, p string, ref expr.Ref) (sum int64, reporting int) {
	add := func(vs []store.Value) {
		for _, v := range vs {
			if v.Element == ref.Element && v.Option == ref.Option {
				sum += v.Count
				reporting++
			}
		}
	}
	for _, u := range append([]hierarchy.Unit{{Code: unit}}, h.tree.Descendants(unit)...) {
		if u.Code == "90" {
			if n, ok := h.own[p][[2]string{ref.Element, ref.Option}]; ok {
				sum += n
				reporting++
			}
			continue
		}
		add(h.latest[[2]string{u.Code, p}])
	}
	return sum, reporting
}

// TestEngineMatchesBruteForce: on random trees and histories, every unit's
// every cell equals the sum a walk over the tree computes.
func TestEngineMatchesBruteForce(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 2021))
		h := newHistory(t, rng)
		for n := range 60 {
			h.step(t, rng, n)
		}
		e := &Engine{Store: h.st, Catalog: catalog.Default(), Tree: h.tree, Self: "90"}
		for _, u := range h.units {
			for _, p := range periods {
				r := period.Range{From: period.MustParse(p), To: period.MustParse(p)}
				for _, ref := range randomRefs {
					want, reporting := h.bruteForce(u.Code, p, ref)
					got, err := e.Value(u.Code, ref, r, time.Time{})
					if err != nil {
						t.Fatal(err)
					}
					if got.Missing != (reporting == 0) || !got.Missing && (got.Value != want || got.Reporting != reporting) {
						t.Fatalf("seed %d: %s %s %s: engine %+v, brute force %d from %d units", seed, u.Code, p, ref, got, want, reporting)
					}
				}
			}
		}
	}
}

// TestRebuildEqualsIncremental: after random histories, rebuilding every
// roll-up from the stored reports and own values gives the same bytes.
func TestRebuildEqualsIncremental(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1975))
		h := newHistory(t, rng)
		for n := range 80 {
			h.step(t, rng, n)
		}
		incremental, err := h.st.RollupBytes()
		if err != nil {
			t.Fatal(err)
		}
		if err := h.st.Rebuild(func(env []byte) (store.Report, error) {
			r, ok := h.reports[string(env)]
			if !ok {
				return store.Report{}, fmt.Errorf("unknown envelope %q", env)
			}
			return r, nil
		}); err != nil {
			t.Fatal(err)
		}
		rebuilt, err := h.st.RollupBytes()
		if err != nil {
			t.Fatal(err)
		}
		if len(incremental) == 0 {
			t.Fatalf("seed %d: no roll-ups at all", seed)
		}
		if len(rebuilt) != len(incremental) {
			t.Fatalf("seed %d: %d records rebuilt, %d incremental", seed, len(rebuilt), len(incremental))
		}
		for k, v := range incremental {
			if string(rebuilt[k]) != string(v) {
				t.Fatalf("seed %d: record %q differs after rebuild", seed, k)
			}
		}
	}
}
