package patch

import (
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
)

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

// memberState tracks member changes against a MemberSet without copying
// it. Invariant: removed ⊆ existing members, and no added value is an
// existing member that is not removed. A value may be both removed and
// added: the member was removed and added back with the new element, as
// the copying [Apply] would store it.
type memberState struct {
	set      MemberSet
	cleared  bool            // every existing member is gone
	removed  map[string]bool // existing members removed (empty when cleared)
	added    []map[string]any
	addedIdx map[string]int // value -> index in added; removed entries are nil in added
}

func newMemberState(set MemberSet) *memberState {
	return &memberState{set: set, removed: map[string]bool{}, addedIdx: map[string]int{}}
}

func (s *memberState) existing(v string) bool {
	return !s.cleared && !s.removed[v] && s.set.Has(v)
}

func (s *memberState) add(v string, el map[string]any) {
	if _, ok := s.addedIdx[v]; ok || s.existing(v) {
		return // already a member: no change (RFC 7644, Section 3.5.2.1)
	}
	s.addedIdx[v] = len(s.added)
	s.added = append(s.added, el)
}

func (s *memberState) remove(v string) {
	if i, ok := s.addedIdx[v]; ok {
		s.added[i] = nil
		delete(s.addedIdx, v)
		return
	}
	if s.existing(v) {
		s.removed[v] = true
	}
}

func (s *memberState) clear() {
	s.cleared = true
	s.removed = map[string]bool{}
	s.added = nil
	s.addedIdx = map[string]int{}
}

// each calls fn for every current member (existing ones not removed, then
// added ones) until fn returns false.
func (s *memberState) each(fn func(map[string]any) bool) {
	goOn := true
	if !s.cleared {
		s.set.Range(func(m map[string]any) bool {
			if v, _ := m["value"].(string); s.removed[v] {
				return true
			}
			goOn = fn(m)
			return goOn
		})
	}
	for _, m := range s.added {
		if !goOn {
			return
		}
		if m != nil {
			goOn = fn(m)
		}
	}
}

func (s *memberState) delta() MemberDelta {
	d := MemberDelta{Cleared: s.cleared}
	for v := range s.removed {
		d.Removed = append(d.Removed, v)
	}
	for _, m := range s.added {
		if m != nil {
			d.Added = append(d.Added, m)
		}
	}
	return d
}

// isMembers reports whether tg is the core `members` attribute of a
// resource type that has one (Group).
func (e *engine) isMembers(tg schema.Target) bool {
	return tg.Ext == "" && tg.Attr != nil && tg.Attr.Name == "members" && tg.Attr.MultiValued
}

// memberOp applies a members operation to the MemberSet overlay. handled
// is false for forms it does not cover; the caller then materializes the
// list and applies the operation generically.
func (e *engine) memberOp(op string, tg schema.Target, p *filter.Path, value any, hasValue bool) (handled bool, err error) {
	a := tg.Attr
	s := e.members
	switch {
	case tg.Sub != nil:
		return false, nil
	case p.Filter != nil && op == OpRemove:
		if c, ok := p.Filter.(*filter.Comparison); ok && c.Op == "eq" && c.Path.URN == "" && c.Path.Sub == "" && a.Sub(c.Path.Attr) == a.Sub("value") {
			if v, isStr := c.Value.(string); isStr {
				s.remove(v)
				return true, nil
			}
		}
		match, err := e.matcher(tg, p)
		if err != nil {
			return true, err
		}
		var drop []string
		s.each(func(m map[string]any) bool {
			if match(m) {
				v, _ := m["value"].(string)
				drop = append(drop, v)
			}
			return true
		})
		for _, v := range drop {
			s.remove(v)
		}
		return true, nil
	case p.Filter != nil:
		return false, nil
	}
	var elems []map[string]any
	if op != OpRemove || (hasValue && value != nil) {
		nv, ok, err := normValue(a, value)
		if err != nil {
			return true, err
		}
		if ok {
			for _, x := range nv.([]any) {
				m, _ := x.(map[string]any)
				if _, isStr := m["value"].(string); !isStr {
					return true, scimerr.BadRequest(scimerr.InvalidValue, "every member needs a value")
				}
				elems = append(elems, m)
			}
		}
	}
	switch op {
	case OpReplace:
		s.clear()
		fallthrough
	case OpAdd:
		for _, m := range elems {
			s.add(m["value"].(string), m)
		}
	case OpRemove:
		if !hasValue || value == nil {
			s.clear()
			return true, nil
		}
		for _, m := range elems {
			s.remove(m["value"].(string))
		}
	}
	return true, nil
}

// materialize moves the members from the MemberSet overlay into the
// working resource so that a rare operation form can run generically;
// the final delta then replaces the whole list.
func (e *engine) materialize() {
	var list []any
	e.members.each(func(m map[string]any) bool {
		list = append(list, m)
		return true
	})
	if len(list) > 0 {
		e.res["members"] = list
	}
	e.members = nil
	e.materialized = true
}
