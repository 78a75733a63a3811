package schema

import (
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
)

// Project returns the representation of a canonical resource of type rt
// that a response carries, per RFC 7644 Section 3.9 and the `returned`
// characteristic (RFC 7643, Section 7):
//
//   - returned "never" attributes (password) are never included;
//   - returned "always" attributes (id, schemas) are always included;
//   - with neither list, "default" attributes are included and "request"
//     ones are not;
//   - with attributes, only the "always" ones and those listed (an
//     attribute, a sub-attribute such as name.givenName, a URN-qualified
//     name, or an extension URN for the whole extension object);
//   - with excludedAttributes, the default set minus those listed.
//
// Names match in any letter case; unknown names are ignored (P-3.9-10). If
// both lists are given, attributes wins: rejecting the combination is the
// server's decision. res is not modified; the result shares unchanged
// values (such as a large members array) with res.
func (r *Registry) Project(rt string, res map[string]any, attributes, excludedAttributes []string) map[string]any {
	t, err := r.lookup(rt)
	if err != nil {
		return map[string]any{}
	}
	var sel selection
	include := len(attributes) > 0
	if include {
		sel = t.selection(attributes)
	} else if len(excludedAttributes) > 0 {
		sel = t.selection(excludedAttributes)
	}
	out := make(map[string]any, len(res))
	for k, v := range res {
		if e := t.extension(k); e != nil {
			m, isMap := v.(map[string]any)
			if !isMap {
				continue
			}
			if pm := projectObject(e.schema, e.schema.ID, m, sel, include); len(pm) > 0 {
				out[e.schema.ID] = pm
			}
			continue
		}
		a := t.core.Attribute(k)
		if a == nil {
			a = commonAttributes.Attribute(k)
		}
		if a == nil {
			continue
		}
		if pv, ok := projectAttr(a, attrKey("", a), v, sel, include); ok {
			out[k] = pv
		}
	}
	return out
}

// selection maps "ext|attr" (lower case; ext "" for core and common) to
// the sub-attributes named (nil set: the whole attribute), and "ext|" to a
// whole extension.
type selection map[string]map[string]bool

func attrKey(ext string, a *Attribute) string {
	return strings.ToLower(ext) + "|" + strings.ToLower(a.Name)
}

func (t *resourceType) selection(names []string) selection {
	sel := selection{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		tg, err := t.find(splitName(n))
		if err != nil {
			continue // unknown names are ignored (RFC 7644, Section 3.9 does not make them errors)
		}
		if tg.Attr == nil {
			sel[strings.ToLower(tg.Ext)+"|"] = nil
			continue
		}
		key := attrKey(tg.Ext, tg.Attr)
		subs, seen := sel[key]
		switch {
		case tg.Sub == nil:
			sel[key] = nil // whole attribute wins over any sub-attribute
		case seen && subs == nil:
			// already whole
		default:
			if subs == nil {
				subs = map[string]bool{}
				sel[key] = subs
			}
			subs[strings.ToLower(tg.Sub.Name)] = true
		}
	}
	return sel
}

// splitName turns "urn:...:attr.sub" or "attr.sub" into an AttrPath. The
// dot splits only after the last colon, since URNs contain dots ("2.0").
func splitName(n string) filter.AttrPath {
	var p filter.AttrPath
	rest := n
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		p.URN, rest = n[:i], n[i+1:]
	}
	if j := strings.IndexByte(rest, '.'); j >= 0 {
		p.Attr, p.Sub = rest[:j], rest[j+1:]
	} else {
		p.Attr = rest
	}
	return p
}

func projectObject(s *Schema, ext string, m map[string]any, sel selection, include bool) map[string]any {
	_, whole := sel[strings.ToLower(ext)+"|"]
	out := make(map[string]any, len(m))
	for k, v := range m {
		a := s.Attribute(k)
		if a == nil {
			continue
		}
		var pv any
		var ok bool
		switch {
		case whole && include:
			pv, ok = projectAttr(a, "", v, nil, false)
		case whole:
			ok = a.Returned == ReturnedAlways
			pv = v
		default:
			pv, ok = projectAttr(a, attrKey(ext, a), v, sel, include)
		}
		if ok {
			out[k] = pv
		}
	}
	return out
}

// projectAttr decides whether attribute a (selection key key) appears and
// trims its sub-attributes.
func projectAttr(a *Attribute, key string, v any, sel selection, include bool) (any, bool) {
	switch a.Returned {
	case ReturnedNever:
		return nil, false
	case ReturnedAlways:
		return v, true
	}
	subs, named := sel[key]
	switch {
	case include && !named:
		return nil, false
	case include && subs == nil:
		return trimSubs(a, v, nil, false), true
	case include:
		return trimSubs(a, v, subs, true), true
	case !include && named && subs == nil:
		return nil, false
	case a.Returned == ReturnedRequest:
		return nil, false
	case named:
		return trimSubs(a, v, subs, false), true
	}
	return trimSubs(a, v, nil, false), true
}

// trimSubs applies the sub-attribute rules to a complex value: "never"
// sub-attributes go; with keep=true only the listed ones stay; with
// keep=false the listed ones go.
func trimSubs(a *Attribute, v any, listed map[string]bool, keep bool) any {
	if a.Type != TypeComplex || (!keep && len(listed) == 0 && !hasNeverSub(a)) {
		return v
	}
	trim := func(e any) any {
		m, ok := e.(map[string]any)
		if !ok {
			return e
		}
		out := make(map[string]any, len(m))
		for k, sv := range m {
			sub := a.Sub(k)
			if sub == nil || sub.Returned == ReturnedNever {
				continue
			}
			in := listed[strings.ToLower(sub.Name)]
			if sub.Returned == ReturnedAlways || (keep && in) || (!keep && !in && sub.Returned != ReturnedRequest) {
				out[k] = sv
			}
		}
		return out
	}
	if arr, ok := v.([]any); ok {
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			te := trim(e)
			if m, isMap := te.(map[string]any); !isMap || len(m) > 0 {
				out = append(out, te)
			}
		}
		return out
	}
	return trim(v)
}

func hasNeverSub(a *Attribute) bool {
	for _, s := range a.SubAttributes {
		if s.Returned == ReturnedNever || s.Returned == ReturnedRequest {
			return true
		}
	}
	return false
}
