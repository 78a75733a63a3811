package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
)

// sharedTarget is a reference provider that already holds someone else's
// users and groups, as a staging tenant shared with real data does.
type sharedTarget struct {
	t     *testing.T
	base  string
	token string
	// requests counts the requests the provider received.
	requests atomic.Int64
	// users and groups are the ids of the pre-existing resources.
	users, groups []string
}

// ignoreFilters makes h answer every list as if no filter were given: the
// broken target that hands a lookup for the run's user the first real user.
func ignoreFilters(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Has("filter") {
			q.Del("filter")
			r = r.Clone(r.Context())
			r.URL.RawQuery = q.Encode()
		}
		h.ServeHTTP(w, r)
	})
}

// newSharedTarget starts a reference provider with quirks (wrapped by wrap
// when not nil) and fills it, through its API, with ten users (enterprise
// extension, some inactive) and four groups whose members are those users.
func newSharedTarget(t *testing.T, quirks []string, wrap func(http.Handler) http.Handler) *sharedTarget {
	t.Helper()
	ref, err := reference.New(reference.Options{Token: "tok", Quirks: quirks})
	if err != nil {
		t.Fatal(err)
	}
	st := &sharedTarget{t: t, token: "tok"}
	var h http.Handler = ref
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	st.base = srv.URL + reference.DefaultBasePath
	people := []struct{ given, family, dept string }{
		{"Ada", "Lovelace", "Engineering"}, {"Grace", "Hopper", "Engineering"}, {"Alan", "Turing", "Research"},
		{"Katherine", "Johnson", "Research"}, {"Edsger", "Dijkstra", "Engineering"}, {"Barbara", "Liskov", "Research"},
		{"Donald", "Knuth", "Publishing"}, {"Frances", "Allen", "Engineering"}, {"John", "Backus", "Finance"},
		{"Radia", "Perlman", "Networks"},
	}
	for i, p := range people {
		login := strings.ToLower(p.given + "." + p.family)
		body := map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName":    login + "@corp.example",
			"externalId":  fmt.Sprintf("hr-%04d", 1000+i),
			"name":        map[string]any{"givenName": p.given, "familyName": p.family},
			"displayName": p.given + " " + p.family,
			"active":      i%3 != 2, // some left the company
			"emails":      []any{map[string]any{"value": login + "@corp.example", "type": "work", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
				"employeeNumber": fmt.Sprint(1000 + i), "department": p.dept,
			},
		}
		st.users = append(st.users, st.create("/Users", body))
	}
	for i, name := range []string{"Everyone", "Engineering", "Research", "Admins"} {
		var members []any
		for j, id := range st.users {
			if i == 0 || j%4 == i {
				members = append(members, map[string]any{"value": id})
			}
		}
		st.groups = append(st.groups, st.create("/Groups", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name, "members": members,
		}))
	}
	return st
}

// send sends one request to the provider and returns status and body.
func (st *sharedTarget) send(method, path string, body any) (int, []byte) {
	st.t.Helper()
	return scimRequest(st.t, st.token, method, st.base+path, body)
}

// create POSTs body to endpoint and returns the new id.
func (st *sharedTarget) create(endpoint string, body any) string {
	st.t.Helper()
	return scimCreate(st.t, st.token, st.base, endpoint, body)
}

// scimRequest sends one request with body as JSON and token as bearer
// credentials, and returns status and body; a request that gets no answer
// fails the test.
func scimRequest(t *testing.T, token, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return resp.StatusCode, raw
}

// scimCreate POSTs body to base+endpoint and returns the new id.
func scimCreate(t *testing.T, token, base, endpoint string, body any) string {
	t.Helper()
	code, raw := scimRequest(t, token, http.MethodPost, base+endpoint, body)
	id := gjson.GetBytes(raw, "id").String()
	if code != http.StatusCreated || id == "" {
		t.Fatalf("POST %s: %d %s", endpoint, code, raw)
	}
	return id
}

// snapshot is what the target holds: the exact bytes of each watched
// resource, and the sorted ids of every user and group.
type snapshot struct {
	bodies        map[string][]byte
	users, groups []string
}

// snapshot reads the pre-existing resources byte for byte and lists every id.
func (st *sharedTarget) snapshot() snapshot {
	st.t.Helper()
	s := snapshot{bodies: map[string][]byte{}}
	for _, kind := range []struct {
		endpoint string
		ids      []string
		all      *[]string
	}{{"/Users", st.users, &s.users}, {"/Groups", st.groups, &s.groups}} {
		for _, id := range kind.ids {
			s.bodies[kind.endpoint+"/"+id] = st.get(kind.endpoint + "/" + id)
		}
		*kind.all = st.list(kind.endpoint)
	}
	return s
}

// get returns the exact bytes of GET path, prefixed with the status when
// it is not 200 (a vanished resource then compares unequal and shows why).
func (st *sharedTarget) get(path string) []byte {
	st.t.Helper()
	code, raw := st.send(http.MethodGet, path, nil)
	if code != http.StatusOK {
		raw = append([]byte(fmt.Sprintf("HTTP %d ", code)), raw...)
	}
	return raw
}

// list pages through endpoint and returns its ids, sorted. Pages are as
// large as the reference serves (1000), so a target that ignores
// startIndex is listed whole in one page.
func (st *sharedTarget) list(endpoint string) []string {
	st.t.Helper()
	var ids []string
	for start := 1; ; {
		code, raw := st.send(http.MethodGet, fmt.Sprintf("%s?startIndex=%d&count=1000&attributes=id", endpoint, start), nil)
		if code != http.StatusOK {
			st.t.Fatalf("list %s: %d %s", endpoint, code, raw)
		}
		page := gjson.GetBytes(raw, "Resources.#.id").Array()
		for _, id := range page {
			ids = append(ids, id.String())
		}
		start += len(page)
		if len(page) == 0 || int64(start) > gjson.GetBytes(raw, "totalResults").Int() {
			break
		}
		if start > 100000 {
			st.t.Fatalf("list %s: no end after %d resources", endpoint, start)
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		st.t.Fatalf("list %s: the pages repeat ids", endpoint)
	}
	return ids
}

// unchanged fails the test when the target differs from before (see
// [sharedTarget.changes]).
func (st *sharedTarget) unchanged(before snapshot, what string) {
	st.t.Helper()
	for _, c := range st.changes(before) {
		st.t.Errorf("%s: %s", what, c)
	}
}

// changes lists how the target differs from before: a pre-existing
// resource whose JSON changed (a group whose members or meta.version moved,
// a user whose groups changed) or an id that appeared (left by the run,
// shown with its JSON) or vanished.
func (st *sharedTarget) changes(before snapshot) []string {
	st.t.Helper()
	var out []string
	after := st.snapshot()
	paths := slices.Sorted(maps.Keys(before.bodies))
	for _, path := range paths {
		a, ok := after.bodies[path]
		if !ok { // watched by the caller beyond the pre-existing data
			a = st.get(path)
		}
		if b := before.bodies[path]; !bytes.Equal(a, b) {
			out = append(out, fmt.Sprintf("%s changed:\nbefore %s\nafter  %s", path, b, a))
		}
	}
	for _, kind := range []struct {
		name          string
		before, after []string
	}{{"/Users", before.users, after.users}, {"/Groups", before.groups, after.groups}} {
		for _, d := range symmetricDiff(kind.before, kind.after) {
			if strings.HasPrefix(d, "-") {
				out = append(out, fmt.Sprintf("%s/%s vanished", kind.name, d[1:]))
				continue
			}
			_, raw := st.send(http.MethodGet, kind.name+"/"+d[1:], nil)
			out = append(out, fmt.Sprintf("%s/%s was left: %s", kind.name, d[1:], raw))
		}
	}
	return out
}

// TestSnapshotSeesChanges is the check of the check: the snapshot
// comparison the tests below rely on notices each kind of damage a run
// could do.
func TestSnapshotSeesChanges(t *testing.T) {
	t.Parallel()
	st := newSharedTarget(t, nil, nil)
	before := st.snapshot()
	if c := st.changes(before); len(c) != 0 {
		t.Fatalf("an untouched target shows changes: %q", c)
	}
	// A real user added to a test group: the user's groups change.
	gid := st.create("/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "scimtest-leftover",
		"members": []any{map[string]any{"value": st.users[1]}}})
	// A pre-existing group's members changed, then changed back: its
	// meta.version and lastModified still move.
	patch := func(op string) {
		code, raw := st.send(http.MethodPatch, "/Groups/"+st.groups[3], map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": op, "path": "members", "value": []any{map[string]any{"value": st.users[0]}}}}})
		if code != http.StatusOK && code != http.StatusNoContent {
			t.Fatalf("PATCH %s: %d %s", op, code, raw)
		}
	}
	patch("add")
	patch("remove")
	// A pre-existing user deleted.
	if code, raw := st.send(http.MethodDelete, "/Users/"+st.users[9], nil); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", code, raw)
	}
	got := strings.Join(st.changes(before), "\n")
	for _, want := range []string{
		"/Users/" + st.users[1] + " changed", "/Groups/" + st.groups[3] + " changed",
		"/Groups/" + gid + " was left", "/Users/" + st.users[9] + " vanished",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("changes lack %q:\n%s", want, got)
		}
	}
}

// symmetricDiff returns the ids in one sorted list but not the other.
func symmetricDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, "-"+x)
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok {
			out = append(out, "+"+x)
		}
	}
	return out
}

// refusals returns, one line per spec, the failures of specs that were
// stopped before writing to foreign data: by the guard on the transport
// (guarded) or by the suites' own check of a lookup (checked).
func refusals(res *reports.Results) (guarded, checked []string) {
	for _, s := range res.Specs {
		switch {
		case s.Failure == nil:
		case strings.Contains(s.Failure.Message, "scimtest refused"):
			guarded = append(guarded, s.Name+": "+s.Failure.Message)
		case strings.Contains(s.Failure.Message, "would write to a resource the run did not create"):
			checked = append(checked, s.Name)
		}
	}
	return guarded, checked
}

// TestRunLeavesPreexistingDataAlone runs every profile against targets that
// already hold someone else's users and groups: after a passing run, a
// failing run on a broken target (one that ignores filters among others) and
// a run stopped by SIGINT, every pre-existing resource is byte-for-byte what
// it was and no resource the run created remains.
func TestRunLeavesPreexistingDataAlone(t *testing.T) {
	tests := []struct {
		name   string
		quirks []string
		wrap   func(http.Handler) http.Handler
		// steal makes every fourth create answer a pre-existing user.
		steal bool
		want  int
		// guarded is whether the guard must have refused writes.
		guarded bool
	}{
		{name: "passing run", want: exitOK},
		// Broken in ways that make specs fail while POST and DELETE still
		// work, so the run can clean up after itself. Ignoring filters is
		// the dangerous one: lookups for the run's users answer real users.
		{name: "failing run on a broken target", want: exitNonConform, wrap: ignoreFilters, quirks: []string{
			"invalid-filter-returns-all", "startindex-ignored", "patch-remove-filter-removes-all",
			"if-match-ignored", "patch-pathless-ignored", "second-delete-204",
		}},
		// A create answered with someone else's user: the spec would
		// update it, and its cleanup would delete it.
		{name: "failing run on a target whose creates answer a real user", want: exitNonConform, steal: true, guarded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var victim atomic.Value
			wrap := tt.wrap
			if tt.steal {
				wrap = answerCreatesWith(&victim)
			}
			st := newSharedTarget(t, tt.quirks, wrap)
			victim.Store(st.users[0])
			before := st.snapshot()
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, nil, "run", "--profile", "all", "--target", st.base, "--token", st.token,
				"--out", out, "--seed", "7", "--request-timeout", "2s")
			if code != tt.want {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tt.want, stdout, stderr)
			}
			res := readResults(t, out)
			st.unchanged(before, tt.name)
			guarded, checked := refusals(res)
			t.Logf("%d specs stopped by the suites' lookup check, %d by the guard", len(checked), len(guarded))
			for _, g := range guarded {
				t.Logf("guard: %.300s", g)
			}
			if tt.guarded && len(guarded) == 0 {
				t.Errorf("no spec failed with the guard's refusal")
			}
		})
	}
}

// answerCreatesWith makes h answer every fourth POST /Users with 201 and
// the user whose id victim holds (nothing is created): a target that hands
// a create someone else's resource. Until victim is set, h is unchanged.
func answerCreatesWith(victim *atomic.Value) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		var n atomic.Int64
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, _ := victim.Load().(string)
			if id == "" || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Users") || n.Add(1)%4 != 1 {
				h.ServeHTTP(w, r)
				return
			}
			get := httptest.NewRequest(http.MethodGet, r.URL.Path+"/"+id, nil)
			get.Header.Set("Authorization", r.Header.Get("Authorization"))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, get)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// TestRunInterruptedLeavesPreexistingDataAlone stops a full run with SIGINT
// while its specs are creating and deleting resources on a target that
// already holds data: the run exits 130 after cleaning up, and the target
// holds exactly what it held before.
func TestRunInterruptedLeavesPreexistingDataAlone(t *testing.T) {
	t.Parallel()
	// A little latency keeps the run busy for the second it takes to signal.
	slow := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Millisecond)
			h.ServeHTTP(w, r)
		})
	}
	st := newSharedTarget(t, nil, slow)
	before := st.snapshot()
	base := st.requests.Load()
	out := t.TempDir()
	cmd := exec.Command(binary, "run", "--profile", "all", "--target", st.base, "--token", st.token, "--out", out, "--seed", "5")
	cmd.Env = append(cmd.Environ(), "SCIMTEST_TOKEN=")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal about a second in, once the specs are well under way.
	deadline := time.Now().Add(15 * time.Second)
	for st.requests.Load()-base < 150 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("wait: %v, want exit 130:\n%s", err, buf.String())
	}
	// A create cut short by the signal after the target stored the user
	// leaves one the specs never learned the id of: only a sweep of the
	// run ID after the stop (sweepAfterStop) removes it.
	st.unchanged(before, "interrupted run (a leftover means the stopped run did not sweep its run ID: sweepAfterStop)")
	if r := readResults(t, out); !strings.Contains(r.Run.Interrupted, "Interrupted") {
		t.Errorf("results: interrupted %q", r.Run.Interrupted)
	}
}
