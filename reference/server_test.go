package reference_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestCreateReadDelete(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("alice", "password", "s3cret", "id", "client-id", "meta", map[string]any{"version": "x"})
	id := u.str("id")
	if id == "" || id == "client-id" {
		t.Fatalf("id = %q, want a server-assigned id", id)
	}
	meta, _ := u.body["meta"].(map[string]any)
	if loc := u.header.Get("Location"); loc == "" || loc != meta["location"] || !strings.HasPrefix(loc, "http://") {
		t.Errorf("Location %q, meta.location %v: want equal absolute URLs", loc, meta["location"])
	}
	if u.header.Get("ETag") != meta["version"] {
		t.Errorf("ETag %q != meta.version %v", u.header.Get("ETag"), meta["version"])
	}
	if _, ok := u.body["password"]; ok {
		t.Error("password returned")
	}
	if ct := u.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Errorf("Content-Type = %q", ct)
	}
	got := h.must(http.StatusOK, "GET", "/Users/"+id, nil)
	if got.str("userName") != "alice" {
		t.Errorf("GET userName = %q", got.str("userName"))
	}
	h.must(http.StatusNoContent, "DELETE", "/Users/"+id, nil)
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		var body any
		switch m {
		case "PUT":
			body = userBody("alice")
		case "PATCH":
			body = patchBody(op("replace", "active", false))
		}
		r := h.do(m, "/Users/"+id, body)
		if r.status != http.StatusNotFound || r.str("status") != "404" {
			t.Errorf("%s deleted user: %d %s, want 404 error body", m, r.status, r.raw)
		}
	}
	h.createUser("ALICE") // the userName is free again
}

func TestUniqueness(t *testing.T) {
	h := newHarness(t)
	h.createUser("bob")
	r := h.must(http.StatusConflict, "POST", "/Users", userBody("BOB"))
	if r.str("scimType") != "uniqueness" || r.str("status") != "409" {
		t.Errorf("duplicate userName: %s", r.raw)
	}
	h.createGroup("admins")
	r = h.must(http.StatusConflict, "POST", "/Groups", groupBody("Admins"))
	if r.str("scimType") != "uniqueness" {
		t.Errorf("duplicate displayName: %s", r.raw)
	}
}

func TestPutReplaces(t *testing.T) {
	h := newHarness(t)
	u := h.createUser("carol", "title", "Boss", "password", "pw")
	id := u.str("id")
	b := userBody("carol")
	b["id"] = "ignored"
	b["meta"] = map[string]any{"created": "2000-01-01T00:00:00Z"}
	r := h.must(http.StatusOK, "PUT", "/Users/"+id, b)
	if _, ok := r.body["title"]; ok {
		t.Error("PUT kept omitted attribute title")
	}
	if r.str("id") != id {
		t.Errorf("id changed to %q", r.str("id"))
	}
	if r.body["meta"].(map[string]any)["version"] == u.body["meta"].(map[string]any)["version"] {
		t.Error("version did not change")
	}
	h.must(http.StatusNotFound, "PUT", "/Users/nope", userBody("x"))
}

func TestGroupMembership(t *testing.T) {
	h := newHarness(t)
	a := h.createUser("a").str("id")
	b := h.createUser("b").str("id")
	g := h.createGroup("team", a, b)
	gid := g.str("id")
	ms, _ := g.body["members"].([]any)
	if len(ms) != 2 {
		t.Fatalf("members = %v", g.body["members"])
	}
	m0 := ms[0].(map[string]any)
	if m0["value"] != a || m0["type"] != "User" || !strings.HasSuffix(m0["$ref"].(string), "/Users/"+a) {
		t.Errorf("member = %v", m0)
	}
	u := h.must(http.StatusOK, "GET", "/Users/"+a, nil)
	gs, _ := u.body["groups"].([]any)
	if len(gs) != 1 || gs[0].(map[string]any)["value"] != gid || gs[0].(map[string]any)["display"] != "team" {
		t.Errorf("User.groups = %v", u.body["groups"])
	}
	h.must(http.StatusBadRequest, "POST", "/Groups", groupBody("ghosts", "no-such-id"))
	h.must(http.StatusNoContent, "DELETE", "/Users/"+a, nil)
	g = h.must(http.StatusOK, "GET", "/Groups/"+gid, nil)
	if ms, _ := g.body["members"].([]any); len(ms) != 1 {
		t.Errorf("deleted user still a member: %v", g.body["members"])
	}
	r := h.must(http.StatusOK, "GET", "/Groups/"+gid+"?excludedAttributes=members", nil)
	if _, ok := r.body["members"]; ok || r.str("displayName") != "team" {
		t.Errorf("excludedAttributes=members: %s", r.raw)
	}
	// Member PATCH fast path.
	c := h.createUser("c").str("id")
	h.must(http.StatusOK, "PATCH", "/Groups/"+gid, patchBody(op("Add", "members", []any{map[string]any{"value": c}})))
	r = h.must(http.StatusOK, "PATCH", "/Groups/"+gid, patchBody(op("remove", `members[value eq "`+b+`"]`, nil)))
	if ms, _ := r.body["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != c {
		t.Errorf("after add c, remove b: %v", r.body["members"])
	}
	h.must(http.StatusBadRequest, "PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": "ghost"}})))
}
