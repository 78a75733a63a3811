package transcript

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

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
