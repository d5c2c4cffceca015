package validate

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

// Lookup returns one value of a report, and whether it was entered.
type Lookup func(expr.Ref) (int64, bool)

// Input is a report's values and what they are judged against. Every
// field but Values may be empty: a check without what it needs is not run.
type Input struct {
	// PeriodType is the report's; rules for another period type are not
	// judged.
	PeriodType period.Type
	Values     Lookup
	// Previous is the same unit's report of the period before.
	Previous Lookup
	// History is the same unit's reports of earlier periods, up to
	// HistoryPeriods of them, the latest first.
	History []Lookup
	// Peers are the reports of the unit's siblings for the same period.
	Peers []Lookup
}

// HistoryPeriods is how many earlier periods of a unit its report is
// judged against for outliers.
const HistoryPeriods = 5

// Outliers are judged by the modified z-score of Iglewicz and Hoaglin,
// 0,6745·(x − median)/MAD, against at least minPoints others.
// A difference from the median smaller than minOutlierGap is never an
// outlier: on counts of a few (1 to 4 members), any change scores high and
// means nothing.
const (
	outlierZ      = 3.5
	minPoints     = 5
	minOutlierGap = 5
)

// Set is every rule of a catalogue: the comparisons (breakdowns add up,
// parts within wholes, stock-flow balances) and the checks that look at
// other reports (copies of the previous period, outliers).
type Set struct {
	Rules []Rule
	// copies are the elements with a breakdown, each with the cells that
	// a copied report repeats.
	copies []copyCheck
	// totals are the elements judged for outliers.
	totals []catalog.DataElement
}

type copyCheck struct {
	element catalog.DataElement
	cells   []expr.Ref
}

// ForCatalog returns the rules a report of cat must satisfy: those its
// structure implies (BuiltIn) and those it states.
func ForCatalog(cat *catalog.Catalog) (*Set, error) {
	rules, err := BuiltIn(cat)
	if err != nil {
		return nil, err
	}
	s := &Set{Rules: rules}
	for _, cr := range cat.ValidationRules() {
		imp := Error
		if cr.Importance == "warning" {
			imp = Warning
		}
		s.Rules = append(s.Rules, Rule{
			Code: cr.Code, Left: cr.Left, Right: cr.Right, Previous: cr.Previous, PeriodType: cr.PeriodType,
			Op: Op(cr.Operator), Importance: imp, Message: cr.Message, MessageEN: cr.MessageEN,
		})
	}
	for _, de := range cat.Elements() {
		s.totals = append(s.totals, de)
		if len(de.Breakdowns) == 0 {
			continue
		}
		cc := copyCheck{element: de, cells: []expr.Ref{{Element: de.Code}}}
		for _, bc := range de.Breakdowns {
			b, _ := cat.Breakdown(bc)
			for _, o := range b.Options {
				cc.cells = append(cc.cells, expr.Ref{Element: de.Code, Option: o.Code})
			}
		}
		s.copies = append(s.copies, cc)
	}
	return s, nil
}

// Run judges a report: every rule both of whose sides it has, every
// element with a breakdown against the previous period (a likely copy),
// and every total against the unit's history and its siblings (outliers).
// Violations come in the order of the rules, then copies, then outliers.
func (s *Set) Run(in Input) []Violation {
	out := check(s.Rules, in.Values, in.Previous, in.PeriodType)
	if in.Previous != nil {
		for _, cc := range s.copies {
			if v, ok := copied(cc, in.Values, in.Previous); ok {
				out = append(out, v)
			}
		}
	}
	for _, de := range s.totals {
		ref := expr.Ref{Element: de.Code}
		x, ok := in.Values(ref)
		if !ok {
			continue
		}
		if v, ok := outlier(de, ref, x, in.History, "history"); ok {
			out = append(out, v)
		}
		if v, ok := outlier(de, ref, x, in.Peers, "peers"); ok {
			out = append(out, v)
		}
	}
	return out
}

// A breakdown of a small total repeats by chance (a commune with one
// dissolved organisation two years running); one of at least minCopyTotal
// into two or more non-zero parts hardly ever does.
const minCopyTotal = 20

// copied reports an element whose total is at least minCopyTotal and whose
// every cell entered in both periods is the same, with at least two
// non-zero options among them.
func copied(cc copyCheck, now, before Lookup) (Violation, bool) {
	total, ok := now(cc.cells[0])
	prevTotal, pok := before(cc.cells[0])
	if !ok || !pok || total < minCopyTotal || total != prevTotal {
		return Violation{}, false
	}
	options := 0
	for _, c := range cc.cells[1:] {
		a, aok := now(c)
		b, bok := before(c)
		switch {
		case aok != bok:
			return Violation{}, false
		case !aok:
		case a != b:
			return Violation{}, false
		case a > 0:
			options++
		}
	}
	if options < 2 {
		return Violation{}, false
	}
	de := cc.element
	return Violation{
		Rule: Rule{
			Code: de.Code + "/copy", Op: Against, Importance: Warning,
			Message:   fmt.Sprintf("%s giống hệt kỳ trước ở mọi ô: có thể sao chép số liệu kỳ trước", de.Name),
			MessageEN: fmt.Sprintf("%s is identical to the previous period in every cell: likely copied", de.NameEN),
		},
		Left: big.NewRat(total, 1), Right: big.NewRat(prevTotal, 1),
	}, true
}

// outlier reports x when its modified z-score against others' values of
// ref exceeds outlierZ. The violation's Right is the others' median.
func outlier(de catalog.DataElement, ref expr.Ref, x int64, others []Lookup, against string) (Violation, bool) {
	var vals []float64
	for _, o := range others {
		if v, ok := o(ref); ok {
			vals = append(vals, float64(v))
		}
	}
	if len(vals) < minPoints {
		return Violation{}, false
	}
	med := median(vals)
	if math.Abs(float64(x)-med) < minOutlierGap {
		return Violation{}, false
	}
	dev := make([]float64, len(vals))
	for i, v := range vals {
		dev[i] = math.Abs(v - med)
	}
	mad := median(dev)
	var z float64
	if mad > 0 {
		z = 0.6745 * (float64(x) - med) / mad
	} else {
		// More than half the others agree exactly: fall back to the mean
		// absolute deviation, scaled to match the MAD's (1,2533).
		var sum float64
		for _, d := range dev {
			sum += d
		}
		switch {
		case sum > 0:
			z = (float64(x) - med) / (1.253314 * sum / float64(len(dev)))
		case float64(x) != med:
			// Every other value is the same and this one is not.
			z = math.Inf(1)
		}
	}
	if math.Abs(z) <= outlierZ {
		return Violation{}, false
	}
	vi, en := "lịch sử của chính đơn vị", "the unit's own history"
	if against == "peers" {
		vi, en = "các đơn vị cùng cấp", "its siblings"
	}
	r := new(big.Rat)
	r.SetFloat64(med)
	return Violation{
		Rule: Rule{
			Code: de.Code + "/outlier/" + against, Op: Against, Importance: Warning,
			Message:   fmt.Sprintf("%s khác thường so với %s (trung vị %s)", de.Name, vi, r.FloatString(1)),
			MessageEN: fmt.Sprintf("%s is unusual against %s (median %s)", de.NameEN, en, r.FloatString(1)),
		},
		Left: big.NewRat(x, 1), Right: r,
	}, true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Cell is one value of a report.
type Cell struct {
	Element, Option string
	Count           int64
}

// LookupOf returns a Lookup over cells; nil when cells is nil, so that a
// report that does not exist is told apart from an empty one.
func LookupOf(cells []Cell) Lookup {
	if cells == nil {
		return nil
	}
	m := make(map[expr.Ref]int64, len(cells))
	for _, c := range cells {
		m[expr.Ref{Element: c.Element, Option: c.Option}] = c.Count
	}
	return func(r expr.Ref) (int64, bool) {
		v, ok := m[r]
		return v, ok
	}
}

// Live is the rule set of a catalogue that changes (catalog.NewLive): it
// is rebuilt, once, whenever the catalogue reads as another version, so
// that the rules a published version states judge reports from the moment
// it is in force.
type Live struct {
	cat *catalog.Catalog
	cur atomic.Pointer[liveSet]
	mu  sync.Mutex // one rebuild at a time
}

type liveSet struct {
	digest string
	set    *Set
}

// NewLive returns the rules of cat, following it.
func NewLive(cat *catalog.Catalog) (*Live, error) {
	l := &Live{cat: cat}
	if _, err := l.Set(); err != nil {
		return nil, err
	}
	return l, nil
}

// Set returns the rules of the catalogue as it reads now.
func (l *Live) Set() (*Set, error) {
	now := l.cat.Current()
	d := now.Digest()
	if cur := l.cur.Load(); cur != nil && cur.digest == d {
		return cur.set, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.cur.Load(); cur != nil && cur.digest == d {
		return cur.set, nil
	}
	s, err := ForCatalog(now)
	if err != nil {
		return nil, err
	}
	l.cur.Store(&liveSet{digest: d, set: s})
	return s, nil
}
