// Package expr owns the small expression language in which indicators (and,
// later, validation rules) are written over the catalogue's data elements.
//
// An expression combines non-negative decimal literals, references and the
// operators + - * / with unary minus, parentheses and sum(a, b, ...):
//
//	dang_vien.nu / dang_vien * 100
//	sum(chuyen_di, tu_tran, khai_tru) - ket_nap
//
// A reference is an element code ("dang_vien", the element's total) or an
// element code and an option code joined by a dot ("dang_vien.nu", one option
// of one of the element's breakdowns). Codes match [a-z][a-z0-9_]*. Spaces
// may separate tokens but not split a reference or a number. "sum" followed
// by "(" is the function; the only function, it keeps the language small
// enough to evaluate the same way on every node. Whether a
// reference names something that exists is the catalogue's business, not this
// package's: expr only parses, prints and evaluates.
//
// Evaluation is exact (math/big.Rat): the figures are counts of people and
// organisations, and a ratio computed by the system must agree to the last
// digit with the one a person computes by hand. A missing value or a division
// by zero yields "no value" rather than an error, an infinity or a NaN.
package expr

import (
	"fmt"
	"math/big"
	"strings"
)

// Ref is a reference to a data value: the total of an element when Option is
// empty, or one option of one of the element's breakdowns.
type Ref struct {
	Element string
	Option  string
}

// String returns the reference as written in an expression: "dang_vien" or
// "dang_vien.nu".
func (r Ref) String() string {
	if r.Option == "" {
		return r.Element
	}
	return r.Element + "." + r.Option
}

// Expr is a parsed expression. It is immutable and safe for concurrent use.
// The zero Expr is not an expression: obtain one from Parse.
type Expr struct {
	root     node
	refs     []Ref // in order of first appearance
	integral bool  // only references, whole constants, + - and sum()
}

// Parse parses src. Syntax errors are of type *SyntaxError.
func Parse(src string) (*Expr, error) {
	p := &parser{src: src}
	if err := p.lex(); err != nil {
		return nil, err
	}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	e := &Expr{root: root, integral: true}
	seen := make(map[Ref]bool)
	walk(root, func(n node) {
		switch n := n.(type) {
		case *refNode:
			if !seen[n.ref] {
				seen[n.ref] = true
				e.refs = append(e.refs, n.ref)
			}
		case *numNode:
			e.integral = e.integral && n.val.IsInt() && n.val.Num().IsInt64()
		case *binNode:
			e.integral = e.integral && (n.op == '+' || n.op == '-')
		}
	})
	return e, nil
}

// Integral reports whether e is made of references, whole constants, + and
// − and sum() only — every indicator's numerator and denominator are — so
// that EvalInt computes it exactly.
func (e *Expr) Integral() bool { return e.integral }

// EvalInt evaluates an integral expression (see Integral) in int64, without
// the allocations of exact rational arithmetic; ok is false when a
// reference has no value. It panics on an expression that is not integral.
func (e *Expr) EvalInt(lookup func(Ref) (int64, bool)) (v int64, ok bool) {
	if !e.integral {
		panic("expr: EvalInt of an expression that is not integral: " + e.String())
	}
	return evalInt(e.root, lookup)
}

func evalInt(n node, lookup func(Ref) (int64, bool)) (int64, bool) {
	switch n := n.(type) {
	case *numNode:
		return n.val.Num().Int64(), true
	case *refNode:
		return lookup(n.ref)
	case *negNode:
		x, ok := evalInt(n.x, lookup)
		return -x, ok
	case *sumNode:
		var total int64
		ok := true
		for _, a := range n.args {
			x, xok := evalInt(a, lookup)
			ok = ok && xok
			total += x
		}
		return total, ok
	case *binNode:
		x, xok := evalInt(n.x, lookup)
		y, yok := evalInt(n.y, lookup)
		if n.op == '-' {
			y = -y
		}
		return x + y, xok && yok
	}
	panic(fmt.Sprintf("expr: unexpected node %T", n))
}

// MustParse is like Parse but panics on a syntax error. It is meant for
// expressions fixed in source code, such as tests.
func MustParse(src string) *Expr {
	e, err := Parse(src)
	if err != nil {
		panic(fmt.Sprintf("expr: MustParse(%q): %v", src, err))
	}
	return e
}

// String returns the canonical form of e: single spaces around binary
// operators, no redundant parentheses, numbers without superfluous zeros.
// Parsing the canonical form gives an expression equal to e.
func (e *Expr) String() string {
	var b strings.Builder
	format(&b, e.root)
	return b.String()
}

// Refs returns every reference in e in order of first appearance, without
// duplicates. The caller may modify the returned slice.
func (e *Expr) Refs() []Ref {
	return append([]Ref(nil), e.refs...)
}

// Eval evaluates e exactly. lookup returns the value of a reference and
// whether it has one. If any reference has no value, or a division by zero
// occurs, Eval returns ok == false: a ratio over nothing is "no value", which
// the people reading a report must be able to tell from 0.
//
// Every reference is looked up, even when the result is already known to be
// missing, so lookup sees the same calls whatever the data.
func (e *Expr) Eval(lookup func(Ref) (int64, bool)) (v *big.Rat, ok bool) {
	return eval(e.root, lookup)
}

func eval(n node, lookup func(Ref) (int64, bool)) (*big.Rat, bool) {
	switch n := n.(type) {
	case *numNode:
		return new(big.Rat).Set(n.val), true
	case *refNode:
		v, ok := lookup(n.ref)
		if !ok {
			return nil, false
		}
		return new(big.Rat).SetInt64(v), true
	case *negNode:
		x, ok := eval(n.x, lookup)
		if !ok {
			return nil, false
		}
		return x.Neg(x), true
	case *sumNode:
		total, ok := new(big.Rat), true
		for _, a := range n.args {
			x, xok := eval(a, lookup)
			if !xok {
				ok = false
				continue
			}
			total.Add(total, x)
		}
		if !ok {
			return nil, false
		}
		return total, true
	case *binNode:
		x, xok := eval(n.x, lookup)
		y, yok := eval(n.y, lookup)
		if !xok || !yok {
			return nil, false
		}
		switch n.op {
		case '+':
			return x.Add(x, y), true
		case '-':
			return x.Sub(x, y), true
		case '*':
			return x.Mul(x, y), true
		case '/':
			if y.Sign() == 0 {
				return nil, false
			}
			return x.Quo(x, y), true
		}
	}
	panic(fmt.Sprintf("expr: unexpected node %T", n))
}

// The syntax tree. Nodes are never modified after parsing.
type node interface{ prec() int }

// Precedence levels, used when printing to decide where parentheses are
// needed.
const (
	precAdd     = 1 // + -
	precMul     = 2 // * /
	precUnary   = 3 // unary -
	precPrimary = 4 // numbers, references, sum(...), parentheses
)

type numNode struct {
	text string   // canonical decimal text
	val  *big.Rat // never modified
}

type refNode struct{ ref Ref }

type negNode struct{ x node }

type binNode struct {
	op   byte // one of + - * /
	x, y node
}

type sumNode struct{ args []node }

func (*numNode) prec() int { return precPrimary }
func (*refNode) prec() int { return precPrimary }
func (*sumNode) prec() int { return precPrimary }
func (*negNode) prec() int { return precUnary }
func (n *binNode) prec() int {
	if n.op == '+' || n.op == '-' {
		return precAdd
	}
	return precMul
}

// walk calls f for n and its descendants, in source order.
func walk(n node, f func(node)) {
	f(n)
	switch n := n.(type) {
	case *negNode:
		walk(n.x, f)
	case *binNode:
		walk(n.x, f)
		walk(n.y, f)
	case *sumNode:
		for _, a := range n.args {
			walk(a, f)
		}
	}
}

func format(b *strings.Builder, n node) {
	switch n := n.(type) {
	case *numNode:
		b.WriteString(n.text)
	case *refNode:
		b.WriteString(n.ref.String())
	case *negNode:
		b.WriteByte('-')
		formatOperand(b, n.x, n.x.prec() < precUnary)
	case *sumNode:
		b.WriteString("sum(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, a)
		}
		b.WriteByte(')')
	case *binNode:
		// Operators are left-associative, so the right operand needs
		// parentheses at equal precedence: a - (b - c) is not a - b - c.
		p := n.prec()
		formatOperand(b, n.x, n.x.prec() < p)
		b.WriteByte(' ')
		b.WriteByte(n.op)
		b.WriteByte(' ')
		formatOperand(b, n.y, n.y.prec() <= p)
	}
}

func formatOperand(b *strings.Builder, n node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	format(b, n)
	if paren {
		b.WriteByte(')')
	}
}
