// Package hierarchy holds the administrative units a tonghop node knows about,
// the levels they sit on and the dates they were valid.
//
// Levels are data, not code: a level is whatever string the units carry
// ("province", "district", "commune", ...), and its depth is derived from the
// tree. The same code therefore serves the 3-level structure Vietnam had before
// 2025 (province → district → commune) and the 2-level one since 1 July 2025
// (province → commune).
//
// Codes are strings, never numbers: official codes have leading zeros
// ("01", "001", "00001") and must survive every round trip.
//
// # Dates
//
// A date (a calendar day) is a [time.Time] at 00:00 UTC; build one with [Day]
// or [ParseDate]. The zero time.Time means "unbounded": a zero ValidFrom means
// "since always", a zero ValidTo means "still valid". Validity intervals are
// half-open, [ValidFrom, ValidTo), so a unit abolished on 2025-07-01 has
// ValidTo 2025-07-01 and its successor has ValidFrom 2025-07-01; on no day are
// both active.
package hierarchy

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Level codes used by Vietnam's official unit lists. Other codes are allowed;
// these are named because the package knows their Vietnamese names.
const (
	LevelProvince = "province" // tỉnh, thành phố trực thuộc trung ương
	LevelDistrict = "district" // huyện, quận, thị xã, thành phố thuộc tỉnh (until 2025-07-01)
	LevelCommune  = "commune"  // xã, phường, thị trấn, đặc khu
)

// Limits on the fields of a unit. Codes and level codes end up in storage
// keys, certificate name constraints and URLs, so they are kept short and
// plain; the name limit only guards against garbage (real names are < 60 bytes).
const (
	maxCodeLen  = 32
	maxLevelLen = 32
	maxNameLen  = 512
)

// Unit is one administrative unit: a province, a district, a commune, or a
// unit of any other level.
type Unit struct {
	Code      string    // official code, e.g. "01", "106", "03390"
	Name      string    // full official name incl. prefix, e.g. "Huyện Tam Đường"
	Level     string    // level code, e.g. "province", "district", "commune"
	Parent    string    // code of the parent unit; "" for a root
	ValidFrom time.Time // first day of validity, inclusive; zero = since always
	ValidTo   time.Time // first day no longer valid, exclusive; zero = still valid
}

// FieldError names the field of a unit that is wrong and why. Field is a plain
// field name ("code", "name", "level", "parent", "valid_from", "valid_to") so
// that the API layer can turn it into an InvalidArgument field violation.
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "field: reason".
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks the fields of u on their own; whether its parent exists is a
// question for [NewTree]. The rules:
//   - code: non-empty, ASCII letters and digits only, at most 32 bytes;
//   - name: not blank, valid UTF-8, no control characters, at most 512 bytes;
//   - level: non-empty, ASCII letters, digits, '_' and '-' only, at most 32 bytes;
//   - parent: empty, or a well-formed code different from code;
//   - valid_from, valid_to: zero or a date (00:00 UTC, year 1–9999), and
//     ValidTo after ValidFrom when both are set.
//
// Nothing is normalised: a code with surrounding spaces is rejected, not
// trimmed. The error, if any, is a *FieldError for the first bad field.
func (u Unit) Validate() error {
	if reason := checkCode(u.Code); reason != "" {
		return &FieldError{"code", reason}
	}
	if reason := checkName(u.Name); reason != "" {
		return &FieldError{"name", reason}
	}
	if reason := checkLevel(u.Level); reason != "" {
		return &FieldError{"level", reason}
	}
	if u.Parent != "" {
		if reason := checkCode(u.Parent); reason != "" {
			return &FieldError{"parent", reason}
		}
		if u.Parent == u.Code {
			return &FieldError{"parent", "must differ from code (a unit cannot be its own parent)"}
		}
	}
	if reason := checkDate(u.ValidFrom); reason != "" {
		return &FieldError{"valid_from", reason}
	}
	if reason := checkDate(u.ValidTo); reason != "" {
		return &FieldError{"valid_to", reason}
	}
	if !u.ValidFrom.IsZero() && !u.ValidTo.IsZero() && !u.ValidTo.After(u.ValidFrom) {
		return &FieldError{"valid_to", fmt.Sprintf("%s must be after valid_from %s",
			FormatDate(u.ValidTo), FormatDate(u.ValidFrom))}
	}
	return nil
}

func checkCode(code string) string {
	switch {
	case code == "":
		return "must not be empty"
	case len(code) > maxCodeLen:
		return fmt.Sprintf("must be at most %d bytes, got %d", maxCodeLen, len(code))
	}
	for i := 0; i < len(code); i++ {
		if !isASCIIAlnum(code[i]) {
			return fmt.Sprintf("must contain only ASCII letters and digits, got %q", code)
		}
	}
	return ""
}

func checkLevel(level string) string {
	switch {
	case level == "":
		return "must not be empty"
	case len(level) > maxLevelLen:
		return fmt.Sprintf("must be at most %d bytes, got %d", maxLevelLen, len(level))
	}
	for i := 0; i < len(level); i++ {
		if c := level[i]; !isASCIIAlnum(c) && c != '_' && c != '-' {
			return fmt.Sprintf("must contain only ASCII letters, digits, '_' and '-', got %q", level)
		}
	}
	return ""
}

func checkName(name string) string {
	switch {
	case !utf8.ValidString(name):
		return "must be valid UTF-8"
	case strings.TrimSpace(name) == "":
		return "must not be empty"
	case len(name) > maxNameLen:
		return fmt.Sprintf("must be at most %d bytes, got %d", maxNameLen, len(name))
	}
	// Control characters (newlines, tabs, NUL…) never occur in an official
	// name, and a name that carries them would not survive a CSV round trip
	// (the reader turns "\r\n" into "\n") or a log line intact.
	if i := strings.IndexFunc(name, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Sprintf("must not contain control characters, got %U at byte %d", r, i)
	}
	return ""
}

func checkDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Location() != time.UTC || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
		return fmt.Sprintf("must be a calendar day at 00:00 UTC, got %s", t.Format(time.RFC3339Nano))
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return fmt.Sprintf("year must be between 1 and 9999, got %d", y)
	}
	return ""
}

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// ActiveOn reports whether u is valid on the calendar day of day, that is
// ValidFrom <= day < ValidTo with zero bounds unbounded. The calendar day of
// day is read in day's own location, so 2025-07-01 00:30 in Hanoi is
// 2025-07-01 even though it is still 2025-06-30 in UTC; the time of day is
// ignored.
func (u Unit) ActiveOn(day time.Time) bool {
	d := Day(day.Date())
	if !u.ValidFrom.IsZero() && d.Before(Day(u.ValidFrom.UTC().Date())) {
		return false
	}
	if !u.ValidTo.IsZero() && !d.Before(Day(u.ValidTo.UTC().Date())) {
		return false
	}
	return true
}

// Equal reports whether u and v have the same fields. Prefer it to ==, which
// compares the time.Time fields by representation rather than by instant.
func (u Unit) Equal(v Unit) bool {
	return u.Code == v.Code && u.Name == v.Name && u.Level == v.Level && u.Parent == v.Parent &&
		u.ValidFrom.Equal(v.ValidFrom) && u.ValidTo.Equal(v.ValidTo)
}

// Day returns the date year-month-day as a time.Time at 00:00 UTC, the form
// this package uses for validity dates. Out-of-range values are normalised the
// way [time.Date] does (Day(2025, 2, 30) is 2025-03-02).
func Day(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

const dateLayout = "2006-01-02"

// ParseDate parses a date written YYYY-MM-DD, strictly: exactly ten
// characters, a real day of the calendar (no 2025-02-30), year 0001–9999.
// 0001-01-01 is rejected because it is the zero time.Time, which means
// "unbounded" here; write an empty cell instead.
func ParseDate(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%q is not a date: %s", s, why)
	}
	if len(s) != len(dateLayout) || s[4] != '-' || s[7] != '-' {
		return bad("want YYYY-MM-DD")
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
			n = n*10 + int(part[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad("want YYYY-MM-DD")
	}
	if y < 1 {
		return bad("year must be between 0001 and 9999")
	}
	t := Day(y, time.Month(m), d)
	if m < 1 || m > 12 || t.Day() != d {
		return bad("no such day")
	}
	if t.IsZero() {
		return bad("0001-01-01 is the zero date, which means unbounded; leave it empty")
	}
	return t, nil
}

// FormatDate formats t as YYYY-MM-DD (its UTC date), or "" for the zero time,
// which is how an unbounded validity date is written.
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(dateLayout)
}
