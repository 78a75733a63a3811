package guard_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scimtest/scimtest/simulator/guard"
)

// numbered is a target that numbers each collection on its own, from 1:
// user "2" and group "2" are two resources. It lists, reads, creates
// (echoing the body, with name rewritten by rename when set) and logs
// every write that reaches it.
type numbered struct {
	mu     sync.Mutex
	res    map[string][]map[string]any // collection -> resources, id = index+1
	writes []string
	rename func(string) string
}

func newNumbered() *numbered { return &numbered{res: map[string][]map[string]any{}} }

// add stores a resource made by someone else and returns its id.
func (n *numbered) add(coll string, r map[string]any) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	id := fmt.Sprint(len(n.res[coll]) + 1)
	r["id"] = id
	n.res[coll] = append(n.res[coll], r)
	return id
}

func (n *numbered) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	coll := segs[0]
	w.Header().Set("Content-Type", "application/scim+json")
	if r.Method != http.MethodGet {
		n.writes = append(n.writes, r.Method+" "+r.URL.Path)
	}
	switch {
	case r.Method == http.MethodGet && len(segs) == 1:
		_ = json.NewEncoder(w).Encode(map[string]any{"totalResults": len(n.res[coll]), "Resources": n.res[coll]})
	case r.Method == http.MethodPost && coll == "Bulk":
		_, _ = io.WriteString(w, `{"Operations":[]}`)
	case r.Method == http.MethodPost:
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if un, ok := body["userName"].(string); ok && n.rename != nil {
			body["userName"] = n.rename(un)
		}
		body["id"] = fmt.Sprint(len(n.res[coll]) + 1)
		n.res[coll] = append(n.res[coll], body)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(body)
	case r.Method == http.MethodGet:
		var i int
		if _, err := fmt.Sscan(segs[1], &i); err != nil || i < 1 || i > len(n.res[coll]) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(n.res[coll][i-1])
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// guarded sends requests to a [numbered] target through a guard.
type guarded struct {
	t    *testing.T
	n    *numbered
	url  string
	c    *http.Client
	g    *guard.Guard
	sent int
}

func newGuarded(t *testing.T, g *guard.Guard) *guarded {
	n := newNumbered()
	srv := httptest.NewServer(n)
	t.Cleanup(srv.Close)
	return &guarded{t: t, n: n, url: srv.URL, c: g.Client(nil), g: g}
}

// do sends one request and returns the error and the id of the answer.
func (s *guarded) do(method, path string, body any) (string, error) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	resp, err := s.c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return out.ID, nil
}

// ok asserts the request reaches the target.
func (s *guarded) ok(method, path string, body any) string {
	s.t.Helper()
	id, err := s.do(method, path, body)
	if err != nil {
		s.t.Errorf("%s %s: %v", method, path, err)
	}
	return id
}

// refused asserts the request is refused and never reaches the target.
func (s *guarded) refused(method, path string, body any) {
	s.t.Helper()
	s.n.mu.Lock()
	before := len(s.n.writes)
	s.n.mu.Unlock()
	if _, err := s.do(method, path, body); !errors.Is(err, guard.ErrForeign) {
		s.t.Errorf("%s %s: err %v, want ErrForeign", method, path, err)
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if len(s.n.writes) != before {
		s.t.Errorf("%s %s reached the target", method, path)
	}
}

func members(m ...map[string]any) map[string]any {
	ms := make([]any, len(m))
	for i, v := range m {
		ms[i] = v
	}
	return map[string]any{"schemas": []string{patchURN}, "Operations": []any{map[string]any{"op": "add", "path": "members", "value": ms}}}
}

// TestOwnIDInOneCollectionIsNotOwnInAnother: a target numbering users and
// groups apart. The run's group "2" is its own although a stranger's user
// "2" was listed first, and the stranger's group "4" stays foreign although
// the run created user "4": the run can never write to a foreign resource
// that shares an id with one of its own in another collection.
func TestOwnIDInOneCollectionIsNotOwnInAnother(t *testing.T) {
	// Users lists ids 1-3, then the run's new group is group 2.
	s2 := newGuarded(t, guard.New())
	for i := 1; i <= 3; i++ {
		s2.n.add("Users", map[string]any{"userName": fmt.Sprintf("real%d@example.com", i)})
	}
	s2.n.add("Groups", map[string]any{"displayName": "Real 1"})
	s2.ok(http.MethodGet, "/Users", nil)
	if id := s2.ok(http.MethodPost, "/Groups", map[string]any{"displayName": "mine"}); id != "2" {
		t.Fatalf("new group id %q, want 2", id)
	}
	if !s2.g.Created("Groups", "2") || s2.g.Created("Users", "2") {
		t.Errorf("Created(Groups, 2) = %v, Created(Users, 2) = %v", s2.g.Created("Groups", "2"), s2.g.Created("Users", "2"))
	}
	s2.ok(http.MethodPatch, "/Groups/2", members())
	s2.ok(http.MethodDelete, "/Groups/2", nil)
	s2.refused(http.MethodDelete, "/Users/2", nil)

	// The other way: the run creates user 4; group 4 is a stranger's.
	s := newGuarded(t, guard.New())
	for i := 1; i <= 3; i++ {
		s.n.add("Users", map[string]any{"userName": fmt.Sprintf("real%d@example.com", i)})
		s.n.add("Groups", map[string]any{"displayName": fmt.Sprintf("Real %d", i)})
	}
	s.n.add("Groups", map[string]any{"displayName": "Payroll"})
	s.ok(http.MethodGet, "/Users", nil)
	s.ok(http.MethodGet, "/Groups", nil)
	if id := s.ok(http.MethodPost, "/Users", userBody("mine@example.com")); id != "4" {
		t.Fatalf("new user id %q, want 4", id)
	}
	s.ok(http.MethodPatch, "/Users/4", members())
	s.refused(http.MethodPatch, "/Groups/4", members())
	s.refused(http.MethodPut, "/Groups/4", map[string]any{"displayName": "x"})
	s.refused(http.MethodDelete, "/Groups/4", nil)
	// References in bodies: a member's type or $ref says which one it is;
	// without either, an id the run created somewhere is taken for that.
	mine := s.ok(http.MethodPost, "/Groups", map[string]any{"displayName": "mine"})
	s.ok(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "4", "type": "User"}))
	s.ok(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "4", "$ref": s.url + "/Users/4"}))
	s.ok(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "4"}))
	s.refused(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "4", "type": "Group"}))
	s.refused(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "4", "$ref": s.url + "/Groups/4"}))
	s.refused(http.MethodPatch, "/Groups/"+mine, members(map[string]any{"value": "1"})) // foreign user and group, created nowhere
	s.ok(http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "DELETE", "path": "/Users/4"}}})
	s.refused(http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "DELETE", "path": "/Groups/4"}}})
}

// TestRunMarker: with [guard.Guard.Own], a resource carrying the run's
// marker is the run's, whether a create answered it with a rewritten
// userName or a list showed it (a second run with the same run ID); one
// without it, or with it inside a longer word, is not, and neither is a
// marked answer to a create that names a resource seen before.
func TestRunMarker(t *testing.T) {
	const marker = "scimtest-r1-"
	strip := func(s string) string { return strings.SplitN(s, "@", 2)[0] }

	// A target that strips the domain of userName: without the marker the
	// guard cannot tell the answer is the run's user.
	bare := newGuarded(t, guard.New())
	bare.n.rename = strip
	id := bare.ok(http.MethodPost, "/Users", userBody("scimtest-r1-1@example.com"))
	bare.refused(http.MethodDelete, "/Users/"+id, nil)

	s := newGuarded(t, guard.New().Own(marker))
	s.n.rename = strip
	prior := s.n.add("Users", map[string]any{"userName": "SCIMTEST-R1-0"})                    // the first run's
	real := s.n.add("Users", map[string]any{"userName": "real@example.com"})                  // a stranger
	inWord := s.n.add("Users", map[string]any{"userName": "xscimtest-r1-9@example.com"})      // a stranger
	named := s.n.add("Users", map[string]any{"displayName": "Jo (scimtest-r1-2)"})            // the run's
	other := s.n.add("Users", map[string]any{"userName": "a", "externalId": "scimtest-r1-3"}) // the run's
	s.ok(http.MethodGet, "/Users", nil)
	for _, id := range []string{prior, named, other} {
		s.ok(http.MethodDelete, "/Users/"+id, nil)
	}
	s.refused(http.MethodDelete, "/Users/"+real, nil)
	s.refused(http.MethodDelete, "/Users/"+inWord, nil)
	id = s.ok(http.MethodPost, "/Users", userBody("scimtest-r1-4@example.com"))
	s.ok(http.MethodDelete, "/Users/"+id, nil)

	// A stranger that a target later shows with the run's marker stays a
	// stranger: the target wrote the run's data over it.
	s.n.mu.Lock()
	s.n.res["Users"][1]["userName"] = "scimtest-r1-5"
	s.n.mu.Unlock()
	s.ok(http.MethodGet, "/Users/"+real, nil)
	s.refused(http.MethodDelete, "/Users/"+real, nil)

	// A create answered with a resource seen before is not the run's, even
	// when its answer carries the marker (the sequence rule).
	hostile := &hostileTarget{id: "existing-1"}
	srv := httptest.NewServer(hostile)
	defer srv.Close()
	g := guard.New().Own(marker)
	c := g.Client(nil)
	for _, r := range []struct{ method, body string }{{http.MethodGet, ""}, {http.MethodPost, `{"userName":"scimtest-r1-6"}`}} {
		req, _ := http.NewRequest(r.method, srv.URL+"/Users", strings.NewReader(r.body))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if g.Created("Users", "existing-1") {
		t.Errorf("a create answered with a resource seen before was taken for the run's")
	}
}
