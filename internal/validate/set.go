package validate

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
)

// Lookup returns one value of a report, and whether it was entered.
type Lookup func(expr.Ref) (int64, bool)

// Input is a report's values and what they are judged against. Every
// field but Values may be empty: a check without what it needs is not run.
type Input struct {
	Values Lookup
	// Previous is the same unit's report of the period before.
	Previous Lookup
	// History is the same unit's reports of earlier periods.
	History []Lookup
	// Peers are the reports of the unit's siblings for the same period.
	Peers []Lookup
}

// balance is a stock-flow identity across two periods: this period's stock
// is last period's plus the inflows minus the outflows.
type balance struct {
	stock   string
	in, out []string
	vi, en  string
}

// balances are the identities of the catalogue's stocks and their flows,
// as the Central Organisation Commission's forms define them. One whose
// elements a catalogue lacks is left out.
func balances() []balance {
	return []balance{
		{
			stock: "dang_vien",
			in:    []string{"ket_nap", "chuyen_den"},
			out:   []string{"tu_tran", "khai_tru", "xoa_ten", "xin_ra_khoi_dang", "huy_quyet_dinh_ket_nap", "chuyen_di"},
			vi:    "Đảng viên cuối kỳ phải bằng đầu kỳ cộng kết nạp, chuyển đến, trừ từ trần, khai trừ, xóa tên, xin ra khỏi đảng, hủy quyết định kết nạp, chuyển đi",
			en:    "Members at the end must equal those at the start plus admitted and transferred in, less died, expelled, struck off, resigned, admission cancelled and transferred out",
		},
		{
			stock: "to_chuc_co_so_dang",
			in:    []string{"to_chuc_co_so_dang_thanh_lap"},
			out:   []string{"to_chuc_co_so_dang_giai_the", "to_chuc_co_so_dang_sap_nhap"},
			vi:    "Tổ chức cơ sở đảng cuối kỳ phải bằng đầu kỳ cộng thành lập mới, trừ giải thể, sáp nhập",
			en:    "Base organisations at the end must equal those at the start plus founded, less dissolved and merged",
		},
		{
			stock: "chi_bo_truc_thuoc",
			in:    []string{"chi_bo_truc_thuoc_thanh_lap"},
			out:   []string{"chi_bo_truc_thuoc_giai_the"},
			vi:    "Chi bộ trực thuộc cuối kỳ phải bằng đầu kỳ cộng thành lập mới, trừ giải thể",
			en:    "Cells at the end must equal those at the start plus founded, less dissolved",
		},
	}
}

// Outliers are judged by the modified z-score of Iglewicz and Hoaglin,
// 0,6745·(x − median)/MAD, against at least minPoints others.
const (
	outlierZ  = 3.5
	minPoints = 5
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

// ForCatalog returns the rules a report of cat must satisfy.
func ForCatalog(cat *catalog.Catalog) (*Set, error) {
	rules, err := BuiltIn(cat)
	if err != nil {
		return nil, err
	}
	s := &Set{Rules: rules}
	for _, b := range balances() {
		names := append(append([]string{b.stock}, b.in...), b.out...)
		if !slices.ContainsFunc(names, func(e string) bool { _, ok := cat.Element(e); return !ok }) {
			flows := strings.Join(b.in, " + ")
			if len(b.out) > 0 {
				flows += " - " + strings.Join(b.out, " - ")
			}
			left, err := expr.Parse(b.stock)
			if err != nil {
				return nil, err
			}
			right, err := expr.Parse(flows)
			if err != nil {
				return nil, fmt.Errorf("balance of %s: %w", b.stock, err)
			}
			s.Rules = append(s.Rules, Rule{
				Code: b.stock + "/balance", Left: left, Right: right, Previous: left, Op: Equal,
				Importance: Error, Message: b.vi, MessageEN: b.en,
			})
		}
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
	out := check(s.Rules, in.Values, in.Previous)
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

// copied reports an element whose total is positive and whose every cell
// entered in both periods is the same, with at least one option among them.
func copied(cc copyCheck, now, before Lookup) (Violation, bool) {
	total, ok := now(cc.cells[0])
	prevTotal, pok := before(cc.cells[0])
	if !ok || !pok || total == 0 || total != prevTotal {
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
		default:
			options++
		}
	}
	if options == 0 {
		return Violation{}, false
	}
	de := cc.element
	return Violation{
		Rule: Rule{
			Code: de.Code + "/copy", Op: Equal, Importance: Warning,
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
		if sum == 0 {
			return Violation{}, false
		}
		z = (float64(x) - med) / (1.253314 * sum / float64(len(dev)))
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
			Code: de.Code + "/outlier/" + against, Op: Equal, Importance: Warning,
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
