package filter

import "strings"

// Match reports whether a resource decoded from JSON satisfies e. Numbers in
// res may be float64 or json.Number. Attribute keys are looked up
// case-insensitively; extension attributes are read from the object under
// their schema URN ([Resolved].Ext).
//
// Semantics (RFC 7644, Section 3.4.2.2):
//   - strings compare as [Compare] orders them, after Unicode preparation
//     ([Prepare]: NFC, and full case folding unless caseExact; RFC 7644,
//     Section 7.8), references and binary always case-exact and as sent, dateTimes as instants, numbers numerically;
//   - an attribute expression on a multi-valued attribute, or on a
//     sub-attribute reached through one (`emails.value`), is true when any
//     value satisfies it; a complex multi-valued attribute compared without
//     a sub-attribute (`emails co "x"`) is compared through "value";
//   - ne is the negation of eq: true when no value equals the operand,
//     including when the attribute is absent;
//   - eq null is true when the attribute has no non-null value, ne null when
//     it has one;
//   - pr is true when the attribute has a value that is not null, not "" and
//     not an array or object with nothing present in it;
//   - `attr[filter]` is true when one and the same element satisfies the
//     whole inner filter;
//   - a value of the wrong JSON type in the resource never matches.
//
// Match validates e like [Validate] before evaluating it and returns the
// same errors (wrapping [ErrInvalidFilter]). To match many resources,
// [Compile] once and call [Program.Match].
func Match(e Expr, res map[string]any, r Resolver) (bool, error) {
	p, err := Compile(e, r)
	if err != nil {
		return false, err
	}
	return p.Match(res), nil
}

// compareNode is a checked comparison.
type compareNode struct {
	c  *Comparison
	rv Resolved
	// text is set when a string-like attribute is compared with a string
	// literal; want then holds the literal prepared once, and prep says
	// whether values need [Prepare] (string) or compare as bytes
	// (reference, binary).
	text, prep, exact bool
	want              string
}

func newCompareNode(c *Comparison, rv Resolved) *compareNode {
	n := &compareNode{c: c, rv: rv}
	lit, isStr := c.Value.(string)
	switch strings.ToLower(rv.Type) {
	case "string":
		n.text, n.prep, n.exact = isStr, true, rv.CaseExact
		n.want = Prepare(lit, rv.CaseExact)
	case "reference", "binary":
		// References and binary are case-exact whatever the schema says
		// (RFC 7643, Sections 2.3.6 and 2.3.7) and compare as sent.
		n.text, n.want = isStr, lit
	}
	return n
}

func (n *compareNode) eval(res, elem map[string]any) bool {
	vals := values(res, n.rv, elem)
	if !n.text {
		return compareValues(n.c, n.rv, vals)
	}
	op := n.c.Op
	if op == "ne" {
		op = "eq"
	}
	hit := false
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // a value of the wrong type never matches
		}
		if n.prep {
			s = Prepare(s, n.exact)
		}
		if textOp(op, s, n.want) {
			hit = true
			break
		}
	}
	// ne is the negation of eq, true also when the attribute is absent.
	return hit != (n.c.Op == "ne")
}

// compareValues applies a checked comparison to the attribute's values.
func compareValues(c *Comparison, rv Resolved, vals []any) bool {
	if c.Op == "ne" {
		eq := *c
		eq.Op = "eq"
		return !compareValues(&eq, rv, vals)
	}
	if c.Value == nil {
		for _, v := range vals {
			if v != nil {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if v != nil && compareOne(c.Op, v, c.Value, rv) {
			return true
		}
	}
	return false
}

// compareOne applies op to one attribute value.
func compareOne(op string, have, want any, rv Resolved) bool {
	switch op {
	case "co", "sw", "ew":
		hs, ok1 := have.(string)
		ws, ok2 := want.(string)
		// References are case-exact whatever the schema says (RFC 7643,
		// Section 2.3.7).
		if !ok1 || !ok2 {
			return false
		}
		if rv.Type != "reference" {
			hs, ws = Prepare(hs, rv.CaseExact), Prepare(ws, rv.CaseExact)
		}
		return textOp(op, hs, ws)
	}
	c, ok := Compare(have, want, rv.Type, rv.CaseExact)
	if !ok {
		return false
	}
	switch op {
	case "eq":
		return c == 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// values collects the values a resolved path addresses: the attribute's
// value, or each element of a multi-valued one; with a sub-attribute, the
// sub-attribute of each element. Inside a value path (elem != nil) the
// sub-attribute is read from elem alone.
func values(res map[string]any, rv Resolved, elem map[string]any) []any {
	if elem != nil {
		return flatten(lookup(elem, rv.Sub))
	}
	container := res
	if rv.Ext != "" {
		ext, ok := lookup(res, rv.Ext).(map[string]any)
		if !ok {
			return nil
		}
		container = ext
	}
	vals := flatten(lookup(container, rv.Attr))
	if rv.Sub == "" {
		return vals
	}
	var out []any
	for _, v := range vals {
		if m, ok := v.(map[string]any); ok {
			out = append(out, flatten(lookup(m, rv.Sub))...)
		}
	}
	return out
}

// flatten turns an attribute value into the list of its values.
func flatten(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = m
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

// lookup reads key from m, trying the exact spelling first and then any
// letter case, because attribute names are case-insensitive (RFC 7643,
// Section 2.1).
func lookup(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// present reports a value that is not null, "" or an array or object with
// nothing present in it (RFC 7644, Section 3.4.2.2: a complex attribute is
// present when it has a non-empty node).
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, x := range v {
			if present(x) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, x := range v {
			if present(x) {
				return true
			}
		}
		return false
	}
	return true
}
