package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reference/faults"
	"github.com/scimtest/scimtest/reports"
)

// binary is the scimtest executable built once for the end-to-end tests:
// RunSpecs may run once per process, so every run is a process of its own.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "scimtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "scimtest")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build scimtest: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// runCLI runs the scimtest binary built by [TestMain] with
// args and returns its exit code, stdout and stderr, kept apart so the
// one-line error rule can be checked on stderr alone.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "SCIMTEST_TOKEN=")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run scimtest %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

// runBinary is [runCLI] for tests that look at all the output at once.
func runBinary(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, env, args...)
	return code, stdout + stderr
}

// readResults reads results.json of a run.
func readResults(t *testing.T, dir string) *reports.Results {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, reports.FileJSON))
	if err != nil {
		t.Fatalf("read results: %v", err)
	}
	var r reports.Results
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("parse results: %v", err)
	}
	return &r
}

func TestRunEmbeddedConforms(t *testing.T) {
	out := t.TempDir()
	code, text := runBinary(t, nil, "run", "--out", out, "--seed", "11")
	if code != exitOK {
		t.Fatalf("exit %d, want 0:\n%s", code, text)
	}
	for _, f := range []string{reports.FileJSON, reports.FileHTML, reports.FileMarkdown, reports.FileJUnit, reports.FileHAR} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("report file missing: %v", err)
		}
	}
	r := readResults(t, out)
	if !r.Run.Conformant || !r.Run.Embedded || r.Run.Seed != 11 || r.Run.RunID == "" || len(r.Specs) < 100 {
		t.Errorf("run = %+v with %d specs", r.Run, len(r.Specs))
	}
	if !strings.Contains(text, "users") || !strings.Contains(text, "CONFORMANT") {
		t.Errorf("console summary lacks the area lines or the verdict:\n%s", text)
	}
}

// TestRunCatchesQuirks is the tester testing itself: each quirk switches on
// one known provider bug in the embedded reference, and the run must fail the
// requirement the bug breaks.
func TestRunCatchesQuirks(t *testing.T) {
	tests := []struct {
		quirk, filter, req string
	}{
		{"duplicate-400", "users", "P-3.3-06"},
		{"conflict-no-scimtype", "users", "P-3.3-06"},
		{"username-unique-case-sensitive", "users", "S-4.1.1-03"},
		{"error-status-integer", "errors", "P-3.12-03"},
		{"password-returned", "users", "S-4.1.1-05"},
		{"meta-location-relative", "users", "P-3.3-03"},
		{"location-header-differs", "users", "P-3.3-03"},
		{"two-primaries-stored", "users", "S-2.4-01"},
		{"readonly-input-rejected", "users", "P-3.3-05"},
		{"attributes-drops-id", "users", "S-3.1-03"},
		{"unauthorized-no-body", "auth", "P-2-03"},
		{"no-www-authenticate", "auth", "P-2-01"},
		{"not-found-html", "errors", "P-3.12-08"},
		{"schemas-entries-without-schemas", "discovery", "S-7-01"},
		{"spc-not-object", "discovery", "P-4-01"},
	}
	for _, tt := range tests {
		t.Run(tt.quirk, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			code, text := runBinary(t, nil, "run", "--out", out, "--quirk", tt.quirk, "--label-filter", tt.filter)
			if code != exitNonConform {
				t.Fatalf("exit %d, want 1:\n%s", code, text)
			}
			failed := map[string]bool{}
			for _, s := range readResults(t, out).Specs {
				if s.State == reports.StateFailed {
					for _, id := range s.Requirements {
						failed[id] = true
					}
				}
			}
			if !failed[tt.req] {
				t.Errorf("no failed spec names %s:\n%s", tt.req, text)
			}
		})
	}
}

func TestRunWarningsFailOnlyWhenStrict(t *testing.T) {
	// content-type-json answers application/json: a SHOULD deviation.
	out := t.TempDir()
	code, text := runBinary(t, nil, "run", "--out", out, "--quirk", "content-type-json", "--label-filter", "users || errors")
	if code != exitOK {
		t.Fatalf("non-strict: exit %d, want 0:\n%s", code, text)
	}
	warned := false
	for _, s := range readResults(t, out).Specs {
		warned = warned || (s.State == reports.StateWarning && s.Level != "MUST")
	}
	if !warned {
		t.Errorf("no warning recorded:\n%s", text)
	}
	code, text = runBinary(t, nil, "run", "--out", t.TempDir(), "--strict", "--quirk", "content-type-json", "--label-filter", "users || errors")
	if code != exitNonConform {
		t.Errorf("strict: exit %d, want 1:\n%s", code, text)
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad label filter", []string{"--label-filter", "users &&"}, "label filter"},
		{"unknown profile", []string{"--profile", "nope"}, "unknown profile"},
		{"unknown capability", []string{"--require", "teleport"}, "unknown capability"},
		{"empty selection", []string{"--label-filter", "nosuchlabel"}, "no spec matches"},
		{"insecure and ca", []string{"--insecure", "--ca", "x.pem"}, "exclude each other"},
		{"unreachable target", []string{"--target", "http://127.0.0.1:1/scim/v2", "--token", "x"}, "unreachable"},
		{"not a URL", []string{"--target", "ftp://example.com", "--token", "x"}, "http(s) URL"},
		{"unknown flag", []string{"--ginkgo.label-filter", "users"}, "unknown flag"},
		{"zero timeout", []string{"--timeout", "0s"}, "--timeout and --request-timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "--out", t.TempDir()}, tt.args...)
			code, text := runBinary(t, nil, args...)
			if code != exitUsage || !strings.Contains(text, tt.want) {
				t.Errorf("exit %d, want 2 with %q:\n%s", code, tt.want, text)
			}
			if strings.Count(text, "\n") > 3 {
				t.Errorf("want one clear line, got:\n%s", text)
			}
		})
	}
}

func TestRunNonSCIMTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>login</html>"))
	}))
	defer srv.Close()
	code, text := runBinary(t, nil, "run", "--out", t.TempDir(), "--target", srv.URL, "--token", "x")
	if code != exitUsage || !strings.Contains(text, "does not look like a SCIM") {
		t.Errorf("exit %d, want 2 naming the reason:\n%s", code, text)
	}
}

// TestRunInterrupted sends SIGINT while a spec waits on a slow target: the run
// stops, cleans up, writes the report and exits 130.
func TestRunInterrupted(t *testing.T) {
	ref, err := reference.New(reference.Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	started, stop := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Users") {
			select {
			case started <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(20 * time.Second):
			}
		}
		ref.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(stop) // before Close, which waits for handlers
	out := t.TempDir()
	cmd := exec.Command(binary, "run", "--out", out, "--target", srv.URL+"/scim/v2", "--token", "tok", "--label-filter", "users")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no POST /Users arrived:\n%s", buf.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("wait: %v, want exit 130:\n%s", err, buf.String())
	}
	if r := readResults(t, out); !strings.Contains(r.Run.Interrupted, "Interrupted") || r.Run.Conformant {
		t.Errorf("results after SIGINT: interrupted %q conformant %v", r.Run.Interrupted, r.Run.Conformant)
	}
}

// TestRunTimeoutBoundsTheRun points the run at a target that answers
// discovery, creates and deletes, but hangs on every other request: the
// specs fail at --request-timeout, --timeout stops the run, the cleanup
// still deletes what was created, the report is written, and the process
// ends within --timeout (plus the time to start it).
func TestRunTimeoutBoundsTheRun(t *testing.T) {
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		discovery := strings.HasSuffix(p, "/ServiceProviderConfig") || strings.HasSuffix(p, "/ResourceTypes") || strings.HasSuffix(p, "/Schemas")
		if discovery || r.Method == http.MethodPost || r.Method == http.MethodDelete {
			ref.ServeHTTP(w, r)
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop) // before Close, which waits for handlers

	out := t.TempDir()
	start := time.Now()
	code, stdout, stderr := runCLI(t, nil, "run", "--out", out, "--target", srv.URL+"/scim/v2", "--token", "tok",
		"--profile", "rfc", "--label-filter", "users", "--timeout", "6s", "--request-timeout", "500ms", "--seed", "3")
	elapsed := time.Since(start)
	if code != exitNonConform {
		t.Fatalf("exit %d, want 1:\n%s%s", code, stdout, stderr)
	}
	// 6s is the bound; the rest is slack for starting the process on a
	// busy machine, not time the run may take.
	if elapsed > 9*time.Second {
		t.Errorf("the run took %v with --timeout 6s", elapsed)
	}
	const timedOut = "timed out: --timeout 6s stopped the specs after 3s, keeping 3s for cleanup and reports"
	if !strings.HasPrefix(stderr, "scimtest: "+timedOut+": ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line saying the run timed out", stderr)
	}
	r := readResults(t, out)
	if !r.Run.TimedOut || r.Run.Conformant || r.Run.Interrupted != timedOut {
		t.Errorf("run = %+v", r.Run)
	}
	failedAtRequestTimeout, notRun := 0, 0
	for _, s := range r.Specs {
		if s.Failure != nil && strings.Contains(s.Failure.Message, "500ms") {
			failedAtRequestTimeout++
		}
		if s.SkipReason == "not run (the run was stopped before this spec)" {
			notRun++
		}
	}
	if failedAtRequestTimeout == 0 || notRun == 0 {
		t.Errorf("%d specs failed at the request timeout, %d were not run; want some of each:\n%s", failedAtRequestTimeout, notRun, stdout)
	}
	for _, f := range []string{reports.FileHTML, reports.FileMarkdown, reports.FileJUnit} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("report file missing: %v", err)
		}
	}
	for _, ep := range []string{"/Users", "/Groups"} {
		req := httptest.NewRequest(http.MethodGet, "/scim/v2"+ep, nil)
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		ref.ServeHTTP(rec, req)
		var list struct{ TotalResults int }
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.TotalResults != 0 {
			t.Errorf("after the run %s holds %d resources (%v): %s", ep, list.TotalResults, err, rec.Body)
		}
	}
}

// TestRunReportsThrottling throttles the first three POSTs to /Users with
// 429 and Retry-After: 1. The run waits as asked, the spec whose request
// stayed throttled after the retries fails saying so, and the console,
// results.json, summary.md and report.html say the target throttled.
func TestRunReportsThrottling(t *testing.T) {
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := faults.Serve(t, ref, faults.Rule{Method: http.MethodPost, Path: regexp.MustCompile(`/Users$`), Times: 3, Fault: faults.Throttle("1")})
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "run", "--out", out, "--target", srv.URL+"/scim/v2", "--token", "tok",
		"--label-filter", "users", "--focus", "Users: create answers a valid POST with 201 Created", "--request-timeout", "5s")
	if code != exitNonConform {
		t.Fatalf("exit %d, want 1:\n%s%s", code, stdout, stderr)
	}
	r := readResults(t, out)
	th := r.Run.Throttle
	if th == nil || th.Throttled != 3 || th.Retries != 2 || th.GaveUp != 1 || th.Waited < 1900*time.Millisecond {
		t.Fatalf("throttle = %+v, want 3 throttled, 2 retries, 1 gave up, about 2s waited", th)
	}
	sentence := th.Sentence()
	if !strings.HasPrefix(sentence, "The target throttled 3 requests (429/503); scimtest waited 2") ||
		!strings.HasSuffix(sentence, "; 1 request still got 429/503 after retries.") {
		t.Errorf("sentence = %q", sentence)
	}
	if !strings.Contains(stdout, sentence) {
		t.Errorf("the console does not say it was throttled:\n%s", stdout)
	}
	for _, f := range []string{reports.FileMarkdown, reports.FileHTML} {
		raw, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "The target throttled 3 requests (429/503)") {
			t.Errorf("%s does not say the target throttled", f)
		}
	}
	failed := false
	for _, s := range r.Specs {
		if s.Failure != nil && strings.Contains(s.Failure.Message, "throttled: the target still answered 429 to POST") {
			failed = true
		}
	}
	if !failed {
		t.Errorf("no failure says its request stayed throttled:\n%s", stdout)
	}
}

func TestPrintNotices(t *testing.T) {
	var buf bytes.Buffer
	printNotices(&buf, reports.Run{
		Throttle:   &reports.Throttle{Throttled: 4, Retries: 4, Waited: 12 * time.Second},
		Exclusions: []reports.Exclusion{{Spec: "P-3.3-06", Reason: "JIRA-9", Excluded: 2}},
		Refused:    []string{"DELETE /Users/42: names a resource this run did not create"},
	})
	want := "\nThe target throttled 4 requests (429/503); scimtest waited 12s honouring Retry-After.\n" +
		"\nExcluded by configuration: P-3.3-06 — JIRA-9 (2 specs)\n" +
		"\nRefused 1 request(s) that would have changed data this run did not create:\n  DELETE /Users/42: names a resource this run did not create\n"
	if buf.String() != want {
		t.Errorf("notices =\n%q\nwant\n%q", buf.String(), want)
	}
	buf.Reset()
	printNotices(&buf, reports.Run{})
	if buf.Len() != 0 {
		t.Errorf("a plain run prints notices: %q", buf.String())
	}
}
