package filter

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLength is the longest filter or PATCH path, in bytes, that [Parse] and
// [ParsePath] accept; longer input is refused before any work is done.
const MaxLength = 16 << 10

// MaxDepth bounds nesting of parentheses, not and value filters, so hostile
// input cannot exhaust the stack.
const MaxDepth = 64

// compareOps are the attribute operators of RFC 7644, Section 3.4.2.2, Table 3
// (pr is handled apart because it takes no value).
var compareOps = map[string]bool{
	"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "lt": true, "ge": true, "le": true,
}

// Parse parses a SCIM filter (RFC 7644, Section 3.4.2.2, Figure 1). Errors are
// [*SyntaxError] values, which errors.Is reports as [ErrInvalidFilter].
func Parse(s string) (Expr, error) {
	p, err := newParser(s, ErrInvalidFilter)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf(p.pos, "empty filter")
	}
	e, err := p.parseOr(false)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.unexpected()
	}
	return e, nil
}

// parser is a recursive-descent parser over one filter or path. It works on
// bytes: every token of the grammar is ASCII, and non-ASCII only occurs
// inside string literals, which are decoded by encoding/json.
type parser struct {
	s     string
	pos   int
	depth int
	kind  error
}

func newParser(s string, kind error) (*parser, error) {
	p := &parser{s: s, kind: kind}
	if len(s) > MaxLength {
		return nil, p.errorf(MaxLength, "longer than %d bytes", MaxLength)
	}
	if !utf8.ValidString(s) {
		for i, r := range s {
			if r == utf8.RuneError {
				return nil, p.errorf(i, "invalid UTF-8")
			}
		}
	}
	return p, nil
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...), kind: p.kind}
}

// unexpected reports the character at the current position.
func (p *parser) unexpected() error {
	if p.eof() {
		return p.errorf(p.pos, "unexpected end of input")
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	switch r {
	case ')':
		return p.errorf(p.pos, "unbalanced %q", r)
	case ']':
		return p.errorf(p.pos, "unbalanced %q", r)
	}
	return p.errorf(p.pos, "unexpected %q", r)
}

func (p *parser) eof() bool { return p.pos >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

// skipSpace skips white space and reports whether there was any. The ABNF
// asks for exactly one SP; more, or tabs, are accepted because they cannot
// make a filter ambiguous.
func (p *parser) skipSpace() bool {
	start := p.pos
	for !p.eof() {
		switch p.s[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
			continue
		}
		break
	}
	return p.pos > start
}

// isWordChar reports the characters of attribute paths and keywords:
// ATTRNAME characters, "$" (for $ref), and the ":" and "." of URNs and
// sub-attributes.
func isWordChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '$' || c == ':' || c == '.'
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// word consumes the longest run of word characters.
func (p *parser) word() string {
	start := p.pos
	for !p.eof() && isWordChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// logicalOp consumes the logical operator op (case-insensitively) and the
// spaces around it, or consumes nothing. The ABNF puts SP on both sides
// (`FILTER SP ("and" / "or") SP FILTER`); a missing one is an error rather
// than a silent reading of the word as something else.
func (p *parser) logicalOp(op string) (bool, error) {
	save := p.pos
	spaced := p.skipSpace()
	start := p.pos
	if !strings.EqualFold(p.word(), op) {
		p.pos = save
		return false, nil
	}
	if !spaced {
		return false, p.errorf(start, "want a space before %q", op)
	}
	if !p.skipSpace() {
		if c := p.peek(); p.eof() || c == ')' || c == ']' {
			return false, p.errorf(p.pos, "missing expression after %q", op)
		}
		return false, p.errorf(p.pos, "want a space after %q", op)
	}
	return true, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(p.pos, "nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseOr parses `and-expr *("or" and-expr)`: or binds loosest.
func (p *parser) parseOr(inBracket bool) (Expr, error) {
	return p.parseChain("or", p.parseAnd, inBracket)
}

// parseAnd parses `unary *("and" unary)`.
func (p *parser) parseAnd(inBracket bool) (Expr, error) {
	return p.parseChain("and", p.parseUnary, inBracket)
}

// parseChain parses operands joined by op into a left-associative tree. A
// loop, not recursion, so a long chain costs no stack.
func (p *parser) parseChain(op string, operand func(bool) (Expr, error), inBracket bool) (Expr, error) {
	left, err := operand(inBracket)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := p.logicalOp(op)
		if err != nil {
			return nil, err
		}
		if !ok {
			return left, nil
		}
		right, err := operand(inBracket)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: op, Left: left, Right: right}
	}
}

// enclosed parses `"(" FILTER ")"` or `"[" valFilter "]"` with the opening
// character current; closer is the matching closing character.
func (p *parser) enclosed(closer byte, inBracket bool) (Expr, error) {
	open := p.pos
	p.pos++
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.skipSpace()
	if p.peek() == closer || p.eof() && closer == ']' {
		if closer == ']' {
			return nil, p.errorf(p.pos, "empty value filter")
		}
		return nil, p.errorf(p.pos, "empty parentheses")
	}
	e, err := p.parseOr(inBracket)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != closer {
		if p.eof() {
			return nil, p.errorf(open, "unbalanced %q: missing %q", p.s[open:open+1], string(closer))
		}
		return nil, p.unexpected()
	}
	p.pos++
	return e, nil
}

// parseUnary parses a grouped filter, a negation, an attribute expression or
// a value path.
func (p *parser) parseUnary(inBracket bool) (Expr, error) {
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf(p.pos, "missing expression at end of filter")
	}
	if p.peek() == '(' {
		return p.enclosed(')', inBracket)
	}
	start := p.pos
	w := p.word()
	if w == "" {
		return nil, p.unexpected()
	}
	if strings.EqualFold(w, "not") {
		// `not(` and `not (` are both accepted (RFC 7644 errata 7319); a
		// `not` not followed by "(" is an attribute called "not".
		save := p.pos
		p.skipSpace()
		if p.peek() == '(' {
			x, err := p.enclosed(')', inBracket)
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
		p.pos = save
	}
	path, err := p.attrPath(w, start)
	if err != nil {
		return nil, err
	}
	if inBracket && (path.URN != "" || path.Sub != "") {
		return nil, p.errorf(start, "%q inside a value filter must be a plain sub-attribute name", w)
	}
	if p.peek() == '[' {
		if inBracket {
			return nil, p.errorf(p.pos, "value filters cannot be nested")
		}
		return p.valuePath(path, start)
	}
	return p.attrExp(path)
}

// valuePath parses `attrPath "[" valFilter "]"` with "[" current, plus the
// documented extension `attrPath "[" valFilter "]" "." subAttr op value`.
func (p *parser) valuePath(path AttrPath, start int) (Expr, error) {
	if path.Sub != "" {
		return nil, p.errorf(start, "value filter on sub-attribute %q", path.String())
	}
	inner, err := p.enclosed(']', true)
	if err != nil {
		return nil, err
	}
	vp := &ValuePath{Path: path, Filter: inner}
	if p.peek() != '.' {
		return vp, nil
	}
	// Extension: `emails[type eq "work"].value eq "x"` is outside the RFC
	// ABNF but sent by Microsoft Entra; it means
	// `emails[type eq "work" and value eq "x"]`.
	p.pos++
	subStart := p.pos
	sub := p.word()
	if !isAttrName(sub) {
		return nil, p.errorf(subStart, "invalid sub-attribute name %q after \"]\"", sub)
	}
	cond, err := p.attrExp(AttrPath{Attr: sub})
	if err != nil {
		return nil, err
	}
	vp.Filter = &Logical{Op: "and", Left: inner, Right: cond}
	return vp, nil
}

// attrExp parses the operator and value that follow an attribute path.
func (p *parser) attrExp(path AttrPath) (Expr, error) {
	if !p.skipSpace() {
		if c := p.peek(); p.eof() || c == ')' || c == ']' {
			return nil, p.errorf(p.pos, "missing operator after %q", path.String())
		}
		return nil, p.unexpected()
	}
	opStart := p.pos
	op := strings.ToLower(p.word())
	if op == "" {
		if c := p.peek(); p.eof() || c == ')' || c == ']' {
			return nil, p.errorf(p.pos, "missing operator after %q", path.String())
		}
		return nil, p.unexpected()
	}
	if op == "pr" {
		return &Present{Path: path}, nil
	}
	if !compareOps[op] {
		return nil, p.errorf(opStart, "unknown operator %q (want eq, ne, co, sw, ew, gt, lt, ge, le or pr)", p.s[opStart:p.pos])
	}
	if !p.skipSpace() {
		if c := p.peek(); p.eof() || c == ')' || c == ']' {
			return nil, p.errorf(p.pos, "missing value after %q", op)
		}
		return nil, p.errorf(p.pos, "want a space after operator %q", op)
	}
	v, err := p.value(op)
	if err != nil {
		return nil, err
	}
	return &Comparison{Path: path, Op: op, Value: v}, nil
}

// value parses compValue: false / null / true / number / string, in JSON
// syntax (the literals case-insensitively, as ABNF literals are).
func (p *parser) value(op string) (any, error) {
	start := p.pos
	if p.eof() {
		return nil, p.errorf(p.pos, "missing value after %q", op)
	}
	if p.peek() == '"' {
		return p.str()
	}
	for !p.eof() && isValueChar(p.s[p.pos]) {
		p.pos++
	}
	w := p.s[start:p.pos]
	switch strings.ToLower(w) {
	case "":
		if p.eof() {
			return nil, p.errorf(start, "missing value after %q", op)
		}
		r, _ := utf8.DecodeRuneInString(p.s[start:])
		return nil, p.errorf(start, "invalid value starting with %q: want a JSON string in double quotes, a number, true, false or null", r)
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	// Only number characters were consumed, so a valid JSON text here can
	// only be a number.
	if json.Valid([]byte(w)) {
		return json.Number(w), nil
	}
	return nil, p.errorf(start, "invalid value %q: want a JSON string in double quotes, a number, true, false or null", w)
}

func isValueChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '+' || c == '.'
}

// str parses a JSON string literal with the opening quote current. The end is
// found here; decoding (every JSON escape, either hex case, surrogate pairs)
// is left to encoding/json.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++
	for !p.eof() {
		switch c := p.s[p.pos]; {
		case c == '"':
			p.pos++
			var s string
			if err := json.Unmarshal([]byte(p.s[start:p.pos]), &s); err != nil {
				return "", p.errorf(start, "invalid string %s: %v", p.s[start:p.pos], err)
			}
			return s, nil
		case c == '\\':
			p.pos += 2
		case c < 0x20:
			return "", p.errorf(p.pos, "control character %q in string (escape it)", c)
		default:
			p.pos++
		}
	}
	return "", p.errorf(start, "unterminated string")
}

// attrPath splits a word into URN, attribute and sub-attribute
// (`[URI ":"] ATTRNAME *1subAttr`). start is the word's offset.
func (p *parser) attrPath(w string, start int) (AttrPath, error) {
	urn, rest := SplitURN(w)
	off := start
	if urn != "" {
		if !isURN(urn) {
			return AttrPath{}, p.errorf(start, "invalid schema URN %q", urn)
		}
		if rest == "" {
			return AttrPath{}, p.errorf(start+len(w), "schema URN %q must be followed by \":\" and an attribute name", urn)
		}
		off += len(urn) + 1
	}
	attr, sub, dotted := strings.Cut(rest, ".")
	if !isAttrName(attr) {
		return AttrPath{}, p.errorf(off, "invalid attribute name %q", attr)
	}
	if dotted && !isAttrName(sub) {
		return AttrPath{}, p.errorf(off+len(attr)+1, "invalid sub-attribute name %q", sub)
	}
	return AttrPath{URN: urn, Attr: attr, Sub: sub}, nil
}

// isAttrName reports ATTRNAME = ALPHA *(nameChar) (RFC 7643, Section 2.1),
// plus "$ref", the one attribute name that starts with "$".
func isAttrName(s string) bool {
	if strings.EqualFold(s, "$ref") {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
