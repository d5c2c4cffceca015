package nationalbench

import (
	"fmt"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// scaled is tree with its units below root repeated n times, a synthetic
// country n times the size: copy 1 is the list itself, copy k > 1 has every
// code prefixed by "R" and k (codes are letters and digits, and a prefix
// shared by a whole copy keeps them unique) and every name followed by the
// copy's number. Each copy's provinces hang under root like the real ones.
func scaled(tree *hierarchy.Tree, root string, n int) (*hierarchy.Tree, error) {
	if n <= 1 {
		return tree, nil
	}
	units := tree.Units()
	out := make([]hierarchy.Unit, 0, 1+n*(len(units)-1))
	out = append(out, units...)
	for k := 2; k <= n; k++ {
		prefix := fmt.Sprintf("R%d", k)
		for _, u := range units {
			if u.Code == root {
				continue
			}
			u.Code = prefix + u.Code
			u.Name = fmt.Sprintf("%s (bản sao %d)", u.Name, k)
			if u.Parent != root {
				u.Parent = prefix + u.Parent
			}
			out = append(out, u)
		}
	}
	t, err := hierarchy.NewTree(out)
	if err != nil {
		return nil, fmt.Errorf("the country %d times: %w", n, err)
	}
	return t, nil
}
