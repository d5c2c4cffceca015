// Package validate owns the rules a report must satisfy before anyone signs
// it: the checks that catch what the Word reports got wrong. Rules compare
// two expressions over the report's values, optionally with a term of the
// previous period (every breakdown adds up to its element's total; a part
// never exceeds its whole; this year's members are last year's plus those
// admitted, less those who left); each has an importance and a message in
// Vietnamese and English, and a violation names the values involved. The
// catalogue's structure yields the built-in rules and the catalogue states
// the others; a Set adds the checks against other reports: a copy of the
// previous period, an outlier against the unit's history or its siblings.
package validate

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/period"
)

// Importance says what a violation does: an error blocks signing unless
// overridden with a reason; a warning is shown and recorded.
type Importance int

// Importances.
const (
	Error Importance = iota + 1
	Warning
)

func (i Importance) String() string {
	if i == Error {
		return "error"
	}
	return "warning"
}

// Op compares the two sides of a rule.
type Op string

// Operators.
const (
	Equal     Op = "=="
	LessEqual Op = "<="
	// Against marks a figure set beside another that it need not equal:
	// a copy of the previous period, an outlier beside the median.
	Against Op = "vs"
)

// MustBe says in Vietnamese what the left side must be, for people: a rule
// broken reads "là 2.674, phải bằng 2.675", not as an assertion.
func (o Op) MustBe() string {
	switch o {
	case Equal:
		return "phải bằng"
	case LessEqual:
		return "phải không quá"
	case Against:
		return "so với"
	}
	return "phải " + string(o)
}

// Rule is one check: Left Op Right, where Right adds Previous evaluated on
// the period before, when Previous is set (a stock-flow balance).
type Rule struct {
	Code        string
	Left, Right *expr.Expr
	Previous    *expr.Expr
	// PeriodType limits the rule to reports of one period type; zero:
	// every report.
	PeriodType period.Type
	Op         Op
	Importance Importance
	Message    string // Vietnamese
	MessageEN  string
	// SparseLeft makes the references on the left that have no value
	// count as zero, as long as one of them has a value: the parts of a
	// sparse partition (the 54 ethnic groups) as a report prints them.
	SparseLeft bool
}

// Violation is a rule that did not hold, with the values of both sides.
type Violation struct {
	Rule        Rule
	Left, Right *big.Rat
}

// String shows the violation for people: the message and the values.
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s (%s %s %s)", v.Rule.Importance, v.Rule.Message, v.Left.RatString(), v.Rule.Op, v.Right.RatString())
}

// BuiltIn derives the rules every report of the catalogue must satisfy:
// each partition breakdown sums to its element's total; each option of a
// subset breakdown is at most the total; each percentage indicator's
// numerator is at most its denominator.
func BuiltIn(cat *catalog.Catalog) ([]Rule, error) {
	var rules []Rule
	add := func(code string, left, right *expr.Expr, op Op, vi, en string) {
		rules = append(rules, Rule{Code: code, Left: left, Right: right, Op: op, Importance: Error, Message: vi, MessageEN: en})
	}
	for _, de := range cat.Elements() {
		total, err := expr.Parse(de.Code)
		if err != nil {
			return nil, fmt.Errorf("element %s: %w", de.Code, err)
		}
		for _, bc := range de.Breakdowns {
			b, _ := cat.Breakdown(bc)
			refs := make([]string, len(b.Options))
			for i, o := range b.Options {
				refs[i] = de.Code + "." + o.Code
			}
			switch b.Kind {
			case catalog.Partition:
				sum, err := expr.Parse("sum(" + strings.Join(refs, ", ") + ")")
				if err != nil {
					return nil, fmt.Errorf("element %s by %s: %w", de.Code, bc, err)
				}
				add(de.Code+"/"+bc+"/sum", sum, total, Equal,
					fmt.Sprintf("%s theo %s phải cộng lại bằng tổng số", de.Name, strings.ToLower(b.Name)),
					fmt.Sprintf("%s by %s must add up to the total", de.NameEN, strings.ToLower(b.NameEN)))
				rules[len(rules)-1].SparseLeft = b.Sparse
				if err := addGroupings(&rules, cat, de, b); err != nil {
					return nil, err
				}
			case catalog.Subset:
				for i, o := range b.Options {
					part, err := expr.Parse(refs[i])
					if err != nil {
						return nil, fmt.Errorf("element %s option %s: %w", de.Code, o.Code, err)
					}
					add(de.Code+"/"+o.Code+"/part", part, total, LessEqual,
						fmt.Sprintf("%s (%s) không được lớn hơn tổng số", de.Name, o.Name),
						fmt.Sprintf("%s (%s) cannot exceed the total", de.NameEN, o.NameEN))
				}
			}
		}
	}
	for _, ind := range cat.Indicators() {
		if ind.Denominator == nil || ind.Factor != 100 {
			continue
		}
		add(ind.Code+"/part", ind.Numerator, ind.Denominator, LessEqual,
			fmt.Sprintf("%s: tử số không được lớn hơn mẫu số", ind.Name),
			fmt.Sprintf("%s: the numerator cannot exceed the denominator", ind.NameEN))
	}
	return rules, nil
}

// addGroupings adds, for a grouping breakdown b of element de whose finer
// breakdown de also has, one rule per group: the group's option equals
// the sum of the finer options it gathers (minorities = the 53 minority
// groups and "other").
func addGroupings(rules *[]Rule, cat *catalog.Catalog, de catalog.DataElement, b catalog.Breakdown) error {
	if b.GroupingOf == "" || !slices.Contains(de.Breakdowns, b.GroupingOf) {
		return nil
	}
	fine, _ := cat.Breakdown(b.GroupingOf)
	for _, o := range b.Options {
		refs := make([]string, len(o.Groups))
		for i, g := range o.Groups {
			refs[i] = de.Code + "." + g
		}
		sum, err := expr.Parse("sum(" + strings.Join(refs, ", ") + ")")
		if err != nil {
			return fmt.Errorf("element %s option %s: %w", de.Code, o.Code, err)
		}
		whole, err := expr.Parse(de.Code + "." + o.Code)
		if err != nil {
			return fmt.Errorf("element %s option %s: %w", de.Code, o.Code, err)
		}
		*rules = append(*rules, Rule{
			Code: de.Code + "/" + o.Code + "/" + fine.Code, Left: sum, Right: whole, Op: Equal, Importance: Error,
			Message:    fmt.Sprintf("%s (%s) phải bằng tổng theo %s", de.Name, o.Name, strings.ToLower(fine.Name)),
			MessageEN:  fmt.Sprintf("%s (%s) must equal the sum by %s", de.NameEN, o.NameEN, strings.ToLower(fine.NameEN)),
			SparseLeft: fine.Sparse,
		})
	}
	return nil
}

// Check evaluates rules over a report's values. A rule one of whose sides
// is missing (a breakdown not entered) is not judged: missing is not zero.
func Check(rules []Rule, lookup func(expr.Ref) (int64, bool)) []Violation {
	return check(rules, lookup, nil, 0)
}

// check is Check with the previous period's values, which rules with a
// Previous side need (without them such rules are not judged), for a
// report of period type pt.
func check(rules []Rule, lookup, previous Lookup, pt period.Type) []Violation {
	var out []Violation
	for _, r := range rules {
		if r.Previous != nil && previous == nil || r.PeriodType != 0 && r.PeriodType != pt {
			continue
		}
		left := lookup
		if r.SparseLeft {
			if left = sparse(r.Left, lookup); left == nil {
				continue
			}
		}
		var v Violation
		var judged bool
		if r.integral() {
			v, judged = judgeInt(r, left, lookup, previous)
		} else {
			v, judged = judgeExact(r, left, lookup, previous)
		}
		if judged && v.Rule.Code != "" {
			out = append(out, v)
		}
	}
	return out
}

// sparse returns a lookup for e in which references without a value are
// zero, or nil when none of e's references has a value: a breakdown not
// entered at all is not judged.
func sparse(e *expr.Expr, lookup Lookup) Lookup {
	for _, ref := range e.Refs() {
		if _, ok := lookup(ref); ok {
			return func(r expr.Ref) (int64, bool) {
				if v, ok := lookup(r); ok {
					return v, true
				}
				return 0, true
			}
		}
	}
	return nil
}

func (r Rule) integral() bool {
	return r.Left.Integral() && r.Right.Integral() && (r.Previous == nil || r.Previous.Integral())
}

func holds(op Op, c int) bool {
	if op == LessEqual {
		return c <= 0
	}
	return c == 0
}

// judgeInt judges a rule of counts in int64: every report runs every rule,
// and exact rationals would allocate for each. judged is false when a side
// is missing; the violation is zero when the rule holds.
func judgeInt(r Rule, left, lookup, previous Lookup) (v Violation, judged bool) {
	l, lok := r.Left.EvalInt(left)
	rv, rok := r.Right.EvalInt(lookup)
	if !lok || !rok {
		return Violation{}, false
	}
	if r.Previous != nil {
		p, ok := r.Previous.EvalInt(previous)
		if !ok {
			return Violation{}, false
		}
		rv += p
	}
	if holds(r.Op, cmp.Compare(l, rv)) {
		return Violation{}, true
	}
	return Violation{Rule: r, Left: big.NewRat(l, 1), Right: big.NewRat(rv, 1)}, true
}

// judgeExact judges any rule in exact rational arithmetic; it is also the
// reference judgeInt is tested against.
func judgeExact(r Rule, left, lookup, previous Lookup) (v Violation, judged bool) {
	l, lok := r.Left.Eval(left)
	rv, rok := r.Right.Eval(lookup)
	if !lok || !rok {
		return Violation{}, false
	}
	if r.Previous != nil {
		p, ok := r.Previous.Eval(previous)
		if !ok {
			return Violation{}, false
		}
		rv = new(big.Rat).Add(rv, p)
	}
	if holds(r.Op, l.Cmp(rv)) {
		return Violation{}, true
	}
	return Violation{Rule: r, Left: l, Right: rv}, true
}
