package validate

import (
	"testing"

	"github.com/tonghop/tonghop/internal/catalog"
)

// TestSmallCountsAreNoOutliers: a cell that admits 1 member a year, year
// after year, and then 4, is no outlier (its z-score is infinite, yet three
// members mean nothing); 9 against the same history is.
func TestSmallCountsAreNoOutliers(t *testing.T) {
	set, err := ForCatalog(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	var history []Lookup
	for _, n := range []int64{1, 1, 1, 2, 1} {
		history = append(history, lookup(map[string]int64{"ket_nap": n}))
	}
	for _, x := range []int64{0, 2, 3, 4, 5} {
		if vs := set.Run(Input{Values: lookup(map[string]int64{"ket_nap": x}), History: history}); len(vs) != 0 {
			t.Errorf("%d against a history of 1–2: %v", x, vs)
		}
	}
	if vs := set.Run(Input{Values: lookup(map[string]int64{"ket_nap": 9}), History: history}); len(vs) != 1 || vs[0].Rule.Code != "ket_nap/outlier/history" {
		t.Errorf("9 against a history of 1–2: %v", vs)
	}
}
