package patch

import (
	"reflect"

	"github.com/scimtest/scimtest/reference/schema"
)

// attrOp handles a path naming a whole attribute.
func (e *engine) attrOp(op string, tg schema.Target, value any, hasValue bool) error {
	a := tg.Attr
	cur, has := e.container(tg.Ext, false)[a.Name]
	if a.Mutability == schema.ReadOnly {
		return mutability("%s is readOnly (RFC 7644, Section 3.5.2)", tg)
	}
	if op == OpRemove {
		if a.Required {
			return mutability("%s is required and cannot be removed (RFC 7644, Section 3.5.2.2)", tg)
		}
		if a.MultiValued && hasValue && value != nil {
			return e.removeValues(tg, cur, value)
		}
		if a.Mutability == schema.Immutable && has {
			return mutability("%s is immutable", tg)
		}
		e.set(tg, nil)
		return nil
	}
	nv, ok, err := normValue(a, value)
	if err != nil {
		return err
	}
	if a.Mutability == schema.Immutable && has && !reflect.DeepEqual(cur, nv) {
		return mutability("%s is immutable and already set (RFC 7644, Section 3.5.2)", tg)
	}
	if !ok {
		if op == OpReplace {
			e.set(tg, nil) // null or [] unassigns (RFC 7643, Section 2.5)
		}
		return nil
	}
	switch {
	case a.MultiValued && op == OpAdd:
		merged, err := mergeElements(a, elements(cur), nv.([]any))
		if err != nil {
			return err
		}
		e.set(tg, merged)
	case a.MultiValued:
		e.set(tg, nv)
	case a.Type == schema.TypeComplex:
		merged, err := overlay(tg, cur, nv.(map[string]any))
		if err != nil {
			return err
		}
		e.set(tg, merged)
	default:
		e.set(tg, nv)
	}
	return nil
}

// normValue normalizes a whole-attribute value, taking a single object for
// a multi-valued attribute and a one-element array for a singular complex
// one (Entra's manager).
func normValue(a *schema.Attribute, v any) (any, bool, error) {
	if arr, isArr := v.([]any); a.MultiValued && !isArr && v != nil {
		v = []any{v}
	} else if !a.MultiValued && a.Type == schema.TypeComplex && isArr && len(arr) == 1 {
		v = arr[0]
	}
	return a.Normalize(v)
}

// mergeElements appends the new elements that are not already present
// (RFC 7644, Section 3.5.2.1); a new `primary: true` clears the old ones.
// A few new values are compared against the list directly, which keeps
// adding one member to a long list free of per-member allocations.
func mergeElements(a *schema.Attribute, cur, add []any) ([]any, error) {
	add = a.Dedupe(add)
	newPrimary := false
	for _, x := range add {
		if m, ok := x.(map[string]any); ok && m["primary"] == true {
			newPrimary = true
		}
	}
	fresh := make([]bool, len(add))
	for i := range fresh {
		fresh[i] = true
	}
	const scanLimit = 16
	var seen map[string]bool
	if len(add) > scanLimit {
		seen = make(map[string]bool, len(cur))
	}
	out := make([]any, 0, len(cur)+len(add))
	for _, x := range cur {
		if seen != nil {
			if k, ok := a.ElementKey(x); ok {
				seen[k] = true
			}
		} else {
			for i, y := range add {
				if fresh[i] && a.SameElement(x, y) {
					fresh[i] = false
				}
			}
		}
		if newPrimary {
			x = clearPrimary(x)
		}
		out = append(out, x)
	}
	for i, x := range add {
		if seen != nil {
			if k, ok := a.ElementKey(x); ok && seen[k] {
				continue
			}
		} else if !fresh[i] {
			continue
		}
		out = append(out, x)
	}
	if err := a.CheckPrimary(out); err != nil {
		return nil, err
	}
	return out, nil
}

func clearPrimary(x any) any {
	m, ok := x.(map[string]any)
	if !ok || m["primary"] != true {
		return x
	}
	c := copyMap(m)
	delete(c, "primary")
	return c
}

// overlay sets the sub-attributes of nv on a copy of the singular complex
// value cur (RFC 7644, Sections 3.5.2.1 and 3.5.2.3: unspecified
// sub-attributes are kept).
func overlay(tg schema.Target, cur any, nv map[string]any) (map[string]any, error) {
	cm, _ := cur.(map[string]any)
	out := copyMap(cm)
	for k, v := range nv {
		sub := tg.Attr.Sub(k)
		if sub != nil && sub.Mutability == schema.Immutable {
			if old, had := cm[k]; had && !reflect.DeepEqual(old, v) {
				return nil, mutability("%s.%s is immutable", tg, k)
			}
		}
		out[k] = v
	}
	return out, nil
}

// removeValues removes the listed values from a multi-valued attribute
// (Entra's `remove` of `members` with a value array).
func (e *engine) removeValues(tg schema.Target, cur, value any) error {
	nv, ok, err := normValue(tg.Attr, value)
	if err != nil || !ok {
		return err
	}
	drop := map[string]bool{}
	for _, x := range nv.([]any) {
		if k, ok := tg.Attr.ElementKey(x); ok {
			drop[k] = true
		}
	}
	var out []any
	for _, x := range elements(cur) {
		if k, ok := tg.Attr.ElementKey(x); ok && drop[k] {
			continue
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		e.set(tg, nil)
	} else {
		e.set(tg, out)
	}
	return nil
}

// subOp handles `attr.sub` without a value filter.
func (e *engine) subOp(op string, tg schema.Target, value any) error {
	a, s := tg.Attr, tg.Sub
	if a.Mutability == schema.ReadOnly || s.Mutability == schema.ReadOnly {
		return mutability("%s is readOnly (RFC 7644, Section 3.5.2)", tg)
	}
	cur := e.container(tg.Ext, false)[a.Name]
	var nv any
	ok := false
	if op != OpRemove {
		var err error
		if nv, ok, err = s.Normalize(value); err != nil {
			return err
		}
	}
	update := func(el map[string]any) (map[string]any, error) {
		old, had := el[s.Name]
		if s.Mutability == schema.Immutable && had && (op == OpRemove || !reflect.DeepEqual(old, nv)) {
			return nil, mutability("%s is immutable", tg)
		}
		c := copyMap(el)
		if op == OpRemove || !ok {
			delete(c, s.Name)
		} else {
			c[s.Name] = nv
		}
		return c, nil
	}
	if !a.MultiValued {
		cm, _ := cur.(map[string]any)
		if cm == nil && (op == OpRemove || !ok) {
			return nil
		}
		c, err := update(cm)
		if err != nil {
			return err
		}
		if _, present := c[s.Name]; s.Required && !present {
			return mutability("%s is required", tg)
		}
		if len(c) == 0 {
			e.set(tg, nil)
		} else {
			e.set(tg, c)
		}
		return nil
	}
	// A multi-valued attribute without a filter: every element is the
	// target; with none, add and replace create one.
	elems := elements(cur)
	if len(elems) == 0 {
		if op == OpRemove || !ok {
			return nil
		}
		e.set(tg, []any{map[string]any{s.Name: nv}})
		return nil
	}
	out := make([]any, 0, len(elems))
	for _, x := range elems {
		m, isMap := x.(map[string]any)
		if !isMap {
			out = append(out, x)
			continue
		}
		c, err := update(m)
		if err != nil {
			return err
		}
		if len(c) > 0 {
			out = append(out, c)
		}
	}
	if err := a.CheckPrimary(out); err != nil {
		return err
	}
	if len(out) == 0 {
		e.set(tg, nil)
	} else {
		e.set(tg, out)
	}
	return nil
}
