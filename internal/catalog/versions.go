package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// ErrUnknownBase means a published version extends a catalogue this node
// does not know: it cannot be rebuilt here until that one arrives.
var ErrUnknownBase = errors.New("extends a catalogue this node does not know")

// Published is a catalogue version a unit published for its subtree.
type Published struct {
	// Path is the publishing unit's path, root first.
	Path    []string
	Catalog *Catalog
	// Source is the YAML it was published from.
	Source []byte
}

// Unit is the publishing unit.
func (p Published) Unit() string { return p.Path[len(p.Path)-1] }

// Versions is every catalogue a node knows: the built-in ones and the
// versions published by its unit, above it and below it. It keeps two live
// catalogues up to date as versions arrive: the one in force at the node
// (what it enters and signs with) and the union of all, with which it reads
// every report and answers roll-ups of its whole subtree. It is safe for
// concurrent use.
type Versions struct {
	self []string

	mu       sync.RWMutex
	builtIn  []*Catalog // Default first, then the earlier ones
	versions []Published
	inForce  *Catalog // live
	all      *Catalog // live
}

// NewVersions starts from the built-in catalogue current and the earlier
// built-in ones, for the node whose unit has path self.
func NewVersions(current *Catalog, earlier []*Catalog, self []string) *Versions {
	return &Versions{
		self:    slices.Clone(self),
		builtIn: append([]*Catalog{current}, earlier...),
		inForce: NewLive(current),
		all:     NewLive(current),
	}
}

// InForce returns the live catalogue in force at the node: that of the
// latest version published by the nearest of its unit and the units above
// it that published one, or the built-in one.
func (v *Versions) InForce() *Catalog { return v.inForce }

// All returns the live union of every catalogue the node knows.
func (v *Versions) All() *Catalog { return v.all }

// Lookup returns the catalogue with the given digest and, for a published
// version, its publisher's path (nil for a built-in one, which covers every
// unit).
func (v *Versions) Lookup(digest string) (c *Catalog, publisher []string, ok bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.lookup(digest)
}

func (v *Versions) lookup(digest string) (*Catalog, []string, bool) {
	for _, c := range v.builtIn {
		if c.Digest() == digest {
			return c, nil, true
		}
	}
	for _, p := range v.versions {
		if p.Catalog.Digest() == digest {
			return p.Catalog, p.Path, true
		}
	}
	return nil, nil, false
}

// Published lists the published versions known here, in the order they
// arrived.
func (v *Versions) Published() []Published {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return slices.Clone(v.versions)
}

// Check rebuilds the version a unit at path published from source over the
// catalogue with digest extends, and checks that it has digest want and
// that its codes clash with none of another version known here. It
// changes nothing. A base not known here is ErrUnknownBase (the version may
// rebuild once its base arrives); anything else wrong wraps
// ErrInvalidCatalog.
func (v *Versions) Check(path []string, extends string, source []byte, want string) (*Catalog, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.check(path, extends, source, want)
}

func (v *Versions) check(path []string, extends string, source []byte, want string) (*Catalog, error) {
	base, basePath, ok := v.lookup(extends)
	if !ok {
		return nil, fmt.Errorf("%w: %.12s…", ErrUnknownBase, extends)
	}
	if basePath != nil && !isPrefix(basePath, path) {
		return nil, fmt.Errorf("%w: a version of %s extends one of %s, which is not above it", ErrInvalidCatalog, strings.Join(path, "/"), strings.Join(basePath, "/"))
	}
	c, err := Extend(base, source)
	if err != nil {
		return nil, err
	}
	if want != "" && c.Digest() != want {
		return nil, fmt.Errorf("%w: version %s rebuilds to digest %.12s…, not the %.12s… it names", ErrInvalidCatalog, c.Version(), c.Digest(), want)
	}
	if _, _, dup := v.lookup(c.Digest()); dup {
		return c, nil
	}
	if _, err := Merge(v.all.now(), source); err != nil {
		return nil, err
	}
	return c, nil
}

// Add keeps a version the unit at path published (see Check) and brings
// the live catalogues up to date. Adding a version known already is a
// no-op.
func (v *Versions) Add(path []string, extends string, source []byte, want string) (*Catalog, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, err := v.check(path, extends, source, want)
	if err != nil {
		return nil, err
	}
	if _, _, dup := v.lookup(c.Digest()); dup {
		return c, nil
	}
	all, err := Merge(v.all.now(), source)
	if err != nil {
		return nil, err
	}
	v.versions = append(v.versions, Published{Path: slices.Clone(path), Catalog: c, Source: slices.Clone(source)})
	v.all.Replace(all)
	v.inForce.Replace(v.nearest())
	return c, nil
}

// nearest is the catalogue in force at the node: the latest version of the
// deepest publisher on its path.
func (v *Versions) nearest() *Catalog {
	best, depth := v.builtIn[0], 0
	for _, p := range v.versions {
		if isPrefix(p.Path, v.self) && len(p.Path) >= depth {
			best, depth = p.Catalog, len(p.Path)
		}
	}
	return best
}

// Covers reports whether a report of the unit at path may be made with the
// catalogue with digest: a built-in one anywhere, a published one in its
// publisher's subtree.
func (v *Versions) Covers(digest string, path []string) (*Catalog, bool) {
	c, publisher, ok := v.Lookup(digest)
	if !ok || (publisher != nil && !isPrefix(publisher, path)) {
		return nil, false
	}
	return c, true
}

func isPrefix(prefix, path []string) bool {
	return len(prefix) <= len(path) && slices.Equal(prefix, path[:len(prefix)])
}
