package period

import (
	"encoding"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Compile-time checks that config decoders will find the text methods.
var (
	_ encoding.TextMarshaler   = Period{}
	_ encoding.TextUnmarshaler = (*Period)(nil)
	_ encoding.TextAppender    = Period{}
	_ encoding.TextMarshaler   = Range{}
	_ encoding.TextUnmarshaler = (*Range)(nil)
	_ encoding.TextMarshaler   = Type(0)
	_ encoding.TextUnmarshaler = (*Type)(nil)
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		code  string
		typ   Type
		year  int
		index int
	}{
		{"2021", Yearly, 2021, 1},
		{"1000", Yearly, 1000, 1},
		{"9999", Yearly, 9999, 1},
		{"2021S1", SixMonthly, 2021, 1},
		{"2021S2", SixMonthly, 2021, 2},
		{"2021Q1", Quarterly, 2021, 1},
		{"2021Q2", Quarterly, 2021, 2},
		{"2021Q3", Quarterly, 2021, 3},
		{"2021Q4", Quarterly, 2021, 4},
		{"202101", Monthly, 2021, 1},
		{"202109", Monthly, 2021, 9},
		{"202110", Monthly, 2021, 10},
		{"202112", Monthly, 2021, 12},
		{"999912", Monthly, 9999, 12},
		{"100001", Monthly, 1000, 1},
	}
	for _, tt := range tests {
		p, err := Parse(tt.code)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.code, err)
			continue
		}
		if p.Type() != tt.typ || p.Year() != tt.year || p.Index() != tt.index {
			t.Errorf("Parse(%q) = %v %d/%d, want %v %d/%d",
				tt.code, p.Type(), p.Year(), p.Index(), tt.typ, tt.year, tt.index)
		}
		if p.IsZero() {
			t.Errorf("Parse(%q).IsZero() = true", tt.code)
		}
		if got := p.String(); got != tt.code {
			t.Errorf("Parse(%q).String() = %q", tt.code, got)
		}
		q, err := Of(tt.typ, tt.year, tt.index)
		if err != nil || q != p {
			t.Errorf("Of(%v, %d, %d) = %v, %v; want %v", tt.typ, tt.year, tt.index, q, err, p)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		code string
		why  string // a fragment the message must contain
	}{
		{"", "want YYYY"},
		{" 2021", "want YYYY"},
		{"2021 ", "want YYYY"},
		{"21", "want YYYY"},
		{"021", "want YYYY"},
		{"20210", "want YYYY"},
		{"2021Q", "want YYYY"},
		{"2021Q5", "quarter must be 1-4"},
		{"2021Q0", "quarter must be 1-4"},
		{"2021Qx", "quarter must be 1-4"},
		{"2021Q10", "want YYYY"},
		{"2021S0", "half must be 1 or 2"},
		{"2021S3", "half must be 1 or 2"},
		{"2021q3", "upper case"},
		{"2021s1", "upper case"},
		{"202113", "month must be 01-12"},
		{"202100", "month must be 01-12"},
		{"202199", "month must be 01-12"},
		{"2021-09", "no separator"},
		{"2021-9", "want YYYY"},
		{"0999", "year must be 1000-9999"},
		{"0000", "year must be 1000-9999"},
		{"099912", "year must be 1000-9999"},
		{"10000", "want YYYY"},
		{"+202", "want YYYY"},
		{"-2021", "want YYYY"},
		{"20２1", "want YYYY"}, // full-width digit
		{"2021W1", "want YYYY"},
		{"2021W10", "want YYYY"},
		{"20210101", "want YYYY"},
		{"2021AprilS1", "want YYYY"},
		{"202101B", "want YYYY"},
		{"2021..2022", "want YYYY"},
		{"abcd", "want YYYY"},
		{"2021\x00", "want YYYY"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.code)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", tt.code, p)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error %v does not wrap ErrInvalid", tt.code, err)
		}
		if !p.IsZero() {
			t.Errorf("Parse(%q) returned non-zero %v with error", tt.code, p)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "period ") || !strings.Contains(msg, `"`) || !strings.Contains(msg, tt.why) {
			t.Errorf("Parse(%q) error %q: want it to quote the code and contain %q", tt.code, msg, tt.why)
		}
	}
	if _, err := Parse("2021Q5"); err == nil || err.Error() != `period "2021Q5": quarter must be 1-4` {
		t.Errorf(`Parse("2021Q5") error = %v`, err)
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"2021Q5\") did not panic")
		}
	}()
	MustParse("2021Q5")
}

func TestOf(t *testing.T) {
	// Yearly ignores the index, so any index yields the canonical value.
	if p, err := Of(Yearly, 2021, 7); err != nil || p != MustParse("2021") {
		t.Errorf("Of(Yearly, 2021, 7) = %v, %v", p, err)
	}
	bad := []struct {
		t           Type
		year, index int
	}{
		{0, 2021, 1},
		{Yearly + 1, 2021, 1},
		{-1, 2021, 1},
		{Monthly, 2021, 0},
		{Monthly, 2021, 13},
		{Quarterly, 2021, 5},
		{SixMonthly, 2021, 3},
		{SixMonthly, 2021, -1},
		{Yearly, 999, 1},
		{Yearly, 10000, 1},
		{Monthly, 0, 1},
	}
	for _, b := range bad {
		p, err := Of(b.t, b.year, b.index)
		if !errors.Is(err, ErrInvalid) || !p.IsZero() {
			t.Errorf("Of(%v, %d, %d) = %v, %v; want zero and ErrInvalid", b.t, b.year, b.index, p, err)
		}
	}
}

func TestType(t *testing.T) {
	for _, tt := range []struct {
		t Type
		s string
	}{{Monthly, "monthly"}, {Quarterly, "quarterly"}, {SixMonthly, "sixmonthly"}, {Yearly, "yearly"}} {
		if got := tt.t.String(); got != tt.s {
			t.Errorf("%d.String() = %q, want %q", int(tt.t), got, tt.s)
		}
		for _, s := range []string{tt.s, strings.ToUpper(tt.s), strings.ToUpper(tt.s[:1]) + tt.s[1:]} {
			if got, err := ParseType(s); err != nil || got != tt.t {
				t.Errorf("ParseType(%q) = %v, %v; want %v", s, got, err, tt.t)
			}
		}
	}
	if got, err := ParseType("SixMonthly"); err != nil || got != SixMonthly {
		t.Errorf("ParseType(SixMonthly) = %v, %v", got, err)
	}
	for _, s := range []string{"", "weekly", " yearly", "year", "six-monthly", "Type(1)"} {
		if _, err := ParseType(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseType(%q) error = %v, want ErrInvalid", s, err)
		}
	}
	if got := Type(0).String(); got != "Type(0)" {
		t.Errorf("Type(0).String() = %q", got)
	}
}

func TestStartEnd(t *testing.T) {
	tests := []struct {
		code       string
		start, end time.Time
	}{
		{"2021", date(2021, 1, 1), date(2022, 1, 1)},
		{"2021S1", date(2021, 1, 1), date(2021, 7, 1)},
		{"2021S2", date(2021, 7, 1), date(2022, 1, 1)},
		{"2021Q1", date(2021, 1, 1), date(2021, 4, 1)},
		{"2021Q3", date(2021, 7, 1), date(2021, 10, 1)},
		{"2021Q4", date(2021, 10, 1), date(2022, 1, 1)},
		{"202101", date(2021, 1, 1), date(2021, 2, 1)},
		{"202102", date(2021, 2, 1), date(2021, 3, 1)},
		{"202012", date(2020, 12, 1), date(2021, 1, 1)},
		{"9999", date(9999, 1, 1), date(10000, 1, 1)},
	}
	for _, tt := range tests {
		p := MustParse(tt.code)
		if got := p.Start(); !got.Equal(tt.start) || got.Location() != time.UTC {
			t.Errorf("%s.Start() = %v, want %v", tt.code, got, tt.start)
		}
		if got := p.End(); !got.Equal(tt.end) || got.Location() != time.UTC {
			t.Errorf("%s.End() = %v, want %v", tt.code, got, tt.end)
		}
	}
	var zero Period
	if !zero.Start().IsZero() || !zero.End().IsZero() {
		t.Errorf("zero Period Start/End = %v/%v, want zero times", zero.Start(), zero.End())
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		p, q string
		want bool
	}{
		{"2021", "2021", true},
		{"2021", "2021S2", true},
		{"2021", "2021Q3", true},
		{"2021", "202109", true},
		{"2021", "202112", true},
		{"2021", "202201", false},
		{"2021", "2020Q4", false},
		{"2021S2", "2021Q3", true},
		{"2021S2", "2021Q4", true},
		{"2021S2", "2021Q2", false},
		{"2021S1", "202106", true},
		{"2021S1", "202107", false},
		{"2021Q3", "202107", true},
		{"2021Q3", "202108", true},
		{"2021Q3", "202109", true},
		{"2021Q3", "202110", false},
		{"2021Q3", "2021S2", false},
		{"2021Q3", "2021", false},
		{"202109", "2021", false},
		{"202109", "2021Q3", false},
		{"202109", "202109", true},
		{"202012", "202101", false},
	}
	for _, tt := range tests {
		if got := MustParse(tt.p).Contains(MustParse(tt.q)); got != tt.want {
			t.Errorf("%s.Contains(%s) = %v, want %v", tt.p, tt.q, got, tt.want)
		}
	}
	var zero Period
	if zero.Contains(zero) || zero.Contains(MustParse("2021")) || MustParse("2021").Contains(zero) {
		t.Error("the zero Period must neither contain nor be contained")
	}
}

func TestPreviousNext(t *testing.T) {
	tests := []struct{ p, next string }{
		{"2020", "2021"},
		{"2020S1", "2020S2"},
		{"2020S2", "2021S1"},
		{"2020Q3", "2020Q4"},
		{"2020Q4", "2021Q1"},
		{"202011", "202012"},
		{"202012", "202101"},
		{"999911", "999912"},
		{"1000", "1001"},
	}
	for _, tt := range tests {
		p, n := MustParse(tt.p), MustParse(tt.next)
		if got := p.Next(); got != n {
			t.Errorf("%s.Next() = %v, want %v", tt.p, got, n)
		}
		if got := n.Previous(); got != p {
			t.Errorf("%s.Previous() = %v, want %v", tt.next, got, p)
		}
	}
	// At the edges of the four-digit years there is nothing to step to.
	for _, code := range []string{"9999", "9999S2", "9999Q4", "999912"} {
		if got := MustParse(code).Next(); !got.IsZero() {
			t.Errorf("%s.Next() = %v, want zero", code, got)
		}
	}
	for _, code := range []string{"1000", "1000S1", "1000Q1", "100001"} {
		if got := MustParse(code).Previous(); !got.IsZero() {
			t.Errorf("%s.Previous() = %v, want zero", code, got)
		}
	}
	var zero Period
	if !zero.Next().IsZero() || !zero.Previous().IsZero() {
		t.Error("zero Period Next/Previous must be zero")
	}
}

func TestCompare(t *testing.T) {
	// Sorted by start, then end.
	sorted := []string{"2020", "202101", "2021Q1", "2021S1", "2021", "202102", "2021Q2", "2021Q3", "2021S2", "202112", "2022"}
	ps := make([]Period, len(sorted))
	for i, s := range sorted {
		ps[i] = MustParse(s)
	}
	for i := range ps {
		for j := range ps {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := ps[i].Compare(ps[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", ps[i], ps[j], got, want)
			}
			if got := ps[i].Before(ps[j]); got != (want < 0) {
				t.Errorf("%v.Before(%v) = %v", ps[i], ps[j], got)
			}
		}
	}
	shuffled := slices.Clone(ps)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	slices.SortFunc(shuffled, Period.Compare)
	if !slices.Equal(shuffled, ps) {
		t.Errorf("sorted = %v, want %v", shuffled, ps)
	}
	var zero Period
	if zero.Compare(zero) != 0 || zero.Compare(ps[0]) != -1 || ps[0].Compare(zero) != 1 {
		t.Error("the zero Period must sort first")
	}
}

func TestParent(t *testing.T) {
	tests := []struct {
		p    string
		t    Type
		want string // "" means not ok
	}{
		{"202109", Monthly, "202109"},
		{"202109", Quarterly, "2021Q3"},
		{"202109", SixMonthly, "2021S2"},
		{"202109", Yearly, "2021"},
		{"202101", Quarterly, "2021Q1"},
		{"202106", SixMonthly, "2021S1"},
		{"202107", SixMonthly, "2021S2"},
		{"202112", Quarterly, "2021Q4"},
		{"2021Q2", SixMonthly, "2021S1"},
		{"2021Q3", SixMonthly, "2021S2"},
		{"2021Q4", Yearly, "2021"},
		{"2021S2", Yearly, "2021"},
		{"2021", Yearly, "2021"},
		{"2021", Quarterly, ""},
		{"2021Q3", Monthly, ""},
		{"2021S1", Quarterly, ""},
		{"202109", 0, ""},
		{"202109", Yearly + 1, ""},
	}
	for _, tt := range tests {
		got, ok := MustParse(tt.p).Parent(tt.t)
		if tt.want == "" {
			if ok || !got.IsZero() {
				t.Errorf("%s.Parent(%v) = %v, %v; want zero, false", tt.p, tt.t, got, ok)
			}
			continue
		}
		if !ok || got != MustParse(tt.want) {
			t.Errorf("%s.Parent(%v) = %v, %v; want %s", tt.p, tt.t, got, ok, tt.want)
		}
	}
	if _, ok := (Period{}).Parent(Yearly); ok {
		t.Error("zero Period has a parent")
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		p    string
		t    Type
		want []string // nil means not ok
	}{
		{"2021", Yearly, []string{"2021"}},
		{"2021", SixMonthly, []string{"2021S1", "2021S2"}},
		{"2021", Quarterly, []string{"2021Q1", "2021Q2", "2021Q3", "2021Q4"}},
		{"2021", Monthly, []string{"202101", "202102", "202103", "202104", "202105", "202106",
			"202107", "202108", "202109", "202110", "202111", "202112"}},
		{"2021S2", Quarterly, []string{"2021Q3", "2021Q4"}},
		{"2021S2", Monthly, []string{"202107", "202108", "202109", "202110", "202111", "202112"}},
		{"2021Q3", Monthly, []string{"202107", "202108", "202109"}},
		{"2021Q4", Monthly, []string{"202110", "202111", "202112"}},
		{"202109", Monthly, []string{"202109"}},
		{"202109", Quarterly, nil},
		{"2021Q1", SixMonthly, nil},
		{"2021S1", Yearly, nil},
		{"2021", 0, nil},
	}
	for _, tt := range tests {
		got, ok := MustParse(tt.p).Split(tt.t)
		if tt.want == nil {
			if ok || got != nil {
				t.Errorf("%s.Split(%v) = %v, %v; want nil, false", tt.p, tt.t, got, ok)
			}
			continue
		}
		var want []Period
		for _, s := range tt.want {
			want = append(want, MustParse(s))
		}
		if !ok || !slices.Equal(got, want) {
			t.Errorf("%s.Split(%v) = %v, %v; want %v", tt.p, tt.t, got, ok, want)
		}
	}
}

func TestContaining(t *testing.T) {
	day := time.Date(2021, 9, 30, 23, 59, 59, 0, time.UTC)
	for _, tt := range []struct {
		t    Type
		want string
	}{{Monthly, "202109"}, {Quarterly, "2021Q3"}, {SixMonthly, "2021S2"}, {Yearly, "2021"}} {
		if got := Containing(tt.t, day); got != MustParse(tt.want) {
			t.Errorf("Containing(%v, %v) = %v, want %s", tt.t, day, got, tt.want)
		}
	}
	// The calendar date in the day's own location decides: 1 January in
	// Hanoi is still 31 December in UTC.
	hanoi := time.FixedZone("ICT", 7*3600)
	newYear := time.Date(2022, 1, 1, 3, 0, 0, 0, hanoi)
	if got := Containing(Yearly, newYear); got != MustParse("2022") {
		t.Errorf("Containing(Yearly, %v) = %v, want 2022", newYear, got)
	}
	if got := Containing(Yearly, newYear.UTC()); got != MustParse("2021") {
		t.Errorf("Containing(Yearly, %v) = %v, want 2021", newYear.UTC(), got)
	}
	if got := Containing(0, day); !got.IsZero() {
		t.Errorf("Containing(0, day) = %v, want zero", got)
	}
	if got := Containing(Yearly, date(10000, 1, 1)); !got.IsZero() {
		t.Errorf("Containing(Yearly, year 10000) = %v, want zero", got)
	}
	if got := Containing(Monthly, time.Time{}); !got.IsZero() {
		t.Errorf("Containing(Monthly, zero time) = %v, want zero", got)
	}
}

func TestRoundTrip(t *testing.T) {
	codes := []string{"1000", "1999", "2000", "2021", "9999", "2021S1", "2021S2", "1000S1", "9999S2",
		"2021Q1", "2021Q2", "2021Q3", "2021Q4", "1000Q1", "9999Q4",
		"202101", "202109", "202110", "202112", "100001", "999912", "201507"}
	for _, code := range codes {
		p, err := Parse(code)
		if err != nil {
			t.Fatalf("Parse(%q): %v", code, err)
		}
		if got := p.String(); got != code {
			t.Errorf("Parse(%q).String() = %q", code, got)
		}
		text, err := p.MarshalText()
		if err != nil || string(text) != code {
			t.Errorf("%v.MarshalText() = %q, %v", p, text, err)
		}
		var q Period
		if err := q.UnmarshalText([]byte(code)); err != nil || q != p {
			t.Errorf("UnmarshalText(%q) = %v, %v", code, q, err)
		}
		if b, _ := p.AppendText([]byte("x=")); string(b) != "x="+code {
			t.Errorf("AppendText = %q", b)
		}
	}
}

// TestJSON checks that periods, ranges and types work in config and as map
// keys through their text methods.
func TestJSON(t *testing.T) {
	type config struct {
		Type    Type
		Period  Period
		Unset   Period
		Range   Range
		Targets map[Period]int
	}
	in := config{
		Type:    SixMonthly,
		Period:  MustParse("2021Q3"),
		Range:   Range{From: MustParse("2010"), To: MustParse("2020")},
		Targets: map[Period]int{MustParse("2021"): 1, MustParse("202109"): 2},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Type":"sixmonthly","Period":"2021Q3","Unset":"","Range":"2010..2020","Targets":{"2021":1,"202109":2}}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var out config
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Type != in.Type || out.Period != in.Period || !out.Unset.IsZero() || out.Range != in.Range ||
		len(out.Targets) != 2 || out.Targets[MustParse("202109")] != 2 {
		t.Errorf("json round trip = %+v, want %+v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"Period":"2021Q5"}`), &out); !errors.Is(err, ErrInvalid) {
		t.Errorf("json.Unmarshal of a bad period: %v, want ErrInvalid", err)
	}
	if _, err := (Range{From: MustParse("2020"), To: MustParse("2010")}).MarshalText(); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarshalText of an inverted range: %v, want ErrInvalid", err)
	}
}

func TestRange(t *testing.T) {
	r, err := ParseRange("2010..2020")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 11 || len(r.Periods()) != 11 {
		t.Errorf("2010..2020: Len %d, %d periods; want 11", r.Len(), len(r.Periods()))
	}
	if r.Last() != MustParse("2020") || r.From != MustParse("2010") {
		t.Errorf("2010..2020: From %v, Last %v", r.From, r.Last())
	}
	if r.String() != "2010..2020" {
		t.Errorf("String() = %q", r.String())
	}

	tests := []struct {
		in, str string
		periods []string
	}{
		{"2021Q1..2021Q3", "2021Q1..2021Q3", []string{"2021Q1", "2021Q2", "2021Q3"}},
		{"2020Q4..2021Q1", "2020Q4..2021Q1", []string{"2020Q4", "2021Q1"}},
		{"202011..202102", "202011..202102", []string{"202011", "202012", "202101", "202102"}},
		{"2020S2..2021S2", "2020S2..2021S2", []string{"2020S2", "2021S1", "2021S2"}},
		{"2021", "2021", []string{"2021"}},
		{"2021Q3", "2021Q3", []string{"2021Q3"}},
		{"2021..2021", "2021", []string{"2021"}},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in)
		if err != nil {
			t.Errorf("ParseRange(%q): %v", tt.in, err)
			continue
		}
		var want []Period
		for _, s := range tt.periods {
			want = append(want, MustParse(s))
		}
		if got := r.Periods(); !slices.Equal(got, want) {
			t.Errorf("ParseRange(%q).Periods() = %v, want %v", tt.in, got, want)
		}
		if r.Len() != len(want) || r.Last() != want[len(want)-1] || r.String() != tt.str {
			t.Errorf("ParseRange(%q): Len %d, Last %v, String %q", tt.in, r.Len(), r.Last(), r.String())
		}
	}

	whole, err := ParseRange("1000..9999")
	if err != nil || whole.Len() != 9000 {
		t.Errorf("1000..9999: Len %d, %v", whole.Len(), err)
	}
}

func TestParseRangeInvalid(t *testing.T) {
	tests := []struct{ in, why string }{
		{"", "want YYYY"},
		{"2020..2010", "2020 is after 2010"},
		{"2021Q3..2021Q1", "after"},
		{"2010..2020Q1", "2010 is yearly but 2020Q1 is quarterly"},
		{"2021S1..202112", "sixmonthly but"},
		{"2010..", `period ""`},
		{"..2020", `period ""`},
		{"..", `period ""`},
		{"2010...2020", `".2020"`},
		{"2010..2020..2030", `"2020..2030"`},
		{"2010 .. 2020", `"2010 "`},
		{"2010-2020", "want YYYY"},
		{"2021Q5..2021Q6", "quarter must be 1-4"},
		{"2021Q5", "quarter must be 1-4"},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in)
		if err == nil {
			t.Errorf("ParseRange(%q) = %v, want error", tt.in, r)
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseRange(%q) error %q: want ErrInvalid containing %q", tt.in, err, tt.why)
		}
		if r != (Range{}) {
			t.Errorf("ParseRange(%q) returned %v with error", tt.in, r)
		}
	}
}

func TestNewRange(t *testing.T) {
	r, err := NewRange(MustParse("2021Q1"), MustParse("2021Q3"))
	if err != nil || r.Len() != 3 {
		t.Errorf("NewRange(2021Q1, 2021Q3) = %v, %v", r, err)
	}
	for _, bad := range []Range{
		{},
		{From: MustParse("2021")},
		{To: MustParse("2021")},
		{From: MustParse("2021"), To: MustParse("2021Q4")},
		{From: MustParse("2022"), To: MustParse("2021")},
	} {
		if _, err := NewRange(bad.From, bad.To); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewRange(%v, %v) error = %v, want ErrInvalid", bad.From, bad.To, err)
		}
		// Methods treat an invalid Range as empty rather than guessing.
		if bad.Len() != 0 || bad.Periods() != nil || bad.Contains(MustParse("2021")) {
			t.Errorf("invalid range %#v is not empty", bad)
		}
	}
}

func TestRangeContains(t *testing.T) {
	tests := []struct {
		r, p string
		want bool
	}{
		{"2010..2020", "2010", true},
		{"2010..2020", "2015", true},
		{"2010..2020", "2020", true},
		{"2010..2020", "2009", false},
		{"2010..2020", "2021", false},
		{"2010..2020", "2020Q4", true},
		{"2010..2020", "202012", true},
		{"2010..2020", "2010S1", true},
		{"2010..2020", "200912", false},
		{"2010..2020", "202101", false},
		{"2021Q1..2021Q2", "2021Q2", true},
		{"2021Q1..2021Q2", "202106", true},
		{"2021Q1..2021Q2", "202107", false},
		{"2021Q1..2021Q2", "2021S1", false}, // spans both quarters, inside neither
		{"2021Q1..2021Q2", "2021", false},
		{"2020Q4..2021Q1", "202012", true},
		{"2020Q4..2021Q1", "202101", true},
		{"2020Q4..2021Q1", "202009", false},
		{"2021", "202109", true},
		{"2021", "2022", false},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Contains(MustParse(tt.p)); got != tt.want {
			t.Errorf("%s.Contains(%s) = %v, want %v", tt.r, tt.p, got, tt.want)
		}
	}
	if mustParseRange(t, "2010..2020").Contains(Period{}) {
		t.Error("a range contains the zero Period")
	}
}

func mustParseRange(t *testing.T, s string) Range {
	t.Helper()
	r, err := ParseRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var allTypes = []Type{Monthly, Quarterly, SixMonthly, Yearly}

// randomPeriod returns a uniformly chosen type, year and index.
func randomPeriod(rng *rand.Rand) Period {
	t := allTypes[rng.IntN(len(allTypes))]
	p, err := Of(t, MinYear+rng.IntN(MaxYear-MinYear+1), 1+rng.IntN(t.perYear()))
	if err != nil {
		panic(err)
	}
	return p
}

// TestProperties checks the algebra on deterministic random periods, always
// including the edge years.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2021, 9))
	var ps []Period
	for _, ty := range allTypes {
		for _, y := range []int{MinYear, MinYear + 1, 2020, 2021, MaxYear - 1, MaxYear} {
			for i := 1; i <= ty.perYear(); i++ {
				ps = append(ps, Period{typ: ty, year: y, index: i})
			}
		}
	}
	for range 3000 {
		ps = append(ps, randomPeriod(rng))
	}
	for _, p := range ps {
		if q := MustParse(p.String()); q != p {
			t.Fatalf("Parse(%v.String()) = %v", p, q)
		}
		if !p.Start().Before(p.End()) {
			t.Fatalf("%v: Start %v not before End %v", p, p.Start(), p.End())
		}
		if n := p.Next(); !n.IsZero() {
			if n.Previous() != p || !n.Start().Equal(p.End()) || !p.Before(n) || n.Type() != p.Type() {
				t.Fatalf("%v.Next() = %v: Previous %v, Start %v, End(p) %v", p, n, n.Previous(), n.Start(), p.End())
			}
		} else if p.Year() != MaxYear || p.End().Year() != MaxYear+1 {
			t.Fatalf("%v.Next() is zero before the last year", p)
		}
		if q := p.Previous(); !q.IsZero() {
			if q.Next() != p || !q.End().Equal(p.Start()) {
				t.Fatalf("%v.Previous() = %v: Next %v", p, q, q.Next())
			}
		} else if p.Year() != MinYear || p.Index() != 1 {
			t.Fatalf("%v.Previous() is zero after the first period", p)
		}
		for _, ty := range allTypes {
			if c := Containing(ty, p.Start()); c.Type() != ty || !c.Contains(p) && !p.Contains(c) {
				t.Fatalf("Containing(%v, %v.Start()) = %v", ty, p, c)
			}
			last := Containing(ty, p.End().Add(-time.Nanosecond))
			if parent, ok := p.Parent(ty); ok {
				if !parent.Contains(p) || parent.Type() != ty || parent != Containing(ty, p.Start()) || parent != last {
					t.Fatalf("%v.Parent(%v) = %v", p, ty, parent)
				}
				if ty != p.Type() && p.Contains(parent) {
					t.Fatalf("%v contains its coarser parent %v", p, parent)
				}
			}
			parts, ok := p.Split(ty)
			if ok != (ty <= p.Type()) {
				t.Fatalf("%v.Split(%v) ok = %v", p, ty, ok)
			}
			if !ok {
				continue
			}
			if !parts[0].Start().Equal(p.Start()) || !parts[len(parts)-1].End().Equal(p.End()) {
				t.Fatalf("%v.Split(%v) = %v does not cover it", p, ty, parts)
			}
			if r := (Range{From: parts[0], To: parts[len(parts)-1]}); !slices.Equal(r.Periods(), parts) {
				t.Fatalf("%v.Split(%v) = %v, range %v", p, ty, parts, r.Periods())
			}
			for i, part := range parts {
				if !p.Contains(part) || part.Type() != ty {
					t.Fatalf("%v.Split(%v)[%d] = %v not contained", p, ty, i, part)
				}
				if parent, _ := part.Parent(p.Type()); parent != p {
					t.Fatalf("%v.Parent(%v) = %v, want %v", part, p.Type(), parent, p)
				}
				if i > 0 && parts[i-1].Next() != part {
					t.Fatalf("%v.Split(%v) not consecutive at %d: %v", p, ty, i, parts)
				}
			}
		}
	}
	// Compare agrees with == and is antisymmetric on random pairs.
	for range 3000 {
		p, q := randomPeriod(rng), randomPeriod(rng)
		if (p.Compare(q) == 0) != (p == q) || p.Compare(q) != -q.Compare(p) {
			t.Fatalf("Compare(%v, %v) = %d, reverse %d", p, q, p.Compare(q), q.Compare(p))
		}
		if p.Start().Before(q.Start()) && !p.Before(q) {
			t.Fatalf("%v starts before %v but does not sort before it", p, q)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2021", "2021S1", "2021S2", "2021Q1", "2021Q4", "202101", "202112", "1000", "9999", "999912",
		"", " 2021", "2021Q5", "2021S0", "202113", "21", "2021q3", "2021-09", "0999", "20210101",
		"2021W1", "+202", "2021\x00", "20２1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || !p.IsZero() {
				t.Fatalf("Parse(%q) = %v, %v", s, p, err)
			}
			return
		}
		if p.IsZero() || p.String() != s {
			t.Fatalf("Parse(%q) = %v (%q)", s, p, p.String())
		}
		if q, err := Parse(p.String()); err != nil || q != p {
			t.Fatalf("Parse(%q) = %v, %v; want %v", p.String(), q, err, p)
		}
		if !p.Start().Before(p.End()) {
			t.Fatalf("%v: Start %v, End %v", p, p.Start(), p.End())
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{
		"2010..2020", "2021Q1..2021Q3", "202011..202102", "2020S2..2021S1", "2021", "2021..2021",
		"2020..2010", "2010..2020Q1", "2010..", "..2020", "..", "2010...2020", "2010..2020..2030", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || r != (Range{}) {
				t.Fatalf("ParseRange(%q) = %v, %v", s, r, err)
			}
			return
		}
		// "X..X" is accepted but printed as "X"; every other form is canonical.
		if got := r.String(); got != s && s != got+".."+got {
			t.Fatalf("ParseRange(%q).String() = %q", s, got)
		}
		if q, err := ParseRange(r.String()); err != nil || q != r {
			t.Fatalf("ParseRange(%q) = %v, %v; want %v", r.String(), q, err, r)
		}
		n := r.Len()
		if n < 1 || r.Last() != r.To || !r.Contains(r.From) || !r.Contains(r.To) {
			t.Fatalf("%v: Len %d, Last %v", r, n, r.Last())
		}
		if n <= 1000 {
			ps := r.Periods()
			if len(ps) != n || ps[0] != r.From || ps[n-1] != r.To {
				t.Fatalf("%v.Periods() = %v", r, ps)
			}
		}
	})
}
