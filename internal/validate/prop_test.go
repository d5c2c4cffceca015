package validate

import (
	"math/rand/v2"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/synth"
)

// TestIntegralJudgeMatchesExact: on random reports, each with random cells
// missing and values near their totals (so that sums hold, fail by one and
// parts exceed wholes), the int64 judge and the exact rational judge agree
// on every rule: judged or not, broken or not, and the values of both sides.
func TestIntegralJudgeMatchesExact(t *testing.T) {
	cat := catalog.Default()
	set, err := ForCatalog(cat)
	if err != nil {
		t.Fatal(err)
	}
	var refs []expr.Ref
	for _, de := range cat.Elements() {
		refs = append(refs, expr.Ref{Element: de.Code})
		for _, bc := range de.Breakdowns {
			b, _ := cat.Breakdown(bc)
			for _, o := range b.Options {
				refs = append(refs, expr.Ref{Element: de.Code, Option: o.Code})
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 2021))
	report := func() Lookup {
		m := map[expr.Ref]int64{}
		for _, r := range refs {
			if rng.IntN(10) > 0 {
				m[r] = rng.Int64N(4)
			}
		}
		return func(r expr.Ref) (int64, bool) { v, ok := m[r]; return v, ok }
	}
	judged, broken, integral := 0, 0, 0
	for i := 0; i < 300; i++ {
		now, before := report(), report()
		for _, r := range set.Rules {
			if !r.integral() {
				continue
			}
			integral++
			vi, ji := judgeInt(r, now, now, before)
			ve, je := judgeExact(r, now, now, before)
			if ji != je || (vi.Rule.Code == "") != (ve.Rule.Code == "") {
				t.Fatalf("%s: int judged %v broken %v, exact judged %v broken %v", r.Code, ji, vi.Rule.Code != "", je, ve.Rule.Code != "")
			}
			if vi.Rule.Code != "" {
				broken++
				if vi.Left.Cmp(ve.Left) != 0 || vi.Right.Cmp(ve.Right) != 0 {
					t.Fatalf("%s: int %s %s, exact %s %s", r.Code, vi.Left, vi.Right, ve.Left, ve.Right)
				}
			}
			if ji {
				judged++
			}
		}
	}
	// The test means something only if both outcomes occurred often.
	if judged < integral/10 || broken < judged/10 || broken == judged {
		t.Fatalf("judged %d of %d, broken %d: the random reports do not exercise the rules", judged, integral, broken)
	}
}

// BenchmarkRun judges a synthetic commune report of the yearly round
// against the year before: what every receipt at a parent costs.
func BenchmarkRun(b *testing.B) {
	cat := catalog.Default()
	set, err := ForCatalog(cat)
	if err != nil {
		b.Fatal(err)
	}
	ds, _ := cat.DataSet("tong_ket_nam")
	toCells := func(year int) []Cell {
		var out []Cell
		for _, v := range synth.Values(cat, ds, "03390", year) {
			out = append(out, Cell{Element: v.Element, Option: v.Option, Count: v.Count})
		}
		return out
	}
	now, before := LookupOf(toCells(2021)), LookupOf(toCells(2020))
	b.ReportAllocs()
	for b.Loop() {
		set.Run(Input{Values: now, Previous: before})
	}
}
