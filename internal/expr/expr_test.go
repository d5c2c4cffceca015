package expr

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// testValues backs the lookup used by the evaluation tests. "gone" is
// deliberately absent.
var testValues = map[Ref]int64{
	{"a", ""}:             10,
	{"a", "x"}:            3,
	{"a", "y"}:            4,
	{"b", ""}:             14,
	{"c", ""}:             2,
	{"zero", ""}:          0,
	{"villages", ""}:      126,
	{"heads_members", ""}: 68,
	{"members", ""}:       2675,
	{"members", "female"}: 884,
	{"big", ""}:           9223372036854775807, // max int64: sums must not overflow
}

func lookup(r Ref) (int64, bool) {
	v, ok := testValues[r]
	return v, ok
}

func TestEval(t *testing.T) {
	tests := []struct {
		src  string
		want string // exact rational, as big.Rat.RatString prints it
	}{
		{"100", "100"},
		{"0.5", "1/2"},
		{"a", "10"},
		{"a.x", "3"},
		{"a.x + a.y", "7"},
		{"(a.x + a.y) / b * 100", "50"},               // 7/14*100
		{"a.x + a.y / b * 100", "221/7"},              // 3 + 4/14*100 = 3 + 200/7
		{"1 + 2 * 3", "7"},                            // * binds tighter than +
		{"(1 + 2) * 3", "9"},                          //
		{"10 - 4 - 3", "3"},                           // left-associative
		{"10 - (4 - 3)", "9"},                         //
		{"100 / 10 / 5", "2"},                         // left-associative
		{"100 / (10 / 5)", "50"},                      //
		{"-a", "-10"},                                 //
		{"-a * 2", "-20"},                             //
		{"--a", "10"},                                 //
		{"a - -c", "12"},                              //
		{"-(a - b)", "4"},                             //
		{"sum(a)", "10"},                              //
		{"sum(a.x, a.y, c)", "9"},                     //
		{"sum(a, b) / sum(c, 2)", "6"},                // 24 / 4
		{"sum(1, 2 * 3, -c)", "5"},                    //
		{"heads_members / villages * 100", "3400/63"}, // 6800/126
		{"members.female / members * 100", "88400/2675"},
		{"1 / 3", "1/3"},
		{"0.25 * 4", "1"},
		{"big + big - big", "9223372036854775807"},
		{"big * big / big", "9223372036854775807"},
		{"  a\t+\nb ", "24"},
		{"zero * a", "0"},
		{"sum", ""}, // a reference named sum: absent, see below
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		v, ok := e.Eval(lookup)
		if tt.want == "" {
			if ok {
				t.Errorf("Eval(%q) = %v, want no value", tt.src, v.RatString())
			}
			continue
		}
		if !ok {
			t.Errorf("Eval(%q) = no value, want %s", tt.src, tt.want)
			continue
		}
		want, _ := new(big.Rat).SetString(tt.want)
		if v.Cmp(want) != 0 {
			t.Errorf("Eval(%q) = %s, want %s", tt.src, v.RatString(), tt.want)
		}
	}
}

func TestEvalRounding(t *testing.T) {
	// Tam Đường 2021: 68 of 126 village heads are members, 53,97%.
	v, ok := MustParse("heads_members / villages * 100").Eval(lookup)
	if !ok {
		t.Fatal("no value")
	}
	if got := v.FloatString(2); got != "53.97" {
		t.Errorf("got %s, want 53.97", got)
	}
}

func TestEvalNoValue(t *testing.T) {
	for _, src := range []string{
		"a / zero",
		"a / (c - 2)",
		"(a / zero) * 0",
		"sum(a, a / zero)",
		"gone",
		"gone * 0",
		"a + gone",
		"sum(a, gone.x)",
		"-gone",
		"a.nope",
		"0 / zero",
	} {
		v, ok := MustParse(src).Eval(lookup)
		if ok || v != nil {
			t.Errorf("Eval(%q) = %v, %v; want nil, false", src, v, ok)
		}
	}
}

func TestEvalDoesNotAlias(t *testing.T) {
	e := MustParse("0.5")
	v1, _ := e.Eval(lookup)
	v1.SetInt64(7)
	v2, _ := e.Eval(lookup)
	if v2.Cmp(big.NewRat(1, 2)) != 0 {
		t.Fatalf("modifying a result changed the expression: second Eval = %s", v2.RatString())
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src     string
		pos     int
		msgPart string
	}{
		{"", 0, "empty expression"},
		{"   ", 0, "empty expression"},
		{"a +", 3, "found end of input"},
		{"sum(a,", 6, "found end of input"},
		{"sum(a", 5, `expected "," or ")"`},
		{"sum(a b)", 6, `expected "," or ")"`},
		{"sum()", 4, "at least one argument"},
		{"sum(a,)", 6, `found ")"`},
		{"a..b", 2, `expected option name after ".", found "."`},
		{"a.", 2, "found end of input"},
		{"a.B", 2, `found "B"`},
		{"a.1", 2, `found "1"`},
		{"a.b.c", 3, `unexpected "."`},
		{"aB", 1, `unexpected "B"`},
		{"1a", 1, `unexpected "a" after number`},
		{"2.5x", 3, `unexpected "x" after number`},
		{"1.", 2, "expected digit after decimal point"},
		{"1.2.3", 3, `unexpected "." after number`},
		{".5", 0, `unexpected character '.'`},
		{")", 0, `found ")"`},
		{"(a", 2, `expected ")", found end of input`},
		{"(a))", 3, `unexpected ")" after expression`},
		{"a b", 2, "unexpected name b after expression"},
		{"a * / b", 4, `found "/"`},
		{"A", 0, "unexpected character 'A'"},
		{"a % b", 2, "unexpected character '%'"},
		{"đảng", 0, "unexpected character 'đ'"},
		{"avg(a)", 0, `unknown function "avg"`},
		{"+a", 0, `found "+"`},
		{"a, b", 1, `unexpected "," after expression`},
		{strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), 100, "nested more than 100"},
		{strings.Repeat("-", 101) + "a", 100, "nested more than 100"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", tt.src, e)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T is not a *SyntaxError", tt.src, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.msgPart) {
			t.Errorf("Parse(%q) = %q; want position %d and message containing %q", tt.src, err, tt.pos, tt.msgPart)
		}
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("sum(a b)")
	want := `position 6: expected "," or ")" after sum argument, found name b`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestDepthLimitIsNotTooStrict(t *testing.T) {
	src := strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100)
	if _, err := Parse(src); err != nil {
		t.Errorf("100 nested parentheses: %v", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a", "a"},
		{"a.x", "a.x"},
		{"a+b", "a + b"},
		{"(a.x+a.y)/b*100", "(a.x + a.y) / b * 100"},
		{"((a))", "a"},
		{"(a*b)+c", "a * b + c"},
		{"a*(b+c)", "a * (b + c)"},
		{"a-(b-c)", "a - (b - c)"},
		{"(a-b)-c", "a - b - c"},
		{"a-(b+c)", "a - (b + c)"},
		{"a/(b*c)", "a / (b * c)"},
		{"a/(b/c)", "a / (b / c)"},
		{"(a/b)/c", "a / b / c"},
		{"a+(b*c)", "a + b * c"},
		{"-(a)", "-a"},
		{"-(-a)", "--a"},
		{"-(a+b)", "-(a + b)"},
		{"-(a*b)", "-(a * b)"},
		{"(-a)*b", "-a * b"},
		{"a - (-b)", "a - -b"},
		{"sum( a ,b,  c.d )", "sum(a, b, c.d)"},
		{"sum((a+b))", "sum(a + b)"},
		{"007", "7"},
		{"0", "0"},
		{"000.500", "0.5"},
		{"1.0", "1"},
		{"12.340", "12.34"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		got := e.String()
		if got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.src, got, tt.want)
		}
		e2, err := Parse(got)
		if err != nil {
			t.Errorf("re-parsing %q: %v", got, err)
			continue
		}
		if !reflect.DeepEqual(e, e2) {
			t.Errorf("Parse(%q) and Parse(%q) differ", tt.src, got)
		}
	}
}

func TestRefs(t *testing.T) {
	e := MustParse("(a.x + b) / a.x * sum(c, a, b, a.y) + a")
	want := []Ref{{"a", "x"}, {"b", ""}, {"c", ""}, {"a", ""}, {"a", "y"}}
	got := e.Refs()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Refs() = %v, want %v", got, want)
	}
	got[0] = Ref{"changed", ""}
	if e.Refs()[0] != want[0] {
		t.Error("modifying the result of Refs changed the expression")
	}
	if refs := MustParse("1 + 2").Refs(); len(refs) != 0 {
		t.Errorf("Refs() of a constant = %v, want none", refs)
	}
}

func TestRefString(t *testing.T) {
	if got := (Ref{"members", ""}).String(); got != "members" {
		t.Errorf("got %q", got)
	}
	if got := (Ref{"members", "female"}).String(); got != "members.female" {
		t.Errorf("got %q", got)
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic on a syntax error")
		}
	}()
	MustParse("a +")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a", "a.x", "100", "0.5", "007.50", "(a.x + a.y) / b * 100", "-a * -b",
		"--a", "a - (b - c)", "sum(a, b, c.d)", "sum(a,", "a..b", "1a", "a.B", ")",
		"sum()", "(((a)))", "a / 0", "đảng_viên", "1.2.3", "a\t+\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T is not a *SyntaxError", src, err)
			}
			if se.Pos < 0 || se.Pos > len(src) {
				t.Fatalf("Parse(%q) error position %d outside the source", src, se.Pos)
			}
			return
		}
		s := e.String()
		e2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not re-parse: %v", src, s, err)
		}
		if s2 := e2.String(); s2 != s {
			t.Fatalf("String not stable: %q -> %q -> %q", src, s, s2)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("Parse(%q) and Parse(%q) differ", src, s)
		}
		// Evaluation must not panic either, whatever the values.
		e.Eval(func(r Ref) (int64, bool) { return int64(len(r.Element)) - 3, len(r.Option) != 1 })
	})
}

// TestEvalIntAgreesWithEval: on integral expressions the int64 evaluation
// gives exactly what the rational one gives, missing values included.
func TestEvalIntAgreesWithEval(t *testing.T) {
	vals := map[Ref]int64{{"a", ""}: 7, {"a", "x"}: 3, {"b", ""}: 40, {"c", ""}: -2}
	lookup := func(r Ref) (int64, bool) { v, ok := vals[r]; return v, ok }
	for _, src := range []string{"a", "a.x + b", "sum(a, a.x, b) - c", "-(a - b) + 2", "a + missing", "sum(a, missing)", "0"} {
		e := MustParse(src)
		if !e.Integral() {
			t.Fatalf("%s: not integral", src)
		}
		got, gok := e.EvalInt(lookup)
		want, wok := e.Eval(lookup)
		if gok != wok || wok && (!want.IsInt() || want.Num().Int64() != got) {
			t.Errorf("%s: EvalInt = %d, %v; Eval = %v, %v", src, got, gok, want, wok)
		}
	}
	for _, src := range []string{"a / b", "a * 2", "a + 0.5"} {
		if MustParse(src).Integral() {
			t.Errorf("%s: integral", src)
		}
	}
}
