package schema

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimtest/scimtest/reference/scimerr"
)

// Normalize checks v against a's definition and returns it in canonical
// form, or ok=false when v leaves the attribute unassigned (null, an empty
// array, an empty string or an empty object — RFC 7643, Section 2.5; the
// empty string is included so that Entra's `{"value":""}` clears a
// manager). The canonical form uses schema spelling for sub-attribute
// names, bool for booleans, json.Number for integers and decimals, []any for
// multi-valued attributes and map[string]any for complex values.
//
// Input leniencies, each for a real client: "True"/"False" strings (any
// letter case) for booleans (Entra); a bare string for a singular complex
// attribute with a `value` sub-attribute becomes {"value": s} (Entra's
// manager). readOnly sub-attributes in v are dropped, as a server ignores
// them in requests (RFC 7644, Section 3.3). Errors are *scimerr.Error with
// scimType invalidValue; more than one `primary: true` is one of them
// (RFC 7643, Section 2.4).
func (a *Attribute) Normalize(v any) (out any, ok bool, err error) {
	return a.normalize(v, a.Name, true)
}

// NormalizeElement is [Attribute.Normalize] for one element of a
// multi-valued attribute.
func (a *Attribute) NormalizeElement(v any) (out any, ok bool, err error) {
	return a.single(v, a.Name, true)
}

func (a *Attribute) normalize(v any, path string, in bool) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	if !a.MultiValued {
		if _, isArr := v.([]any); isArr {
			return nil, false, invalid("%s is single-valued; got an array", path)
		}
		return a.single(v, path, in)
	}
	arr, isArr := v.([]any)
	if !isArr {
		return nil, false, invalid("%s is multi-valued; got %s, want an array", path, jsonKind(v))
	}
	out := make([]any, 0, len(arr))
	for i, e := range arr {
		ne, ok, err := a.single(e, path+"["+strconv.Itoa(i)+"]", in)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out = append(out, ne)
		}
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	out = a.Dedupe(out)
	if err := a.CheckPrimary(out); err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// CheckPrimary reports a 400 invalidValue error when more than one element
// of a multi-valued attribute has `primary: true` (RFC 7643, Section 2.4).
func (a *Attribute) CheckPrimary(elems []any) error {
	if a.Sub("primary") == nil {
		return nil
	}
	n := 0
	for _, e := range elems {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			n++
		}
	}
	if n > 1 {
		return invalid("%s: %d values have primary true; at most one may (RFC 7643, Section 2.4)", a.Name, n)
	}
	return nil
}

// ElementKey returns the identity of an element of a multi-valued
// attribute used to drop duplicates: its value (folded when not caseExact)
// and, unless the attribute is a reference list such as members, its type.
// ok is false for elements without a value, which are never merged.
func (a *Attribute) ElementKey(e any) (key string, ok bool) {
	m, isMap := e.(map[string]any)
	if !isMap {
		s, isStr := scalarKey(e, a.CaseExact)
		return s, isStr
	}
	vs := a.Sub("value")
	if vs == nil {
		return "", false
	}
	k, ok := scalarKey(m["value"], vs.CaseExact)
	if !ok {
		return "", false
	}
	if a.Sub("$ref") == nil {
		if ts := a.Sub("type"); ts != nil {
			t, _ := scalarKey(m["type"], ts.CaseExact)
			k += "\x00" + t
		}
	}
	return k, true
}

func scalarKey(v any, caseExact bool) (string, bool) {
	switch x := v.(type) {
	case string:
		if !caseExact {
			x = strings.ToLower(x)
		}
		return "s" + x, true
	case json.Number:
		return "n" + x.String(), true
	case bool:
		return "b" + strconv.FormatBool(x), true
	}
	return "", false
}

// Dedupe drops later elements with the same [Attribute.ElementKey] as an
// earlier one (RFC 7643, Section 2.4: the same value SHOULD NOT appear
// twice). A dropped duplicate's `primary: true` moves to the kept element.
// elems is not modified; the result may share its backing array.
func (a *Attribute) Dedupe(elems []any) []any {
	if len(elems) < 2 {
		return elems
	}
	seen := make(map[string]int, len(elems))
	var out []any
	for i, e := range elems {
		k, ok := a.ElementKey(e)
		if !ok {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		j, dup := seen[k]
		if !dup {
			seen[k] = i
			if out != nil {
				seen[k] = len(out)
				out = append(out, e)
			}
			continue
		}
		if out == nil {
			out = append(make([]any, 0, len(elems)), elems[:i]...)
		}
		if m, isMap := e.(map[string]any); isMap && m["primary"] == true {
			if kept, isMap := out[j].(map[string]any); isMap && kept["primary"] != true {
				c := copyMap(kept)
				c["primary"] = true
				out[j] = c
			}
		}
	}
	if out == nil {
		return elems
	}
	return out
}

// single normalizes one value (not an array) of a.
func (a *Attribute) single(v any, path string, in bool) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	switch a.Type {
	case TypeComplex:
		return a.complexValue(v, path, in)
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, true, nil
		case string:
			// Entra sends "True"/"False" (idp-wire.md B3.6).
			switch {
			case strings.EqualFold(x, "true"):
				return true, true, nil
			case strings.EqualFold(x, "false"):
				return false, true, nil
			}
		}
		return nil, false, invalid("%s must be a boolean; got %s", path, jsonKind(v))
	case TypeInteger, TypeDecimal:
		n, err := number(v, a.Type == TypeInteger)
		if err != nil {
			return nil, false, invalid("%s: %v", path, err)
		}
		return n, true, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return nil, false, invalid("%s must be a %s string; got %s", path, a.Type, jsonKind(v))
	}
	if s == "" {
		return nil, false, nil
	}
	switch a.Type {
	case TypeDateTime:
		if !validDateTime(s) {
			return nil, false, invalid("%s: %q is not an xsd:dateTime (RFC 7643, Section 2.3.5)", path, s)
		}
	case TypeBinary:
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return nil, false, invalid("%s: not base64 (RFC 7643, Section 2.3.6): %v", path, err)
		}
	}
	return s, true, nil
}

func (a *Attribute) complexValue(v any, path string, in bool) (any, bool, error) {
	m, isMap := v.(map[string]any)
	if !isMap {
		if s, isStr := v.(string); isStr && !a.MultiValued && a.Sub("value") != nil {
			m = map[string]any{"value": s} // Entra sends manager as a bare id
		} else {
			return nil, false, invalid("%s must be an object; got %s", path, jsonKind(v))
		}
	}
	out := make(map[string]any, len(m))
	for k, sv := range m {
		sub := a.Sub(k)
		if sub == nil {
			return nil, false, invalid("%s has no sub-attribute %q", path, k)
		}
		if _, dup := out[sub.Name]; dup {
			return nil, false, invalid("%s.%s is given twice", path, sub.Name)
		}
		if in && sub.Mutability == ReadOnly {
			continue
		}
		nv, ok, err := sub.single(sv, path+"."+sub.Name, in)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out[sub.Name] = nv
		} else if _, hasKey := m[k]; hasKey {
			// Remember that the key was seen so a second spelling is
			// still caught as a duplicate, then drop it below.
			out[sub.Name] = nil
		}
	}
	for k, x := range out {
		if x == nil {
			delete(out, k)
		}
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	return out, true, nil
}

func number(v any, integer bool) (json.Number, error) {
	var f float64
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
		var err error
		if f, err = x.Float64(); err != nil {
			return "", err
		}
	case float64:
		f = x
		text = strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		f = float64(x)
		text = strconv.FormatFloat(f, 'f', -1, 32)
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	default:
		return "", errBadNumber(jsonKind(v))
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", errBadNumber("a non-finite number")
	}
	if integer {
		// RFC 7643 Section 2.3.4: no fraction, no exponent.
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return "", errBadNumber("a non-integer " + text)
		}
	}
	return json.Number(text), nil
}

type errBadNumber string

func (e errBadNumber) Error() string { return "want a number, got " + string(e) }

var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

// validDateTime accepts xsd:dateTime with or without a time zone.
func validDateTime(s string) bool {
	for _, l := range dateTimeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32, int, int64, json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unsupported value"
}

func invalid(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidValue, format, args...)
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// SameElement reports whether two elements of a multi-valued attribute have
// equal [Attribute.ElementKey]s, without allocating: PATCH uses it to
// merge a few new values into a long list.
func (a *Attribute) SameElement(x, y any) bool {
	xm, xIsMap := x.(map[string]any)
	ym, yIsMap := y.(map[string]any)
	if xIsMap != yIsMap {
		return false
	}
	if !xIsMap {
		return sameScalar(x, y, a.CaseExact)
	}
	vs := a.Sub("value")
	if vs == nil || !sameScalar(xm["value"], ym["value"], vs.CaseExact) {
		return false
	}
	if a.Sub("$ref") != nil {
		return true
	}
	if ts := a.Sub("type"); ts != nil {
		xt, xok := xm["type"]
		yt, yok := ym["type"]
		if xok != yok {
			return false
		}
		return !xok || sameScalar(xt, yt, ts.CaseExact)
	}
	return true
}

// sameScalar compares two keyable values the way scalarKey does; values
// that scalarKey cannot key are never the same.
func sameScalar(x, y any, caseExact bool) bool {
	switch xv := x.(type) {
	case string:
		yv, ok := y.(string)
		if !ok {
			return false
		}
		if caseExact {
			return xv == yv
		}
		return xv == yv || strings.ToLower(xv) == strings.ToLower(yv)
	case json.Number:
		yv, ok := y.(json.Number)
		return ok && xv == yv
	case bool:
		yv, ok := y.(bool)
		return ok && xv == yv
	}
	return false
}
