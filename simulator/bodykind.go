package simulator

import (
	"bytes"
	"mime"
)

// BodyKind names a response body that is not SCIM JSON, for one-line
// messages about a target that answered with something else: "an empty
// body", "an HTML page" (a web server, a login page or a proxy's error
// page), "a text/plain body" (its media type), or "a body that is not
// JSON". The caller decides first whether the body is JSON; an HTML media
// type or a body starting with "<" is an HTML page whatever else it holds.
func BodyKind(contentType string, body []byte) string {
	b := bytes.TrimSpace(body)
	ct, _, _ := mime.ParseMediaType(contentType)
	switch {
	case ct == "text/html" || ct == "application/xhtml+xml" || bytes.HasPrefix(b, []byte("<")):
		return "an HTML page"
	case len(b) == 0:
		return "an empty body"
	case ct != "":
		return "a " + ct + " body"
	}
	return "a body that is not JSON"
}
