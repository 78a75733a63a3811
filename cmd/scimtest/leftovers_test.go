package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
)

// TestRunIDWithDashIsRefused: the marker is "scimtest-<id>-", so with a
// dash in run IDs, cleanup of run "123" would delete run "123-2"'s
// "scimtest-123-2-7". run, simulate and cleanup refuse such an ID with one
// line and exit 2, before any request.
func TestRunIDWithDashIsRefused(t *testing.T) {
	st := newSharedTarget(t, nil, nil)
	before := st.requests.Load()
	for _, args := range [][]string{
		{"run", "--target", st.base, "--token", st.token, "--out", t.TempDir()},
		{"simulate", "okta", "--target", st.base, "--token", st.token},
		{"cleanup", "--target", st.base, "--token", st.token},
	} {
		for _, id := range []string{"123-2", "abc_1"} {
			code, stdout, stderr := runCLI(t, nil, append(args, "--run-id", id)...)
			want := fmt.Sprintf("scimtest: --run-id %q is not a run ID: use the 1 to 64 letters and digits", id)
			if code != exitUsage || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("%s --run-id %s: exit %d, stderr %q, stdout %q; want 2 and one line %q...", args[0], id, code, stderr, stdout, want)
			}
		}
	}
	if n := st.requests.Load() - before; n != 0 {
		t.Errorf("refused run IDs sent %d requests", n)
	}
}

// withoutGroups makes a target answer status to every request for
// /Groups once gone is set: a provider that serves no groups, which SCIM
// allows (set after [newSharedTarget] has filled it).
func withoutGroups(status int, gone *atomic.Bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if gone.Load() && strings.Contains(r.URL.Path, "/Groups") {
				http.Error(w, "no groups here", status)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestCleanupOnTargetWithoutGroups: a target whose /Groups answers 404 or
// 501 has no group of the run to delete; cleanup deletes the run's users,
// says so per endpoint, and exits 0. A /Groups that fails otherwise is an
// error, but the users deleted before it are reported first.
func TestCleanupOnTargetWithoutGroups(t *testing.T) {
	const run = "nogroups1"
	for _, status := range []int{http.StatusNotFound, http.StatusNotImplemented} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var gone atomic.Bool
			st := newSharedTarget(t, nil, withoutGroups(status, &gone))
			g := fixtures.New(6, run)
			mine := []string{st.create("/Users", g.User()), st.create("/Users", g.User())}
			gone.Store(true)
			code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", run)
			want := fmt.Sprintf("/Users: deleted 2 resources of run %s\n/Groups: nothing to delete (GET /Groups answered %d)\ndeleted 2 resources\n", run, status)
			if code != exitOK || stdout != want || stderr != "" {
				t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant 0 and stdout %q", code, stdout, stderr, want)
			}
			for _, id := range mine {
				if code, _ := st.send(http.MethodGet, "/Users/"+id, nil); code != http.StatusNotFound {
					t.Errorf("user %s of the run answers %d after cleanup", id, code)
				}
			}
		})
	}
	t.Run("500", func(t *testing.T) {
		var gone atomic.Bool
		st := newSharedTarget(t, nil, withoutGroups(http.StatusInternalServerError, &gone))
		st.create("/Users", fixtures.New(6, run).User())
		gone.Store(true)
		code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", run)
		if code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "GET /Groups answered 500") ||
			!strings.HasPrefix(stdout, "/Users: deleted 1 resources of run "+run+"\n") {
			t.Errorf("exit %d\nstdout %q\nstderr %q\nwant 2, the users' count first and one line on /Groups", code, stdout, stderr)
		}
	})
}

// TestCleanupTimeoutBoundsTheWholeCleanup: a target that holds every
// DELETE after the first one would keep cleanup for the request timeout
// per resource; --timeout ends it, exit 1, saying what was deleted and
// that the time ran out.
func TestCleanupTimeoutBoundsTheWholeCleanup(t *testing.T) {
	const run = "slowdel1"
	var deletes atomic.Int64
	st := newSharedTarget(t, nil, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && deletes.Add(1) > 1 {
				<-r.Context().Done()
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	g := fixtures.New(7, run)
	for range 3 {
		st.create("/Users", g.User())
	}
	code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", st.base, "--token", st.token, "--run-id", run,
		"--timeout", "1s", "--request-timeout", "10s")
	want := "scimtest: cleanup: --timeout 1s ran out after deleting 1 resources of run " + run + "; more may remain: run cleanup again\n"
	if code != exitNonConform || stderr != want || !strings.Contains(stdout, "deleted 1 resources\n") {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant 1 and %q", code, stdout, stderr, want)
	}
}

// TestCleanupStopsPagingAtTotalResults: a target that ignores filters and
// hands out full pages of fresh ids past its totalResults would be paged
// 1000 times; cleanup stops once startIndex passes totalResults.
func TestCleanupStopsPagingAtTotalResults(t *testing.T) {
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		if !strings.HasSuffix(r.URL.Path, "/Users") {
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
			return
		}
		gets.Add(1)
		start := 1
		fmt.Sscan(r.URL.Query().Get("startIndex"), &start)
		var res []string
		for i := range 100 {
			res = append(res, fmt.Sprintf(`{"id":"u%d","userName":"someone%d@corp.example"}`, start+i, start+i))
		}
		fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":150,"startIndex":%d,"itemsPerPage":100,"Resources":[%s]}`,
			start, strings.Join(res, ","))
	}))
	t.Cleanup(srv.Close)
	code, stdout, stderr := runCLI(t, nil, "cleanup", "--target", srv.URL, "--token", "tok", "--run-id", "pages1")
	if code != exitOK || !strings.Contains(stdout, "deleted 0 resources\n") {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant 0 and nothing deleted", code, stdout, stderr)
	}
	// One filter, then the pages at startIndex 1 and 101.
	if n := gets.Load(); n > 3 {
		t.Errorf("cleanup sent %d GET /Users for 150 resources", n)
	}
}

// failFirstDelete makes a target answer 500 to the first DELETE of the
// first user created with a userName carrying marker, as a provider with a
// transient lock does: the spec's DeferCleanup ignores it, and the user
// stays until something deletes it again. stuck receives the user's id.
func failFirstDelete(marker string, stuck *atomic.Value) func(http.Handler) http.Handler {
	var mu sync.Mutex
	failed := false
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			id, _ := stuck.Load().(string)
			if id != "" && !failed && r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/Users/"+id) {
				failed = true
				mu.Unlock()
				http.Error(w, "locked", http.StatusInternalServerError)
				return
			}
			mu.Unlock()
			if id != "" || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Users") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if rec.Code == http.StatusCreated && fixtures.HasRunID(gjson.GetBytes(body, "userName").String(), marker) {
				stuck.CompareAndSwap("", gjson.GetBytes(body, "id").String())
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

// TestRunSweepsWhatTheSpecsLeft: a run that finishes normally against a
// target that refused one of its DELETEs sweeps its run ID, deletes the
// user the spec's cleanup could not, and says so in one line; the exit
// code is the run's verdict, not the sweep's.
func TestRunSweepsWhatTheSpecsLeft(t *testing.T) {
	const run = "sweepend1"
	var stuck atomic.Value
	stuck.Store("")
	st := newSharedTarget(t, nil, failFirstDelete(run, &stuck))
	before := st.snapshot()
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "run", "--target", st.base, "--token", st.token, "--out", out, "--run-id", run,
		"--focus", "answers a valid POST with 201 Created", "--request-timeout", "5s")
	id := stuck.Load().(string)
	if id == "" {
		t.Fatalf("the run created no user:\n%s%s", stdout, stderr)
	}
	want := "swept 1 leftover resource of run " + run + " that the specs' cleanup could not delete\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s%s", want, stdout, stderr)
	}
	if res := readResults(t, out); res.Run.Conformant != (code == exitOK) || code != exitOK && code != exitNonConform {
		t.Errorf("exit %d for a run with conformant=%v:\n%s%s", code, res.Run.Conformant, stdout, stderr)
	}
	if status, _ := st.send(http.MethodGet, "/Users/"+id, nil); status != http.StatusNotFound {
		t.Errorf("the user whose DELETE failed answers %d after the run, want 404", status)
	}
	st.unchanged(before, "run that swept its leftover")

	// A clean run says nothing about a sweep.
	code, stdout, stderr = runCLI(t, nil, "run", "--target", st.base, "--token", st.token, "--out", t.TempDir(), "--run-id", "sweepend2",
		"--focus", "answers a valid POST with 201 Created", "--request-timeout", "5s")
	if code != exitOK || strings.Contains(stdout+stderr, "swept") || strings.Contains(stdout+stderr, "cleanup") {
		t.Errorf("clean run: exit %d, want 0 and no word of a sweep:\n%s%s", code, stdout, stderr)
	}
}

// TestRunSweepFailureIsNotHidden: when the end-of-run sweep cannot delete
// a leftover, the console names the cleanup command instead of keeping
// quiet, and the exit code stays the run's.
func TestRunSweepFailureIsNotHidden(t *testing.T) {
	const run = "sweepend3"
	var stuck atomic.Value
	stuck.Store("")
	var mu sync.Mutex
	st := newSharedTarget(t, nil, func(h http.Handler) http.Handler {
		inner := failFirstDelete(run, &stuck)(h)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			id, _ := stuck.Load().(string)
			mu.Unlock()
			if id != "" && r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/Users/"+id) {
				http.Error(w, "locked for good", http.StatusInternalServerError)
				return
			}
			inner.ServeHTTP(w, r)
		})
	})
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "run", "--target", st.base, "--token", st.token, "--out", out, "--run-id", run,
		"--focus", "answers a valid POST with 201 Created", "--request-timeout", "5s")
	want := "run ID " + run + ": cleanup: 1 resources of run " + run + " could not be deleted"
	if !strings.Contains(stdout, want) || !strings.Contains(stdout, "`scimtest cleanup --run-id "+run+"` removes leftovers\n") {
		t.Errorf("stdout lacks %q and the cleanup command:\n%s%s", want, stdout, stderr)
	}
	if res := readResults(t, out); res.Run.Conformant != (code == exitOK) {
		t.Errorf("exit %d for a run with conformant=%v", code, res.Run.Conformant)
	}
}

// TestSweepAfterStopClaimsOnlyWhatItFound: after a stopped run whose sweep
// found nothing, the message says no resource carrying the run ID was
// found, not that the target is clean (a target may answer an empty list
// to a filter it does not support). After a finished run, it says nothing.
func TestSweepAfterStopClaimsOnlyWhatItFound(t *testing.T) {
	st := newSharedTarget(t, nil, nil)
	f := runFlags{target: st.base, token: st.token, runID: "stopped1", timeout: time.Minute, requestTimeout: 5 * time.Second}
	got := sweepAfterRun(f, http.DefaultClient, time.Now(), true)
	if want := "run ID stopped1: after the stop, no resource carrying run ID stopped1 was found"; got != want {
		t.Errorf("stopped: %q, want %q", got, want)
	}
	// After a finished run the sweep stays cheap: one filtered query per
	// endpoint when nothing is left.
	sent := st.requests.Load()
	if got := sweepAfterRun(f, http.DefaultClient, time.Now(), false); got != "" {
		t.Errorf("finished: %q, want nothing said", got)
	}
	if n := st.requests.Load() - sent; n != 2 {
		t.Errorf("the sweep after a finished run sent %d requests, want 2 (one per endpoint)", n)
	}
}

// TestSweepAfterRunWithoutGroups: the sweep after a run on a target
// without /Groups (404) deletes the run's leftover user and does not fail
// on the missing endpoint; on a /Groups that fails otherwise, it still
// says what it deleted before the failure.
func TestSweepAfterRunWithoutGroups(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, "swept 1 leftover resource of run sweepng1 that the specs' cleanup could not delete"},
		{http.StatusInternalServerError, "run ID sweepng1: swept 1 leftover resource, then cleanup: GET /Groups answered 500: the target neither filters nor lists its resources; `scimtest cleanup --run-id sweepng1` removes leftovers"},
	} {
		var gone atomic.Bool
		st := newSharedTarget(t, nil, withoutGroups(tt.status, &gone))
		left := st.create("/Users", fixtures.New(8, "sweepng1").User())
		gone.Store(true)
		f := runFlags{target: st.base, token: st.token, runID: "sweepng1", timeout: time.Minute, requestTimeout: 5 * time.Second}
		if got := sweepAfterRun(f, http.DefaultClient, time.Now(), false); got != tt.want {
			t.Errorf("/Groups %d: %q, want %q", tt.status, got, tt.want)
		}
		if status, _ := st.send(http.MethodGet, "/Users/"+left, nil); status != http.StatusNotFound {
			t.Errorf("/Groups %d: the leftover user answers %d, want 404", tt.status, status)
		}
	}
}
