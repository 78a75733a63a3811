package filter

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Expr is a parsed filter expression: one of [*Logical], [*Not], [*Comparison],
// [*Present] or [*ValuePath]. String returns a canonical filter that [Parse]
// accepts and that parses back to the same tree.
type Expr interface {
	String() string
	expr()
}

// Logical is `Left and Right` or `Left or Right`.
type Logical struct {
	// Op is "and" or "or" (always lower case).
	Op          string
	Left, Right Expr
}

// Not is `not (X)`.
type Not struct {
	X Expr
}

// Comparison is `Path Op Value` (named so that [Compare], the value ordering
// used by sortBy, can have the short name).
type Comparison struct {
	Path AttrPath
	// Op is one of eq, ne, co, sw, ew, gt, lt, ge, le (always lower case).
	Op string
	// Value is the decoded comparison value: a string (JSON escapes decoded),
	// a bool, nil for null, or a json.Number for a number (kept as written so
	// integers beyond 2^53 stay exact).
	Value any
}

// Present is `Path pr`.
type Present struct {
	Path AttrPath
}

// ValuePath is `Path[Filter]`: Filter must hold for one and the same element
// of the multi-valued (or complex) attribute Path. Paths inside Filter are
// relative to Path: their Attr names a sub-attribute of Path.
type ValuePath struct {
	// Path names the attribute; its Sub is always empty.
	Path   AttrPath
	Filter Expr
}

func (*Logical) expr()    {}
func (*Not) expr()        {}
func (*Comparison) expr() {}
func (*Present) expr()    {}
func (*ValuePath) expr()  {}

// String returns the canonical spelling of the path: URN, a colon, the
// attribute and the dotted sub-attribute.
func (p AttrPath) String() string {
	var b strings.Builder
	if p.URN != "" {
		b.WriteString(p.URN)
		if p.Attr != "" {
			b.WriteByte(':')
		}
	}
	b.WriteString(p.Attr)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// String prints the expression with single spaces and with parentheses only
// where precedence (not > and > or) needs them.
func (e *Logical) String() string { return format(e) }

// String prints `not (X)`.
func (e *Not) String() string { return format(e) }

// String prints `path op value` with the value in JSON syntax.
func (e *Comparison) String() string { return format(e) }

// String prints `path pr`.
func (e *Present) String() string { return format(e) }

// String prints `path[filter]`.
func (e *ValuePath) String() string { return format(e) }

// format prints e through one builder, so printing a long and/or chain stays
// linear in its length.
func format(e Expr) string {
	var b strings.Builder
	write(&b, e)
	return b.String()
}

func write(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Logical:
		writeOperand(b, e.Left, e.Op, false)
		b.WriteByte(' ')
		b.WriteString(e.Op)
		b.WriteByte(' ')
		writeOperand(b, e.Right, e.Op, true)
	case *Not:
		b.WriteString("not (")
		write(b, e.X)
		b.WriteByte(')')
	case *Comparison:
		b.WriteString(e.Path.String())
		b.WriteByte(' ')
		b.WriteString(e.Op)
		b.WriteByte(' ')
		b.WriteString(formatValue(e.Value))
	case *Present:
		b.WriteString(e.Path.String())
		b.WriteString(" pr")
	case *ValuePath:
		b.WriteString(e.Path.String())
		b.WriteByte('[')
		write(b, e.Filter)
		b.WriteByte(']')
	default:
		// Only a hand-built tree with a nil child gets here.
		b.WriteString("<nil>")
	}
}

// writeOperand parenthesises a child of an and/or node when printing it bare
// would re-parse differently: an "or" under an "and", or a right child of the
// same operator (the grammar is left-associative).
func writeOperand(b *strings.Builder, child Expr, parentOp string, right bool) {
	if l, ok := child.(*Logical); ok && ((parentOp == "and" && l.Op == "or") || (right && l.Op == parentOp)) {
		b.WriteByte('(')
		write(b, child)
		b.WriteByte(')')
		return
	}
	write(b, child)
}

// formatValue prints a comparison value as a JSON literal.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		if v {
			return "true"
		}
		return "false"
	case json.Number:
		return v.String()
	case string:
		return quote(v)
	default:
		// Only the types above come out of Parse; a hand-built tree with
		// another type still prints something readable.
		b, err := json.Marshal(v)
		if err != nil {
			return "null"
		}
		return string(b)
	}
}

// quote encodes s as a JSON string without HTML escaping, so filters in
// messages stay readable (`"a<b"`, not `"a\u003cb"`).
func quote(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				if c < 0x20 || c == 0x7f {
					b.WriteString(`\u00`)
					b.WriteByte(hex[c>>4])
					b.WriteByte(hex[c&0xf])
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
