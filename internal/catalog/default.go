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

// DefaultYAML returns a copy of the YAML source of the built-in catalogue.
func DefaultYAML() []byte {
	return bytes.Clone(defaultYAML)
}
