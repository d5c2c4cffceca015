package hierarchy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrInvalidTree is wrapped by every error of [NewTree]; the error text says
// which unit is at fault and why.
var ErrInvalidTree = errors.New("hierarchy: invalid tree")

// ErrUnknownUnit is wrapped by errors about a code that is not in a tree.
var ErrUnknownUnit = errors.New("hierarchy: unknown unit")

// Level is one level of a hierarchy, as found in a [Tree].
type Level struct {
	Code  string // e.g. "province"
	Name  string // Vietnamese name, e.g. "Tỉnh, thành phố"; the code when unknown
	Depth int    // 0 = root level
}

// LevelName returns the Vietnamese name of a level code, or the code itself
// when the package does not know it.
func LevelName(code string) string {
	// A switch rather than a map keeps the table constant.
	switch code {
	case LevelProvince:
		return "Tỉnh, thành phố"
	case LevelDistrict:
		return "Huyện, quận, thị xã, thành phố thuộc tỉnh"
	case LevelCommune:
		return "Xã, phường, thị trấn"
	}
	return code
}

// Tree is an immutable, indexed view of a set of units that form a forest:
// one tree per root. It is built once by [NewTree] and safe for concurrent
// use. Every method returns fresh slices; callers may modify them.
//
// Methods taking a code treat an unknown code as having no relatives: they
// return nil, false or -1 as documented, never panic.
//
// Orders are deterministic: "sorted by code" means by byte-wise comparison
// of the code strings.
type Tree struct {
	nodes   []node         // parents before children: by depth, then by code
	index   map[string]int // code → position in nodes
	roots   []int
	levels  []Level
	byLevel map[string][]int // level code → positions, by code
}

type node struct {
	unit     Unit
	parent   int // position of the parent in Tree.nodes, -1 for a root
	depth    int
	children []int // by code
	size     int   // units in the subtree, the unit itself included
}

// NewTree checks units and indexes them. It rejects, with an error wrapping
// [ErrInvalidTree]:
//   - a unit that fails [Unit.Validate] (the error also wraps its *FieldError);
//   - two units with the same code;
//   - a non-empty Parent that is not the code of a unit in the set;
//   - a cycle of parents (a → b → a);
//   - a level whose units sit at different depths: a level's depth is derived
//     from the tree, and roll-ups "by level" only make sense if it is one.
//
// Validity dates are not compared between parent and child. NewTree does not
// keep units; it copies them.
func NewTree(units []Unit) (*Tree, error) {
	index := make(map[string]int, len(units))
	for i, u := range units {
		if err := u.Validate(); err != nil {
			return nil, fmt.Errorf("%w: unit %q (index %d): %w", ErrInvalidTree, u.Code, i, err)
		}
		if j, dup := index[u.Code]; dup {
			return nil, fmt.Errorf("%w: duplicate code %q (index %d and %d)", ErrInvalidTree, u.Code, j, i)
		}
		index[u.Code] = i
	}
	parent := make([]int, len(units))
	for i, u := range units {
		parent[i] = -1
		if u.Parent == "" {
			continue
		}
		p, ok := index[u.Parent]
		if !ok {
			return nil, fmt.Errorf("%w: unit %q: parent %q does not exist", ErrInvalidTree, u.Code, u.Parent)
		}
		parent[i] = p
	}
	depth, err := depths(units, parent)
	if err != nil {
		return nil, err
	}

	// A level's depth is that of its first unit in input order; any other
	// depth is reported against that unit so both culprits are named.
	type firstSeen struct{ depth, unit int }
	levelDepth := make(map[string]firstSeen)
	for i, u := range units {
		f, ok := levelDepth[u.Level]
		if !ok {
			levelDepth[u.Level] = firstSeen{depth[i], i}
			continue
		}
		if f.depth != depth[i] {
			return nil, fmt.Errorf("%w: level %q is at depth %d (unit %q) and at depth %d (unit %q)",
				ErrInvalidTree, u.Level, f.depth, units[f.unit].Code, depth[i], u.Code)
		}
	}

	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(depth[a], depth[b]), strings.Compare(units[a].Code, units[b].Code))
	})
	pos := make([]int, len(units)) // input index → position in t.nodes
	for p, i := range order {
		pos[i] = p
	}

	t := &Tree{
		nodes:   make([]node, len(units)),
		index:   make(map[string]int, len(units)),
		byLevel: make(map[string][]int, len(levelDepth)),
	}
	// Walking in (depth, code) order appends every child list, the roots
	// and every level list already sorted by code.
	for p, i := range order {
		n := node{unit: units[i], parent: -1, depth: depth[i]}
		if parent[i] >= 0 {
			n.parent = pos[parent[i]]
			pn := &t.nodes[n.parent]
			pn.children = append(pn.children, p)
		} else {
			t.roots = append(t.roots, p)
		}
		t.nodes[p] = n
		t.index[n.unit.Code] = p
		t.byLevel[n.unit.Level] = append(t.byLevel[n.unit.Level], p)
	}
	// Children come after their parents: summing from the end counts each
	// subtree once, so SubtreeSize answers without walking it.
	for p := len(t.nodes) - 1; p >= 0; p-- {
		t.nodes[p].size++
		if parent := t.nodes[p].parent; parent >= 0 {
			t.nodes[parent].size += t.nodes[p].size
		}
	}
	for code, f := range levelDepth {
		t.levels = append(t.levels, Level{Code: code, Name: LevelName(code), Depth: f.depth})
	}
	slices.SortFunc(t.levels, func(a, b Level) int {
		return cmp.Or(cmp.Compare(a.Depth, b.Depth), strings.Compare(a.Code, b.Code))
	})
	return t, nil
}

// depths returns the depth of every unit (0 for a root), or an error naming a
// cycle of parents. Each unit is visited once: a walk up from an unresolved
// unit stops at a root or at a unit whose depth is already known.
func depths(units []Unit, parent []int) ([]int, error) {
	const (
		unknown = iota
		onPath
		done
	)
	state := make([]uint8, len(units))
	depth := make([]int, len(units))
	var path []int
	for i := range units {
		if state[i] == done {
			continue
		}
		path = path[:0]
		base := -1 // depth of the resolved ancestor the walk stopped at; -1 at a root
		for j := i; ; {
			if state[j] == done {
				base = depth[j]
				break
			}
			if state[j] == onPath {
				start := slices.Index(path, j)
				codes := make([]string, 0, len(path)-start+1)
				for _, k := range path[start:] {
					codes = append(codes, units[k].Code)
				}
				codes = append(codes, units[j].Code)
				return nil, fmt.Errorf("%w: cycle of parents: %s", ErrInvalidTree, strings.Join(codes, " → "))
			}
			state[j] = onPath
			path = append(path, j)
			if parent[j] < 0 {
				break
			}
			j = parent[j]
		}
		// path[k]'s parent is path[k+1]; assign from the top down.
		for k := len(path) - 1; k >= 0; k-- {
			base++
			depth[path[k]] = base
			state[path[k]] = done
		}
	}
	return depth, nil
}

// SubtreeSize returns the number of units in the subtree of code, the unit
// itself included; 0 for an unknown code.
func (t *Tree) SubtreeSize(code string) int {
	p, ok := t.index[code]
	if !ok {
		return 0
	}
	return t.nodes[p].size
}

// Len returns the number of units in t.
func (t *Tree) Len() int { return len(t.nodes) }

// Unit returns the unit with the given code.
func (t *Tree) Unit(code string) (Unit, bool) {
	p, ok := t.index[code]
	if !ok {
		return Unit{}, false
	}
	return t.nodes[p].unit, true
}

// Parent returns the parent of the unit with the given code; false for a root
// or an unknown code.
func (t *Tree) Parent(code string) (Unit, bool) {
	p, ok := t.index[code]
	if !ok || t.nodes[p].parent < 0 {
		return Unit{}, false
	}
	return t.nodes[t.nodes[p].parent].unit, true
}

func (t *Tree) unitsAt(positions []int) []Unit {
	if len(positions) == 0 {
		return nil
	}
	out := make([]Unit, len(positions))
	for i, p := range positions {
		out[i] = t.nodes[p].unit
	}
	return out
}

// Roots returns the units without a parent, sorted by code.
func (t *Tree) Roots() []Unit { return t.unitsAt(t.roots) }

// Children returns the direct children of code, sorted by code, whatever
// their validity dates.
func (t *Tree) Children(code string) []Unit {
	p, ok := t.index[code]
	if !ok {
		return nil
	}
	return t.unitsAt(t.nodes[p].children)
}

// ChildrenOn returns the direct children of code that are active on day (see
// [Unit.ActiveOn]), sorted by code.
func (t *Tree) ChildrenOn(code string, day time.Time) []Unit {
	var out []Unit
	for _, u := range t.Children(code) {
		if u.ActiveOn(day) {
			out = append(out, u)
		}
	}
	return out
}

// Ancestors returns the ancestors of code, parent first and root last; nil
// for a root or an unknown code.
func (t *Tree) Ancestors(code string) []Unit {
	p, ok := t.index[code]
	if !ok {
		return nil
	}
	var out []Unit
	for q := t.nodes[p].parent; q >= 0; q = t.nodes[q].parent {
		out = append(out, t.nodes[q].unit)
	}
	return out
}

// Path returns the codes from the root down to code, both included; nil for
// an unknown code.
func (t *Tree) Path(code string) []string {
	p, ok := t.index[code]
	if !ok {
		return nil
	}
	out := make([]string, t.nodes[p].depth+1)
	for q := p; q >= 0; q = t.nodes[q].parent {
		out[t.nodes[q].depth] = t.nodes[q].unit.Code
	}
	return out
}

// Depth returns the depth of code: 0 for a root, 1 for its children, and so
// on; -1 for an unknown code.
func (t *Tree) Depth(code string) int {
	p, ok := t.index[code]
	if !ok {
		return -1
	}
	return t.nodes[p].depth
}

// IsAncestor reports whether anc is a strict ancestor of code (a unit is not
// its own ancestor).
func (t *Tree) IsAncestor(anc, code string) bool {
	return anc != code && t.InSubtree(anc, code)
}

// InSubtree reports whether code is root or one of its descendants; false if
// either is unknown. It is the check behind "may this unit speak for that
// one".
func (t *Tree) InSubtree(root, code string) bool {
	r, ok1 := t.index[root]
	p, ok2 := t.index[code]
	if !ok1 || !ok2 {
		return false
	}
	// Depths let the walk stop as soon as it climbs to root's depth.
	for p >= 0 && t.nodes[p].depth > t.nodes[r].depth {
		p = t.nodes[p].parent
	}
	return p == r
}

// Descendants returns every unit below code (code itself excluded), depth
// first: each unit is followed by its own descendants, siblings by code.
func (t *Tree) Descendants(code string) []Unit {
	p, ok := t.index[code]
	if !ok {
		return nil
	}
	var out []Unit
	stack := slices.Clone(t.nodes[p].children)
	slices.Reverse(stack)
	for len(stack) > 0 {
		q := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, t.nodes[q].unit)
		for i := len(t.nodes[q].children) - 1; i >= 0; i-- {
			stack = append(stack, t.nodes[q].children[i])
		}
	}
	return out
}

// Levels returns the levels present in t, by depth (and by code for levels
// that share a depth). Known level codes carry their Vietnamese name; see
// [LevelName].
func (t *Tree) Levels() []Level { return slices.Clone(t.levels) }

// AtLevel returns the units of the given level, sorted by code.
func (t *Tree) AtLevel(level string) []Unit { return t.unitsAt(t.byLevel[level]) }

// Units returns all units, parents before children: by depth, then by code.
// For the official lists this is the order of the CSV files, so writing
// t.Units() with [WriteCSV] reproduces them.
func (t *Tree) Units() []Unit {
	out := make([]Unit, len(t.nodes))
	for i := range t.nodes {
		out[i] = t.nodes[i].unit
	}
	return out
}

// Subtree returns root and its descendants as a new Tree. Root's Parent is
// cleared, because its parent is not part of the new tree; as a consequence
// depths and [Tree.Levels] of the result count from root (a district's
// subtree has the district level at depth 0). The error wraps
// [ErrUnknownUnit] if root is not in t.
func (t *Tree) Subtree(root string) (*Tree, error) {
	r, ok := t.Unit(root)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownUnit, root)
	}
	r.Parent = ""
	return NewTree(append([]Unit{r}, t.Descendants(root)...))
}
