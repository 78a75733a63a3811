package transcript

import (
	"strings"

	"github.com/tidwall/gjson"
)

// secretKeys are JSON member names (lower case, without a schema URN prefix)
// whose values are secret.
var secretKeys = map[string]bool{
	"password":      true,
	"secret":        true,
	"client_secret": true,
	"access_token":  true,
	"refresh_token": true,
	"token":         true,
	"bearer":        true,
}

// isSecretKey reports whether a JSON member name or PATCH path names a
// secret. A path may carry a schema URN ("urn:...:User:password") or a value
// filter; only the last attribute name counts.
func isSecretKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	if i := strings.IndexByte(k, '['); i >= 0 {
		k = k[:i]
	}
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		k = k[i+1:]
	}
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		k = k[i+1:]
	}
	return secretKeys[k]
}

// RedactBody redacts secrets in a request or response body. A JSON body is
// rewritten (compact, member order kept) only when it held a secret;
// anything else (truncated JSON, form data, text) is scrubbed by pattern.
func RedactBody(body string) string { return collector(nil).redactBody(body) }

func (c collector) redactBody(body string) string {
	if body == "" {
		return body
	}
	// A member name may spell its letters as \u escapes ("pass\u0077ord"),
	// which the cheap word scan cannot see: such a body is parsed too.
	if !mayHoldSecret(body) && !strings.Contains(body, `\u`) {
		return c.redactText(body)
	}
	trimmed := strings.TrimSpace(body)
	// gjson validates recursively, so a body nested deeper than
	// maxJSONDepth is left to the patterns rather than parsed.
	if nestedWithin(trimmed, maxJSONDepth) && gjson.Valid(trimmed) {
		var b strings.Builder
		b.Grow(len(trimmed))
		if c.redactJSON(gjson.Parse(trimmed), &b) {
			return c.redactCredentials(b.String())
		}
		return c.redactCredentials(body)
	}
	return c.redactText(body)
}

// maxJSONDepth bounds the nesting of a body parsed as JSON. It keeps the
// recursion of the validator and of [collector.redactJSON] shallow on
// hostile input, and their cost near linear: every level of the walk scans
// the text of the levels inside it again. SCIM bodies nest a handful deep.
const maxJSONDepth = 200

// nestedWithin reports whether s opens at most limit JSON arrays and objects
// inside one another, not counting brackets in strings.
func nestedWithin(s string, limit int) bool {
	depth, inString := 0, false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case inString && ch == '\\':
			i++ // the escaped byte cannot end the string
		case ch == '"':
			inString = !inString
		case inString:
		case ch == '{' || ch == '[':
			if depth++; depth > limit {
				return false
			}
		case (ch == '}' || ch == ']') && depth > 0:
			depth--
		}
	}
	return true
}

// quotedRedacted is [Redacted] as a JSON string.
var quotedRedacted = `"` + Redacted + `"`

// redactJSON writes v to b with secret values replaced and reports whether
// it replaced anything. Everything else is copied from the sender's raw
// text (member order, number formats, string escapes); only whitespace
// between tokens is dropped.
func (c collector) redactJSON(v gjson.Result, b *strings.Builder) bool {
	changed := false
	switch {
	case v.IsObject():
		type member struct{ key, val gjson.Result }
		var ms []member
		secretPath := false
		v.ForEach(func(k, val gjson.Result) bool {
			ms = append(ms, member{k, val})
			// A PATCH operation carries the secret beside its path (RFC 7644,
			// Section 3.5.2): {"op":"replace","path":"password","value":"..."}.
			// Any path naming a password counts, filtered or not.
			if strings.EqualFold(k.Str, "path") && val.Type == gjson.String &&
				(isSecretKey(val.Str) || containsFold(val.Str, "password")) {
				secretPath = true
			}
			return true
		})
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m.key.Raw)
			b.WriteByte(':')
			if isSecretKey(m.key.Str) || (secretPath && strings.EqualFold(m.key.Str, "value")) {
				if m.val.Type == gjson.String {
					c.add(m.val.Str)
				}
				if m.val.Raw != quotedRedacted {
					changed = true
				}
				b.WriteString(quotedRedacted)
				continue
			}
			changed = c.redactJSON(m.val, b) || changed
		}
		b.WriteByte('}')
	case v.IsArray():
		b.WriteByte('[')
		i := 0
		v.ForEach(func(_, val gjson.Result) bool {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			changed = c.redactJSON(val, b) || changed
			return true
		})
		b.WriteByte(']')
	default:
		b.WriteString(v.Raw)
	}
	return changed
}
