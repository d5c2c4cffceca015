// Package synth makes synthetic statistics for a hierarchy: every element
// and breakdown of a data set, for every unit and year, deterministic (a
// generator seeded by unit code and year), of plausible sizes, and
// consistent, so that validation passes and indicators mean something. It
// serves benchmarks and load generation; nothing in a running node uses it.
package synth

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
)

// spec says how an element's total is drawn: a share lo..hi of an
// element drawn before it (of), or an integer in lo..hi.
type spec struct {
	of     string
	lo, hi float64
}

// specs, a fixed table, keep the synthetic figures plausible and the indicators
// meaningful: a part is never more than its whole. Elements not listed
// take 0..50 (stocks) or 0..5 (flows).
var specs = map[string]spec{
	"to_chuc_co_so_dang":           {"", 3, 20},
	"chi_bo_truc_thuoc":            {"", 5, 60},
	"to_chuc_co_so_dang_thanh_lap": {"", 0, 2},
	"to_chuc_co_so_dang_giai_the":  {"", 0, 1},
	"to_chuc_co_so_dang_sap_nhap":  {"", 0, 1},
	"chi_bo_truc_thuoc_thanh_lap":  {"", 0, 3},
	"chi_bo_truc_thuoc_giai_the":   {"", 0, 2},
	"thon_to_dan_pho":              {"", 3, 25},
	"thon_to_dan_pho_co_chi_bo":    {"thon_to_dan_pho", 0.85, 1},
	"truong_thon_la_dang_vien":     {"thon_to_dan_pho", 0.4, 1},
	"bi_thu_kiem_truong_thon":      {"truong_thon_la_dang_vien", 0.2, 1},
	"chi_bo_sinh_hoat_chuyen_de":   {"chi_bo_truc_thuoc", 0.5, 1},
	"cap_uy_vien":                  {"", 7, 25},
	"cap_uy_vien_theo_doi_co_so":   {"cap_uy_vien", 0.3, 1},
	"dang_vien":                    {"", 60, 1000},
	"ket_nap":                      {"dang_vien", 0, 0.05},
	"cong_nhan_chinh_thuc":         {"dang_vien", 0, 0.05},
	"chuyen_den":                   {"dang_vien", 0, 0.03},
	"chuyen_di":                    {"dang_vien", 0, 0.03},
	"tu_tran":                      {"dang_vien", 0, 0.02},
	"khai_tru":                     {"dang_vien", 0, 0.002},
	"xoa_ten":                      {"dang_vien", 0, 0.003},
	"xin_ra_khoi_dang":             {"dang_vien", 0, 0.002},
	"huy_quyet_dinh_ket_nap":       {"dang_vien", 0, 0.001},
	"mien_cong_tac_sinh_hoat":      {"dang_vien", 0, 0.1},
	"tam_mien_sinh_hoat_lam_an_xa": {"dang_vien", 0, 0.05},
	"gioi_thieu_noi_cu_tru":        {"dang_vien", 0, 0.3},
	"to_chuc_co_so_dang_xep_loai":  {"to_chuc_co_so_dang", 0.9, 1},
	"chi_bo_truc_thuoc_xep_loai":   {"chi_bo_truc_thuoc", 0.9, 1},
	"dang_vien_xep_loai":           {"dang_vien", 0.85, 1},
	"to_chuc_dang_bi_ky_luat":      {"", 0, 1},
	"dang_vien_bi_ky_luat":         {"dang_vien", 0, 0.01},
	"kiem_tra_giam_sat":            {"", 5, 60},
	"lop_boi_duong_cap_uy":         {"", 0, 3},
	"hoc_vien_boi_duong_cap_uy":    {"", 0, 120},
	"lop_doi_tuong_ket_nap":        {"", 0, 3},
	"hoc_vien_doi_tuong_ket_nap":   {"", 0, 100},
	"lop_dang_vien_moi":            {"", 0, 3},
	"hoc_vien_dang_vien_moi":       {"", 0, 100},
}

// balances are the stocks that follow their flows from year to year, as
// the catalogue's stock-flow rules require (validation checks them).
var balances = []struct {
	stock   string
	in, out []string
}{
	{"dang_vien", []string{"ket_nap", "chuyen_den"}, []string{"tu_tran", "khai_tru", "xoa_ten", "xin_ra_khoi_dang", "huy_quyet_dinh_ket_nap", "chuyen_di"}},
	{"to_chuc_co_so_dang", []string{"to_chuc_co_so_dang_thanh_lap"}, []string{"to_chuc_co_so_dang_giai_the", "to_chuc_co_so_dang_sap_nhap"}},
	{"chi_bo_truc_thuoc", []string{"chi_bo_truc_thuoc_thanh_lap"}, []string{"chi_bo_truc_thuoc_giai_the"}},
}

// firstYear is where every unit's stocks start; each later year is the
// year before plus its flows.
const firstYear = 2000

// chain returns a unit's balanced stocks and their flows in year, and the
// members admitted the year before (on probation at its end), walking the
// years from firstYear with a generator of its own per unit and year.
func chain(unit string, year int) (vals map[string]int64, admittedBefore int64) {
	h := fnv.New64a()
	h.Write([]byte(unit))
	seed := h.Sum64()
	draw := func(rng *rand.Rand, code string, of int64) int64 {
		sp := specs[code]
		if sp.of == "" {
			lo := int64(sp.lo)
			return lo + rng.Int64N(int64(sp.hi)-lo+1)
		}
		return int64(math.Round((sp.lo + rng.Float64()*(sp.hi-sp.lo)) * float64(of)))
	}
	stocks := map[string]int64{}
	rng := rand.New(rand.NewPCG(seed, 1<<32))
	for _, b := range balances {
		stocks[b.stock] = draw(rng, b.stock, 0)
	}
	vals = map[string]int64{}
	for y := firstYear; y <= year; y++ {
		admittedBefore = vals["ket_nap"]
		rng := rand.New(rand.NewPCG(seed, 1<<32|uint64(y)))
		vals = map[string]int64{}
		for _, b := range balances {
			prev := stocks[b.stock]
			var in, out int64
			for _, f := range b.in {
				vals[f] = draw(rng, f, prev)
				in += vals[f]
			}
			for _, f := range b.out {
				// Never more leave than there are.
				vals[f] = min(draw(rng, f, prev), prev+in-out)
				out += vals[f]
			}
			stocks[b.stock] = prev + in - out
			vals[b.stock] = stocks[b.stock]
		}
	}
	return vals, admittedBefore
}

// Values is the report of a unit for a year: every element of the data set
// with its total and every option of its breakdowns, drawn from a PCG
// seeded by the unit's code and the year. The report passes the
// catalogue's validation rules: the options of a partition sum to the
// total; those of a subset are each at most the total; the balanced stocks
// are last year's plus this year's flows (see chain); the members on
// probation are those admitted in the year, and those confirmed are at most
// those admitted the year before.
func Values(cat *catalog.Catalog, ds catalog.DataSet, unit string, year int) []store.Value {
	h := fnv.New64a()
	h.Write([]byte(unit))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(year)))
	chained, admittedBefore := chain(unit, year)
	totals := make(map[string]int64, len(ds.Elements))
	var out []store.Value
	for _, code := range ds.Elements {
		de, _ := cat.Element(code)
		sp, ok := specs[code]
		if !ok {
			sp = spec{hi: 5}
			if de.Nature == catalog.Stock {
				sp.hi = 50
			}
		}
		var total int64
		if n, ok := chained[code]; ok {
			total = n
		} else if whole, ok := totals[sp.of]; sp.of != "" && ok {
			total = int64(math.Round((sp.lo + rng.Float64()*(sp.hi-sp.lo)) * float64(whole)))
		} else {
			lo := int64(sp.lo)
			total = lo + rng.Int64N(int64(sp.hi)-lo+1)
		}
		if code == "cong_nhan_chinh_thuc" {
			total = min(total, admittedBefore)
		}
		totals[code] = total
		out = append(out, store.Value{Element: code, Count: total})
		// A grouping's options (Kinh and minorities) are the sums of
		// their groups in the finer breakdown, drawn first.
		drawn := map[string]map[string]int64{}
		var groupings []catalog.Breakdown
		for _, bc := range de.Breakdowns {
			bd, _ := cat.Breakdown(bc)
			if bd.GroupingOf != "" {
				groupings = append(groupings, bd)
				continue
			}
			if code == "dang_vien" && bc == "tinh_trang_dang_vien" {
				// Probation lasts a year: those on probation at the end of
				// the year are those admitted in it.
				probation := min(chained["ket_nap"], total)
				for _, o := range bd.Options {
					n := total - probation
					if o.Code == "du_bi" {
						n = probation
					}
					out = append(out, store.Value{Element: code, Option: o.Code, Count: n})
				}
				continue
			}
			if bd.Kind == catalog.Partition {
				drawn[bc] = map[string]int64{}
				for i, n := range split(rng, total, len(bd.Options)) {
					drawn[bc][bd.Options[i].Code] = n
					out = append(out, store.Value{Element: code, Option: bd.Options[i].Code, Count: n})
				}
				continue
			}
			for _, o := range bd.Options {
				out = append(out, store.Value{Element: code, Option: o.Code, Count: rng.Int64N(total + 1)})
			}
		}
		for _, bd := range groupings {
			for _, o := range bd.Options {
				var n int64
				for _, g := range o.Groups {
					n += drawn[bd.GroupingOf][g]
				}
				out = append(out, store.Value{Element: code, Option: o.Code, Count: n})
			}
		}
	}
	return out
}

// split splits total into n parts with random weights.
func split(rng *rand.Rand, total int64, n int) []int64 {
	w := make([]float64, n)
	var sum float64
	for i := range w {
		w[i] = 0.05 + rng.Float64()
		sum += w[i]
	}
	parts := make([]int64, n)
	var given int64
	for i := range parts {
		parts[i] = int64(float64(total) * w[i] / sum)
		given += parts[i]
	}
	for ; given < total; given++ {
		parts[rng.IntN(n)]++
	}
	return parts
}

// NationalTree reads an official unit list (CSV) and puts a national unit
// with code root above its provinces, so that one node can hold the whole
// country. csvPath names a file, or one of the lists built into the binary
// (country.File2024, country.File2025) when it is exactly that name, with no
// directory; the built-in lists are read without their validity dates, since
// synthetic years are laid on whichever map is chosen.
func NationalTree(csvPath, root string) (*hierarchy.Tree, error) {
	var in io.ReadCloser
	var err error
	if csvPath == country.File2024 || csvPath == country.File2025 {
		in, err = country.Open(csvPath)
	} else {
		in, err = os.Open(csvPath)
	}
	if err != nil {
		return nil, err
	}
	defer in.Close()
	units, err := hierarchy.ReadCSV(in)
	if err != nil {
		return nil, err
	}
	for i := range units {
		if units[i].Parent == "" {
			units[i].Parent = root
		}
	}
	return hierarchy.NewTree(append([]hierarchy.Unit{{Code: root, Name: "Toàn quốc", Level: "country"}}, units...))
}

// Loader stores synthetic reports as if each had arrived verified from
// below, in batches of Batch (one transaction each).
type Loader struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Tree    *hierarchy.Tree
	DataSet string
	Batch   int
	// Put is the time spent in the store.
	Put   time.Duration
	batch []store.Incoming
}

// Add queues one report, storing the batch when it is full.
func (l *Loader) Add(unit string, year int, vals []store.Value) error {
	p := strconv.Itoa(year)
	digest := "sha256:synthetic-" + unit + "-" + p
	l.batch = append(l.batch, store.Incoming{
		Record: store.Submission{
			Digest: digest, Unit: unit, DataSet: l.DataSet, Period: p, Revision: 1,
			CatalogVersion: l.Catalog.Version(), SignedAt: time.Date(year+1, 1, 15, 8, 0, 0, 0, time.UTC),
			Signer: strings.Join(l.Tree.Path(unit), "/"), SignerFingerprint: "key-" + unit,
			ValueCount: len(vals),
		},
		Envelope: []byte(digest),
		Values:   vals,
	})
	if len(l.batch) >= l.Batch {
		return l.Flush()
	}
	return nil
}

// Flush stores what is queued.
func (l *Loader) Flush() error {
	if len(l.batch) == 0 {
		return nil
	}
	t := time.Now()
	res, err := l.Store.PutSubmissions(l.batch, false)
	l.Put += time.Since(t)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Outcome != store.Stored {
			return fmt.Errorf("synthetic report %s: outcome %d: %v", l.batch[i].Record.Digest, r.Outcome, r.Err)
		}
	}
	l.batch = l.batch[:0]
	return nil
}
