// Package country is Vietnam's administrative map built into the binary: the
// last 3-level list of units (valid until 2025-06-30), the 2-level list in
// force since 2025-07-01, and the official old → new mapping of that day,
// each an embedded gzip'd CSV. Their sources, licences and caveats are in
// data/NOTICE.md, which ships beside them.
//
// Every function decompresses and parses afresh: the lists are read once, at
// init or in a test, and keeping them parsed would be package state.
package country

import (
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

//go:embed data/*.csv.gz data/NOTICE.md
var files embed.FS

// The embedded files, by the names of the official lists.
const (
	File2024    = "vn-admin-units-2024.csv"
	File2025    = "vn-admin-units-2025.csv"
	FileMapping = "vn-admin-merge-2025.csv"
)

// Reorganisation is the day the 2-level map came into force.
func Reorganisation() time.Time { return hierarchy.Day(2025, time.July, 1) }

// Open returns the decompressed contents of an embedded list (File2024,
// File2025 or FileMapping), byte for byte the official CSV.
func Open(name string) (io.ReadCloser, error) {
	f, err := files.Open("data/" + name + ".gz")
	if err != nil {
		return nil, fmt.Errorf("country: %w", err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("country: %s: %w", name, err)
	}
	return readCloser{zr, f}, nil
}

// ReadAll returns the decompressed contents of an embedded list.
func ReadAll(name string) ([]byte, error) {
	rc, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("country: %s: %w", name, err)
	}
	return b, nil
}

// Notice returns the attribution and licence notes of the lists.
func Notice() string {
	b, _ := files.ReadFile("data/NOTICE.md") // embedded: cannot fail
	return string(b)
}

type readCloser struct {
	*gzip.Reader
	f io.Closer
}

func (r readCloser) Close() error {
	err := r.Reader.Close()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Units2024 returns the 3-level list (63 provinces, 696 districts, 10.047
// communes), every unit valid until 2025-06-30: ValidTo is 2025-07-01.
func Units2024() ([]hierarchy.Unit, error) {
	units, err := readUnits(File2024)
	for i := range units {
		units[i].ValidTo = Reorganisation()
	}
	return units, err
}

// Units2025 returns the 2-level list (34 provinces, 3.321 communes), every
// unit valid from 2025-07-01.
func Units2025() ([]hierarchy.Unit, error) {
	units, err := readUnits(File2025)
	for i := range units {
		units[i].ValidFrom = Reorganisation()
	}
	return units, err
}

// Units returns both lists, the 2024 one first: every unit of the country
// with its validity. Codes repeat (a province kept its code, 03390 was a
// town and is a commune), which is why a unit is its code and its validity.
func Units() ([]hierarchy.Unit, error) {
	a, err := Units2024()
	if err != nil {
		return nil, err
	}
	b, err := Units2025()
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

// Mapping2025 returns the rows of the 2025-07-01 mapping, old → new.
func Mapping2025() ([]hierarchy.Change, error) {
	rc, err := Open(FileMapping)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	ch, err := hierarchy.ReadMapping(rc, Reorganisation())
	if err != nil {
		return nil, fmt.Errorf("country: %s: %w", FileMapping, err)
	}
	return ch, nil
}

func readUnits(name string) ([]hierarchy.Unit, error) {
	rc, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	units, err := hierarchy.ReadCSV(rc)
	if err != nil {
		return nil, fmt.Errorf("country: %s: %w", name, err)
	}
	return units, nil
}
