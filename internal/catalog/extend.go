package catalog

import (
	"fmt"
	"maps"
	"sync/atomic"
)

// Extend reads a version a node publishes for its subtree: a YAML document
// in the built-in format that lists only what it adds to parent, the
// catalogue in force at the node (elements, breakdowns, data sets,
// indicators, validation rules of its own), and returns parent with those
// additions. Its expressions and data sets may use parent's codes; it may
// never define one of them again, so every report made with parent reads
// the same under the new version. An "extends:" key, when present, must
// name parent's version. Errors are *ValidationError, as from Parse, and
// name the path of the offending value.
func Extend(parent *Catalog, data []byte) (*Catalog, error) {
	parent = parent.now()
	f, paths, err := decode(data)
	if err != nil {
		return nil, err
	}
	if f.Extends != "" && f.Extends != parent.version {
		return nil, paths.locate(errAt("extends", "extends catalogue %q, but the catalogue in force here is %q", f.Extends, parent.version))
	}
	if f.Version == parent.version {
		return nil, paths.locate(errAt("version", "version %q is the version it extends; name the new version", f.Version))
	}
	c := parent.clone()
	c.version = f.Version
	c.extends = parent.digest
	if err := c.add(f, parent); err != nil {
		return nil, paths.locate(err)
	}
	c.digest = digest(c)
	return c, nil
}

// Merge adds the definitions of a published version's source to c, as
// Extend does, but whatever c's version: a node that holds versions of
// several subtrees reads all their figures with one catalogue of every code
// it knows. A code defined by two versions is an error, as a redefinition.
func Merge(c *Catalog, source []byte) (*Catalog, error) {
	c = c.now()
	f, paths, err := decode(source)
	if err != nil {
		return nil, err
	}
	m := c.clone()
	if err := m.add(f, c); err != nil {
		return nil, paths.locate(err)
	}
	m.version = c.version
	m.digest = digest(m)
	return m, nil
}

// Extends returns the digest of the catalogue this one extends; empty for
// a built-in one.
func (c *Catalog) Extends() string { return c.now().extends }

// clone returns a copy of c that add may extend without changing c.
func (c *Catalog) clone() *Catalog {
	n := &Catalog{
		version:      c.version,
		digest:       c.digest,
		extends:      c.extends,
		breakdowns:   append([]Breakdown(nil), c.breakdowns...),
		elements:     append([]DataElement(nil), c.elements...),
		dataSets:     append([]DataSet(nil), c.dataSets...),
		indicators:   append([]Indicator(nil), c.indicators...),
		rules:        append([]ValidationRule(nil), c.rules...),
		breakdownIdx: maps.Clone(c.breakdownIdx),
		elementIdx:   maps.Clone(c.elementIdx),
		dataSetIdx:   maps.Clone(c.dataSetIdx),
		indicatorIdx: maps.Clone(c.indicatorIdx),
		options:      maps.Clone(c.options),
	}
	return n
}

// NewLive returns a catalogue that reads as c until Replace gives it
// another: a node's catalogue in force, which changes when a version is
// published above it or by it, while the services that read it keep the
// one pointer. Every other catalogue is immutable.
func NewLive(c *Catalog) *Catalog {
	l := &Catalog{live: new(atomic.Pointer[Catalog])}
	l.live.Store(c.now())
	return l
}

// Replace makes the live catalogue c read as next from now on. It panics
// if c was not made by NewLive.
func (c *Catalog) Replace(next *Catalog) {
	if c.live == nil {
		panic(fmt.Sprintf("catalog: Replace on catalogue %s, which is not live", c.version))
	}
	c.live.Store(next.now())
}

// Current returns the catalogue a live one reads as at this moment, which
// does not change under its reader; c itself when c is not live.
func (c *Catalog) Current() *Catalog { return c.now() }

// now is the catalogue c reads as at this moment.
func (c *Catalog) now() *Catalog {
	if c.live != nil {
		return c.live.Load()
	}
	return c
}
