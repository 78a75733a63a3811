package reference_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

func TestETags(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("etag")
	id, tag := u.str("id"), u.header.Get("ETag")
	if !strings.HasPrefix(tag, `W/"`) {
		t.Fatalf("ETag = %q, want a weak entity tag", tag)
	}
	r := h.must(http.StatusNotModified, "GET", "/Users/"+id, nil, "If-None-Match", tag)
	if len(r.raw) != 0 {
		t.Errorf("304 with body %q", r.raw)
	}
	h.must(http.StatusOK, "GET", "/Users/"+id, nil, "If-None-Match", `W/"999"`)
	r = h.must(http.StatusOK, "PUT", "/Users/"+id, userBody("etag", "title", "x"), "If-Match", tag)
	newTag := r.header.Get("ETag")
	if newTag == tag || newTag != r.body["meta"].(map[string]any)["version"] {
		t.Errorf("after PUT ETag %q (was %q), meta.version %v", newTag, tag, r.body["meta"])
	}
	for _, m := range []string{"PUT", "PATCH", "DELETE"} {
		var body any = userBody("etag")
		if m == "PATCH" {
			body = patchBody(op("replace", "title", "y"))
		}
		if m == "DELETE" {
			body = nil
		}
		r = h.must(http.StatusPreconditionFailed, m, "/Users/"+id, body, "If-Match", tag)
		if r.str("status") != "412" {
			t.Errorf("%s stale If-Match body: %s", m, r.raw)
		}
	}
	h.must(http.StatusPreconditionFailed, "PUT", "/Users/"+id, userBody("etag"), "If-Match", `"garbage"`)
	h.must(http.StatusOK, "PUT", "/Users/"+id, userBody("etag"), "If-Match", "*")
	h.must(http.StatusNoContent, "DELETE", "/Users/"+id, nil, "If-Match", "*")
}

// A list of entity-tags matches when any tag matches (RFC 7232 §3.1, §3.2),
// not only the first; every write path and GET's If-None-Match honour it.
func TestETagLists(t *testing.T) {
	h := newHarness(t)
	member := h.createUser("etag-list-member").str("id")
	writes := []struct {
		name   string
		create func(n int) string // returns the resource path, at version 1
		method string
		body   any
	}{
		{"PUT user", func(n int) string { return "/Users/" + h.createUser(fmt.Sprintf("etl-put-%d", n)).str("id") }, "PUT", nil},
		{"PATCH user", func(n int) string { return "/Users/" + h.createUser(fmt.Sprintf("etl-patch-%d", n)).str("id") }, "PATCH", patchBody(op("replace", "title", "t"))},
		{"PATCH members", func(n int) string { return "/Groups/" + h.createGroup(fmt.Sprintf("etl-g-%d", n)).str("id") }, "PATCH",
			patchBody(op("add", "members", []any{map[string]any{"value": member}}))},
		{"DELETE user", func(n int) string { return "/Users/" + h.createUser(fmt.Sprintf("etl-del-%d", n)).str("id") }, "DELETE", nil},
	}
	lists := []struct {
		header string
		match  bool
	}{
		{`W/"1"`, true},
		{`W/"1", W/"2"`, true},
		{`W/"7", W/"1"`, true},
		{`"junk", W/"8",W/"1"`, true},
		{`W/"7", W/"8"`, false},
		{`W/"7", junk`, false},
	}
	n := 0
	for _, w := range writes {
		for _, l := range lists {
			n++
			path := w.create(n)
			body := w.body
			if w.method == "PUT" {
				body = userBody(fmt.Sprintf("etl-put-%d", n), "title", "new")
			}
			want := http.StatusPreconditionFailed
			switch {
			case l.match && w.method == "DELETE":
				want = http.StatusNoContent
			case l.match:
				want = http.StatusOK
			}
			if r := h.do(w.method, path, body, "If-Match", l.header); r.status != want {
				t.Errorf("%s with If-Match %s: status %d, want %d: %s", w.name, l.header, r.status, want, r.raw)
			}
			if r := h.do("GET", path, nil, "If-None-Match", `W/"1"`); !l.match && r.status != http.StatusNotModified {
				t.Errorf("%s with If-Match %s changed the resource: %d %s", w.name, l.header, r.status, r.raw)
			}
		}
	}
	id := h.createUser("etl-none-match").str("id")
	for _, l := range lists {
		want := http.StatusOK
		if l.match {
			want = http.StatusNotModified
		}
		if r := h.do("GET", "/Users/"+id, nil, "If-None-Match", l.header); r.status != want {
			t.Errorf("GET with If-None-Match %s: status %d, want %d", l.header, r.status, want)
		}
	}
}

func TestErrorsAndTransport(t *testing.T) {
	h := newHarness(t)
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	tests := []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
		scimType           string
	}{
		{"no token", "GET", "/Users", nil, []string{"Authorization", ""}, 401, ""},
		{"wrong token", "GET", "/Users", nil, []string{"Authorization", "Bearer nope"}, 401, ""},
		{"basic auth", "GET", "/Users", nil, []string{"Authorization", "Basic dGVzdA=="}, 401, ""},
		{"unknown endpoint", "GET", "/Widgets", nil, nil, 404, ""},
		{"too deep path", "GET", "/Users/a/b", nil, nil, 404, ""},
		{"unknown id", "GET", "/Users/nope", nil, nil, 404, ""},
		{"wrong method", "DELETE", "/Users", nil, nil, 405, ""},
		{"me", "GET", "/Me", nil, nil, 501, ""},
		{"malformed json", "POST", "/Users", `{"userName":`, nil, 400, "invalidSyntax"},
		{"deep json", "POST", "/Users", deep, nil, 400, "invalidSyntax"},
		{"array body", "POST", "/Users", `[1]`, nil, 400, "invalidSyntax"},
		{"empty body", "POST", "/Users", ``, nil, 400, "invalidSyntax"},
		{"wrong type", "POST", "/Users", userBody("t", "active", "maybe"), nil, 400, "invalidValue"},
		{"unknown attribute", "POST", "/Users", userBody("t", "shoeSize", 42), nil, 400, "invalidValue"},
		{"missing userName", "POST", "/Users", map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}}, nil, 400, "invalidValue"},
		{"missing schemas", "POST", "/Users", map[string]any{"userName": "x"}, nil, 400, "invalidSyntax"},
		{"huge body", "POST", "/Users", `{"userName":"` + strings.Repeat("x", 2<<20) + `"}`, nil, 413, ""},
		{"xml body", "POST", "/Users", `<user/>`, []string{"Content-Type", "application/xml"}, 415, ""},
		{"filter on schemas", "GET", "/Schemas?filter=id+pr", nil, nil, 403, ""},
		{"filter on resource types", "GET", "/ResourceTypes?filter=id+pr", nil, nil, 403, ""},
		{"unknown schema", "GET", "/Schemas/urn:nope", nil, nil, 404, ""},
		{"outside base path", "GET", "/../../other", nil, nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.body, tt.hdr...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if r.str("status") != fmt.Sprint(tt.status) || r.str("scimType") != tt.scimType {
				t.Errorf("error body %s: want status %q scimType %q", r.raw, fmt.Sprint(tt.status), tt.scimType)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer realm=") {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
			if tt.status == 405 && r.header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q", r.header.Get("Allow"))
			}
		})
	}
}

func TestMediaTypes(t *testing.T) {
	h := newHarness(t)
	for i, ct := range []string{"application/scim+json", "application/json", "application/json; charset=utf-8", "APPLICATION/SCIM+JSON;charset=UTF-8", ""} {
		h.must(http.StatusCreated, "POST", "/Users", userBody(fmt.Sprint("mt", i)), "Content-Type", ct)
	}
	for _, accept := range []string{"application/scim+json", "application/json", "*/*", ""} {
		h.must(http.StatusOK, "GET", "/Users", nil, "Accept", accept)
	}
}

func TestDiscovery(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"} {
		// Discovery answers without a token.
		r := h.must(http.StatusOK, "GET", path+"?startIndex=5&count=1", nil, "Authorization", "")
		if r.body["schemas"] == nil {
			t.Errorf("%s: no schemas", path)
		}
		if list, ok := r.body["Resources"].([]any); ok {
			for _, it := range list {
				m := it.(map[string]any)
				if m["schemas"] == nil || m["meta"] == nil {
					t.Errorf("%s item without schemas or meta: %v", path, m["id"])
				}
			}
			if len(list) < 2 {
				t.Errorf("%s: paging parameters were applied: %d items", path, len(list))
			}
		}
	}
	spc := h.must(http.StatusOK, "GET", "/ServiceProviderConfig", nil)
	bulk := spc.body["bulk"].(map[string]any)
	if bulk["supported"] != true || bulk["maxOperations"] == nil || spc.body["filter"].(map[string]any)["maxResults"] == nil {
		t.Errorf("SPC = %s", spc.raw)
	}
}

func TestBulk(t *testing.T) {
	h := newHarnessOpts(t, reference.Options{Token: token, BulkMaxOperations: 5, BulkMaxPayloadSize: 4096})
	req := map[string]any{
		"schemas":      []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
		"failOnErrors": 0,
		"Operations": []any{
			// The group refers forward to a user created later in the request.
			map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": groupBody("bulkers", "bulkId:u")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": userBody("bulky")},
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": userBody("BULKY")},
			map[string]any{"method": "PATCH", "path": "/Users/bulkId:u", "data": patchBody(op("replace", "title", "Chief"))},
			map[string]any{"method": "DELETE", "path": "/Users/nope"},
		},
	}
	r := h.must(http.StatusOK, "POST", "/Bulk", req)
	ops, _ := r.body["Operations"].([]any)
	if len(ops) != 5 {
		t.Fatalf("operations = %s", r.raw)
	}
	want := []string{"201", "201", "409", "200", "404"}
	for i, o := range ops {
		m := o.(map[string]any)
		if m["status"] != want[i] {
			t.Errorf("op %d status %v, want %s: %v", i, m["status"], want[i], m)
		}
		if want[i] < "300" && (m["location"] == nil || m["version"] == nil) {
			t.Errorf("op %d lacks location/version: %v", i, m)
		}
	}
	gloc := ops[0].(map[string]any)["location"].(string)
	gid := gloc[strings.LastIndex(gloc, "/")+1:]
	g := h.must(http.StatusOK, "GET", "/Groups/"+gid, nil)
	uloc := ops[1].(map[string]any)["location"].(string)
	if ms, _ := g.body["members"].([]any); len(ms) != 1 || !strings.HasSuffix(uloc, ms[0].(map[string]any)["value"].(string)) {
		t.Errorf("bulkId member not resolved: %s", g.raw)
	}
	// failOnErrors stops after the first error.
	req["failOnErrors"] = 1
	req["Operations"] = []any{
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "a", "data": userBody("bulky")},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "b", "data": userBody("fresh")},
	}
	r = h.must(http.StatusOK, "POST", "/Bulk", req)
	if ops, _ := r.body["Operations"].([]any); len(ops) != 1 {
		t.Errorf("failOnErrors=1 ran %d operations", len(ops))
	}
	// Limits: too many operations and too large a payload are 413 with an error body.
	many := make([]any, 6)
	for i := range many {
		many[i] = map[string]any{"method": "DELETE", "path": "/Users/x"}
	}
	req["Operations"] = many
	if r = h.must(http.StatusRequestEntityTooLarge, "POST", "/Bulk", req); r.str("status") != "413" {
		t.Errorf("maxOperations: %s", r.raw)
	}
	req["Operations"] = []any{map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": userBody(strings.Repeat("y", 5000))}}
	if r = h.must(http.StatusRequestEntityTooLarge, "POST", "/Bulk", req); r.str("status") != "413" {
		t.Errorf("maxPayloadSize: %s", r.raw)
	}
	// A circular reference cannot be resolved.
	req["Operations"] = []any{
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "c1", "data": groupBody("c1", "bulkId:c2")},
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "c2", "data": groupBody("c2", "bulkId:c1")},
	}
	r = h.must(http.StatusOK, "POST", "/Bulk", req)
	for _, o := range r.body["Operations"].([]any) {
		if o.(map[string]any)["status"] != "409" {
			t.Errorf("circular reference: %v", o)
		}
	}
}
