package hierarchy

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// tree3 is a small pre-2025 style tree: province → district → commune, given
// out of order so that the sorting is exercised.
func tree3(t *testing.T) *Tree {
	t.Helper()
	tr, err := NewTree([]Unit{
		{Code: "00004", Name: "Phường Trúc Bạch", Level: "commune", Parent: "001"},
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "002", Name: "Quận Hoàn Kiếm", Level: "district", Parent: "01"},
		{Code: "00001", Name: "Phường Phúc Xá", Level: "commune", Parent: "001", ValidTo: Day(2025, 7, 1)},
		{Code: "01", Name: "Thành phố Hà Nội", Level: "province"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
		{Code: "00037", Name: "Phường Phúc Tân", Level: "commune", Parent: "002"},
		{Code: "001", Name: "Quận Ba Đình", Level: "district", Parent: "01"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "00008", Name: "Phường Ngọc Hà", Level: "commune", Parent: "001", ValidFrom: Day(2025, 7, 1)},
	})
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	return tr
}

// tree2 is a post-2025 style tree: province → commune.
func tree2(t *testing.T) *Tree {
	t.Helper()
	tr, err := NewTree([]Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "00004", Name: "Phường Ba Đình", Level: "commune", Parent: "01"},
		{Code: "01", Name: "Thành phố Hà Nội", Level: "province"},
		{Code: "03390", Name: "Xã Tam Đường", Level: "commune", Parent: "12"},
		{Code: "00070", Name: "Phường Hoàn Kiếm", Level: "commune", Parent: "01"},
	})
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	return tr
}

func codes(units []Unit) []string {
	if units == nil {
		return nil
	}
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Code
	}
	return out
}

func checkCodes(t *testing.T, what string, got []Unit, want ...string) {
	t.Helper()
	if !slices.Equal(codes(got), want) {
		t.Errorf("%s = %q, want %q", what, codes(got), want)
	}
}

func TestTree3(t *testing.T) {
	tr := tree3(t)
	if got := tr.Len(); got != 11 {
		t.Errorf("Len = %d, want 11", got)
	}
	checkCodes(t, "Roots", tr.Roots(), "01", "12")
	checkCodes(t, "Children(01)", tr.Children("01"), "001", "002")
	checkCodes(t, "Children(001)", tr.Children("001"), "00001", "00004", "00008")
	checkCodes(t, "Children(106)", tr.Children("106"), "03390", "03394")
	checkCodes(t, "Children(00001)", tr.Children("00001"))
	checkCodes(t, "Children(unknown)", tr.Children("99"))

	checkCodes(t, "Ancestors(03390)", tr.Ancestors("03390"), "106", "12")
	checkCodes(t, "Ancestors(001)", tr.Ancestors("001"), "01")
	checkCodes(t, "Ancestors(01)", tr.Ancestors("01"))
	checkCodes(t, "Ancestors(unknown)", tr.Ancestors("99"))

	if got, want := tr.Path("00004"), []string{"01", "001", "00004"}; !slices.Equal(got, want) {
		t.Errorf("Path(00004) = %q, want %q", got, want)
	}
	if got, want := tr.Path("12"), []string{"12"}; !slices.Equal(got, want) {
		t.Errorf("Path(12) = %q, want %q", got, want)
	}
	if got := tr.Path("99"); got != nil {
		t.Errorf("Path(unknown) = %q, want nil", got)
	}

	for code, want := range map[string]int{"01": 0, "12": 0, "001": 1, "106": 1, "00037": 2, "03394": 2, "99": -1} {
		if got := tr.Depth(code); got != want {
			t.Errorf("Depth(%q) = %d, want %d", code, got, want)
		}
	}

	for _, c := range []struct {
		anc, code     string
		isAnc, inTree bool
	}{
		{"01", "00004", true, true},
		{"001", "00004", true, true},
		{"002", "00004", false, false},
		{"12", "00004", false, false},
		{"00004", "00004", false, true},
		{"01", "01", false, true},
		{"00004", "001", false, false}, // the other way round
		{"001", "01", false, false},
		{"99", "00004", false, false},
		{"01", "99", false, false},
	} {
		if got := tr.IsAncestor(c.anc, c.code); got != c.isAnc {
			t.Errorf("IsAncestor(%q, %q) = %v, want %v", c.anc, c.code, got, c.isAnc)
		}
		if got := tr.InSubtree(c.anc, c.code); got != c.inTree {
			t.Errorf("InSubtree(%q, %q) = %v, want %v", c.anc, c.code, got, c.inTree)
		}
	}

	checkCodes(t, "Descendants(01)", tr.Descendants("01"), "001", "00001", "00004", "00008", "002", "00037")
	checkCodes(t, "Descendants(106)", tr.Descendants("106"), "03390", "03394")
	checkCodes(t, "Descendants(03390)", tr.Descendants("03390"))

	checkCodes(t, "AtLevel(district)", tr.AtLevel("district"), "001", "002", "106")
	checkCodes(t, "AtLevel(ward)", tr.AtLevel("ward"))
	checkCodes(t, "Units", tr.Units(),
		"01", "12", "001", "002", "106", "00001", "00004", "00008", "00037", "03390", "03394")

	wantLevels := []Level{
		{"province", "Tỉnh, thành phố", 0},
		{"district", "Huyện, quận, thị xã, thành phố thuộc tỉnh", 1},
		{"commune", "Xã, phường, thị trấn", 2},
	}
	if got := tr.Levels(); !slices.Equal(got, wantLevels) {
		t.Errorf("Levels = %v, want %v", got, wantLevels)
	}

	u, ok := tr.Unit("106")
	if want := (Unit{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"}); !ok || !u.Equal(want) {
		t.Errorf("Unit(106) = %+v, %v; want %+v, true", u, ok, want)
	}
	if _, ok := tr.Unit("106 "); ok {
		t.Error(`Unit("106 ") found a unit`)
	}
	if p, ok := tr.Parent("03390"); !ok || p.Code != "106" {
		t.Errorf("Parent(03390) = %q, %v; want 106, true", p.Code, ok)
	}
	if _, ok := tr.Parent("01"); ok {
		t.Error("Parent(01) of a root reported a parent")
	}
}

func TestTree2(t *testing.T) {
	tr := tree2(t)
	checkCodes(t, "Roots", tr.Roots(), "01", "12")
	checkCodes(t, "Children(01)", tr.Children("01"), "00004", "00070")
	checkCodes(t, "Ancestors(00070)", tr.Ancestors("00070"), "01")
	if got, want := tr.Path("03390"), []string{"12", "03390"}; !slices.Equal(got, want) {
		t.Errorf("Path(03390) = %q, want %q", got, want)
	}
	if got := tr.Depth("00004"); got != 1 {
		t.Errorf("Depth(00004) = %d, want 1", got)
	}
	if !tr.IsAncestor("12", "03390") || tr.IsAncestor("01", "03390") {
		t.Error("IsAncestor wrong for 12/01 over 03390")
	}
	if !tr.InSubtree("01", "00070") || tr.InSubtree("12", "00070") {
		t.Error("InSubtree wrong for 01/12 over 00070")
	}
	wantLevels := []Level{
		{"province", "Tỉnh, thành phố", 0},
		{"commune", "Xã, phường, thị trấn", 1},
	}
	if got := tr.Levels(); !slices.Equal(got, wantLevels) {
		t.Errorf("Levels = %v, want %v", got, wantLevels)
	}
	checkCodes(t, "AtLevel(district)", tr.AtLevel("district"))
	checkCodes(t, "Units", tr.Units(), "01", "12", "00004", "00070", "03390")
}

func TestLevelsUnknownCode(t *testing.T) {
	tr, err := NewTree([]Unit{
		{Code: "VN", Name: "Việt Nam", Level: "country"},
		{Code: "01", Name: "Thành phố Hà Nội", Level: "province", Parent: "VN"},
		// Two levels may share a depth (say communes and special zones).
		{Code: "00004", Name: "Phường Ba Đình", Level: "commune", Parent: "01"},
		{Code: "00005", Name: "Đặc khu Thử", Level: "special_zone", Parent: "01"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Level{
		{"country", "country", 0},
		{"province", "Tỉnh, thành phố", 1},
		{"commune", "Xã, phường, thị trấn", 2},
		{"special_zone", "special_zone", 2},
	}
	if got := tr.Levels(); !slices.Equal(got, want) {
		t.Errorf("Levels = %v, want %v", got, want)
	}
}

func TestChildrenOn(t *testing.T) {
	tr := tree3(t)
	// 00001 is valid until 2025-07-01 (exclusive), 00008 from 2025-07-01.
	for _, c := range []struct {
		day  time.Time
		want []string
	}{
		{Day(2025, 6, 30), []string{"00001", "00004"}},
		{Day(2025, 7, 1), []string{"00004", "00008"}},
		{Day(2020, 1, 1), []string{"00001", "00004"}},
		{Day(2030, 1, 1), []string{"00004", "00008"}},
		// The time of day does not matter…
		{time.Date(2025, 6, 30, 23, 59, 59, 0, time.UTC), []string{"00001", "00004"}},
		// …and the calendar day is the one in day's own location: this is
		// 2025-06-30 17:30 UTC, but 2025-07-01 in Hanoi.
		{time.Date(2025, 7, 1, 0, 30, 0, 0, time.FixedZone("ICT", 7*3600)), []string{"00004", "00008"}},
	} {
		if got := codes(tr.ChildrenOn("001", c.day)); !slices.Equal(got, c.want) {
			t.Errorf("ChildrenOn(001, %s) = %q, want %q", c.day, got, c.want)
		}
	}
	if got := tr.ChildrenOn("99", Day(2025, 1, 1)); got != nil {
		t.Errorf("ChildrenOn(unknown) = %v, want nil", got)
	}
}

func TestTreeReturnsCopies(t *testing.T) {
	tr := tree3(t)
	ch := tr.Children("01")
	ch[0].Name = "changed"
	ch[0] = Unit{}
	lv := tr.Levels()
	lv[0].Name = "changed"
	checkCodes(t, "Children(01) after caller changed a result", tr.Children("01"), "001", "002")
	if u, _ := tr.Unit("001"); u.Name != "Quận Ba Đình" {
		t.Errorf("Unit(001).Name = %q after caller changed a result", u.Name)
	}
	if tr.Levels()[0].Name != "Tỉnh, thành phố" {
		t.Error("Levels changed after caller changed a result")
	}
}

func TestNewTreeCopiesInput(t *testing.T) {
	units := []Unit{{Code: "01", Name: "Thành phố Hà Nội", Level: "province"}}
	tr, err := NewTree(units)
	if err != nil {
		t.Fatal(err)
	}
	units[0].Name = "changed"
	if u, _ := tr.Unit("01"); u.Name != "Thành phố Hà Nội" {
		t.Errorf("tree follows changes to the input slice: %q", u.Name)
	}
}

func TestNewTreeEmpty(t *testing.T) {
	tr, err := NewTree(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 0 || tr.Roots() != nil || tr.Levels() != nil || len(tr.Units()) != 0 {
		t.Errorf("empty tree not empty: %d units", tr.Len())
	}
}

func TestNewTreeRejects(t *testing.T) {
	p := func(code string) Unit { return Unit{Code: code, Name: "Tỉnh " + code, Level: "province"} }
	d := func(code, parent string) Unit {
		return Unit{Code: code, Name: "Huyện " + code, Level: "district", Parent: parent}
	}
	c := func(code, parent string) Unit {
		return Unit{Code: code, Name: "Xã " + code, Level: "commune", Parent: parent}
	}
	for _, tc := range []struct {
		name  string
		units []Unit
		want  string // in the error text
	}{
		{"duplicate code", []Unit{p("01"), d("001", "01"), d("001", "01")}, `duplicate code "001"`},
		{"duplicate root", []Unit{p("01"), p("01")}, `duplicate code "01"`},
		{"unknown parent", []Unit{p("01"), d("001", "02")}, `unit "001": parent "02" does not exist`},
		{"cycle of two", []Unit{p("01"), d("a", "b"), d("b", "a")}, "cycle of parents: a → b → a"},
		{"cycle of three below a tail", []Unit{c("x", "a"), d("a", "b"), d("b", "c"), d("c", "a")},
			"cycle of parents: a → b → c → a"},
		{"level at two depths", []Unit{p("01"), d("001", "01"), c("00001", "001"), c("00002", "01")},
			`level "commune" is at depth 2 (unit "00001") and at depth 1 (unit "00002")`},
		{"root level below a root", []Unit{p("01"), {Code: "02", Name: "Tỉnh 02", Level: "province", Parent: "01"}},
			`level "province" is at depth 0`},
		{"empty code", []Unit{{Name: "Tỉnh X", Level: "province"}}, "code: must not be empty"},
		{"code with space", []Unit{p("01 ")}, `code: must contain only ASCII letters and digits`},
		{"empty name", []Unit{{Code: "01", Level: "province"}}, "name: must not be empty"},
		{"bad UTF-8 name", []Unit{{Code: "01", Name: "T\xffnh", Level: "province"}}, "name: must be valid UTF-8"},
		{"empty level", []Unit{{Code: "01", Name: "Tỉnh X"}}, "level: must not be empty"},
		{"own parent", []Unit{p("01"), d("001", "001")}, "parent: must differ from code"},
		{"dates reversed", []Unit{{Code: "01", Name: "Tỉnh X", Level: "province",
			ValidFrom: Day(2025, 7, 1), ValidTo: Day(2025, 7, 1)}}, "valid_to: 2025-07-01 must be after valid_from 2025-07-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewTree(tc.units)
			if err == nil {
				t.Fatalf("NewTree accepted it: %d units", tr.Len())
			}
			if !errors.Is(err, ErrInvalidTree) {
				t.Errorf("error %q does not wrap ErrInvalidTree", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestNewTreeFieldErrorReachable(t *testing.T) {
	_, err := NewTree([]Unit{{Code: "01", Name: "Tỉnh X", Level: "province", Parent: "0 1"}})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "parent" {
		t.Fatalf("NewTree error %v: want a *FieldError for parent", err)
	}
}

func TestSubtree(t *testing.T) {
	tr := tree3(t)
	sub, err := tr.Subtree("001")
	if err != nil {
		t.Fatal(err)
	}
	checkCodes(t, "Subtree(001).Units", sub.Units(), "001", "00001", "00004", "00008")
	checkCodes(t, "Subtree(001).Roots", sub.Roots(), "001")
	if u, _ := sub.Unit("001"); u.Parent != "" {
		t.Errorf("Subtree root keeps parent %q", u.Parent)
	}
	if u, _ := sub.Unit("00001"); !u.ValidTo.Equal(Day(2025, 7, 1)) {
		t.Errorf("Subtree lost validity dates: %+v", u)
	}
	want := []Level{
		{"district", "Huyện, quận, thị xã, thành phố thuộc tỉnh", 0},
		{"commune", "Xã, phường, thị trấn", 1},
	}
	if got := sub.Levels(); !slices.Equal(got, want) {
		t.Errorf("Subtree Levels = %v, want %v", got, want)
	}
	// The original is untouched.
	if u, _ := tr.Unit("001"); u.Parent != "01" {
		t.Errorf("Subtree changed the original tree: parent %q", u.Parent)
	}

	leaf, err := tr.Subtree("03390")
	if err != nil || leaf.Len() != 1 {
		t.Errorf("Subtree(leaf) = %v, %v; want one unit", leaf, err)
	}
	if _, err := tr.Subtree("99"); !errors.Is(err, ErrUnknownUnit) {
		t.Errorf("Subtree(unknown) error = %v, want ErrUnknownUnit", err)
	}
}

func TestTreeConcurrentReads(t *testing.T) {
	tr := tree3(t)
	done := make(chan bool)
	for range 8 {
		go func() {
			for range 100 {
				tr.Descendants("01")
				tr.ChildrenOn("001", Day(2025, 7, 1))
				tr.InSubtree("01", "00004")
				tr.Levels()
			}
			done <- true
		}()
	}
	for range 8 {
		<-done
	}
}

// TestSubtreeSize checks the sizes NewTree counts against walking the tree.
func TestSubtreeSize(t *testing.T) {
	tree, err := NewTree([]Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "105", Name: "Thành phố Lai Châu", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]int{"12": 5, "106": 3, "105": 1, "03390": 1, "nope": 0} {
		if got := tree.SubtreeSize(code); got != want {
			t.Errorf("SubtreeSize(%s) = %d, want %d", code, got, want)
		}
		if _, ok := tree.Unit(code); ok && tree.SubtreeSize(code) != 1+len(tree.Descendants(code)) {
			t.Errorf("SubtreeSize(%s) disagrees with Descendants", code)
		}
	}
}
