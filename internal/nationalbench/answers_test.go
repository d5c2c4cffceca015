package nationalbench

import (
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// The check that makes the benchmark's numbers checked, not trusted: a
// single figure off by one fails it.
func TestAgreeFailsOnAnyDifference(t *testing.T) {
	tonghop := answer{{"12", "2021", 50, 102}, {"105", "2021", 18, 42}}
	if err := agree("q", tonghop, answer{{"105", "2021", 18, 42}, {"12", "2021", 50, 102}}); err != nil {
		t.Errorf("the same rows in another order: %v", err)
	}
	for name, pg := range map[string]answer{
		"numerator": {{"12", "2021", 51, 102}, {"105", "2021", 18, 42}},
		"a row":     {{"12", "2021", 50, 102}},
		"a unit":    {{"12", "2021", 50, 102}, {"106", "2021", 18, 42}},
		"a period":  {{"12", "2020", 50, 102}, {"105", "2021", 18, 42}},
	} {
		if err := agree("q", tonghop, pg); err == nil {
			t.Errorf("%s differs, yet the answers agree", name)
		}
	}
	cube := []cubeRow{{"12", "dang_vien", "", 2675, 14}, {"12", "dang_vien", "nu", 884, 14}}
	if err := sameCube(cube, []cubeRow{cube[1], cube[0]}); err != nil {
		t.Errorf("the same cells in another order: %v", err)
	}
	if err := sameCube(cube, []cubeRow{cube[0], {"12", "dang_vien", "nu", 884, 13}}); err == nil || !strings.Contains(err.Error(), "884") {
		t.Errorf("a reporting count differs: %v", err)
	}
}

// The fact table's columns, hand-checked on Lai Châu of 2024: a commune's
// rows name its district and province, a district's own report has no
// commune, and a unit's subtree is selected by its whole path.
func TestColumns(t *testing.T) {
	tree, err := hierarchy.NewTree([]hierarchy.Unit{
		{Code: Root, Name: "Toàn quốc", Level: "country"},
		{Code: "12", Name: "Tỉnh Lai Châu", Level: hierarchy.LevelProvince, Parent: Root},
		{Code: "106", Name: "Huyện Tam Đường", Level: hierarchy.LevelDistrict, Parent: "12"},
		{Code: "03390", Name: "Xã Sơn Bình", Level: hierarchy.LevelCommune, Parent: "106"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := newColumns(tree, Root)
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{"03390": "12\t106\t03390", "106": "12\t106\t", "12": "12\t\t", Root: "\t\t"} {
		if got := c.prefix(code); got != want {
			t.Errorf("row of %s: %q, want %q", code, got, want)
		}
	}
	cond, args := c.where("106", 5)
	if cond != " AND province = $5 AND district = $6" || len(args) != 2 || args[0] != "12" || args[1] != "106" {
		t.Errorf("subtree of 106: %q %v", cond, args)
	}
	if col, err := c.childColumn("12"); col != hierarchy.LevelDistrict || err != nil {
		t.Errorf("children of 12: %q, %v", col, err)
	}
}
