package guard

import (
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// foreignLockedIn reports whether the resource id of collection coll was
// seen but not created by this run: seen in coll, or seen where its
// collection could not be told and not created in coll. An empty coll
// means the collection is unknown: see [Guard.foreignAnywhereLocked].
func (g *Guard) foreignLockedIn(coll, id string) bool {
	if id == "" {
		return false
	}
	if coll == "" {
		return g.foreignAnywhereLocked(id)
	}
	if s, ok := g.ids[key{coll, id}]; ok {
		return !s.created
	}
	_, ok := g.ids[key{anyColl, id}]
	return ok
}

// foreignAnywhereLocked reports whether id, of a collection the request
// does not tell, is foreign in some collection and created in none: a
// member without "type" or "$ref" whose id is the run's user and a
// stranger's group is taken for the run's user.
func (g *Guard) foreignAnywhereLocked(id string) bool {
	t := g.byID[id]
	return t.foreign > 0 && t.created == 0
}

// refKeys are the attributes whose strings can name a resource (compared
// in lower case: SCIM attribute names are case-insensitive): a member's,
// group's or manager's "value", a "$ref", a Bulk operation's or a PATCH
// filter's "path", and an "id". Other strings (names, e-mails, an
// employeeNumber) are data: a short numeric id ("1") must not be mistaken
// for one of them.
var refKeys = map[string]bool{"value": true, "$ref": true, "path": true, "id": true}

// foreignInLocked returns the first foreign id that v names at a reference
// attribute: as a whole string, as the last segment of a path
// ("/Users/<id>"), or quoted inside a PATCH filter path
// (`members[value eq "<id>"]`). name is the attribute v is the value of,
// coll the collection its id belongs to when known ("" otherwise), and top
// tells the request body itself from the objects inside it.
func (g *Guard) foreignInLocked(v gjson.Result, name, coll string, top bool) string {
	found := ""
	switch {
	case v.IsObject():
		// A PATCH operation's value is data unless its path leads to
		// members, groups or a manager (or it has no path: then the value
		// is an object whose own keys say what it holds).
		skipValue := false
		if p := getCI(v, "path"); p.Type == gjson.String && hasKey(v, "op") {
			skipValue = !namesReference(p.String())
		}
		// A member's or manager's "type" or "$ref" says which collection
		// its value is an id of.
		hint := g.refCollLocked(v)
		v.ForEach(func(k, e gjson.Result) bool {
			n := strings.ToLower(k.String())
			if n == "value" && skipValue || n == "groups" {
				// A User's groups is readOnly (RFC 7643, Section 4.1.2):
				// the target ignores it in a write, and a GET+PUT echoes
				// the groups a target put its new users in by itself.
				return true
			}
			c := ""
			switch {
			case n == "id" && top:
				c = coll
			case n == "value":
				c = hint
			}
			found = g.foreignInLocked(e, n, c, false)
			return found == ""
		})
	case v.IsArray():
		v.ForEach(func(_, e gjson.Result) bool {
			found = g.foreignInLocked(e, name, coll, false)
			return found == ""
		})
	case (v.Type == gjson.String || v.Type == gjson.Number) && refKeys[name]:
		for _, r := range candidates(v.String(), coll) {
			if g.foreignLockedIn(r.coll, r.id) {
				return r.id
			}
		}
	}
	return found
}

// refCollLocked returns the collection that reference object v (a member,
// a group, a manager) points into, from its "type" (a resource type the
// guard knows) or its "$ref"; "" when neither tells.
func (g *Guard) refCollLocked(v gjson.Result) string {
	if t := getCI(v, "type"); t.Type == gjson.String {
		if c, ok := g.types[strings.ToLower(t.String())]; ok {
			return c
		}
	}
	if r := getCI(v, "$ref"); r.Type == gjson.String {
		if c, id := resourceOf(urlPath(r.String())); id != "" {
			return c
		}
	}
	return ""
}

// getCI returns the member k of object v, in any letter case (SCIM
// attribute names are case-insensitive, RFC 7643 Section 2.1).
func getCI(v gjson.Result, k string) gjson.Result {
	var out gjson.Result
	v.ForEach(func(key, e gjson.Result) bool {
		if strings.EqualFold(key.String(), k) {
			out = e
			return false
		}
		return true
	})
	return out
}

// hasKey reports whether object v has key k, in any letter case.
func hasKey(v gjson.Result, k string) bool { return getCI(v, k).Exists() }

// namesReference reports whether a PATCH path leads to attributes that hold
// resource ids: members, groups, manager (RFC 7643, Sections 4.1.2, 4.2
// and 4.3).
func namesReference(path string) bool {
	p := strings.ToLower(path)
	return strings.Contains(p, "member") || strings.Contains(p, "group") || strings.Contains(p, "manager")
}

// candidates returns the resources a reference string could name: itself
// in coll, the resource a path ends in ("/Users/<id>": that id of Users),
// and each quoted string of a filter, of a collection not told.
func candidates(s, coll string) []key {
	out := []key{{coll, s}}
	if strings.Contains(s, "/") {
		if c, id := resourceOf(urlPath(s)); id != "" {
			out = append(out, key{c, id})
		}
	}
	for rest := s; ; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '"')
		if j < 0 {
			break
		}
		out = append(out, key{"", rest[:j]})
		rest = rest[j+1:]
	}
	return out
}

// resourceOf splits an escaped URL path into the collection (the segment
// before the last, in lower case; "" when there is none) and the last
// segment, both unescaped.
func resourceOf(p string) (coll, id string) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimRight(p, "/")
	i := strings.LastIndexByte(p, '/')
	id = unescape(p[i+1:])
	if i <= 0 {
		return "", id
	}
	rest := p[:i]
	return strings.ToLower(unescape(rest[strings.LastIndexByte(rest, '/')+1:])), id
}

// unescape undoes the escaping of one path segment, leaving it as it is
// when it does not unescape.
func unescape(seg string) string {
	if u, err := url.PathUnescape(seg); err == nil {
		return u
	}
	return seg
}

// lastSegment returns the last non-empty, unescaped segment of a URL path.
func lastSegment(p string) string {
	_, id := resourceOf(p)
	return id
}

// urlPath returns the escaped path of an absolute URL or a path.
func urlPath(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.EscapedPath()
	}
	return s
}
