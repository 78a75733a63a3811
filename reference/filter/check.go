package filter

import (
	"encoding/json"
	"fmt"
	"strings"
)

// invalid wraps ErrInvalidFilter with the offending expression.
func invalid(e Expr, format string, args ...any) error {
	return fmt.Errorf("filter: %s: %w: %s", e, ErrInvalidFilter, fmt.Sprintf(format, args...))
}

// resolve resolves the path of an attribute expression. Inside a value path
// (parent != nil) the expression's Attr is a sub-attribute of the parent, as
// the [Resolver] contract describes.
func resolve(r Resolver, e Expr, p AttrPath, parent *AttrPath) (Resolved, error) {
	if parent != nil {
		p = AttrPath{URN: parent.URN, Attr: parent.Attr, Sub: p.Attr}
	}
	rv, err := r.Resolve(p)
	if err != nil {
		return Resolved{}, fmt.Errorf("filter: %s: %w: %w", e, ErrInvalidFilter, err)
	}
	return rv, nil
}

// resolveCompared resolves the attribute whose values a comparison looks at.
// A complex multi-valued attribute named without a sub-attribute
// (`emails co "x"`) is compared through its "value" sub-attribute (RFC 7644,
// Section 3.4.2.2).
func resolveCompared(r Resolver, c *Comparison, parent *AttrPath) (Resolved, error) {
	rv, err := resolve(r, c, c.Path, parent)
	if err != nil {
		return Resolved{}, err
	}
	if rv.Type == "complex" && rv.Sub == "" && rv.MultiValued {
		p := c.Path
		p.Sub = "value"
		v, err := r.Resolve(p)
		if err != nil {
			return Resolved{}, invalid(c, "complex attribute %q has no \"value\" sub-attribute to compare", c.Path.String())
		}
		return v, nil
	}
	return rv, nil
}

// checkComparison reports an operator or value that does not fit the
// attribute's type (RFC 7644, Section 3.4.2.2, Table 3: gt, ge, lt and le on
// boolean or binary attributes are invalidFilter).
func checkComparison(c *Comparison, rv Resolved) error {
	typ := strings.ToLower(rv.Type)
	if typ == "complex" {
		return invalid(c, "%q is complex; compare one of its sub-attributes", c.Path.String())
	}
	switch c.Op {
	case "eq", "ne":
	case "gt", "ge", "lt", "le":
		if typ == "boolean" || typ == "binary" {
			return invalid(c, "operator %q does not apply to %s attribute %q", c.Op, rv.Type, c.Path.String())
		}
	case "co", "sw", "ew":
		if typ != "string" && typ != "reference" {
			return invalid(c, "operator %q does not apply to %s attribute %q", c.Op, rv.Type, c.Path.String())
		}
	default:
		return invalid(c, "unknown operator %q", c.Op)
	}
	if c.Value == nil {
		if c.Op != "eq" && c.Op != "ne" {
			return invalid(c, "null can only be compared with eq or ne")
		}
		return nil
	}
	ok := false
	switch typ {
	case "string", "reference", "binary":
		_, ok = c.Value.(string)
	case "boolean":
		_, ok = c.Value.(bool)
	case "decimal":
		_, ok = toNumber(c.Value)
	case "integer":
		var n number
		n, ok = toNumber(c.Value)
		if ok && !n.isIntegral() {
			return invalid(c, "%q is an integer attribute; %s has a fraction", c.Path.String(), formatValue(c.Value))
		}
	case "datetime":
		s, isString := c.Value.(string)
		if isString {
			if _, ok = parseDateTime(s); !ok {
				return invalid(c, "%s is not an xsd:dateTime (RFC 3339) value", formatValue(c.Value))
			}
		}
	default:
		return invalid(c, "attribute %q has unknown type %q", c.Path.String(), rv.Type)
	}
	if !ok {
		return invalid(c, "%s attribute %q cannot be compared with %s %s", rv.Type, c.Path.String(), jsonKind(c.Value), formatValue(c.Value))
	}
	return nil
}

// jsonKind names the JSON type of a comparison value for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case json.Number, float64, float32, int, int64, int32, uint32:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// resolveValuePath resolves the attribute of `attr[filter]`, which must be
// complex.
func resolveValuePath(r Resolver, e *ValuePath) (Resolved, error) {
	if e.Path.Sub != "" {
		return Resolved{}, invalid(e, "value filter on sub-attribute %q", e.Path.String())
	}
	rv, err := resolve(r, e, e.Path, nil)
	if err != nil {
		return Resolved{}, err
	}
	if rv.Type != "complex" {
		return Resolved{}, invalid(e, "value filter on %s attribute %q; only complex attributes have sub-attributes", rv.Type, e.Path.String())
	}
	return rv, nil
}
