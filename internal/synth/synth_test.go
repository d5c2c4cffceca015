package synth

import (
	"reflect"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/validate"
)

// TestValuesConsistent: the same unit and year give the same report; every
// partition adds up to its total; a part drawn from a whole never exceeds it.
func TestValuesConsistent(t *testing.T) {
	cat := catalog.Default()
	ds, _ := cat.DataSet("tong_ket_nam")
	for _, unit := range []string{"03390", "00001", "26734"} {
		for _, year := range []int{2012, 2021} {
			vals := Values(cat, ds, unit, year)
			if !reflect.DeepEqual(vals, Values(cat, ds, unit, year)) {
				t.Fatalf("%s %d: not deterministic", unit, year)
			}
			byKey := map[[2]string]int64{}
			for _, v := range vals {
				if v.Count < 0 {
					t.Fatalf("%s %d: %s.%s = %d", unit, year, v.Element, v.Option, v.Count)
				}
				byKey[[2]string{v.Element, v.Option}] = v.Count
			}
			for _, code := range ds.Elements {
				de, _ := cat.Element(code)
				total := byKey[[2]string{code, ""}]
				for _, bc := range de.Breakdowns {
					b, _ := cat.Breakdown(bc)
					var sum int64
					for _, o := range b.Options {
						n := byKey[[2]string{code, o.Code}]
						sum += n
						if n > total {
							t.Errorf("%s %d: %s.%s = %d exceeds the total %d", unit, year, code, o.Code, n, total)
						}
					}
					if b.Kind == catalog.Partition && sum != total {
						t.Errorf("%s %d: %s by %s adds up to %d, total %d", unit, year, code, bc, sum, total)
					}
				}
				if sp, ok := specs[code]; ok && sp.of != "" && total > byKey[[2]string{sp.of, ""}] {
					t.Errorf("%s %d: %s = %d exceeds %s = %d", unit, year, code, total, sp.of, byKey[[2]string{sp.of, ""}])
				}
			}
		}
	}
}

// TestValuesPassValidation: every year of a unit's synthetic reports,
// judged against the year before as a parent judges it on receipt, breaks
// no rule of the catalogue: no error, and no warning (no copy, no
// probation beyond last year's admissions).
func TestValuesPassValidation(t *testing.T) {
	cat := catalog.Default()
	ds, _ := cat.DataSet("tong_ket_nam")
	set, err := validate.ForCatalog(cat)
	if err != nil {
		t.Fatal(err)
	}
	lookupOf := func(vals []store.Value) validate.Lookup {
		cells := make([]validate.Cell, len(vals))
		for i, v := range vals {
			cells[i] = validate.Cell{Element: v.Element, Option: v.Option, Count: v.Count}
		}
		return validate.LookupOf(cells)
	}
	judged := 0
	for _, unit := range []string{"03390", "00001", "26734", "106"} {
		for year := 2011; year <= 2021; year++ {
			in := validate.Input{PeriodType: period.Yearly,
				Values: lookupOf(Values(cat, ds, unit, year)), Previous: lookupOf(Values(cat, ds, unit, year-1))}
			for _, v := range set.Run(in) {
				t.Errorf("%s %d: %s", unit, year, v)
			}
			judged++
		}
	}
	// The balance must have been judged, not skipped for a missing side.
	a, b := Values(cat, ds, "03390", 2020), Values(cat, ds, "03390", 2021)
	get := func(vals []store.Value, el string) int64 {
		for _, v := range vals {
			if v.Element == el && v.Option == "" {
				return v.Count
			}
		}
		t.Fatalf("no %s", el)
		return 0
	}
	net := get(b, "ket_nap") + get(b, "chuyen_den") - get(b, "tu_tran") - get(b, "khai_tru") - get(b, "xoa_ten") -
		get(b, "xin_ra_khoi_dang") - get(b, "huy_quyet_dinh_ket_nap") - get(b, "chuyen_di")
	if get(b, "dang_vien") != get(a, "dang_vien")+net {
		t.Fatalf("2021 members %d, 2020 members %d, net flows %d", get(b, "dang_vien"), get(a, "dang_vien"), net)
	}
}
