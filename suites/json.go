package suites

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// field looks up a dotted attribute path in r with case-insensitive keys:
// attribute names are case-insensitive (RFC 7643 §2.1), so "Meta.Location"
// and "meta.location" find the same value. Keys that contain dots (schema
// URNs such as "urn:...:enterprise:2.0:User") match as one segment; a numeric
// segment indexes an array.
func field(r gjson.Result, path string) gjson.Result {
	if path == "" {
		return r
	}
	segs := strings.Split(path, ".")
	cur := r
	for len(segs) > 0 {
		next, used := step(cur, segs)
		if used == 0 {
			return gjson.Result{}
		}
		cur, segs = next, segs[used:]
	}
	return cur
}

// step descends one key, preferring the longest run of segments that names a
// key (so a URN with dots wins over its first fragment).
func step(r gjson.Result, segs []string) (gjson.Result, int) {
	if r.IsArray() {
		i, err := strconv.Atoi(segs[0])
		arr := r.Array()
		if err != nil || i < 0 || i >= len(arr) {
			return gjson.Result{}, 0
		}
		return arr[i], 1
	}
	if !r.IsObject() {
		return gjson.Result{}, 0
	}
	for n := len(segs); n >= 1; n-- {
		want := strings.Join(segs[:n], ".")
		var hit gjson.Result
		found := false
		r.ForEach(func(k, v gjson.Result) bool {
			if strings.EqualFold(k.String(), want) {
				hit, found = v, true
				return false
			}
			return true
		})
		if found {
			return hit, n
		}
	}
	return gjson.Result{}, 0
}

// storedPath spells the dotted attribute path as doc spells its keys, for
// sjson: an edit of a target's own document then replaces its member rather
// than adding a second one in another letter case (attribute names are
// case-insensitive, RFC 7643 §2.1, so a target may answer "NAME"). Segments
// doc lacks keep the spelling given. Keys with dots (URNs) are not supported.
func storedPath(doc gjson.Result, path string) string {
	segs := strings.Split(path, ".")
	cur := doc
	for i, s := range segs {
		next := gjson.Result{}
		if cur.IsArray() {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(cur.Array()) {
				next = cur.Array()[n]
			}
		} else if cur.IsObject() {
			cur.ForEach(func(k, v gjson.Result) bool {
				if strings.EqualFold(k.String(), s) {
					segs[i], next = k.String(), v
					return false
				}
				return true
			})
		}
		segs[i] = sjsonEscaper.Replace(segs[i])
		cur = next
	}
	return strings.Join(segs, ".")
}

// sjsonEscaper escapes the characters sjson paths give a meaning.
var sjsonEscaper = strings.NewReplacer(`\`, `\\`, ".", `\.`, "*", `\*`, "?", `\?`)

// hasKey reports whether object r has key (case-insensitive).
func hasKey(r gjson.Result, key string) bool {
	if !r.IsObject() {
		return false
	}
	found := false
	r.ForEach(func(k, _ gjson.Result) bool {
		found = strings.EqualFold(k.String(), key)
		return !found
	})
	return found
}

// hasString reports whether the JSON array arr contains s. Schema URIs are
// compared case-insensitively, like attribute names.
func hasString(arr gjson.Result, s string) bool {
	for _, v := range arr.Array() {
		if v.Type == gjson.String && strings.EqualFold(v.String(), s) {
			return true
		}
	}
	return false
}

// isJSONString reports whether r is present and a JSON string.
func isJSONString(r gjson.Result) bool { return r.Exists() && r.Type == gjson.String }

// isJSONBool reports whether r is present and a JSON boolean.
func isJSONBool(r gjson.Result) bool { return r.Type == gjson.True || r.Type == gjson.False }

// isJSONInteger reports whether r is a JSON number without fraction or
// exponent (RFC 7643 §2.3.4).
func isJSONInteger(r gjson.Result) bool {
	return r.Type == gjson.Number && !strings.ContainsAny(r.Raw, ".eE")
}

// jsonKind names the JSON type of r for messages.
func jsonKind(r gjson.Result) string {
	switch {
	case !r.Exists():
		return "absent or not JSON"
	case r.IsArray():
		return "an array"
	case r.IsObject():
		return "an object"
	case r.Type == gjson.String:
		return "a string"
	case r.Type == gjson.Number:
		return "a number"
	case isJSONBool(r):
		return "a boolean"
	default:
		return "null"
	}
}

// quote renders s as a filter comparison value: a JSON string (RFC 7644
// §3.4.2.2 takes JSON string syntax), e.g. userName eq `+"`"+`+quote(name).
func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil { // a Go string always marshals; keep a safe fallback
		return strconv.Quote(s)
	}
	return string(b)
}
