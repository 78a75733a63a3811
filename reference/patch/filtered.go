package patch

import (
	"reflect"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
)

// filtered handles `attr[filter]` and `attr[filter].sub`.
func (e *engine) filtered(op string, tg schema.Target, p *filter.Path, value any) error {
	a := tg.Attr
	if a.Mutability == schema.ReadOnly || (tg.Sub != nil && tg.Sub.Mutability == schema.ReadOnly) {
		return mutability("%s is readOnly (RFC 7644, Section 3.5.2)", tg)
	}
	match, err := e.matcher(tg, p)
	if err != nil {
		return err
	}
	cur := e.container(tg.Ext, false)[a.Name]
	elems := elements(cur)
	var hits []int
	for i, x := range elems {
		if match(x) {
			hits = append(hits, i)
		}
	}
	if op == OpRemove {
		return e.filteredRemove(tg, elems, hits)
	}
	var nv any
	var ok bool
	if tg.Sub != nil {
		nv, ok, err = tg.Sub.Normalize(value)
	} else {
		nv, ok, err = a.NormalizeElement(value)
	}
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		pairs, simple := eqPairs(a, p.Filter)
		if !simple {
			return scimerr.BadRequest(scimerr.NoTarget, "%s matches no value (RFC 7644, Section 3.5.2.3)", p)
		}
		if !ok {
			return nil
		}
		// Entra interop: create the element the filter describes.
		el := pairs
		if tg.Sub != nil {
			el[tg.Sub.Name] = nv
		} else {
			for k, v := range nv.(map[string]any) {
				el[k] = v
			}
		}
		hits = []int{len(elems)}
		elems = append(append(make([]any, 0, len(elems)+1), elems...), map[string]any{})
		return e.writeFiltered(tg, elems, hits, func(map[string]any) (map[string]any, error) { return el, nil })
	}
	return e.writeFiltered(tg, elems, hits, func(old map[string]any) (map[string]any, error) {
		if tg.Sub != nil {
			prev, had := old[tg.Sub.Name]
			if tg.Sub.Mutability == schema.Immutable && had && !reflect.DeepEqual(prev, nv) {
				return nil, mutability("%s is immutable", tg)
			}
			c := copyMap(old)
			if ok {
				c[tg.Sub.Name] = nv
			} else {
				delete(c, tg.Sub.Name)
			}
			return c, nil
		}
		nm, _ := nv.(map[string]any)
		for _, sub := range a.SubAttributes {
			prev, had := old[sub.Name]
			if sub.Mutability == schema.Immutable && had && !reflect.DeepEqual(prev, nm[sub.Name]) && (op == OpReplace || nm[sub.Name] != nil) {
				return nil, mutability("%s.%s is immutable", tg, sub.Name)
			}
		}
		if op == OpReplace {
			return copyMap(nm), nil // matching records are replaced (RFC 7644, Section 3.5.2.3)
		}
		c := copyMap(old)
		for k, v := range nm {
			c[k] = v
		}
		return c, nil
	})
}

// writeFiltered replaces elems[hits] by fn's results and stores the
// attribute, clearing `primary` elsewhere when a written element is primary.
func (e *engine) writeFiltered(tg schema.Target, elems []any, hits []int, fn func(map[string]any) (map[string]any, error)) error {
	out := append(make([]any, 0, len(elems)), elems...)
	hit := make(map[int]bool, len(hits))
	primary := false
	for _, i := range hits {
		old, _ := out[i].(map[string]any)
		nm, err := fn(old)
		if err != nil {
			return err
		}
		out[i] = nm
		hit[i] = true
		primary = primary || nm["primary"] == true
	}
	kept := out[:0]
	for i, x := range out {
		if primary && !hit[i] {
			x = clearPrimary(x)
		}
		if m, ok := x.(map[string]any); ok && len(m) == 0 {
			continue
		}
		kept = append(kept, x)
	}
	if err := tg.Attr.CheckPrimary(kept); err != nil {
		return err
	}
	return e.store(tg, kept)
}

func (e *engine) store(tg schema.Target, elems []any) error {
	switch {
	case len(elems) == 0:
		e.set(tg, nil)
	case tg.Attr.MultiValued:
		e.set(tg, elems)
	default:
		e.set(tg, elems[0])
	}
	return nil
}

func (e *engine) filteredRemove(tg schema.Target, elems []any, hits []int) error {
	if len(hits) == 0 {
		return nil // nothing to remove: succeed unchanged (RFC 7644, Section 3.5.2.2 example)
	}
	if tg.Sub == nil {
		hit := make(map[int]bool, len(hits))
		for _, i := range hits {
			hit[i] = true
		}
		out := make([]any, 0, len(elems)-len(hits))
		for i, x := range elems {
			if !hit[i] {
				out = append(out, x)
			}
		}
		return e.store(tg, out)
	}
	return e.writeFiltered(tg, elems, hits, func(old map[string]any) (map[string]any, error) {
		if _, had := old[tg.Sub.Name]; had && tg.Sub.Mutability == schema.Immutable {
			return nil, mutability("%s is immutable", tg)
		}
		c := copyMap(old)
		delete(c, tg.Sub.Name)
		return c, nil
	})
}

// matcher compiles the value filter of p into a per-element predicate.
// `sub eq "literal"` is compared directly; anything else goes through
// filter.Compile with the element wrapped as a one-value resource.
func (e *engine) matcher(tg schema.Target, p *filter.Path) (func(any) bool, error) {
	if c, ok := p.Filter.(*filter.Comparison); ok && c.Op == "eq" && c.Path.URN == "" && c.Path.Sub == "" {
		sub := tg.Attr.Sub(c.Path.Attr)
		want, isStr := c.Value.(string)
		if sub != nil && isStr && sub.Type == schema.TypeString {
			name, exact := sub.Name, sub.CaseExact
			return func(x any) bool {
				m, _ := x.(map[string]any)
				have, ok := m[name].(string)
				if exact {
					return ok && have == want
				}
				return ok && strings.EqualFold(have, want)
			}, nil
		}
	}
	prog, err := filter.Compile(&filter.ValuePath{Path: filter.AttrPath{URN: p.URN, Attr: p.Attr}, Filter: p.Filter}, e.reg.Resolver(e.rt))
	if err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidPath, "value filter in %q: %v", p, err)
	}
	return func(x any) bool {
		var v any = x
		if tg.Attr.MultiValued {
			v = []any{x}
		}
		res := map[string]any{tg.Attr.Name: v}
		if tg.Ext != "" {
			res = map[string]any{tg.Ext: res}
		}
		return prog.Match(res)
	}, nil
}

// eqPairs returns the sub-attribute values of a filter made only of
// `sub eq literal` joined by and, normalized for their sub-attributes.
func eqPairs(a *schema.Attribute, f filter.Expr) (map[string]any, bool) {
	out := map[string]any{}
	var walk func(filter.Expr) bool
	walk = func(f filter.Expr) bool {
		switch x := f.(type) {
		case *filter.Logical:
			return x.Op == "and" && walk(x.Left) && walk(x.Right)
		case *filter.Comparison:
			sub := a.Sub(x.Path.Attr)
			if x.Op != "eq" || x.Path.URN != "" || x.Path.Sub != "" || sub == nil || sub.Mutability == schema.ReadOnly {
				return false
			}
			v, ok, err := sub.Normalize(x.Value)
			if err != nil || !ok {
				return false
			}
			if prev, dup := out[sub.Name]; dup && !reflect.DeepEqual(prev, v) {
				return false
			}
			out[sub.Name] = v
			return true
		}
		return false
	}
	if f == nil || !walk(f) {
		return nil, false
	}
	return out, true
}
