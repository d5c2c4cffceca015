package catalog

import (
	"bytes"
	_ "embed"
)

// defaultYAML is the built-in catalogue. It is kept as readable YAML rather
// than Go literals so that the people who own the statistics can review it,
// and so that a node can hand it out as the starting point for its own.
//
//go:embed default.yaml
var defaultYAML []byte

// earlierYAML are the built-in catalogues before the current one, oldest
// first. Reports signed with them stay valid: each version keeps every code
// of the versions before it, with its meaning.
//
//go:embed default-2021.2.yaml
var v2021_2YAML []byte

// Default returns the built-in catalogue: the party-building statistics of
// the yearly review of base party organisations and members. Each call
// parses the embedded YAML afresh, so callers cannot affect one another.
// The YAML is validated by the package's tests; Default panics if it is
// invalid.
func Default() *Catalog {
	c, err := Parse(defaultYAML)
	if err != nil {
		panic("catalog: built-in default.yaml: " + err.Error())
	}
	return c
}

// Earlier returns the built-in catalogues before Default, oldest first,
// parsed afresh. A node accepts reports made with any of them and reads
// them with Default, which keeps all their codes.
func Earlier() []*Catalog {
	var out []*Catalog
	for _, y := range [][]byte{v2021_2YAML} {
		c, err := Parse(y)
		if err != nil {
			panic("catalog: an earlier built-in catalogue: " + err.Error())
		}
		out = append(out, c)
	}
	return out
}

// DefaultYAML returns a copy of the YAML source of the built-in catalogue.
func DefaultYAML() []byte {
	return bytes.Clone(defaultYAML)
}
