package reference

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/scimtest/scimtest/reference/scimerr"
)

// ContentType is the media type of every response (RFC 7644 §3.8).
const ContentType = "application/scim+json; charset=utf-8"

// response is what a handler produces. Quirks rewrite it before it is
// serialised, so every deviation sits in one place.
type response struct {
	status int
	hdr    http.Header
	body   any    // JSON value, or nil for no body
	raw    []byte // pre-rendered body (wins over body when set)
	err    *scimerr.Error
}

func (r *response) header() http.Header {
	if r.hdr == nil {
		r.hdr = http.Header{}
	}
	return r.hdr
}

func jsonResponse(status int, body any) *response { return &response{status: status, body: body} }

// errorResponse renders e as the RFC 7644 §3.12 error body.
func errorResponse(e *scimerr.Error) *response {
	return &response{status: e.Status, body: e.Body(), err: e}
}

// write applies the quirks and sends resp.
func (s *Server) write(w http.ResponseWriter, r *http.Request, resp *response) {
	s.quirks.rewrite(r, resp)
	h := w.Header()
	for k, v := range resp.hdr {
		h[k] = v
	}
	if h.Get("Content-Type") == "" && (resp.body != nil || resp.raw != nil) {
		h.Set("Content-Type", ContentType)
	}
	out := resp.raw
	if out == nil && resp.body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(resp.body); err != nil {
			s.log.Error("encode response", "path", r.URL.Path, "err", err)
			resp.status = http.StatusInternalServerError
			buf.Reset()
			_ = enc.Encode(scimerr.Internal("encode response: %v", err).Body())
		}
		out = buf.Bytes()
	}
	if resp.status == http.StatusNoContent || resp.status == http.StatusNotModified {
		out = nil
		h.Del("Content-Type")
	}
	if out != nil {
		h.Set("Content-Length", strconv.Itoa(len(out)))
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && out != nil {
		_, _ = w.Write(out)
	}
}

// decodeJSON parses a request body into a JSON object, refusing nesting
// deeper than maxJSONDepth so hostile input cannot exhaust the stack.
func decodeJSON(b []byte) (map[string]any, *scimerr.Error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "request body is empty")
	}
	if depth := jsonDepth(b); depth > maxJSONDepth {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "JSON nested deeper than %d levels", maxJSONDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "request body holds more than one JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "request body must be a JSON object")
	}
	return obj, nil
}

// jsonDepth returns the maximum bracket nesting of b, ignoring strings.
func jsonDepth(b []byte) int {
	depth, maxDepth, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxDepth
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// nameSet is a concurrency-safe set of case-folded names.
type nameSet struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func newNameSet() *nameSet { return &nameSet{m: map[string]struct{}{}} }

func (n *nameSet) add(s string) {
	n.mu.Lock()
	n.m[strings.ToLower(s)] = struct{}{}
	n.mu.Unlock()
}

func (n *nameSet) has(s string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.m[strings.ToLower(s)]
	return ok
}

// etag renders a resource version as a weak entity tag (RFC 7644 §3.14).
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch is a parsed If-Match precondition (RFC 7232 §3.1): it holds when
// the resource's current version is any of versions, or always when any is
// set (header absent or "*").
type ifMatch struct {
	any      bool
	versions []int64
}

// matchAny is the precondition of a request without If-Match.
var matchAny = ifMatch{any: true}

// has reports whether a resource at version v satisfies the precondition.
func (m ifMatch) has(v int64) bool { return m.any || slices.Contains(m.versions, v) }

// String renders the accepted versions as entity tags for error messages.
func (m ifMatch) String() string {
	if m.any {
		return "*"
	}
	tags := make([]string, len(m.versions))
	for i, v := range m.versions {
		tags[i] = etag(v)
	}
	return strings.Join(tags, ", ")
}

// parseIfMatch reads an If-Match value. ok is false when the list names no
// version this server could have issued, which can never match; tags that
// are not ours are skipped, since any one matching tag suffices.
func parseIfMatch(h string) (m ifMatch, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return matchAny, true
	}
	for _, tag := range strings.Split(h, ",") {
		if v, ok := parseETag(tag); ok {
			m.versions = append(m.versions, v)
		}
	}
	return m, len(m.versions) > 0
}

// parseETag reads W/"n" or "n".
func parseETag(tag string) (int64, bool) {
	tag = strings.TrimSpace(tag)
	tag = strings.TrimPrefix(tag, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// noneMatch reports whether If-None-Match matches version (RFC 7232 §3.2,
// weak comparison).
func noneMatch(r *http.Request, version int64) bool {
	h := strings.TrimSpace(r.Header.Get("If-None-Match"))
	if h == "" {
		return false
	}
	if h == "*" {
		return true
	}
	for _, tag := range strings.Split(h, ",") {
		if v, ok := parseETag(tag); ok && v == version {
			return true
		}
	}
	return false
}
