package transcript

import "strings"

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

// secretWords are the words every secret key and pattern contains; a body
// without any of them needs no parsing.
var secretWords = []string{"password", "secret", "token", "bearer"}

// mayHoldSecret reports whether s holds one of [secretWords], so that most
// bodies and messages skip the JSON walk and the slow patterns.
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
