package nationalbench

import (
	"testing"

	"github.com/tonghop/tonghop/internal/country"
)

// TestScaled repeats Lai Châu's subtree three times under the root: three
// times the units, each copy's codes prefixed and its tree the original's.
func TestScaled(t *testing.T) {
	one, err := (&Config{UnitsCSV: country.File2024, Provinces: []string{"12"}}).tree()
	if err != nil {
		t.Fatal(err)
	}
	three, err := (&Config{UnitsCSV: country.File2024, Provinces: []string{"12"}, Scale: 3}).tree()
	if err != nil {
		t.Fatal(err)
	}
	// The root, and Lai Châu's 1 + 8 + 106 units three times.
	if n := len(three.Units()); n != 1+3*115 || len(one.Units()) != 1+115 {
		t.Fatalf("%d units at 3×, %d at 1×; want 346 and 116", n, len(one.Units()))
	}
	for _, code := range []string{"12", "R212", "R312"} {
		u, ok := three.Unit(code)
		if !ok || u.Parent != Root || len(three.Children(code)) != 8 || len(three.Descendants(code)) != 114 {
			t.Errorf("province %s: %+v, %d children; want under %s with 8 districts and 114 units below", code, u, len(three.Children(code)), Root)
		}
	}
	if u, ok := three.Unit("R3106"); !ok || u.Parent != "R312" || u.Name != "Huyện Tam Đường (bản sao 3)" {
		t.Errorf("copy 3 of district 106: %+v", u)
	}
}
