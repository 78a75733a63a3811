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

// Result is the outcome of [ApplyMembers].
type Result struct {
	// Resource is the modified resource; without `members` when a
	// MemberSet was given.
	Resource map[string]any
	// Changed is false when the operations changed nothing (adding a
	// member that is already there, removing one that is not), so the
	// store can leave meta.lastModified and the version alone (RFC 7644,
	// Section 3.5.2.1). It is conservatively true after the rare member
	// operation forms that re-add the whole list.
	Changed bool
	// Members tells the store how to update its member list.
	Members MemberDelta
}

// MemberDelta is the change to a group's members: first, when Cleared,
// drop every member the group had; then drop the members whose values are
// in Removed; then append Added.
type MemberDelta struct {
	Cleared bool
	Removed []string
	Added   []map[string]any
}

// Empty reports whether the delta changes nothing.
func (d MemberDelta) Empty() bool {
	return !d.Cleared && len(d.Removed) == 0 && len(d.Added) == 0
}

// MemberSet is a store's read-only view of a group's current members.
// Values are compared exactly (member values are server-assigned ids).
type MemberSet interface {
	// Len returns the number of members.
	Len() int
	// Has reports whether a member with this value exists.
	Has(value string) bool
	// Range calls fn with each member element (canonical form) until fn
	// returns false. It is used only for value filters other than
	// `value eq "..."` and for rare path forms; fn must not modify the
	// element.
	Range(fn func(member map[string]any) bool)
}

// ApplyMembers is [Apply] for a resource whose `members` the store keeps
// outside the resource map (any `members` key in res is ignored and left
// out of Result.Resource). Member operations of the forms Okta and Entra
// send — add/replace/remove with path "members", `members[value eq "x"]`,
// pathless values with a "members" key, Entra's remove with a value
// array — are turned into a [MemberDelta] computed through set in
// O(changed). Other forms that touch members (a sub-attribute of filtered
// members, a filter other than value eq) read the whole list through
// set.Range and yield a delta that clears and re-adds every member.
//
// With a nil set, members stay in the resource as with [Apply]; use that
// to learn [Result.Changed] for any resource type.
func ApplyMembers(reg *schema.Registry, rt string, res map[string]any, set MemberSet, ops []Operation) (*Result, error) {
	if set == nil {
		return apply(reg, rt, res, ops, nil, true)
	}
	trimmed := make(map[string]any, len(res))
	for k, v := range res {
		if !strings.EqualFold(k, "members") {
			trimmed[k] = v
		}
	}
	return apply(reg, rt, trimmed, ops, set, true)
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // parents ("name") before children ("name.givenName")
	for _, k := range keys {
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
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
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

func elements(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
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
