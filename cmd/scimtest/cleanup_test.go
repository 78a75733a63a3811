package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimtest/scimtest/fixtures"
)

// TestCleanupDeletesExactlyTheRun fills a target with someone else's data,
// the leftovers of run A and of run B, and foreign resources whose names
// hold A's run ID inside a longer word; cleaning up A must delete A's
// leftovers and leave everything else byte-for-byte as it was, whether the
// target filters, refuses one filter, or ignores filters altogether.
func TestCleanupDeletesExactlyTheRun(t *testing.T) {
	const runA, runB = "runaaaaa", "runbbbbb"
	tests := []struct {
		name   string
		quirks []string
		wrap   func(http.Handler) http.Handler
	}{
		{name: "with filters"},
		// Filtering on externalId fails: cleanup pages instead.
		{name: "externalId filter refused", quirks: []string{"filter-externalid-unsupported"}},
		// Every filter is ignored: each lookup answers every resource.
		{name: "filters ignored", wrap: ignoreFilters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSharedTarget(t, tt.quirks, tt.wrap)
			a, b := fixtures.New(1, runA).Fork("spec"), fixtures.New(2, runB)
			var mineUsers, mineGroups []string
			for i := 0; i < 3; i++ {
				u := st.create("/Users", a.User())
				mineUsers = append(mineUsers, u)
				g := a.Group()
				mineGroups = append(mineGroups, st.create("/Groups", map[string]any{
					"schemas": g.Schemas, "displayName": g.DisplayName, "externalId": g.ExternalID, "members": []any{map[string]any{"value": u}},
				}))
				st.users = append(st.users, st.create("/Users", b.User()))
				st.groups = append(st.groups, st.create("/Groups", b.Group()))
			}
			// A's leftovers also include a user whose userName the target
			// folded to upper case and a filter-spec cohort user.
			mineUsers = append(mineUsers,
				st.create("/Users", map[string]any{"schemas": []string{fixtures.SchemaUser}, "userName": strings.ToUpper(fixtures.Marker(runA)) + "0A1B2C3D-7@EXAMPLE.COM"}),
				st.create("/Users", map[string]any{"schemas": []string{fixtures.SchemaUser}, "userName": fixtures.Marker(runA) + "9f8e7d6c-alpha"}))
			// Foreign resources that hold A's run ID, but not as A's marker
			// at the start of a word.
			user := func(attr, v string) map[string]any {
				m := map[string]any{"schemas": []string{fixtures.SchemaUser}, "userName": "near." + strings.ReplaceAll(v, " ", "") + "@corp.example"}
				m[attr] = v
				return m
			}
			for _, body := range []map[string]any{
				user("userName", "scimtest-"+runA+"x-1@corp.example"), // A's ID is a prefix of another run ID
				user("userName", "x"+fixtures.Marker(runA)+"1@corp.example"),
				user("userName", "pre-"+fixtures.Marker(runA)+"2@corp.example"),
				user("externalId", "hr."+fixtures.Marker(runA)+"3"),
				user("displayName", "Team "+runA),
				user("displayName", "scimtest-"+runA),
			} {
				st.users = append(st.users, st.create("/Users", body))
			}
			st.groups = append(st.groups, st.create("/Groups", map[string]any{
				"schemas": []string{fixtures.SchemaGroup}, "displayName": "ops_" + fixtures.Marker(runA) + "4 Ops",
			}))
			before := st.snapshot()

			code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", runA, "--request-timeout", "5s")
			want := len(mineUsers) + len(mineGroups)
			if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("deleted %d resources\n", want)) || stderr != "" {
				t.Fatalf("exit %d, want 0 deleting %d:\n%s%s", code, want, stdout, stderr)
			}
			for _, id := range mineUsers {
				if code, raw := st.send(http.MethodGet, "/Users/"+id, nil); code != http.StatusNotFound {
					t.Errorf("user %s of run A left: %d %s", id, code, raw)
				}
			}
			for _, id := range mineGroups {
				if code, raw := st.send(http.MethodGet, "/Groups/"+id, nil); code != http.StatusNotFound {
					t.Errorf("group %s of run A left: %d %s", id, code, raw)
				}
			}
			// Everything else is untouched: the snapshot taken before held
			// A's leftovers in its id lists, so compare without them.
			before.users = without(before.users, mineUsers)
			before.groups = without(before.groups, mineGroups)
			st.unchanged(before, "cleanup of run A")
		})
	}
}

// TestCleanupOnTargetThatRepeatsItsFirstPage: a target that ignores both
// filters and startIndex shows cleanup only its first page. Cleanup deletes
// the run's resources on it, stops paging instead of asking 1000 times, and
// exits 1 saying that the rest could not be checked.
func TestCleanupOnTargetThatRepeatsItsFirstPage(t *testing.T) {
	st := newSharedTarget(t, []string{"startindex-ignored"}, ignoreFilters)
	a := fixtures.New(4, "runddddd")
	mine := []string{st.create("/Users", a.User()), st.create("/Users", a.User())}
	for i := range 100 { // beyond the first page of 100
		st.users = append(st.users, st.create("/Users", map[string]any{"schemas": []string{fixtures.SchemaUser}, "userName": fmt.Sprintf("temp%03d@corp.example", i)}))
	}
	before := st.snapshot()
	sent := st.requests.Load()
	code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", "runddddd")
	want := "scimtest: cleanup: GET /Users repeats the same page whatever startIndex asks (only 100 of its 112 resources could be checked), so resources of run runddddd may remain; fix paging on the target and run cleanup again\n"
	if code != exitNonConform || stderr != want || !strings.Contains(stdout, "deleted 2 resources\n") {
		t.Fatalf("exit %d, stderr %q, stdout %q; want 1, %q and 2 deleted", code, stderr, stdout, want)
	}
	if n := st.requests.Load() - sent; n > 20 {
		t.Errorf("cleanup sent %d requests to a target that repeats its first page", n)
	}
	before.users = without(before.users, mine)
	st.unchanged(before, "cleanup on a target that ignores startIndex")
}

// without returns the ids of all that are not in drop.
func without(all, drop []string) []string {
	var out []string
	for _, id := range all {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

// TestCleanupRefusesBadInvocations: no target, no run ID or a string that
// cannot be a run ID is one line on stderr and exit 2, before any request.
func TestCleanupRefusesBadInvocations(t *testing.T) {
	st := newSharedTarget(t, nil, nil)
	before := st.requests.Load()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"cleanup"}, "scimtest: --target and --run-id are required: pass --target"},
		{[]string{"cleanup", "--run-id", "x"}, "scimtest: --target and --run-id are required: pass --target"},
		{[]string{"cleanup", "--target", st.base}, "scimtest: --target and --run-id are required: pass --run-id"},
		{[]string{"cleanup", "--target", st.base, "--run-id", ""}, "scimtest: --target and --run-id are required: pass --run-id"},
		{[]string{"cleanup", "--target", st.base, "--run-id", "a b"}, `scimtest: --run-id "a b" is not a run ID`},
		{[]string{"cleanup", "--target", st.base, "--run-id", "run*"}, `scimtest: --run-id "run*" is not a run ID`},
		{[]string{"cleanup", "--target", st.base, "--run-id", "../Users"}, `scimtest: --run-id "../Users" is not a run ID`},
		{[]string{"cleanup", "--target", st.base, "--run-id", strings.Repeat("a", 65)}, "is not a run ID"},
		{[]string{"cleanup", "--target", st.base, "--run-id", "abc-1"}, `scimtest: --run-id "abc-1" is not a run ID`},
		{[]string{"cleanup", "--target", st.base, "--run-id", "abc", "--timeout", "0s"}, "scimtest: --timeout and --request-timeout must be positive"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, nil, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit 2 and one line holding %q", tt.args, code, stderr, stdout, tt.want)
		}
	}
	if n := st.requests.Load() - before; n != 0 {
		t.Errorf("bad invocations sent %d requests", n)
	}
}

// TestCleanupReportsFailedDeletes: a target that refuses to delete one of
// the run's resources makes cleanup delete the others and exit 1 naming
// the failure.
func TestCleanupReportsFailedDeletes(t *testing.T) {
	var stuck atomic.Value // the id whose DELETE fails
	stuck.Store("")
	st := newSharedTarget(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if id := stuck.Load().(string); r.Method == http.MethodDelete && id != "" && strings.HasSuffix(r.URL.Path, "/"+id) {
				http.Error(w, "locked", http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	a := fixtures.New(3, "runccccc")
	u1, u2 := st.create("/Users", a.User()), st.create("/Users", a.User())
	stuck.Store(u1)
	code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", "runccccc")
	want := "scimtest: cleanup: 1 resources of run runccccc could not be deleted (first: DELETE /Users/" + u1 + " answered 500); run cleanup again\n"
	if code != exitNonConform || stderr != want {
		t.Fatalf("exit %d, stderr %q; want 1 and %q\n%s", code, stderr, want, stdout)
	}
	if code, _ := st.send(http.MethodGet, "/Users/"+u2, nil); code != http.StatusNotFound {
		t.Errorf("the deletable user is still there: %d", code)
	}
}

// TestCleanupNeedsAWorkingToken: a refused token is one line naming the
// fix, exit 2.
func TestCleanupNeedsAWorkingToken(t *testing.T) {
	st := newSharedTarget(t, nil, nil)
	code, _, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", "wrong", "--run-id", "runaaaaa")
	want := "scimtest: cleanup: GET /Users answered 401: check the token (--token or SCIMTEST_TOKEN)\n"
	if code != exitUsage || stderr != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}

func TestRequirementsCommand(t *testing.T) {
	code, text := runBinary(t, nil, "requirements", "--level", "MUST")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if !strings.Contains(text, "P-3.3-06") || !strings.Contains(text, "covered by [users MUST]") || strings.Contains(text, "SHOULD 7644") {
		t.Errorf("MUST listing lacks coverage or holds other levels:\n%.2000s", text)
	}
	if !strings.Contains(text, "MUST ") || !strings.Contains(text, "rows covered by specs") {
		t.Errorf("no per-level summary:\n%s", text[max(0, len(text)-500):])
	}
	_, unc := runBinary(t, nil, "requirements", "--uncovered")
	if strings.Contains(unc, "    covered by [") {
		t.Errorf("--uncovered lists covered rows")
	}
	if code, text := runBinary(t, nil, "requirements", "--level", "SOMETIMES"); code != exitUsage {
		t.Errorf("bad level: exit %d:\n%s", code, text)
	}
}

// TestCleanupFindsEverythingARunMade runs two full runs, A and B, against a
// target that refuses every DELETE, so each leaves everything its specs
// created. Cleaning up A (with DELETE working again) must remove every
// resource A made, whatever spec made it and however it was named, and
// leave B's resources and the pre-existing data byte-for-byte as they were.
func TestCleanupFindsEverythingARunMade(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	st := newSharedTarget(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if refuse.Load() && r.Method == http.MethodDelete {
				http.Error(w, "deletes are switched off", http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	before := st.snapshot()
	refuse.Store(true)
	run := func(runID string, seed int) {
		code, stdout, stderr := runCLI(t, nil, "run", "--profile", "all", "--target", st.base, "--token", st.token,
			"--out", t.TempDir(), "--seed", fmt.Sprint(seed), "--run-id", runID, "--request-timeout", "2s")
		if code != exitNonConform {
			t.Fatalf("run %s: exit %d, want 1 (its DELETE specs fail):\n%s%s", runID, code, stdout, stderr)
		}
	}
	run("runaaaaa", 1)
	afterA := st.snapshot()
	madeUsers := without(afterA.users, before.users)
	madeGroups := without(afterA.groups, before.groups)
	if len(madeUsers) < 50 || len(madeGroups) < 10 {
		t.Fatalf("run A left only %d users and %d groups; the test needs a run that could not delete", len(madeUsers), len(madeGroups))
	}
	t.Logf("run A left %d users and %d groups", len(madeUsers), len(madeGroups))
	run("runbbbbb", 2)
	// B's leftovers join what must stay untouched, byte for byte.
	keep := st.snapshot()
	for _, kind := range []struct {
		endpoint string
		ids      []string
	}{{"/Users", without(keep.users, afterA.users)}, {"/Groups", without(keep.groups, afterA.groups)}} {
		for _, id := range kind.ids {
			keep.bodies[kind.endpoint+"/"+id] = st.get(kind.endpoint + "/" + id)
		}
	}
	keep.users = without(keep.users, madeUsers)
	keep.groups = without(keep.groups, madeGroups)
	refuse.Store(false)

	code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", "runaaaaa")
	want := fmt.Sprintf("deleted %d resources\n", len(madeUsers)+len(madeGroups))
	if code != exitOK || !strings.Contains(stdout, want) {
		t.Errorf("cleanup: exit %d, want 0 and %q:\n%s%s", code, want, stdout, stderr)
	}
	st.unchanged(keep, "cleanup of run A after runs A and B")
}

// TestCleanupTakesTheRunsConfig: a CI job cleans up with the scimtest.yaml
// its run used (target and the token's variable), and the file's token rule
// holds for cleanup too.
func TestCleanupTakesTheRunsConfig(t *testing.T) {
	const run = "runccccc"
	st := newSharedTarget(t, nil, nil)
	before := st.snapshot()
	leftover := st.create("/Users", fixtures.New(3, run).User())
	dir := t.TempDir()
	cfg := filepath.Join(dir, "scimtest.yaml")
	if err := os.WriteFile(cfg, []byte("target: "+st.base+"\ntoken-env: CLEANUP_TOKEN\nrequest-timeout: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, []string{"CLEANUP_TOKEN=" + st.token}, "cleanup", "--config", cfg, "--run-id", run)
	if code != 0 || !strings.Contains(stdout, "deleted 1 resources") {
		t.Fatalf("cleanup --config: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if status, _ := st.send(http.MethodGet, "/Users/"+leftover, nil); status != http.StatusNotFound {
		t.Errorf("the run's leftover %s answers %d after cleanup, want 404", leftover, status)
	}
	st.unchanged(before, "after cleanup --config")

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("target: "+st.base+"\ntoken: secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, nil, "cleanup", "--config", bad, "--run-id", run)
	if code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "a token is never read from the file") {
		t.Errorf("cleanup with a token in the file: exit %d, stderr %q; want 2 and one line refusing the token", code, stderr)
	}
}
