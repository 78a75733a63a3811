package transcript

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/tidwall/gjson"
)

// Redacted replaces every secret value found. The recording client (package
// simulator) and the report writers both redact with this package, so a
// report reads alike whoever redacted.
const Redacted = "REDACTED"

// Redact returns a copy of e with secrets replaced by [Redacted]: credential
// headers (Authorization, Cookie, API keys, tokens), password and token values
// in JSON bodies (also as the value of a PATCH operation on "password"),
// bearer/basic credentials in any text, and credentials in the URL.
//
// Exchanges are meant to be redacted when recorded; files written from them
// redact again so that one careless producer cannot leak a token.
func Redact(e Exchange) Exchange { return RedactCollect(e, nil) }

// RedactCollect is [Redact] that also adds every secret value it removed
// (credentials, passwords, tokens; at least [MinSecretLen] bytes) to found,
// when found is not nil. A writer can then scrub those values from text it
// cannot parse, such as a failure message quoting a returned password.
func RedactCollect(e Exchange, found map[string]bool) Exchange {
	c := collector(found)
	e.URL = c.redactURL(e.URL)
	e.RequestHeader = c.redactHeader(e.RequestHeader)
	e.ResponseHeader = c.redactHeader(e.ResponseHeader)
	e.RequestBody = c.redactBody(e.RequestBody)
	e.ResponseBody = c.redactBody(e.ResponseBody)
	e.Error = c.redactText(e.Error)
	return e
}

// MinSecretLen is the shortest value [RedactCollect] reports: shorter ones
// ("x", "1234") would scrub ordinary text.
const MinSecretLen = 6

// collector records the secret values redaction removes; a nil collector
// records nothing.
type collector map[string]bool

func (c collector) add(v string) {
	v = strings.TrimSpace(v)
	// A value already masked by a recorder is no secret; scrubbing it would
	// mangle the marker everywhere.
	if c == nil || len(v) < MinSecretLen || strings.Contains(strings.ToUpper(v), Redacted) {
		return
	}
	c[v] = true
}

// addCredential records a header value, the credential after its scheme
// ("Bearer abc") and each cookie value ("a=b; c=d").
func (c collector) addCredential(v string) {
	c.add(v)
	if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		c.add(cred)
	}
	for part := range strings.SplitSeq(v, ";") {
		if _, val, ok := strings.Cut(part, "="); ok {
			c.add(val)
		}
	}
}

// secretHeaders are header names (lower case) whose values are always secret.
var secretHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
}

// secretHeaderWords mark a header as secret when its lower-case name holds
// one of them (X-Api-Key, X-Auth-Token, X-Client-Secret, ...).
var secretHeaderWords = []string{"token", "secret", "api-key", "apikey", "password"}

// isSecretHeader reports whether a header named name (any letter case) may
// carry a credential: a well-known one, or one of extra, which names the
// header a custom credential travels in.
func isSecretHeader(name string, extra []string) bool {
	n := strings.ToLower(name)
	if secretHeaders[n] {
		return true
	}
	for _, e := range extra {
		if strings.EqualFold(e, name) {
			return true
		}
	}
	for _, w := range secretHeaderWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactHeader returns a copy of h fit for a transcript: the credentials in
// Authorization keep their scheme word ("Bearer REDACTED"), every other
// header that may carry a secret (cookies, API keys, tokens, and the extra
// names, in any letter case) is replaced whole, and credentials written out
// in the remaining values are scrubbed as by [RedactText].
func RedactHeader(h map[string][]string, extra ...string) map[string][]string {
	return collector(nil).redactHeader(h, extra...)
}

func (c collector) redactHeader(h map[string][]string, extra ...string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for name, values := range h {
		cp := make([]string, len(values))
		secret := isSecretHeader(name, extra)
		for i, v := range values {
			if secret {
				c.addCredential(v)
				cp[i] = maskCredential(name, v)
			} else {
				cp[i] = c.redactText(v)
			}
		}
		out[name] = cp
	}
	return out
}

// maskCredential replaces a secret header value, keeping the scheme word of
// an Authorization value ("Bearer REDACTED") so a reader can tell Basic from
// Bearer.
func maskCredential(name, v string) string {
	if n := strings.ToLower(name); n == "authorization" || n == "proxy-authorization" {
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && scheme != "" && !strings.ContainsAny(scheme, "=;,") {
			return scheme + " " + Redacted
		}
	}
	return Redacted
}

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

// secretWords are the words every secret key and pattern contains; a body
// without any of them needs no parsing.
var secretWords = []string{"password", "secret", "token", "bearer"}

func mayHoldSecret(s string) bool {
	for _, w := range secretWords {
		if containsFold(s, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word,
// ignoring ASCII case, without allocating.
func containsFold(s, word string) bool {
	n := len(word)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
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

var (
	// jsonSecretPattern finds "password": "..." in JSON that did not parse
	// (a body cut at the cap); the closing quote may be missing.
	jsonSecretPattern = regexp.MustCompile(`(?i)("(?:[a-z0-9:._-]*:)?(?:password|secret|client_secret|access_token|refresh_token|token)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)`)
	// quotedSecretPattern is jsonSecretPattern for JSON quoted inside a Go or
	// JSON string, where every quote is escaped: {\"password\":\"...\"}.
	quotedSecretPattern = regexp.MustCompile(`(?i)(\\"(?:[a-z0-9:._-]*:)?(?:password|secret|client_secret|access_token|refresh_token|token)\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*(?:\\"|$)`)
	// patchSecretPattern finds a PATCH operation's value next to a password
	// path in JSON that did not parse.
	patchSecretPattern = regexp.MustCompile(`(?i)("path"\s*:\s*"(?:[a-z0-9:._-]*:)?password"\s*,\s*"value"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)`)
	// formSecretPattern finds password=... in form or query encoding.
	formSecretPattern = regexp.MustCompile(`(?i)(\b(?:password|client_secret|access_token|refresh_token|token)=)[^&\s]*`)
	// credentialPattern finds HTTP credentials written out in any text.
	credentialPattern = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/]+=*)`)
)

// scrubPatterns applies the patterns. Case-insensitive patterns run at a
// few MB/s on large text, so each runs only when the text holds a literal
// its matches must contain.
func scrubPatterns(s string) string {
	s = jsonSecretPattern.ReplaceAllString(s, `${1}"`+Redacted+`"`)
	if containsFold(s, `"path"`) {
		s = patchSecretPattern.ReplaceAllString(s, `${1}"`+Redacted+`"`)
	}
	if strings.Contains(s, `\"`) {
		s = quotedSecretPattern.ReplaceAllString(s, `${1}\"`+Redacted+`\"`)
	}
	if containsFold(s, "password=") || containsFold(s, "secret=") || containsFold(s, "token=") {
		s = formSecretPattern.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// authParams are the parameter names of a WWW-Authenticate challenge
// (RFC 6750, Section 3), followed by "=" where a credential would stand.
var authParams = map[string]bool{
	"realm=": true, "scope=": true, "error=": true, "error_description=": true,
	"error_uri=": true, "charset=": true,
}

// RedactText removes credentials from free text such as a failure message or
// a transport error: "Bearer <token>", "Basic <creds>", user:password@ in
// URLs, and secret members of JSON quoted in the text ("password":"...",
// also with escaped quotes).
func RedactText(s string) string { return collector(nil).redactText(s) }

func (c collector) redactText(s string) string {
	if mayHoldSecret(s) {
		s = scrubPatterns(s)
	}
	return c.redactCredentials(s)
}

// redactCredentials removes HTTP credentials and URL user information.
func (c collector) redactCredentials(s string) string {
	if s == "" {
		return s
	}
	// The pattern is costly on large bodies; most text holds neither word.
	if containsFold(s, "bearer") || containsFold(s, "basic") {
		s = credentialPattern.ReplaceAllStringFunc(s, func(m string) string {
			sub := credentialPattern.FindStringSubmatch(m)
			if authParams[strings.ToLower(sub[3])] {
				// A challenge such as `Bearer realm="scim"` holds no secret.
				return m
			}
			c.add(sub[3])
			return sub[1] + sub[2] + Redacted
		})
	}
	return stripUserinfo(s)
}

// stripUserinfo removes "user:password@" after every "://" in s, in one pass
// (a regexp backtracks badly on large bodies full of e-mail addresses).
func stripUserinfo(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		b.WriteString(rest[:i+3])
		rest = rest[i+3:]
		end := strings.IndexFunc(rest, func(r rune) bool {
			return r == '/' || r == '@' || r == '"' || r == '\'' || r == '<' || r == '>' || unicode.IsSpace(r)
		})
		if end >= 0 && rest[end] == '@' && end > 0 {
			rest = rest[end+1:]
		}
	}
	b.WriteString(rest)
	return b.String()
}

// RedactURL drops user information and secret query parameters (token,
// password, ...) from a URL.
func RedactURL(raw string) string { return collector(nil).redactURL(raw) }

func (c collector) redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return c.redactText(raw)
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			c.add(pw)
		}
		u.User = nil
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if isSecretKey(k) {
				for _, v := range q[k] {
					c.add(v)
				}
				q[k] = []string{Redacted}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}
