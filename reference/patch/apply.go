package patch

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
)

// Apply applies ops in order to a canonical resource of type rt and returns
// the modified resource as a new map; res and every value inside it are left
// untouched, so a store may share them. The request is atomic (RFC 7644,
// Section 3.5.2): on error nothing is returned.
//
// Choices where the RFC is silent or where clients deviate (all documented
// interop leniencies):
//   - Path syntax errors, unknown attributes and broken or unknown-attribute
//     value filters inside a path are all 400 invalidPath (RFC 7644,
//     Table 9 allows invalidFilter for the filter part; one keyword keeps
//     clients simple).
//   - Without a path, each key of the value object is applied as if it were
//     the path, in sorted key order: plain names, Entra's dotted
//     "name.givenName" and URN-qualified keys all work, and so does an
//     object under the core schema URN. readOnly keys whose value equals the
//     current one (the `id` in Okta's group rename) are ignored, as are
//     `meta` and `schemas` (echoed GET bodies); other readOnly keys are 400
//     mutability.
//   - A filtered add, or a filtered replace whose filter matches nothing, is
//     400 noTarget (Section 3.5.2.3) unless the filter is a conjunction of
//     `sub eq literal` comparisons: then a new element is created from
//     those literals and the value, which is what Entra expects of
//     `replace emails[type eq "work"].value`.
//   - remove with path `members` (any multi-valued attribute) and a value
//     removes only the listed values (Entra), not every value.
//   - A single object for a multi-valued attribute is taken as a one-element
//     array; a one-element array for a singular complex attribute (Entra's
//     manager) as its element. "True"/"False" strings are booleans.
//   - remove of a filtered element that matches nothing succeeds without
//     change (the Section 3.5.2.2 example), not noTarget.
//
// Mutability (Section 3.5.2): readOnly targets are 400 mutability; an
// immutable attribute may be added while unset and "replaced" only by its
// current value; removing a required attribute is 400 mutability; leaving
// a required attribute empty any other way is 400 invalidValue. Setting
// `primary: true` on one value clears it on the others (RFC 7643,
// Section 2.4).
func Apply(reg *schema.Registry, rt string, res map[string]any, ops []Operation) (map[string]any, error) {
	r, err := apply(reg, rt, res, ops, nil, false)
	if err != nil {
		return nil, err
	}
	return r.Resource, nil
}

// apply runs ops; changed asks for Result.Changed, which costs a deep
// comparison of every touched attribute.
func apply(reg *schema.Registry, rt string, res map[string]any, ops []Operation, set MemberSet, changed bool) (*Result, error) {
	if reg == nil {
		return nil, scimerr.Internal("patch: no schema registry")
	}
	if _, ok := reg.ResourceType(rt); !ok {
		return nil, scimerr.Internal("patch: unknown resource type %q", rt)
	}
	e := &engine{reg: reg, rt: rt, orig: res, res: copyMap(res), owned: map[string]bool{}, touched: map[string]bool{}}
	if set != nil {
		e.members = newMemberState(set)
	}
	for i, op := range ops {
		if err := e.apply(op); err != nil {
			return nil, fmt.Errorf("patch: operation %d (%s %q): %w", i, op.Op, op.Path, err)
		}
	}
	if err := reg.FixSchemas(rt, e.res); err != nil {
		return nil, err
	}
	if err := reg.CheckRequired(rt, e.res); err != nil {
		return nil, fmt.Errorf("patch: result: %w", err)
	}
	out := &Result{Resource: e.res}
	for k := range e.touched {
		if changed && !out.Changed && !reflect.DeepEqual(e.orig[k], e.res[k]) {
			out.Changed = true
		}
	}
	if e.members != nil {
		out.Members = e.members.delta()
	} else if e.materialized {
		out.Members = MemberDelta{Cleared: true}
		for _, m := range elements(e.res["members"]) {
			if mm, ok := m.(map[string]any); ok {
				out.Members.Added = append(out.Members.Added, mm)
			}
		}
		delete(e.res, "members")
	}
	if set != nil && !out.Members.Empty() && !(out.Members.Cleared && set.Len() == 0 && len(out.Members.Added) == 0) {
		out.Changed = true
	}
	return out, nil
}

// engine holds the working copy of one PATCH request.
type engine struct {
	reg  *schema.Registry
	rt   string
	orig map[string]any
	// res is a shallow copy of orig; nested maps and slices are replaced,
	// never modified, unless owned.
	res     map[string]any
	owned   map[string]bool // extension objects already copied
	touched map[string]bool // top-level keys an operation wrote

	members      *memberState // non-nil while members live in a MemberSet
	materialized bool         // members were moved from the MemberSet into res
}

func (e *engine) apply(op Operation) error {
	if op.Path == "" {
		if op.Op == OpRemove {
			return scimerr.BadRequest(scimerr.NoTarget, "remove needs a path (RFC 7644, Section 3.5.2.2)")
		}
		return e.pathless(op.Op, "", op.Value)
	}
	p, err := filter.ParsePath(op.Path)
	if err != nil {
		return scimerr.BadRequest(scimerr.InvalidPath, "%v", err)
	}
	return e.applyPath(op.Op, p, op.Value, op.HasValue)
}

// pathless applies an add or replace without path: each key of value acts
// as a path (RFC 7644, Sections 3.5.2.1 and 3.5.2.3). urn prefixes keys of
// an object nested under the core schema URN.
func (e *engine) pathless(op, urn string, value any) error {
	m, ok := value.(map[string]any)
	if !ok {
		return scimerr.BadRequest(scimerr.InvalidValue, "%s without path needs an object value; got %s", op, kind(value))
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		if strings.EqualFold(k, "schemas") {
			continue
		}
		key := k
		if urn != "" {
			key = urn + ":" + k
		}
		p, err := filter.ParsePath(key)
		if err != nil {
			return scimerr.BadRequest(scimerr.InvalidValue, "value key %q: %v", k, err)
		}
		if p.Attr == "" && p.URN != "" && isCoreURN(e.reg, e.rt, p.URN) {
			if err := e.pathless(op, p.URN, v); err != nil {
				return err
			}
			continue
		}
		tg, err := e.reg.Find(e.rt, p.AttrPath())
		if err != nil {
			return scimerr.BadRequest(scimerr.InvalidValue, "value key %q: %v", k, err)
		}
		if tg.Attr != nil && p.Filter == nil && e.readOnlyEcho(tg, v) {
			continue
		}
		if err := e.applyPath(op, p, v, true); err != nil {
			return fmt.Errorf("value key %q: %w", k, err)
		}
	}
	return nil
}

func isCoreURN(reg *schema.Registry, rt, urn string) bool {
	t, ok := reg.ResourceType(rt)
	return ok && strings.EqualFold(t.Schema, urn)
}

// readOnlyEcho reports a readOnly attribute in a pathless value that only
// repeats the current value, as Okta's group rename does with `id`.
func (e *engine) readOnlyEcho(tg schema.Target, v any) bool {
	leaf := tg.Leaf()
	if leaf.Mutability != schema.ReadOnly && tg.Attr.Mutability != schema.ReadOnly {
		return false
	}
	cur := e.container(tg.Ext, false)[tg.Attr.Name]
	if tg.Sub != nil {
		cm, _ := cur.(map[string]any)
		cur = cm[tg.Sub.Name]
	}
	return reflect.DeepEqual(cur, v) || (tg.Attr.Name == "meta" && tg.Ext == "")
}

func (e *engine) applyPath(op string, p *filter.Path, value any, hasValue bool) error {
	tg, err := e.reg.Find(e.rt, p.AttrPath())
	if err != nil {
		return scimerr.BadRequest(scimerr.InvalidPath, "%v", err)
	}
	if tg.Attr == nil {
		if p.Filter != nil {
			return scimerr.BadRequest(scimerr.InvalidPath, "a value filter needs an attribute")
		}
		return e.extension(op, tg.Ext, value)
	}
	if tg.Ext == "" && tg.Attr.Name == "schemas" {
		return scimerr.BadRequest(scimerr.Mutability, "schemas is maintained by the service provider")
	}
	if p.Filter != nil && tg.Attr.Type != schema.TypeComplex {
		return scimerr.BadRequest(scimerr.InvalidPath, "a value filter needs a complex attribute; %s is %s", tg.Attr.Name, tg.Attr.Type)
	}
	if e.isMembers(tg) {
		if e.members != nil {
			handled, err := e.memberOp(op, tg, p, value, hasValue)
			if handled || err != nil {
				return err
			}
			e.materialize()
		}
	}
	e.touched[topKey(tg)] = true
	switch {
	case p.Filter != nil:
		return e.filtered(op, tg, p, value)
	case tg.Sub != nil:
		return e.subOp(op, tg, value)
	default:
		return e.attrOp(op, tg, value, hasValue)
	}
}

func topKey(tg schema.Target) string {
	if tg.Ext != "" {
		return tg.Ext
	}
	return tg.Attr.Name
}

// extension handles a path that is an extension URN alone.
func (e *engine) extension(op, ext string, value any) error {
	e.touched[ext] = true
	if op == OpRemove {
		delete(e.res, ext)
		delete(e.owned, ext)
		return nil
	}
	m, ok := value.(map[string]any)
	if !ok {
		return scimerr.BadRequest(scimerr.InvalidValue, "%s needs an object value; got %s", ext, kind(value))
	}
	for _, k := range sortedKeys(m) {
		p, err := filter.ParsePath(ext + ":" + k)
		if err != nil {
			return scimerr.BadRequest(scimerr.InvalidValue, "%s: key %q: %v", ext, k, err)
		}
		tg, err := e.reg.Find(e.rt, p.AttrPath())
		if err != nil || tg.Ext != ext {
			return scimerr.BadRequest(scimerr.InvalidValue, "%s has no attribute %q", ext, k)
		}
		if p.Filter == nil && e.readOnlyEcho(tg, m[k]) {
			continue
		}
		if err := e.applyPath(op, p, m[k], true); err != nil {
			return err
		}
	}
	return nil
}

// container returns the map holding the top-level attributes of ext ("" for
// the core schema). With write set, an extension object is copied once
// (or created) so it can be modified.
func (e *engine) container(ext string, write bool) map[string]any {
	if ext == "" {
		return e.res
	}
	m, _ := e.res[ext].(map[string]any)
	if write && !e.owned[ext] {
		m = copyMap(m)
		e.res[ext] = m
		e.owned[ext] = true
	}
	return m
}

// set stores v for tg's attribute, or removes it when v is nil.
func (e *engine) set(tg schema.Target, v any) {
	c := e.container(tg.Ext, true)
	if v == nil {
		delete(c, tg.Attr.Name)
		return
	}
	c[tg.Attr.Name] = v
}

func mutability(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.Mutability, format, args...)
}

func elements(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// sortedKeys orders a value object's keys so that results do not depend on
// map order and parents ("name") come before children ("name.givenName").
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}
