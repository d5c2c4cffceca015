package synth

import (
	"reflect"
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
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
