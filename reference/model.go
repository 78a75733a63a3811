package reference

import (
	"fmt"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// registry is the one schema registry that drives validation, case rules,
// mutability, projection, filtering and discovery.
var registry = schema.Default()

// foldKey prepares a unique value: Unicode NFC normalization (RFC 7644 §7.8
// asks for PRECIS preparation of userName, so "josé" in NFC and NFD is one
// name) and the case folding filters use for caseExact=false strings, so the
// index and the filter agree.
func foldKey(v string) string { return filter.Prepare(v, false) }

// extKey prepares an externalId (caseExact, RFC 7643 §3.1) for its index
// the way filters compare it: NFC only, so an NFD filter literal finds it.
func extKey(v string) string { return filter.Prepare(v, true) }

// keysFolded reports whether the unique-key index of rt holds case-folded
// values (it does unless a quirk makes uniqueness case-sensitive).
func (s *Server) keysFolded(rt *resourceType) bool {
	return !(rt == userType && s.quirks.on(qUsernameCaseSensitive))
}

// keyIndexAnswers reports whether the unique-key index of rt can answer a
// filter's equality on the key attribute exactly as the filter compares: not
// when a quirk stores no key (group-displayname-not-unique), stores it
// unfolded (username-unique-case-sensitive) or makes the filter compare in
// exact case (filter-username-case-sensitive). A quirk must change only the
// behaviour it names, so those filters fall back to a scan.
func (s *Server) keyIndexAnswers(rt *resourceType) bool {
	switch {
	case rt == groupType && s.quirks.on(qGroupNameNotUnique):
		return false
	case rt == userType && s.quirks.on(qFilterUsernameCase):
		return false
	}
	return s.keysFolded(rt)
}

// key computes the store's unique key for a canonical resource body.
func (s *Server) key(rt *resourceType, attrs map[string]any) string {
	v, _ := attrs[rt.KeyAttr].(string)
	if rt == groupType && s.quirks.on(qGroupNameNotUnique) {
		return ""
	}
	if !s.keysFolded(rt) {
		return v
	}
	return foldKey(v)
}

// resolver maps filter paths for rt; a quirk can make userName case-exact.
func (s *Server) resolver(rt *resourceType) filter.Resolver {
	r := registry.Resolver(rt.Name)
	if rt == userType && s.quirks.on(qFilterUsernameCase) {
		return caseExactUserName{r}
	}
	return r
}

type caseExactUserName struct{ filter.Resolver }

func (c caseExactUserName) Resolve(p filter.AttrPath) (filter.Resolved, error) {
	rs, err := c.Resolver.Resolve(p)
	if err == nil && rs.Ext == "" && rs.Attr == "userName" {
		rs.CaseExact = true
	}
	return rs, err
}

// project applies attributes/excludedAttributes and `returned`.
func project(rt *resourceType, full map[string]any, attributes, excluded []string) map[string]any {
	return registry.Project(rt.Name, full, attributes, excluded)
}

// readOnlyInput names the readOnly attributes a request body may carry.
var readOnlyInput = []string{"id", "meta", "groups"}

// incoming turns a POST or PUT body into a resource for the store: the
// schema registry normalizes it (canonical names, types, readOnly dropped,
// required attributes), PUT keeps stored readOnly/writeOnly values and
// refuses immutable changes (RFC 7644 §3.5.1), and Group.members moves to
// the store's member set.
func (s *Server) incoming(rt *resourceType, obj map[string]any, old *store.Resource) (*store.Resource, []store.Member, *scimerr.Error) {
	if s.quirks.on(qReadOnlyRejected) {
		for k := range obj {
			for _, ro := range readOnlyInput {
				if strings.EqualFold(k, ro) {
					return nil, nil, scimerr.BadRequest(scimerr.Mutability, "attribute %q is readOnly", k)
				}
			}
		}
	}
	var extraPrimaries []primaryMark
	if s.quirks.on(qTwoPrimaries) {
		obj, extraPrimaries = demotePrimaries(obj)
	}
	var attrs map[string]any
	var err error
	if old == nil {
		attrs, err = registry.Normalize(rt.Name, obj)
	} else {
		stored, e := attrsOf(old)
		if e != nil {
			return nil, nil, e
		}
		stored["id"] = old.ID
		if old.Members != nil {
			stored["members"] = membersJSON(old.Members)
		}
		attrs, err = registry.Replace(rt.Name, stored, obj)
	}
	if err != nil {
		if e := scimerr.As(err); e != nil {
			return nil, nil, e
		}
		return nil, nil, scimerr.BadRequest(scimerr.InvalidValue, "%v", err)
	}
	restorePrimaries(attrs, extraPrimaries)
	delete(attrs, "id")
	delete(attrs, "meta")
	delete(attrs, "groups")
	var members []store.Member
	if rt == groupType {
		var e *scimerr.Error
		if members, e = membersFrom(attrs["members"]); e != nil {
			return nil, nil, e
		}
		delete(attrs, "members")
	}
	res, e := s.newResource(rt, "", attrs)
	if e != nil {
		return nil, nil, e
	}
	return res, members, nil
}

// newResource builds the store's form of canonical attributes: the JSON
// body and the index keys.
func (s *Server) newResource(rt *resourceType, id string, attrs map[string]any) (*store.Resource, *scimerr.Error) {
	body, err := store.EncodeBody(attrs)
	if err != nil {
		return nil, scimerr.Internal("%s %s: %v", rt.Name, id, err)
	}
	ext, _ := attrs["externalId"].(string)
	return &store.Resource{Type: rt.Name, ID: id, Key: s.key(rt, attrs), ExternalID: extKey(ext), Body: body}, nil
}

// attrsOf decodes a stored body into a map the caller may modify.
func attrsOf(res *store.Resource) (map[string]any, *scimerr.Error) {
	m, err := res.Attrs()
	if err != nil {
		return nil, scimerr.Internal("%v", err)
	}
	return m, nil
}

func membersJSON(ms []store.Member) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		v := map[string]any{"value": m.Value, "type": m.Type}
		if m.Display != "" {
			v["display"] = m.Display
		}
		out[i] = v
	}
	return out
}

// membersFrom reads canonical Group.members values.
func membersFrom(v any) ([]store.Member, *scimerr.Error) {
	if v == nil {
		return []store.Member{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "members must be an array")
	}
	out := make([]store.Member, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "members must hold objects")
		}
		value, _ := m["value"].(string)
		if value == "" {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "a member needs a value (the member's id)")
		}
		display, _ := m["display"].(string)
		out = append(out, store.Member{Value: value, Display: display})
	}
	return out, nil
}

// primaryMark remembers an element whose primary flag a quirk preserves.
type primaryMark struct {
	attr  string
	value any
}

// demotePrimaries clears all but the first primary:true per multi-valued
// attribute so validation passes, and returns what to restore afterwards
// (quirk two-primaries-stored).
func demotePrimaries(obj map[string]any) (map[string]any, []primaryMark) {
	var marks []primaryMark
	out, copied := obj, false
	for k, v := range obj {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		seen := false
		var nl []any
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok || !isTrue(m["primary"]) {
				continue
			}
			if !seen {
				seen = true
				continue
			}
			if nl == nil {
				nl = append([]any(nil), list...)
			}
			c := cloneMap(m)
			c["primary"] = false
			nl[i] = c
			marks = append(marks, primaryMark{attr: k, value: m["value"]})
		}
		if nl != nil {
			if !copied {
				out, copied = cloneMap(obj), true
			}
			out[k] = nl
		}
	}
	return out, marks
}

func isTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

func restorePrimaries(attrs map[string]any, marks []primaryMark) {
	for _, mk := range marks {
		for k, v := range attrs {
			if !strings.EqualFold(k, mk.attr) {
				continue
			}
			list, _ := v.([]any)
			nl := append([]any(nil), list...)
			for i, e := range nl {
				if m, ok := e.(map[string]any); ok && fmt.Sprint(m["value"]) == fmt.Sprint(mk.value) {
					c := cloneMap(m)
					c["primary"] = true
					nl[i] = c
				}
			}
			attrs[k] = nl
		}
	}
}
