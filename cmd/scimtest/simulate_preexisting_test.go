package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
)

// These tests point `scimtest simulate` at a target that already holds
// users and groups (some groups with those users as members): whatever
// the run does — pass, fail, get interrupted, meet a target that ignores
// filters — the data it did not create is byte-for-byte unchanged
// afterwards and nothing it created remains.

// simRef starts the reference (token [hostileToken]) with quirks, its
// handler wrapped by wrap when not nil, and returns the base URL.
func simRef(t *testing.T, quirks []string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	ref, err := reference.New(reference.Options{Token: hostileToken, Quirks: quirks})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = ref
	if wrap != nil {
		h = wrap(ref)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL + ref.BasePath()
}

// simSeed creates three users and two groups holding them, as a
// target shared with real data would, and returns their resource paths
// ("/Users/<id>", "/Groups/<id>").
func simSeed(t *testing.T, base string) []string {
	t.Helper()
	var paths, users []string
	for i, name := range []string{"ada.lovelace", "grace.hopper", "alan.turing"} {
		id := scimCreate(t, hostileToken, base, "/Users", map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName":    name + "@example.com",
			"externalId":  fmt.Sprintf("hr-%d", i),
			"displayName": name,
			"name":        map[string]any{"givenName": strings.Split(name, ".")[0], "familyName": strings.Split(name, ".")[1]},
			"emails":      []map[string]any{{"value": name + "@example.com", "type": "work", "primary": true}},
			"active":      true,
		})
		users = append(users, id)
		paths = append(paths, "/Users/"+id)
	}
	for i, name := range []string{"Engineering", "Payroll"} {
		var members []map[string]any
		for _, id := range users[i:] {
			members = append(members, map[string]any{"value": id})
		}
		id := scimCreate(t, hostileToken, base, "/Groups", map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": name,
			"members":     members,
		})
		paths = append(paths, "/Groups/"+id)
	}
	return paths
}

// simSnapshot GETs each path and keeps the bodies.
func simSnapshot(t *testing.T, base string, paths []string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range paths {
		status, body := scimRequest(t, hostileToken, http.MethodGet, base+p, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
		out[p] = body
	}
	return out
}

// simListIDs lists endpoint ("/Users" or "/Groups") and returns the resource
// paths, sorted.
func simListIDs(t *testing.T, base, endpoint string) []string {
	t.Helper()
	status, raw := scimRequest(t, hostileToken, http.MethodGet, base+endpoint+"?count=1000", nil)
	var list struct {
		TotalResults int
		Resources    []struct{ ID string }
	}
	if err := json.Unmarshal(raw, &list); status != http.StatusOK || err != nil {
		t.Fatalf("GET %s: %d %s", endpoint, status, raw)
	}
	if list.TotalResults > len(list.Resources) {
		t.Fatalf("GET %s: %d results, more than one page", endpoint, list.TotalResults)
	}
	var out []string
	for _, r := range list.Resources {
		out = append(out, endpoint+"/"+r.ID)
	}
	slices.Sort(out)
	return out
}

// simAllPaths lists every user and group on the target.
func simAllPaths(t *testing.T, base string) []string {
	t.Helper()
	return slices.Sorted(slices.Values(append(simListIDs(t, base, "/Users"), simListIDs(t, base, "/Groups")...)))
}

// simCheckUntouched asserts the target holds exactly the resources of before,
// each byte-for-byte as it was.
func simCheckUntouched(t *testing.T, base string, before map[string][]byte) {
	t.Helper()
	var want []string
	for p := range before {
		want = append(want, p)
	}
	slices.Sort(want)
	if got := simAllPaths(t, base); !slices.Equal(got, want) {
		t.Errorf("the target holds %q, want only %q", got, want)
	}
	for p, after := range simSnapshot(t, base, want) {
		if !bytes.Equal(after, before[p]) {
			t.Errorf("%s changed:\nbefore %s\nafter  %s", p, before[p], after)
		}
	}
}

// TestSimulatePreexistingData runs simulate against targets holding real
// users and groups: passing, failing on a PATCH quirk (DELETE still
// works), and against a target that ignores filters, where Okta's and
// Entra's lookups "find" a real user and the guard refuses to touch it.
func TestSimulatePreexistingData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, idp string
		quirks    []string
		wrap      func(http.Handler) http.Handler
		code      int
		says      []string
	}{
		{"passing okta", "okta", nil, nil, exitOK, []string{" 0 failed", "delete-user +3 ok\n"}},
		{"passing entra", "entra", nil, nil, exitOK, []string{" 0 failed", "delete-user +3 ok\n"}},
		{"PATCH refused", "entra", []string{"patch-op-case-sensitive"}, nil, exitNonConform, []string{"HTTP 400", "delete-user +3 ok\n", "delete-group +1 ok\n"}},
		{"filters ignored okta", "okta", nil, ignoreFilters, exitNonConform, []string{"Guard: refused", "refused by the guard"}},
		{"filters ignored entra", "entra", nil, ignoreFilters, exitNonConform, []string{"failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := simRef(t, tt.quirks, tt.wrap)
			before := simSnapshot(t, base, simSeed(t, base))
			r := simulateSmall(t, tt.idp, base)
			if r.code != tt.code {
				t.Fatalf("want exit %d: %s", tt.code, r)
			}
			simNoCrash(t, r)
			for _, s := range tt.says {
				if !regexp.MustCompile(s).MatchString(r.stdout) {
					t.Errorf("summary does not match %q: %s", s, r)
				}
			}
			simCheckUntouched(t, base, before)
		})
	}
}

// TestSimulateInterruptedLeavesNothing sends SIGINT while a membership
// PATCH is in flight: simulate stops, deletes the users and groups it
// created, and exits 130; the real data is unchanged.
func TestSimulateInterruptedLeavesNothing(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	base := simRef(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/Groups/") {
				select {
				case started <- struct{}{}:
				default:
				}
				// Held until the client gives up, and never applied. The
				// body is read first: only then does the server notice the
				// client going away.
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	before := simSnapshot(t, base, simSeed(t, base))
	cmd := exec.Command(binary, "simulate", "okta", "--target", base, "--token", hostileToken,
		"--users", "4", "--groups", "2", "--members-per-group", "2", "--run-id", "sigintrun")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no membership PATCH arrived:\n%s%s", stdout.String(), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("wait: %v, want exit 130\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	r := hostileRun{code: ee.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	simOneLine(t, r, "interrupted")
	for _, s := range []string{"Stopped: interrupted", "delete-user +4 ok\n", "delete-group +2 ok\n"} {
		if !regexp.MustCompile(s).MatchString(r.stdout) {
			t.Errorf("summary does not match %q: %s", s, r)
		}
	}
	simCheckUntouched(t, base, before)
}

// TestSimulateLeftoversCleanup: two runs kept with --keep leave their
// users and groups; each run names the cleanup command, and `scimtest
// cleanup --run-id` of one run removes exactly its resources, leaving the
// other run's and the real data as they were.
func TestSimulateLeftoversCleanup(t *testing.T) {
	t.Parallel()
	base := simRef(t, nil, nil)
	real := simSnapshot(t, base, simSeed(t, base))
	runs := []struct{ idp, id string }{{"okta", "keptokta"}, {"entra", "keptentra"}}
	created := map[string][]string{}
	seen := slices.Collect(func(yield func(string) bool) {
		for p := range real {
			if !yield(p) {
				return
			}
		}
	})
	for _, run := range runs {
		r := simulateSmall(t, run.idp, base, "--keep", "--run-id", run.id)
		want := "scimtest cleanup --target " + base + " --run-id " + run.id
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Fatalf("want exit 0 naming %q: %s", want, r)
		}
		for _, p := range simAllPaths(t, base) {
			if !slices.Contains(seen, p) {
				created[run.id] = append(created[run.id], p)
				seen = append(seen, p)
			}
		}
		if len(created[run.id]) != 3+1 {
			t.Fatalf("run %s kept %q, want 3 users and 1 group", run.id, created[run.id])
		}
	}
	other := simSnapshot(t, base, created["keptentra"])
	code, out, errOut := runCLI(t, []string{"SCIMTEST_TOKEN=" + hostileToken}, "cleanup", "--target", base, "--run-id", "keptokta")
	if code != exitOK {
		t.Fatalf("cleanup: exit %d\n%s%s", code, out, errOut)
	}
	keep := map[string][]byte{}
	for p, b := range real {
		keep[p] = b
	}
	for p, b := range other {
		keep[p] = b
	}
	simCheckUntouched(t, base, keep)
	if code, out, errOut := runCLI(t, []string{"SCIMTEST_TOKEN=" + hostileToken}, "cleanup", "--target", base, "--run-id", "keptentra"); code != exitOK {
		t.Fatalf("cleanup: exit %d\n%s%s", code, out, errOut)
	}
	simCheckUntouched(t, base, real)
}
