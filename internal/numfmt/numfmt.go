// Package numfmt writes numbers for people. Vietnamese style groups
// thousands with a dot and writes decimals after a comma (2.675; 77,78%);
// times are read on Vietnam's clock (Zone). Machine formats (JSON, CSV)
// never go through here.
package numfmt

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Style is a way of writing numbers.
type Style struct {
	Thousands string
	Decimal   string
}

// Vietnamese writes 2.675 and 77,78.
func Vietnamese() Style { return Style{Thousands: ".", Decimal: ","} }

// Plain writes 2675 and 77.78, for people who paste into other tools.
func Plain() Style { return Style{Thousands: "", Decimal: "."} }

// Int writes n with grouped thousands.
func (s Style) Int(n int64) string {
	digits := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(s.Thousands)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Rat writes r rounded half away from zero to decimals places.
func (s Style) Rat(r *big.Rat, decimals int) string {
	text := r.FloatString(decimals) // rounds half away from zero
	intPart, frac, _ := strings.Cut(text, ".")
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return text
	}
	out := s.Int(n)
	if intPart == "-0" {
		out = "-0"
	}
	if frac != "" {
		out += s.Decimal + frac
	}
	return out
}

// Zone is Vietnam's time (UTC+7, no daylight saving), in which people give
// and read deadlines.
func Zone() *time.Location { return time.FixedZone("ICT", 7*3600) }
