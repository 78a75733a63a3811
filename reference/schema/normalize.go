package schema

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/scimerr"
)

// Normalize validates a create (POST) or replace (PUT) body for resource
// type rt and returns a new map in canonical form; body is not modified.
//
//   - Attribute names are matched in any letter case and written in schema
//     spelling (RFC 7643, Section 2.1).
//   - readOnly attributes (id, meta, groups, manager.displayName) are
//     dropped: a server ignores them in requests (RFC 7644, Section 3.3).
//   - Values are checked and converted as described at
//     [Attribute.Normalize]; null, "" and [] leave an attribute unassigned.
//   - `schemas` must be an array naming the resource type's core schema,
//     else 400 invalidSyntax (RFC 7643, Section 3). Naming a schema of
//     another resource type is 400 invalidSyntax too. URNs the registry
//     does not know are dropped when no data is keyed by them (Entra lists
//     a Microsoft "ADSCIM" Group URN); an object keyed by an unknown URN is
//     400 invalidSyntax.
//   - Extension attributes belong in the object keyed by the extension URN
//     (RFC 7643, Section 3.3). As leniencies a URN-qualified key
//     ("urn:...:enterprise:2.0:User:department") and an unqualified name
//     only an extension defines ("department") are moved there. The
//     returned `schemas` lists the core URN and every extension that holds
//     data (or is required).
//   - An unknown attribute is 400 invalidValue; a missing required
//     attribute (userName, Group displayName) or required extension is 400
//     invalidValue.
//
// canonicalValues are not enforced (RFC 7643, Section 7 makes it a MAY).
// Errors are *scimerr.Error.
func (r *Registry) Normalize(rt string, body map[string]any) (map[string]any, error) {
	t, err := r.lookup(rt)
	if err != nil {
		return nil, scimerr.Internal("%v", err)
	}
	if err := r.checkSchemas(t, body); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(body))
	for k, v := range body {
		if k == "schemas" {
			continue
		}
		if e := t.extension(k); e != nil {
			if err := t.putExtension(out, e, v); err != nil {
				return nil, err
			}
			continue
		}
		if strings.EqualFold(k, t.core.ID) {
			m, isMap := v.(map[string]any)
			if v != nil && !isMap {
				return nil, invalid("%s must be an object; got %s", k, jsonKind(v))
			}
			for ck, cv := range m {
				if err := t.putKey(out, t.core.ID+":"+ck, cv); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := t.putKey(out, k, v); err != nil {
			return nil, err
		}
	}
	t.setSchemas(out)
	if err := t.checkRequired(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSchemas validates the `schemas` member of a request body.
func (r *Registry) checkSchemas(t *resourceType, body map[string]any) error {
	raw, present := body["schemas"]
	if !present {
		for k := range body {
			if strings.EqualFold(k, "schemas") {
				raw, present = body[k], true
			}
		}
	}
	list, isArr := raw.([]any)
	if !present || !isArr || len(list) == 0 {
		return scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must be a non-empty array naming %s (RFC 7643, Section 3)", t.core.ID)
	}
	hasCore := false
	for _, u := range list {
		s, isStr := u.(string)
		if !isStr {
			return scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must hold URN strings; got %s", jsonKind(u))
		}
		switch {
		case strings.EqualFold(s, t.core.ID):
			hasCore = true
		case t.extension(s) != nil:
		case r.Schema(s) != nil:
			return scimerr.BadRequest(scimerr.InvalidSyntax, "schema %s does not belong to resource type %s", s, t.Name)
		}
	}
	if !hasCore {
		return scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must include %s for a %s", t.core.ID, t.Name)
	}
	return nil
}

// putExtension normalizes an extension object into out[e.schema.ID].
func (t *resourceType) putExtension(out map[string]any, e *extension, v any) error {
	if v == nil {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return invalid("%s must be an object; got %s", e.schema.ID, jsonKind(v))
	}
	for k, ev := range m {
		a := e.schema.Attribute(k)
		if a == nil {
			return invalid("%s has no attribute %q", e.schema.ID, k)
		}
		if err := put(out, Target{Ext: e.schema.ID, Attr: a}, ev); err != nil {
			return err
		}
	}
	return nil
}

// putKey resolves a top-level body key (plain, URN-qualified or a common
// attribute) and stores its normalized value.
func (t *resourceType) putKey(out map[string]any, k string, v any) error {
	tg, err := t.find(filter.AttrPath{Attr: k})
	if err != nil {
		if strings.Contains(k, ":") {
			return scimerr.BadRequest(scimerr.InvalidSyntax, "%q is not an attribute or schema extension of %s", k, t.Name)
		}
		return invalid("%s has no attribute %q", t.Name, k)
	}
	if tg.Attr == nil {
		return nil // unreachable: whole extensions are handled by the caller
	}
	if tg.Attr.Name == "schemas" {
		return nil
	}
	return put(out, tg, v)
}

// put normalizes v for a top-level target and stores it, dropping readOnly
// attributes and rejecting a second spelling of the same attribute.
func put(out map[string]any, tg Target, v any) error {
	if tg.Attr.Mutability == ReadOnly {
		return nil
	}
	dst := out
	if tg.Ext != "" {
		m, _ := out[tg.Ext].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[tg.Ext] = m
		}
		dst = m
	}
	if _, dup := dst[tg.Attr.Name]; dup {
		return invalid("attribute %s is given more than once", tg)
	}
	nv, ok, err := tg.Attr.normalize(v, tg.String(), true)
	if err != nil {
		return err
	}
	if ok {
		dst[tg.Attr.Name] = nv
	} else {
		dst[tg.Attr.Name] = nil // marks the name as seen; removed by setSchemas
	}
	return nil
}

// setSchemas drops unassigned markers and empty extension objects and
// writes `schemas`: the core URN, then each extension with data or marked
// required, in resource-type order.
func (t *resourceType) setSchemas(out map[string]any) {
	for k, v := range out {
		if v == nil {
			delete(out, k)
		}
	}
	schemas := []any{t.core.ID}
	for _, e := range t.exts {
		m, _ := out[e.schema.ID].(map[string]any)
		for k, v := range m {
			if v == nil {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(out, e.schema.ID)
		}
		if len(m) > 0 || e.required {
			schemas = append(schemas, e.schema.ID)
		}
	}
	out["schemas"] = schemas
}

// checkRequired reports missing required attributes and extensions
// (RFC 7643, Section 7 "required"; Section 6 required extensions).
// readOnly required attributes are the server's to set and are skipped.
func (t *resourceType) checkRequired(res map[string]any) error {
	if err := requiredIn(t.core, "", res); err != nil {
		return err
	}
	for _, e := range t.exts {
		m, _ := res[e.schema.ID].(map[string]any)
		if m == nil {
			if e.required {
				return invalid("the required extension %s is missing", e.schema.ID)
			}
			continue
		}
		if err := requiredIn(e.schema, e.schema.ID+":", m); err != nil {
			return err
		}
	}
	return nil
}

func requiredIn(s *Schema, prefix string, m map[string]any) error {
	for _, a := range s.Attributes {
		v, present := m[a.Name]
		if a.Required && a.Mutability != ReadOnly && (!present || isEmpty(v)) {
			return invalid("the required attribute %s%s is missing", prefix, a.Name)
		}
		if a.Type != TypeComplex || !present {
			continue
		}
		for _, sub := range a.SubAttributes {
			if !sub.Required || sub.Mutability == ReadOnly {
				continue
			}
			for _, e := range elements(v) {
				if em, ok := e.(map[string]any); ok && isEmpty(em[sub.Name]) {
					return invalid("the required sub-attribute %s%s.%s is missing", prefix, a.Name, sub.Name)
				}
			}
		}
	}
	return nil
}

// CheckRequired reports (as 400 invalidValue) a required attribute or
// required extension missing from a canonical resource, e.g. after a PATCH
// removed userName.
func (r *Registry) CheckRequired(rt string, res map[string]any) error {
	t, err := r.lookup(rt)
	if err != nil {
		return scimerr.Internal("%v", err)
	}
	return t.checkRequired(res)
}

func elements(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// Replace implements the attribute rules of PUT (RFC 7644, Section 3.5.1)
// for resource type rt: body is normalized as by [Registry.Normalize], then
//
//   - readOnly attributes keep their stored values (id, meta, groups,
//     manager.displayName), so echoing a GET back is accepted;
//   - writeOnly attributes missing from body (password) keep their stored
//     values, since a client can never read them back to resend them;
//   - an immutable attribute that has a stored value must be given again
//     with the same value, else 400 mutability; one without a stored value
//     takes the new value.
//
// stored and body are not modified; the result may share values with
// stored.
func (r *Registry) Replace(rt string, stored, body map[string]any) (map[string]any, error) {
	t, err := r.lookup(rt)
	if err != nil {
		return nil, scimerr.Internal("%v", err)
	}
	out, err := r.Normalize(rt, body)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"id", "meta"} {
		if v, ok := stored[name]; ok {
			out[name] = v
		}
	}
	if err := keepStored(t.core, stored, out); err != nil {
		return nil, err
	}
	for _, e := range t.exts {
		sm, _ := stored[e.schema.ID].(map[string]any)
		om, _ := out[e.schema.ID].(map[string]any)
		if om == nil {
			om = map[string]any{}
		}
		if err := keepStored(e.schema, sm, om); err != nil {
			return nil, fmt.Errorf("%s: %w", e.schema.ID, err)
		}
		if len(om) > 0 {
			out[e.schema.ID] = om
		}
	}
	t.setSchemas(out)
	return out, nil
}

// keepStored carries readOnly and writeOnly values from stored into out and
// enforces immutability, for the attributes of one schema.
func keepStored(s *Schema, stored, out map[string]any) error {
	for _, a := range s.Attributes {
		sv, had := stored[a.Name]
		nv, has := out[a.Name]
		switch a.Mutability {
		case ReadOnly:
			if had {
				out[a.Name] = sv
			}
			continue
		case WriteOnly:
			if had && !has {
				out[a.Name] = sv
			}
			continue
		case Immutable:
			if had && !isEmpty(sv) && !reflect.DeepEqual(sv, nv) {
				return scimerr.BadRequest(scimerr.Mutability, "%s is immutable and already set (RFC 7644, Section 3.5.1)", a.Name)
			}
			continue
		}
		if a.Type != TypeComplex || a.MultiValued {
			continue
		}
		// Singular complex: apply the same rules per sub-attribute.
		sm, _ := sv.(map[string]any)
		nm, _ := nv.(map[string]any)
		for _, sub := range a.SubAttributes {
			ssv, subHad := sm[sub.Name]
			nsv := nm[sub.Name]
			switch {
			case sub.Mutability == ReadOnly && subHad && nm != nil:
				nm = copyMap(nm)
				nm[sub.Name] = ssv
			case sub.Mutability == Immutable && subHad && !reflect.DeepEqual(ssv, nsv):
				return scimerr.BadRequest(scimerr.Mutability, "%s.%s is immutable and already set (RFC 7644, Section 3.5.1)", a.Name, sub.Name)
			}
		}
		if nm != nil {
			out[a.Name] = nm
		}
	}
	return nil
}

// FixSchemas rewrites `schemas` of a canonical resource of type rt (the
// core URN plus each extension holding data or marked required) and drops
// empty extension objects, in place. PATCH calls it after its operations:
// adding an extension attribute adds the URN (RFC 7644, Section 3.5.2).
// Nested maps are not modified.
func (r *Registry) FixSchemas(rt string, res map[string]any) error {
	t, err := r.lookup(rt)
	if err != nil {
		return scimerr.Internal("%v", err)
	}
	schemas := []any{t.core.ID}
	for _, e := range t.exts {
		m, _ := res[e.schema.ID].(map[string]any)
		if len(m) == 0 {
			delete(res, e.schema.ID)
		}
		if len(m) > 0 || e.required {
			schemas = append(schemas, e.schema.ID)
		}
	}
	res["schemas"] = schemas
	return nil
}
