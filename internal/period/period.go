// Package period owns reporting-period arithmetic: parsing and formatting
// DHIS2 period codes for the calendar-aligned types tonghop reports on
// (yearly "2021", six-monthly "2021S2", quarterly "2021Q3", monthly
// "202109"), ordering and nesting periods, and inclusive ranges of periods
// such as "2010..2020".
//
// Periods are calendar-based and carry no time zone; where a period is
// turned into instants (Start, End) they are in UTC. Years are limited to
// MinYear..MaxYear so that every period has a four-digit code.
package period

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MinYear and MaxYear bound the years of a Period: outside them a year has
// no four-digit code, so it is rejected.
const (
	MinYear = 1000
	MaxYear = 9999
)

// ErrInvalid is wrapped by every error this package returns for a malformed
// period code, period type, range or constructor argument; test with errors.Is.
var ErrInvalid = errors.New("invalid period")

// invalidError carries a message naming the bad input and why, while
// unwrapping to ErrInvalid so that callers need not match on text.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return ErrInvalid }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// Type is the kind of a period. The zero Type is invalid; larger values are
// coarser, and every type nests evenly in each coarser one.
type Type int

// The supported period types, from finest to coarsest.
const (
	Monthly Type = iota + 1
	Quarterly
	SixMonthly
	Yearly
)

// months is the length of a period of type t in months, or 0 if t is invalid.
func (t Type) months() int {
	switch t {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case SixMonthly:
		return 6
	case Yearly:
		return 12
	}
	return 0
}

func (t Type) valid() bool { return t.months() != 0 }

// perYear is the number of periods of type t in a year; t must be valid.
func (t Type) perYear() int { return 12 / t.months() }

// String returns "monthly", "quarterly", "sixmonthly" or "yearly", or
// "Type(n)" for an invalid type.
func (t Type) String() string {
	switch t {
	case Monthly:
		return "monthly"
	case Quarterly:
		return "quarterly"
	case SixMonthly:
		return "sixmonthly"
	case Yearly:
		return "yearly"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// ParseType returns the Type whose String is s, ignoring case, so DHIS2's
// names ("SixMonthly") are accepted too.
func ParseType(s string) (Type, error) {
	for t := Monthly; t <= Yearly; t++ {
		if strings.EqualFold(s, t.String()) {
			return t, nil
		}
	}
	return 0, invalid("period type %q: want monthly, quarterly, sixmonthly or yearly", s)
}

// MarshalText implements encoding.TextMarshaler. The zero Type marshals as
// empty text, so an unset type survives a config round trip.
func (t Type) MarshalText() ([]byte, error) {
	if t == 0 {
		return []byte{}, nil
	}
	if !t.valid() {
		return nil, invalid("period type %v cannot be marshaled", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using ParseType; empty
// text yields the zero Type.
func (t *Type) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*t = 0
		return nil
	}
	u, err := ParseType(string(text))
	if err != nil {
		return err
	}
	*t = u
	return nil
}

// Period is one reporting period, such as the year 2021 or its third quarter.
// It is a comparable value: == and map keys work, because every constructor
// normalises it (a yearly period always has index 1). The zero Period is
// invalid and reports IsZero.
type Period struct {
	typ   Type
	year  int
	index int // 1-based month, quarter or half; 1 for yearly
}

const formatHint = "want YYYY, YYYYSn, YYYYQn or YYYYMM"

// Parse parses a DHIS2 period code: "2021" (yearly), "2021S1" or "2021S2"
// (six-monthly), "2021Q1".."2021Q4" (quarterly) or "202101".."202112"
// (monthly), for years MinYear..MaxYear. Parsing is strict, so a code that
// parses is exactly its own String; anything else returns an error wrapping
// ErrInvalid that quotes the code and says what is wrong.
func Parse(code string) (Period, error) {
	bad := func(reason string) (Period, error) {
		return Period{}, invalid("period %q: %s", code, reason)
	}
	if len(code) == 7 && code[4] == '-' {
		return bad("monthly codes have no separator: want YYYYMM")
	}
	if len(code) != 4 && len(code) != 6 {
		return bad(formatHint)
	}
	year, ok := atoi(code[:4])
	if !ok {
		return bad(formatHint)
	}
	if year < MinYear {
		return bad("year must be 1000-9999")
	}
	if len(code) == 4 {
		return Period{typ: Yearly, year: year, index: 1}, nil
	}
	switch c := code[4]; {
	case c == 'S':
		if n, ok := atoi(code[5:]); ok && n >= 1 && n <= 2 {
			return Period{typ: SixMonthly, year: year, index: n}, nil
		}
		return bad("half must be 1 or 2")
	case c == 'Q':
		if n, ok := atoi(code[5:]); ok && n >= 1 && n <= 4 {
			return Period{typ: Quarterly, year: year, index: n}, nil
		}
		return bad("quarter must be 1-4")
	case '0' <= c && c <= '9':
		if n, ok := atoi(code[4:]); ok && n >= 1 && n <= 12 {
			return Period{typ: Monthly, year: year, index: n}, nil
		}
		return bad("month must be 01-12")
	case c == 's' || c == 'q':
		return bad("period letter must be upper case")
	}
	return bad(formatHint)
}

// atoi parses a short run of ASCII digits; unlike strconv.Atoi it rejects
// signs, so "+1" and "-1" are never read as numbers.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// MustParse is like Parse but panics if code is invalid. It is meant for
// tests and for constants in code, not for input.
func MustParse(code string) Period {
	p, err := Parse(code)
	if err != nil {
		panic(err)
	}
	return p
}

// Of returns the period of type t in year with the given index: the month
// 1-12, quarter 1-4 or half 1-2. For Yearly the index is ignored.
func Of(t Type, year, index int) (Period, error) {
	if !t.valid() {
		return Period{}, invalid("period type %v is not valid", t)
	}
	if year < MinYear || year > MaxYear {
		return Period{}, invalid("%v period: year %d must be 1000-9999", t, year)
	}
	if t == Yearly {
		index = 1
	}
	if n := t.perYear(); index < 1 || index > n {
		return Period{}, invalid("%v period in %d: index %d must be 1-%d", t, year, index, n)
	}
	return Period{typ: t, year: year, index: index}, nil
}

// fromMonth returns the period of type t containing month m, counted as
// year*12 + (month-1). t must be valid and m within MinYear..MaxYear.
func fromMonth(t Type, m int) Period {
	return Period{typ: t, year: m / 12, index: m%12/t.months() + 1}
}

// first is p's first month counted as in fromMonth; p must not be zero.
func (p Period) first() int { return p.year*12 + (p.index-1)*p.typ.months() }

// end is the month after p's last, counted as in fromMonth; p must not be zero.
func (p Period) end() int { return p.first() + p.typ.months() }

// String returns p's canonical code, which Parse accepts and maps back to p.
// The zero Period's String is empty.
func (p Period) String() string { return string(p.appendCode(nil)) }

func (p Period) appendCode(b []byte) []byte {
	switch p.typ {
	case Yearly:
		return strconv.AppendInt(b, int64(p.year), 10)
	case SixMonthly:
		b = strconv.AppendInt(b, int64(p.year), 10)
		return strconv.AppendInt(append(b, 'S'), int64(p.index), 10)
	case Quarterly:
		b = strconv.AppendInt(b, int64(p.year), 10)
		return strconv.AppendInt(append(b, 'Q'), int64(p.index), 10)
	case Monthly:
		b = strconv.AppendInt(b, int64(p.year), 10)
		return append(b, byte('0'+p.index/10), byte('0'+p.index%10))
	}
	return b
}

// AppendText implements encoding.TextAppender.
func (p Period) AppendText(b []byte) ([]byte, error) { return p.appendCode(b), nil }

// MarshalText implements encoding.TextMarshaler. The zero Period marshals as
// empty text, as netip.Addr does, so an unset period survives a round trip.
func (p Period) MarshalText() ([]byte, error) { return p.appendCode([]byte{}), nil }

// UnmarshalText implements encoding.TextUnmarshaler using Parse; empty text
// yields the zero Period.
func (p *Period) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*p = Period{}
		return nil
	}
	q, err := Parse(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p == Period{} }

// Type returns p's type, or 0 for the zero Period.
func (p Period) Type() Type { return p.typ }

// Year returns p's year, or 0 for the zero Period.
func (p Period) Year() int { return p.year }

// Index returns p's month 1-12, quarter 1-4 or half 1-2 within its year, 1
// for a yearly period, or 0 for the zero Period.
func (p Period) Index() int { return p.index }

func monthStart(m int) time.Time {
	return time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// Start returns midnight UTC of p's first day, or the zero time for the zero
// Period.
func (p Period) Start() time.Time {
	if p.IsZero() {
		return time.Time{}
	}
	return monthStart(p.first())
}

// End returns the first instant after p, midnight UTC of the day after its
// last day, so that p covers [Start, End). It is the zero time for the zero
// Period.
func (p Period) End() time.Time {
	if p.IsZero() {
		return time.Time{}
	}
	return monthStart(p.end())
}

// Contains reports whether q lies entirely within p; every period contains
// itself. Neither contains nor is contained by the zero Period.
func (p Period) Contains(q Period) bool {
	if p.IsZero() || q.IsZero() {
		return false
	}
	return p.first() <= q.first() && q.end() <= p.end()
}

// Previous returns the period of p's type just before p. It returns the zero
// Period for the zero Period or when the result would precede MinYear.
func (p Period) Previous() Period {
	if p.IsZero() || p.first()-1 < MinYear*12 {
		return Period{}
	}
	return fromMonth(p.typ, p.first()-1)
}

// Next returns the period of p's type just after p. It returns the zero
// Period for the zero Period or when the result would follow MaxYear.
func (p Period) Next() Period {
	if p.IsZero() || p.end() > MaxYear*12+11 {
		return Period{}
	}
	return fromMonth(p.typ, p.end())
}

// Compare returns -1, 0 or +1 as p sorts before, equal to or after q:
// by start, then by end, so a year sorts after its first quarter and
// before its second. The zero Period sorts before every other.
func (p Period) Compare(q Period) int {
	if p.IsZero() || q.IsZero() {
		switch {
		case p == q:
			return 0
		case p.IsZero():
			return -1
		}
		return 1
	}
	if c := cmp.Compare(p.first(), q.first()); c != 0 {
		return c
	}
	// Same start: the shorter period first; lengths differ for every pair
	// of distinct types, so the order is total and agrees with ==.
	return cmp.Compare(p.end(), q.end())
}

// Before reports whether p sorts before q, as defined by Compare.
func (p Period) Before(q Period) bool { return p.Compare(q) < 0 }

// Parent returns the period of type t that contains p, which is p itself
// when t is p's type. It reports false if p is zero or t is invalid or finer
// than p's type.
func (p Period) Parent(t Type) (Period, bool) {
	if p.IsZero() || !t.valid() || t.months() < p.typ.months() {
		return Period{}, false
	}
	return fromMonth(t, p.first()), true
}

// Split returns the periods of type t that make up p, in order; splitting
// into p's own type yields just p. It reports false if p is zero or t is
// invalid or coarser than p's type.
func (p Period) Split(t Type) ([]Period, bool) {
	if p.IsZero() || !t.valid() || t.months() > p.typ.months() {
		return nil, false
	}
	step := t.months()
	out := make([]Period, p.typ.months()/step)
	for i := range out {
		out[i] = fromMonth(t, p.first()+i*step)
	}
	return out, true
}

// Containing returns the period of type t that contains day, judged by the
// calendar date of day in its own location (pass day.UTC() to judge in UTC).
// It returns the zero Period if t is invalid or the year is outside
// MinYear..MaxYear.
func Containing(t Type, day time.Time) Period {
	y, m, _ := day.Date()
	if !t.valid() || y < MinYear || y > MaxYear {
		return Period{}
	}
	return fromMonth(t, y*12+int(m)-1)
}

// Range is an inclusive run of consecutive periods of one type, such as
// "2010..2020" or "2021Q1..2021Q3". A valid Range has From and To of the same
// type with From not after To; methods treat any other Range as empty.
type Range struct {
	From, To Period
}

// NewRange returns the range from..to, or an error wrapping ErrInvalid if
// either end is zero, their types differ or from is after to.
func NewRange(from, to Period) (Range, error) {
	r := Range{From: from, To: to}
	if reason := r.problem(); reason != "" {
		return Range{}, invalid("period range %v..%v: %s", from, to, reason)
	}
	return r, nil
}

// problem says why r is not a valid range, or returns "" if it is.
func (r Range) problem() string {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return "both ends must be set"
	case r.From.typ != r.To.typ:
		return fmt.Sprintf("%v is %v but %v is %v", r.From, r.From.typ, r.To, r.To.typ)
	case r.To.Before(r.From):
		return fmt.Sprintf("%v is after %v", r.From, r.To)
	}
	return ""
}

func (r Range) valid() bool { return r.problem() == "" }

// ParseRange parses "FROM..TO", two period codes of the same type with FROM
// not after TO, or a single period code as a one-period range. Errors wrap
// ErrInvalid and name the problem.
func ParseRange(s string) (Range, error) {
	fromCode, toCode, found := strings.Cut(s, "..")
	if !found {
		p, err := Parse(s)
		if err != nil {
			return Range{}, err
		}
		return Range{From: p, To: p}, nil
	}
	from, err := Parse(fromCode)
	if err != nil {
		return Range{}, invalid("period range %q: %v", s, err)
	}
	to, err := Parse(toCode)
	if err != nil {
		return Range{}, invalid("period range %q: %v", s, err)
	}
	r := Range{From: from, To: to}
	if reason := r.problem(); reason != "" {
		return Range{}, invalid("period range %q: %s", s, reason)
	}
	return r, nil
}

// String returns "FROM..TO", or just the period's code for a one-period
// range, so that ParseRange maps it back to r.
func (r Range) String() string {
	if r.From == r.To {
		return r.From.String()
	}
	return r.From.String() + ".." + r.To.String()
}

// MarshalText implements encoding.TextMarshaler; the zero Range marshals as
// empty text.
func (r Range) MarshalText() ([]byte, error) {
	if r == (Range{}) {
		return []byte{}, nil
	}
	if reason := r.problem(); reason != "" {
		return nil, invalid("period range %v..%v: %s", r.From, r.To, reason)
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using ParseRange; empty
// text yields the zero Range.
func (r *Range) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*r = Range{}
		return nil
	}
	q, err := ParseRange(string(text))
	if err != nil {
		return err
	}
	*r = q
	return nil
}

// ordinal numbers the periods of p's type consecutively; p must not be zero.
func (p Period) ordinal() int { return p.first() / p.typ.months() }

// Len returns the number of periods in r, or 0 if r is not valid.
func (r Range) Len() int {
	if !r.valid() {
		return 0
	}
	return r.To.ordinal() - r.From.ordinal() + 1
}

// Periods returns every period from From to To in order, or nil if r is not
// valid.
func (r Range) Periods() []Period {
	n := r.Len()
	if n == 0 {
		return nil
	}
	t, step := r.From.typ, r.From.typ.months()
	out := make([]Period, n)
	for i := range out {
		out[i] = fromMonth(t, r.From.first()+i*step)
	}
	return out
}

// Contains reports whether p is one of r's periods or lies inside one of
// them. A period straddling two of them (2021S1 in 2021Q1..2021Q2) is not
// inside any one, so it is not contained.
func (r Range) Contains(p Period) bool {
	if !r.valid() {
		return false
	}
	q, ok := p.Parent(r.From.typ)
	return ok && !q.Before(r.From) && !r.To.Before(q)
}

// Last returns r's final period, To; it is the one a stock takes over the
// range.
func (r Range) Last() Period { return r.To }
