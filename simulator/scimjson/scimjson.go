// Package scimjson reads and edits SCIM JSON bodies with case-insensitive
// attribute names. RFC 7643 §2.1 makes attribute names (and schema URIs
// used as extension keys) case-insensitive, so a server may legally answer
// {"ID": "...", "USERNAME": "..."}; an IdP simulator that reads exact-case
// gjson paths would report such a server as broken.
//
// Paths are dotted ("meta.location", "emails.0.value"). A key containing
// dots, such as the enterprise extension URN, matches as one segment either
// written plainly (the longest run of segments naming a key wins) or with
// its dots escaped as `\.`; a numeric segment indexes an array. These are
// the semantics of the suites package's field helper, plus the escape, with
// one difference kept for speed: a path without a colon that exists in
// exactly the case given is taken as nested keys even if the object also
// holds a key with dots in it ({"a":{"b":1},"A.B":2} gives 1 for "a.b").
package scimjson

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Get looks path up in r, matching each key case-insensitively. A missing
// path gives the zero Result, whose Exists is false.
func Get(r gjson.Result, path string) gjson.Result {
	if path == "" {
		return r
	}
	if plain(path) {
		// Servers nearly always use the schema's own case.
		if v := r.Get(path); v.Exists() {
			return v
		}
	}
	segs := split(path)
	cur := r
	for len(segs) > 0 {
		next, _, used := step(cur, segs)
		if used == 0 {
			return gjson.Result{}
		}
		cur, segs = next, segs[used:]
	}
	return cur
}

// GetBytes is [Get] on a raw body; a body that is not JSON finds nothing.
func GetBytes(body []byte, path string) gjson.Result {
	if !gjson.ValidBytes(body) {
		return gjson.Result{}
	}
	return Get(gjson.ParseBytes(body), path)
}

// SetBytes sets path in body to v. Every key that body already has, in
// whatever letter case, is reused, so echoing a server's body with a change
// replaces its "USERNAME" instead of adding a second "userName"; keys that
// do not exist yet are created with the case path gives.
func SetBytes(body []byte, path string, v any) ([]byte, error) {
	out, err := sjson.SetBytes(body, Resolve(body, path), v)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	return out, nil
}

// SetRawBytes is [SetBytes] with v already encoded as JSON.
func SetRawBytes(body []byte, path string, raw []byte) ([]byte, error) {
	out, err := sjson.SetRawBytes(body, Resolve(body, path), raw)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	return out, nil
}

// Resolve turns path into an exact gjson/sjson path for body: keys body
// already has are spelled as body spells them, the rest as path does, and
// every key is escaped so dots inside a URN stay part of the key.
func Resolve(body []byte, path string) string {
	if plain(path) && gjson.GetBytes(body, path).Exists() {
		return path
	}
	segs := split(path)
	keys := make([]string, 0, len(segs))
	cur := gjson.Result{}
	if gjson.ValidBytes(body) {
		cur = gjson.ParseBytes(body)
	}
	for len(segs) > 0 {
		next, key, used := step(cur, segs)
		if used == 0 {
			break
		}
		keys = append(keys, key)
		cur, segs = next, segs[used:]
	}
	keys = append(keys, segs...)
	for i, k := range keys {
		keys[i] = gjson.Escape(k)
	}
	return strings.Join(keys, ".")
}

// plain reports whether path means the same to gjson as to this package
// when every key is spelt as given: no escapes, no gjson syntax, no empty
// segment, and no colon, as dotted keys are expected only in URNs. Such a
// path is tried verbatim first, which saves splitting it on the common
// exact-case hit.
func plain(path string) bool {
	return !strings.ContainsAny(path, `\:*?|#@!`) && !strings.HasPrefix(path, ".") &&
		!strings.HasSuffix(path, ".") && !strings.Contains(path, "..")
}

// split cuts path at its unescaped dots; `\.` stays a dot inside a segment.
func split(path string) []string {
	if !strings.Contains(path, `\`) {
		return strings.Split(path, ".")
	}
	var segs []string
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i])
		case c == '.':
			segs = append(segs, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(segs, b.String())
}

// step descends one key of r, preferring the longest run of segments that
// names a key (so a URN with dots wins over its first fragment). It returns
// the value, the key as r spells it and how many segments it used; 0 means
// no match.
func step(r gjson.Result, segs []string) (gjson.Result, string, int) {
	if r.IsArray() {
		i, err := strconv.Atoi(segs[0])
		if err != nil || i < 0 {
			return gjson.Result{}, "", 0
		}
		arr := r.Array()
		if i >= len(arr) {
			return gjson.Result{}, "", 0
		}
		return arr[i], segs[0], 1
	}
	if !r.IsObject() {
		return gjson.Result{}, "", 0
	}
	for n := len(segs); n >= 1; n-- {
		want := strings.Join(segs[:n], ".")
		// Servers nearly always use the schema's own case: try it first.
		if v := r.Get(gjson.Escape(want)); v.Exists() {
			return v, want, n
		}
		var hit gjson.Result
		var key string
		found := false
		r.ForEach(func(k, v gjson.Result) bool {
			if strings.EqualFold(k.String(), want) {
				hit, key, found = v, k.String(), true
				return false
			}
			return true
		})
		if found {
			return hit, key, n
		}
	}
	return gjson.Result{}, "", 0
}
