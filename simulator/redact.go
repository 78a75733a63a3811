package simulator

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Redacted replaces every secret in a transcript.
const Redacted = "REDACTED"

// RedactHeader returns a copy of h fit for a transcript: the credentials in
// Authorization keep their scheme word ("Bearer REDACTED"), and every other
// header that may carry a secret (cookies, API keys, the extra names) is
// replaced whole.
func RedactHeader(h http.Header, extra ...string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		secret := isSecretHeader(ck)
		for _, e := range extra {
			if strings.EqualFold(e, ck) {
				secret = true
			}
		}
		if !secret {
			out[k] = append([]string(nil), vs...)
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = redactCredential(ck, v)
		}
		out[k] = red
	}
	return out
}

// redactCredential keeps the auth scheme of an Authorization-style value so a
// reader can still tell Basic from Bearer.
func redactCredential(name, v string) string {
	if name == "Authorization" || name == "Proxy-Authorization" {
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && scheme != "" {
			return scheme + " " + Redacted
		}
	}
	return Redacted
}

// RedactBody returns body with every JSON password value replaced by
// [Redacted]: members named "password" in any letter case at any depth, and
// the value of a PATCH operation whose path names a password (RFC 7644,
// Section 3.5.2). A body that is not JSON, or holds no password, is returned
// unchanged; a rewritten body is compacted.
func RedactBody(body []byte) []byte {
	// The cheap scan misses a key spelled with \u escapes; walk those too.
	if (!containsFold(body, "password") && !bytes.Contains(body, []byte(`\u`))) || !gjson.ValidBytes(body) {
		return body
	}
	var buf bytes.Buffer
	buf.Grow(len(body))
	writeRedacted(&buf, gjson.ParseBytes(body))
	return buf.Bytes()
}

func writeRedacted(buf *bytes.Buffer, v gjson.Result) {
	switch {
	case v.IsObject():
		// A PATCH operation {"op":..,"path":"password","value":..} carries the
		// secret under "value".
		patchPassword := false
		if p := v.Get("path"); p.Type == gjson.String && containsFold([]byte(p.Str), "password") {
			patchPassword = true
		}
		buf.WriteByte('{')
		first := true
		v.ForEach(func(k, val gjson.Result) bool {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.WriteString(k.Raw)
			buf.WriteByte(':')
			name := k.String()
			if strings.EqualFold(name, "password") || (patchPassword && strings.EqualFold(name, "value")) {
				buf.WriteString(`"` + Redacted + `"`)
			} else {
				writeRedacted(buf, val)
			}
			return true
		})
		buf.WriteByte('}')
	case v.IsArray():
		buf.WriteByte('[')
		first := true
		v.ForEach(func(_, val gjson.Result) bool {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeRedacted(buf, val)
			return true
		})
		buf.WriteByte(']')
	default:
		buf.WriteString(v.Raw)
	}
}

// containsFold reports whether ASCII word occurs in b in any letter case,
// without allocating.
func containsFold(b []byte, word string) bool {
	n := len(word)
	for i := 0; i+n <= len(b); i++ {
		match := true
		for j := 0; j < n; j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// capBody cuts b to at most limit bytes on a UTF-8 boundary and reports
// whether it cut anything.
func capBody(b []byte, limit int) (string, bool) {
	if limit <= 0 || len(b) <= limit {
		return string(b), false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]), true
}
