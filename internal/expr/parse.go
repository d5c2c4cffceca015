package expr

import (
	"fmt"
	"math/big"
	"strings"
)

// SyntaxError reports an expression that does not parse.
type SyntaxError struct {
	Pos int    // byte offset in the source, 0-based
	Msg string // what was expected or found there
}

// Error returns the message prefixed with the position, e.g.
// `position 7: expected ")" after sum arguments`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
}

// maxDepth bounds the nesting of parentheses, sum calls and unary minus.
// Expressions come from catalogues that other nodes send, so a hostile or
// broken one must not exhaust the stack; no real indicator is deeper than a
// handful of levels.
const maxDepth = 100

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokNum
	tokRef // element or element.option, lexed as one token: no spaces inside
	tokOp  // one of + - * / ( ) ,
)

type token struct {
	kind tokenKind
	pos  int
	text string // source text; for tokOp the operator
	ref  Ref    // for tokRef
}

type parser struct {
	src   string
	toks  []token
	i     int // next token
	depth int
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isIdentChar(c byte) bool { return isLower(c) || isDigit(c) || c == '_' }

// describe names the character at pos for an error message.
func (p *parser) describe(pos int) string {
	if pos >= len(p.src) {
		return "end of input"
	}
	return fmt.Sprintf("%q", p.src[pos:pos+1])
}

func (p *parser) lex() error {
	src := p.src
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case isSpace(c):
			i++
		case isDigit(c):
			start := i
			for i < len(src) && isDigit(src[i]) {
				i++
			}
			if i < len(src) && src[i] == '.' {
				i++
				if i >= len(src) || !isDigit(src[i]) {
					return &SyntaxError{i, fmt.Sprintf("expected digit after decimal point, found %s", p.describe(i))}
				}
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
			// "1a" or "2.5x" is a typo, not a number followed by a reference.
			if i < len(src) && (isIdentChar(src[i]) || src[i] == '.' || ('A' <= src[i] && src[i] <= 'Z')) {
				return &SyntaxError{i, fmt.Sprintf("unexpected %s after number", p.describe(i))}
			}
			p.toks = append(p.toks, token{kind: tokNum, pos: start, text: src[start:i]})
		case isLower(c):
			start := i
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			r := Ref{Element: src[start:i]}
			if i < len(src) && src[i] == '.' {
				i++
				if i >= len(src) || !isLower(src[i]) {
					return &SyntaxError{i, fmt.Sprintf("expected option name after \".\", found %s", p.describe(i))}
				}
				os := i
				for i < len(src) && isIdentChar(src[i]) {
					i++
				}
				r.Option = src[os:i]
			}
			if i < len(src) && (src[i] == '.' || ('A' <= src[i] && src[i] <= 'Z')) {
				return &SyntaxError{i, fmt.Sprintf("unexpected %s in name (names match [a-z][a-z0-9_]*)", p.describe(i))}
			}
			p.toks = append(p.toks, token{kind: tokRef, pos: start, text: src[start:i], ref: r})
		case strings.IndexByte("+-*/(),", c) >= 0:
			p.toks = append(p.toks, token{kind: tokOp, pos: i, text: src[i : i+1]})
			i++
		default:
			return &SyntaxError{i, fmt.Sprintf("unexpected character %s", p.describeRune(i))}
		}
	}
	p.toks = append(p.toks, token{kind: tokEOF, pos: len(src)})
	return nil
}

// describeRune is like describe but quotes a whole UTF-8 character, so that
// a stray "đ" is reported as such and not as half of it.
func (p *parser) describeRune(pos int) string {
	for _, r := range p.src[pos:] {
		return fmt.Sprintf("%q", r)
	}
	return "end of input"
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(ops string) (byte, bool) {
	t := p.peek()
	if t.kind == tokOp && strings.IndexByte(ops, t.text[0]) >= 0 {
		return t.text[0], true
	}
	return 0, false
}

func found(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokNum:
		return "number " + t.text
	case tokRef:
		return "name " + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) parse() (node, error) {
	if p.peek().kind == tokEOF {
		return nil, &SyntaxError{0, "empty expression"}
	}
	n, err := p.additive()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &SyntaxError{t.pos, "unexpected " + found(t) + " after expression"}
	}
	return n, nil
}

// additive := multiplicative (("+" | "-") multiplicative)*
func (p *parser) additive() (node, error) {
	x, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp("+-")
		if !ok {
			return x, nil
		}
		p.next()
		y, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		x = &binNode{op: op, x: x, y: y}
	}
}

// multiplicative := unary (("*" | "/") unary)*
func (p *parser) multiplicative() (node, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp("*/")
		if !ok {
			return x, nil
		}
		p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		x = &binNode{op: op, x: x, y: y}
	}
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return &SyntaxError{pos, fmt.Sprintf("expression nested more than %d deep", maxDepth)}
	}
	return nil
}

// unary := "-" unary | primary
func (p *parser) unary() (node, error) {
	if _, ok := p.isOp("-"); !ok {
		return p.primary()
	}
	t := p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	x, err := p.unary()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &negNode{x: x}, nil
}

// primary := number | ref | "sum" "(" additive ("," additive)* ")" | "(" additive ")"
func (p *parser) primary() (node, error) {
	t := p.next()
	switch {
	case t.kind == tokNum:
		return newNum(t.text), nil
	case t.kind == tokRef:
		if u := p.peek(); u.kind == tokOp && u.text == "(" {
			if t.text != "sum" {
				return nil, &SyntaxError{t.pos, fmt.Sprintf("unknown function %q (only sum is defined)", t.text)}
			}
			p.next()
			return p.sumArgs(u.pos)
		}
		return &refNode{ref: t.ref}, nil
	case t.kind == tokOp && t.text == "(":
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.additive()
		p.depth--
		if err != nil {
			return nil, err
		}
		if u := p.next(); u.kind != tokOp || u.text != ")" {
			return nil, &SyntaxError{u.pos, fmt.Sprintf("expected \")\", found %s", found(u))}
		}
		return x, nil
	}
	return nil, &SyntaxError{t.pos, "expected number, name, \"-\" or \"(\", found " + found(t)}
}

// sumArgs parses the arguments of sum after its opening parenthesis at pos.
func (p *parser) sumArgs(pos int) (node, error) {
	if err := p.enter(pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if u := p.peek(); u.kind == tokOp && u.text == ")" {
		return nil, &SyntaxError{u.pos, "sum needs at least one argument"}
	}
	s := &sumNode{}
	for {
		x, err := p.additive()
		if err != nil {
			return nil, err
		}
		s.args = append(s.args, x)
		u := p.next()
		if u.kind == tokOp && u.text == ")" {
			return s, nil
		}
		if u.kind != tokOp || u.text != "," {
			return nil, &SyntaxError{u.pos, fmt.Sprintf("expected \",\" or \")\" after sum argument, found %s", found(u))}
		}
	}
}

// newNum builds a number node from a lexed literal, which is digits with an
// optional fraction. The canonical text drops leading zeros of the integer
// part and trailing zeros of the fraction, so 007.50 prints as 7.5.
func newNum(lit string) *numNode {
	val, ok := new(big.Rat).SetString(lit)
	if !ok {
		panic("expr: lexer accepted bad number " + lit)
	}
	intPart, frac, _ := strings.Cut(lit, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	text := intPart
	if frac != "" {
		text += "." + frac
	}
	return &numNode{text: text, val: val}
}
