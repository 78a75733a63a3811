package reference_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reference/referencetest"
)

const token = "test-token"

// harness is one provider under test plus a client bound to it, in the
// manner of net/http's newClientServerTest.
type harness struct {
	t    testing.TB
	base string
}

func newHarness(t testing.TB, quirks ...string) *harness {
	t.Helper()
	return newHarnessOpts(t, reference.Options{Token: token, Quirks: quirks})
}

func newHarnessOpts(t testing.TB, opts reference.Options) *harness {
	t.Helper()
	_, base := referencetest.NewTestServer(t, opts)
	return &harness{t: t, base: base}
}

// result is a decoded response.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r *result) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// do sends a request; body may be a string (sent as is) or a value
// (JSON-encoded). hdr are header name/value pairs; "Authorization" defaults
// to the test token.
func (h *harness) do(method, path string, body any, hdr ...string) *result {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	res := &result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented && resp.StatusCode != http.StatusServiceUnavailable {
		h.t.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, raw)
	}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &res.body)
	}
	return res
}

// must checks the status and returns the result.
func (h *harness) must(status int, method, path string, body any, hdr ...string) *result {
	h.t.Helper()
	r := h.do(method, path, body, hdr...)
	if r.status != status {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.raw)
	}
	return r
}

func userBody(name string, extra ...any) map[string]any {
	b := map[string]any{
		"schemas":  []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": name,
		"name":     map[string]any{"givenName": "G", "familyName": "F"},
		"emails":   []any{map[string]any{"value": name + "@example.com", "type": "work", "primary": true}},
		"active":   true,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

func groupBody(name string, memberIDs ...string) map[string]any {
	ms := make([]any, len(memberIDs))
	for i, id := range memberIDs {
		ms[i] = map[string]any{"value": id}
	}
	return map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": name,
		"members":     ms,
	}
}

func (h *harness) createUser(name string, extra ...any) *result {
	h.t.Helper()
	return h.must(http.StatusCreated, "POST", "/Users", userBody(name, extra...))
}

func (h *harness) createGroup(name string, members ...string) *result {
	h.t.Helper()
	return h.must(http.StatusCreated, "POST", "/Groups", groupBody(name, members...))
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": list}
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}
