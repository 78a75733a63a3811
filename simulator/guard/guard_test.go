package guard_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/guard"
)

const (
	userURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
	patchURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	bulkURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	entURN   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// harness is a reference provider holding one user and one group that the
// guarded client did not create, and a log of the writes that reached it.
type harness struct {
	t       *testing.T
	base    string
	g       *guard.Guard
	c       *http.Client
	mu      sync.Mutex
	writes  []string
	foreign struct{ user, group string }
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ref, err := reference.New(reference.Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: guard.New()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.mu.Lock()
			h.writes = append(h.writes, r.Method+" "+r.URL.Path)
			h.mu.Unlock()
		}
		ref.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.base = srv.URL + reference.DefaultBasePath
	h.c = h.g.Client(nil)
	// The pre-existing data, made by someone else (an unguarded client).
	plain := &http.Client{}
	h.foreign.user = h.send(plain, http.MethodPost, "/Users", map[string]any{"schemas": []string{userURN}, "userName": "real.person@example.com"}, http.StatusCreated).Get("id").String()
	h.foreign.group = h.send(plain, http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "Payroll",
		"members": []any{map[string]any{"value": h.foreign.user}}}, http.StatusCreated).Get("id").String()
	h.writes = nil
	return h
}

// do sends one request through client c and returns the response body and
// the error.
func (h *harness) do(c *http.Client, method, path string, body any) (int, gjson.Result, error) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, gjson.Result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, gjson.ParseBytes(raw), nil
}

// send is do that expects status want.
func (h *harness) send(c *http.Client, method, path string, body any, want int) gjson.Result {
	h.t.Helper()
	code, res, err := h.do(c, method, path, body)
	if err != nil || code != want {
		h.t.Fatalf("%s %s: %v, status %d, want %d: %s", method, path, err, code, want, res.Raw)
	}
	return res
}

// refused asserts that the request is refused with ErrForeign naming id and
// never reaches the target.
func (h *harness) refused(method, path string, body any, id string) {
	h.t.Helper()
	h.mu.Lock()
	before := len(h.writes)
	h.mu.Unlock()
	_, res, err := h.do(h.c, method, path, body)
	if !errors.Is(err, guard.ErrForeign) {
		h.t.Fatalf("%s %s: err %v (%s), want ErrForeign", method, path, err, res.Raw)
	}
	want := fmt.Sprintf("scimtest refused %s %s%s: it names resource %s that this run did not create (scimtest never modifies data it did not create)",
		method, strings.TrimPrefix(h.base, h.base[:strings.Index(h.base, "/scim")]), path, id)
	if !strings.Contains(err.Error(), want) {
		h.t.Errorf("error %q\nlacks %q", err, want)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.writes) != before {
		h.t.Errorf("%s %s reached the target: %v", method, path, h.writes[before:])
	}
}

func userBody(name string) map[string]any {
	return map[string]any{"schemas": []string{userURN}, "userName": name}
}

func TestCreatedIDsPass(t *testing.T) {
	h := newHarness(t)
	h.send(h.c, http.MethodGet, "/Users", nil, http.StatusOK) // sees the foreign user
	u := h.send(h.c, http.MethodPost, "/Users", userBody("mine@example.com"), http.StatusCreated).Get("id").String()
	g := h.send(h.c, http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "mine",
		"members": []any{map[string]any{"value": u}}}, http.StatusCreated).Get("id").String()
	h.send(h.c, http.MethodPut, "/Users/"+u, map[string]any{"schemas": []string{userURN}, "userName": "mine2@example.com",
		entURN: map[string]any{"manager": map[string]any{"value": u}}}, http.StatusOK)
	h.send(h.c, http.MethodPatch, "/Groups/"+g, map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %q]", u)}}}, http.StatusOK)
	h.send(h.c, http.MethodDelete, "/Groups/"+g, nil, http.StatusNoContent)
	h.send(h.c, http.MethodDelete, "/Users/"+u, nil, http.StatusNoContent)
	if r := h.g.Refused(); len(r) != 0 {
		t.Errorf("refused %v", r)
	}
	if !h.g.Created("Users", u) || h.g.Created("Users", h.foreign.user) {
		t.Errorf("Created(mine) = %v, Created(foreign) = %v", h.g.Created("Users", u), h.g.Created("Users", h.foreign.user))
	}
}

func TestForeignIDsRefused(t *testing.T) {
	h := newHarness(t)
	// The foreign user is learned from a list, the group from a GET by id.
	h.send(h.c, http.MethodGet, "/Users?filter="+strings.ReplaceAll(`userName eq "nobody"`, " ", "%20"), nil, http.StatusOK)
	h.send(h.c, http.MethodGet, "/Users", nil, http.StatusOK)
	h.send(h.c, http.MethodGet, "/Groups/"+h.foreign.group, nil, http.StatusOK)
	fu, fg := h.foreign.user, h.foreign.group
	h.refused(http.MethodDelete, "/Users/"+fu, nil, fu)
	h.refused(http.MethodPut, "/Users/"+fu, userBody("stolen@example.com"), fu)
	h.refused(http.MethodPatch, "/Users/"+fu, map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}, fu)
	h.refused(http.MethodDelete, "/Groups/"+fg, nil, fg)
	h.refused(http.MethodPatch, "/Groups/"+fg+"/", map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "add", "path": "displayName", "value": "x"}}}, fg)
	// /Me is the token's subject, never a resource the run created.
	h.refused(http.MethodPatch, "/Me", map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}, "/Me (the authenticated subject)")
	if got := len(h.g.Refused()); got != 6 {
		t.Errorf("Refused() holds %d lines, want 6: %q", got, h.g.Refused())
	}
}

func TestForeignIDInBodyRefused(t *testing.T) {
	h := newHarness(t)
	h.send(h.c, http.MethodGet, "/Groups", nil, http.StatusOK) // the foreign group and, as its member, the foreign user
	fu := h.foreign.user
	mine := h.send(h.c, http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "mine"}, http.StatusCreated).Get("id").String()
	member := []any{map[string]any{"value": fu}}
	// Adding a real user to a test group changes that user's groups.
	h.refused(http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "g2", "members": member}, fu)
	h.refused(http.MethodPatch, "/Groups/"+mine, map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": member}}}, fu)
	h.refused(http.MethodPatch, "/Groups/"+mine, map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "Add", "value": map[string]any{"members": member}}}}, fu)
	h.refused(http.MethodPatch, "/Groups/"+mine, map[string]any{"schemas": []string{patchURN},
		"Operations": []any{map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %q]", fu)}}}, fu)
	h.refused(http.MethodPut, "/Groups/"+mine, map[string]any{"schemas": []string{groupURN}, "displayName": "mine", "members": member}, fu)
	h.refused(http.MethodPost, "/Users", map[string]any{"schemas": []string{userURN}, "userName": "x@example.com",
		entURN: map[string]any{"manager": map[string]any{"value": fu}}}, fu)
}

func TestNeverSeenIDPasses(t *testing.T) {
	h := newHarness(t)
	// The guarded client has not looked at the target: the pre-existing ids
	// are as unknown to it as a random id, and both requests are sent.
	for _, id := range []string{"3f9c0e0e-no-such-id", "not-seen-yet"} {
		h.send(h.c, http.MethodDelete, "/Users/"+id, nil, http.StatusNotFound)
		h.send(h.c, http.MethodPatch, "/Groups/"+id, map[string]any{"schemas": []string{patchURN},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": "unknown-user"}}}}}, http.StatusNotFound)
	}
	if r := h.g.Refused(); len(r) != 0 {
		t.Errorf("refused %v", r)
	}
}

func TestBulk(t *testing.T) {
	h := newHarness(t)
	res := h.send(h.c, http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "u1", "data": userBody("bulk1@example.com")},
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1", "data": map[string]any{"schemas": []string{groupURN}, "displayName": "bulk",
			"members": []any{map[string]any{"value": "bulkId:u1"}}}},
	}}, http.StatusOK)
	var created []string
	res.Get("Operations.#.location").ForEach(func(_, l gjson.Result) bool {
		created = append(created, l.String()[strings.LastIndex(l.String(), "/")+1:])
		return true
	})
	if len(created) != 2 {
		t.Fatalf("bulk results: %s", res.Raw)
	}
	for i, coll := range []string{"Users", "Groups"} {
		if !h.g.Created(coll, created[i]) {
			t.Errorf("bulk-created %s/%s not learned as created", coll, created[i])
		}
	}
	h.send(h.c, http.MethodGet, "/Users", nil, http.StatusOK)
	fu := h.foreign.user
	// A Bulk request that names the foreign user in a path or in data.
	h.refused(http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "DELETE", "path": "/Users/" + fu},
	}}, fu)
	h.refused(http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "PATCH", "path": "/Groups/" + created[1], "data": map[string]any{"schemas": []string{patchURN},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": fu}}}}}},
	}}, fu)
	// Its own resources it may still change and delete through Bulk.
	h.send(h.c, http.MethodPost, "/Bulk", map[string]any{"schemas": []string{bulkURN}, "Operations": []any{
		map[string]any{"method": "DELETE", "path": "/Groups/" + created[1]},
		map[string]any{"method": "DELETE", "path": "/Users/" + created[0]},
	}}, http.StatusOK)
	h.send(h.c, http.MethodGet, "/Users/"+created[0], nil, http.StatusNotFound)
}

// hostileTarget answers every POST /Users with 201 and the resource it
// chooses: id, with the posted userName or, when name is set, that one. Its
// body is gzip-encoded when gz is set, and left out (only Location) when
// bodiless is set. A list answers the current id.
type hostileTarget struct {
	id, name     string
	gz, bodiless bool
	// enc is the Content-Encoding of a gzip body ("gzip" when empty).
	enc string
}

func (h *hostileTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := h.name
	if name == "" {
		raw, _ := io.ReadAll(r.Body)
		name = gjson.GetBytes(raw, "userName").String()
	}
	body := []byte(fmt.Sprintf(`{"schemas":[%q],"id":%q,"userName":%q}`, userURN, h.id, name))
	if r.Method == http.MethodGet {
		body = []byte(fmt.Sprintf(`{"Resources":[{"id":%q}],"totalResults":1}`, h.id))
	}
	w.Header().Set("Content-Type", "application/scim+json")
	if r.Method == http.MethodPost {
		w.Header().Set("Location", "http://"+r.Host+"/Users/"+h.id)
	}
	if h.gz && r.Method != http.MethodDelete {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		enc := h.enc
		if enc == "" {
			enc = "gzip"
		}
		w.Header().Set("Content-Encoding", enc)
	}
	switch {
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !h.bodiless || r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func TestHostileCreates(t *testing.T) {
	for _, tt := range []struct {
		name         string
		gz, bodiless bool
		enc          string
	}{{"json", false, false, ""}, {"gzip", true, false, ""}, {"x-gzip", true, false, "x-gzip"}, {"location only", false, true, ""}} {
		t.Run(tt.name, func(t *testing.T) {
			target := &hostileTarget{id: "existing-1", gz: tt.gz, bodiless: tt.bodiless, enc: tt.enc}
			srv := httptest.NewServer(target)
			defer srv.Close()
			g := guard.New()
			// The simulator's own transport does not decode gzip: the guard must.
			c, err := simulator.New(simulator.Options{BaseURL: srv.URL, HTTPClient: g.Client(&http.Client{Transport: &http.Transport{DisableCompression: true}})})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if _, err := c.Get(ctx, "/Users"); err != nil {
				t.Fatal(err)
			}
			// A create answered with an id seen before it was sent is someone
			// else's resource: it stays foreign.
			if _, err := c.Post(ctx, "/Users", userBody("a")); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Delete(ctx, "/Users/existing-1", nil); !errors.Is(err, guard.ErrForeign) {
				t.Errorf("DELETE of a foreign id returned as created: %v", err)
			}
			// A fresh id in a create answer is the run's.
			target.id = "new-2"
			if _, err := c.Post(ctx, "/Users", userBody("b")); err != nil {
				t.Fatal(err)
			}
			if !g.Created("Users", "new-2") {
				t.Errorf("new-2 not learned as created")
			}
			if _, err := c.Delete(ctx, "/Users/new-2", nil); err != nil {
				t.Errorf("DELETE of a created id: %v", err)
			}
			if tt.bodiless {
				return
			}
			// A never-seen resource whose userName is not the one sent is an
			// existing resource, not the run's: the spec's cleanup must not
			// delete it.
			target.id, target.name = "existing-3", "real.person@example.com"
			if _, err := c.Post(ctx, "/Users", userBody("c")); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Delete(ctx, "/Users/existing-3", nil); !errors.Is(err, guard.ErrForeign) {
				t.Errorf("DELETE of another resource returned by a create: %v", err)
			}
			// userName is not case-exact: an echo in other letter case is the run's.
			target.id, target.name = "new-4", "  MINE@EXAMPLE.COM"
			if _, err := c.Post(ctx, "/Users", userBody("mine@example.com")); err != nil {
				t.Fatal(err)
			}
			if !g.Created("Users", "new-4") {
				t.Errorf("new-4 (userName echoed in upper case) not learned as created")
			}
		})
	}
}

func TestClientKeepsSettings(t *testing.T) {
	g := guard.New()
	jarless := &http.Client{Timeout: 3 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := g.Client(jarless)
	if c == jarless || c.Timeout != 3*time.Second || c.CheckRedirect == nil || c.Transport == nil {
		t.Errorf("Client(base) = %+v", c)
	}
	if jarless.Transport != nil {
		t.Errorf("Client modified base")
	}
	if g.Client(nil).Transport == nil {
		t.Errorf("Client(nil) has no guarded transport")
	}
}

// TestConcurrent learns and checks from many goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	h := newHarness(t)
	h.send(h.c, http.MethodGet, "/Users", nil, http.StatusOK)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 4 {
				code, res, err := h.do(h.c, http.MethodPost, "/Users", userBody(fmt.Sprintf("c%d-%d@example.com", i, j)))
				if err != nil || code != http.StatusCreated {
					errs <- fmt.Errorf("POST: %v %d", err, code)
					return
				}
				if _, _, err := h.do(h.c, http.MethodGet, "/Users", nil); err != nil {
					errs <- err
					return
				}
				if code, _, err := h.do(h.c, http.MethodDelete, "/Users/"+res.Get("id").String(), nil); err != nil || code != http.StatusNoContent {
					errs <- fmt.Errorf("DELETE own user: %v %d", err, code)
					return
				}
				if _, _, err := h.do(h.c, http.MethodDelete, "/Users/"+h.foreign.user, nil); !errors.Is(err, guard.ErrForeign) {
					errs <- fmt.Errorf("DELETE foreign user: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(h.g.Refused()); n != 64 {
		t.Errorf("%d refusals, want 64", n)
	}
}

// TestSeenWhileCreating: a list answered while a create is in flight may
// already show the new resource; the create's 201 still makes it the run's.
func TestSeenWhileCreating(t *testing.T) {
	arrived, listed := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		switch r.Method {
		case http.MethodPost:
			close(arrived)
			<-listed
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"n1"}`)
		case http.MethodGet:
			_, _ = io.WriteString(w, `{"Resources":[{"id":"n1"}]}`)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	g := guard.New()
	c := g.Client(nil)
	done := make(chan error, 1)
	go func() {
		resp, err := c.Post(srv.URL+"/Users", "application/scim+json", strings.NewReader(`{"userName":"x"}`))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- err
	}()
	<-arrived
	resp, err := c.Get(srv.URL + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	close(listed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/Users/n1", nil)
	if resp, err := c.Do(req); err != nil {
		t.Errorf("DELETE of the resource the run created: %v", err)
	} else {
		resp.Body.Close()
	}
}

// TestDataIsNotAReference: discovery "ids" (User, Group, schema URNs) and
// strings outside reference attributes never make a request look foreign,
// while an id in a PUT body still does.
func TestDataIsNotAReference(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/ResourceTypes", "/Schemas", "/ResourceTypes/User", "/ServiceProviderConfig"} {
		h.send(h.c, http.MethodGet, p, nil, http.StatusOK)
	}
	h.send(h.c, http.MethodGet, "/Users", nil, http.StatusOK)
	fu := h.foreign.user
	u := h.send(h.c, http.MethodPost, "/Users", map[string]any{"schemas": []string{userURN, entURN}, "userName": "mine@example.com",
		"nickName": fu, entURN: map[string]any{"employeeNumber": fu}}, http.StatusCreated).Get("id").String()
	h.send(h.c, http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "mine",
		"members": []any{map[string]any{"value": u, "type": "User"}}}, http.StatusCreated)
	h.send(h.c, http.MethodPatch, "/Users/"+u, map[string]any{"schemas": []string{patchURN}, "Operations": []any{
		map[string]any{"op": "replace", "path": "title", "value": fu},
		map[string]any{"op": "replace", "path": entURN + ":employeeNumber", "value": fu},
	}}, http.StatusOK)
	// A GET+PUT echoes the user's groups, which may hold a group the target
	// put every user in; groups is readOnly, so the PUT cannot change it.
	h.send(h.c, http.MethodGet, "/Groups/"+h.foreign.group, nil, http.StatusOK)
	h.send(h.c, http.MethodPut, "/Users/"+u, map[string]any{"schemas": []string{userURN}, "userName": "mine@example.com",
		"meta": map[string]any{"resourceType": "Group"}, "groups": []any{map[string]any{"value": h.foreign.group}}}, http.StatusOK)
	// "User" is the id of a resource type, not of a resource.
	if _, _, err := h.do(h.c, http.MethodPatch, "/Users/"+u, map[string]any{"schemas": []string{patchURN}, "Operations": []any{
		map[string]any{"op": "remove", "path": `groups[type eq "User"]`}}}); err != nil {
		t.Errorf("PATCH naming a resource type: %v", err)
	}
	if r := h.g.Refused(); len(r) != 0 {
		t.Errorf("refused %v", r)
	}
	// A PUT whose body carries a foreign id would overwrite that user on a
	// target that honours the body's id.
	h.refused(http.MethodPut, "/Users/"+u, map[string]any{"schemas": []string{userURN}, "userName": "mine@example.com", "id": fu}, fu)
	// Entra sets a manager with a path and a bare string value.
	h.refused(http.MethodPatch, "/Users/"+u, map[string]any{"schemas": []string{patchURN}, "Operations": []any{
		map[string]any{"op": "Add", "path": entURN + ":manager", "value": fu}}}, fu)
}

// TestBulkResultShapes: Bulk results without a method, with the id only in
// the response, with an early draft's status object, with a status string
// such as "201 Created", keys in other letter case or another 2xx for a
// POST (RFC 7644, Section 3.7.3) still teach the guard which resources the
// run created, and in which collection.
func TestBulkResultShapes(t *testing.T) {
	request := `{"Operations":[
		{"method":"POST","path":"/Users","bulkId":"u1","data":{}},
		{"method":"POST","path":"/Users","bulkId":"u2","data":{}},
		{"method":"POST","path":"/Users","bulkId":"u3","data":{}},
		{"method":"PUT","path":"/Users/b4","data":{}},
		{"method":"POST","path":"/Groups","bulkId":"g5","data":{}},
		{"method":"POST","path":"/Users","bulkId":"u6","data":{}},
		{"method":"POST","path":"/Groups","bulkId":"g7","data":{}},
		{"method":"POST","path":"/Users","bulkId":"u8","data":{}}]}`
	answer := `{"Operations":[
		{"location":"https://t.example/Users/b1","status":"201"},
		{"status":"201","method":"POST","bulkId":"u2","response":{"id":"b2"}},
		{"location":"https://t.example/Users/b3","method":"POST","status":{"code":"201"}},
		{"location":"https://t.example/Users/b4","method":"PUT","status":"200"},
		{"Location":"https://t.example/Groups/b5","Method":"POST","BulkId":"g5","Status":"201 Created"},
		{"location":"https://t.example/Users/b6","method":"post","bulkId":"u6","status":200},
		{"METHOD":"POST","bulkId":"g7","STATUS":{"Code":"201"},"Response":{"ID":"b7"}},
		{"location":"https://t.example/Users/b8","method":"POST","bulkId":"u8","status":"409"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()
	g := guard.New()
	resp, err := g.Client(nil).Post(srv.URL+"/Bulk", "application/scim+json", strings.NewReader(request))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, tt := range []struct {
		coll, id string
		want     bool
	}{{"Users", "b1", true}, {"Users", "b2", true}, {"Users", "b3", true}, {"Users", "b4", false},
		{"Groups", "b5", true}, {"Users", "b5", false}, {"Users", "b6", true}, {"Groups", "b7", true},
		{"Users", "b8", false}} {
		if got := g.Created(tt.coll, tt.id); got != tt.want {
			t.Errorf("Created(%s, %s) = %v, want %v", tt.coll, tt.id, got, tt.want)
		}
	}
}

// TestRefusedCountBeyondTheKeptLines: past the first 1000 refusal lines the
// guard keeps one line counting the rest, and RefusedCount still counts
// every refused request.
func TestRefusedCountBeyondTheKeptLines(t *testing.T) {
	srv := httptest.NewServer(&hostileTarget{id: "stranger-1"})
	defer srv.Close()
	g := guard.New()
	c, err := simulator.New(simulator.Options{BaseURL: srv.URL, HTTPClient: g.Client(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(t.Context(), "/Users"); err != nil {
		t.Fatal(err)
	}
	const n = 1005
	for range n {
		if _, err := c.Delete(t.Context(), "/Users/stranger-1", nil); !errors.Is(err, guard.ErrForeign) {
			t.Fatalf("DELETE of a foreign id: %v", err)
		}
	}
	if got := g.RefusedCount(); got != n {
		t.Errorf("RefusedCount() = %d, want %d", got, n)
	}
	lines := g.Refused()
	if len(lines) != 1001 || !strings.Contains(lines[1000], "and 5 more refused requests") {
		t.Errorf("Refused() = %d lines ending %q, want 1000 and a line counting 5 more", len(lines), lines[len(lines)-1])
	}
}
