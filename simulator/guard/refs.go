package guard

import (
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// foreignIDLocked reports whether id was seen but not created by this run.
func (g *Guard) foreignIDLocked(id string) bool {
	if id == "" {
		return false
	}
	s, ok := g.ids[id]
	return ok && !s.created
}

// refKeys are the attributes whose strings can name a resource (compared
// in lower case: SCIM attribute names are case-insensitive): a member's,
// group's or manager's "value", a "$ref", a Bulk operation's or a PATCH
// filter's "path", and an "id". Other strings (names, e-mails, an
// employeeNumber) are data: a short numeric id ("1") must not be mistaken
// for one of them.
var refKeys = map[string]bool{"value": true, "$ref": true, "path": true, "id": true}

// foreignInLocked returns the first seen-but-not-created id that v names
// at a reference attribute: as a whole string, as the last segment of a path
// ("/Users/<id>"), or quoted inside a PATCH filter path
// (`members[value eq "<id>"]`). key is the attribute v is the value of.
func (g *Guard) foreignInLocked(v gjson.Result, key string) string {
	found := ""
	switch {
	case v.IsObject():
		// A PATCH operation's value is data unless its path leads to
		// members, groups or a manager (or it has no path: then the value
		// is an object whose own keys say what it holds).
		skipValue := false
		v.ForEach(func(k, e gjson.Result) bool {
			if strings.EqualFold(k.String(), "path") && e.Type == gjson.String && hasKey(v, "op") {
				skipValue = !namesReference(e.String())
			}
			return true
		})
		v.ForEach(func(k, e gjson.Result) bool {
			name := strings.ToLower(k.String())
			if name == "value" && skipValue || name == "groups" {
				// A User's groups is readOnly (RFC 7643, Section 4.1.2):
				// the target ignores it in a write, and a GET+PUT echoes
				// the groups a target put its new users in by itself.
				return true
			}
			found = g.foreignInLocked(e, name)
			return found == ""
		})
	case v.IsArray():
		v.ForEach(func(_, e gjson.Result) bool {
			found = g.foreignInLocked(e, key)
			return found == ""
		})
	case (v.Type == gjson.String || v.Type == gjson.Number) && refKeys[key]:
		for _, cand := range candidates(v.String()) {
			if g.foreignIDLocked(cand) {
				return cand
			}
		}
	}
	return found
}

// hasKey reports whether object v has key k, in any letter case.
func hasKey(v gjson.Result, k string) bool {
	found := false
	v.ForEach(func(key, _ gjson.Result) bool {
		found = strings.EqualFold(key.String(), k)
		return !found
	})
	return found
}

// namesReference reports whether a PATCH path leads to attributes that hold
// resource ids: members, groups, manager (RFC 7643, Sections 4.1.2, 4.2
// and 4.3).
func namesReference(path string) bool {
	p := strings.ToLower(path)
	return strings.Contains(p, "member") || strings.Contains(p, "group") || strings.Contains(p, "manager")
}

// candidates returns the ids a string could name.
func candidates(s string) []string {
	out := []string{s}
	if strings.Contains(s, "/") {
		out = append(out, lastSegment(s))
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
		out = append(out, rest[:j])
		rest = rest[j+1:]
	}
	return out
}

// lastSegment returns the last non-empty, unescaped segment of a URL path.
func lastSegment(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimRight(p, "/")
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if u, err := url.PathUnescape(seg); err == nil {
		return u
	}
	return seg
}

// locationID returns the id a Location URL (absolute or a path) ends in.
func locationID(loc string) string {
	if loc == "" {
		return ""
	}
	if u, err := url.Parse(loc); err == nil {
		return lastSegment(u.EscapedPath())
	}
	return lastSegment(loc)
}
