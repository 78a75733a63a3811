package suites

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
)

// The self-tests (quirks_test.go, variations_test.go) run the whole suite
// many times against differently configured reference providers. Ginkgo runs
// specs once per process, so each run is this test binary re-executed with
// only [TestSelfTestChild] selected; the environment names the target and
// where to write results.json.
const (
	// envChild selects what the child tests: "baseline", "quirk:<name>" or
	// "variation:<name>". Unset, TestSelfTestChild does nothing.
	envChild = "SCIMTEST_SELFTEST_CHILD"
	// envChildResults is the path the child writes its results.json to.
	envChildResults = "SCIMTEST_SELFTEST_RESULTS"
	// childRunTimeout bounds one child run; the in-process suite takes a
	// few seconds, the 429 variation adds a second per endpoint.
	childRunTimeout = 2 * time.Minute
)

// TestSelfTestChild is the entry point of a re-executed child process. In a
// normal `go test` it returns at once: it runs only when the parent sets
// envChild.
func TestSelfTestChild(t *testing.T) {
	what := os.Getenv(envChild)
	if what == "" {
		return
	}
	out := os.Getenv(envChildResults)
	if out == "" {
		t.Fatalf("%s=%q without %s", envChild, what, envChildResults)
	}
	handler, err := childTarget(what)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), childRunTimeout)
	defer cancel()
	res, err := Run(ctx, Options{
		Target: Target{BaseURL: srv.URL + "/scim/v2", Token: "test-token", Profile: "all", Seed: 42,
			RunID: "selftest", RequestTimeout: 10 * time.Second},
		Embedded: true, Version: "selftest",
	})
	// A run the tester refused (ErrUnreachable) still has results worth
	// judging: the parent decides whether refusing was right.
	if err != nil && res == nil {
		t.Fatalf("run against %s: %v", what, err)
	}
	if err != nil {
		res.Run.Interrupted = err.Error()
	}
	// The parent judges failures only; the exchanges of the other specs
	// are most of the file and of the time spent writing and reading it.
	for i := range res.Specs {
		if !isFailure(res.Specs[i].State) {
			res.Specs[i].Exchanges = nil
		}
	}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, res); err != nil {
		t.Fatalf("encode results of %s: %v", what, err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatalf("write results of %s: %v", what, err)
	}
}

// childTarget builds the provider a child tests: the reference with one
// quirk switched on, or wrapped in one legal variation, or plain.
func childTarget(what string) (http.Handler, error) {
	kind, name, _ := strings.Cut(what, ":")
	opts := reference.Options{BasePath: "/scim/v2", Token: "test-token"}
	switch kind {
	case "baseline":
	case "quirk":
		opts.Quirks = []string{name}
	case "variation":
		if _, ok := legalVariations[name]; !ok {
			return nil, fmt.Errorf("unknown variation %q", name)
		}
	default:
		return nil, fmt.Errorf("unknown child target %q", what)
	}
	ref, err := reference.New(opts)
	if err != nil {
		return nil, fmt.Errorf("reference for %s: %w", what, err)
	}
	if kind == "variation" {
		return legalVariations[name](ref), nil
	}
	return ref, nil
}

// childRun is the outcome of one re-executed run.
type childRun struct {
	what     string
	results  *reports.Results
	err      error
	duration time.Duration
}

// childSlots bounds the child processes running at once, shared by every
// self-test in the process: each child is CPU-bound, so more than
// GOMAXPROCS only makes each one slower.
var childSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// childBin is the binary children run, shared by the self-tests running at
// the same time and removed when the last of them ends.
var childBin struct {
	sync.Mutex
	users     int
	path, dir string
}

// childBinary returns the binary to re-execute. Under the race detector a
// child costs several times the CPU, and the specs already run under it in
// TestReferenceConforms, so the children run a copy of this package's test
// binary built without -race (a few seconds with a warm build cache). If
// that build fails, the children run this binary.
func childBinary(t *testing.T) string {
	t.Helper()
	childBin.Lock()
	defer childBin.Unlock()
	childBin.users++
	t.Cleanup(func() {
		childBin.Lock()
		defer childBin.Unlock()
		if childBin.users--; childBin.users == 0 && childBin.dir != "" {
			if err := os.RemoveAll(childBin.dir); err != nil {
				t.Logf("remove child binary: %v", err)
			}
			childBin.path, childBin.dir = "", ""
		}
	})
	if !raceEnabled {
		return os.Args[0]
	}
	if childBin.path != "" {
		return childBin.path
	}
	path, err := buildChildBinary()
	if err != nil {
		t.Logf("children run the race-enabled binary (slower): %v", err)
		return os.Args[0]
	}
	childBin.path, childBin.dir = path, filepath.Dir(path)
	return path
}

// buildChildBinary builds this package's tests without -race into a new
// temporary directory. go test runs a package's tests in its directory.
func buildChildBinary() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("find the go command: %w", err)
	}
	dir, err := os.MkdirTemp("", "scimtest-selftest-")
	if err != nil {
		return "", fmt.Errorf("temp dir for the child binary: %w", err)
	}
	path := filepath.Join(dir, "suites.test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "test", "-c", "-o", path, ".").CombinedOutput()
	if err != nil {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return "", fmt.Errorf("go test -c: %w\n%s", err, tail(string(out), 2000))
	}
	return path, nil
}

// runChildren re-executes the test binary once per target, in parallel up to
// GOMAXPROCS, and returns the runs in the order of whats.
func runChildren(t *testing.T, whats []string) []childRun {
	t.Helper()
	bin := childBinary(t)
	dir := t.TempDir()
	out := make([]childRun, len(whats))
	var wg sync.WaitGroup
	for i, what := range whats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			childSlots <- struct{}{}
			defer func() { <-childSlots }()
			out[i] = runChild(bin, what, filepath.Join(dir, fmt.Sprintf("results-%d.json", i)))
		}()
	}
	wg.Wait()
	return out
}

// runChild runs one child process and reads the results it wrote.
func runChild(bin, what, resultsPath string) childRun {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), childRunTimeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^TestSelfTestChild$", "-test.count=1",
		"-test.timeout="+(childRunTimeout+15*time.Second).String())
	cmd.Env = append(os.Environ(), envChild+"="+what, envChildResults+"="+resultsPath)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	run := childRun{what: what}
	err := cmd.Run()
	run.duration = time.Since(start)
	if err != nil {
		run.err = fmt.Errorf("child %s: %w\n%s", what, err, tail(output.String(), 4000))
		return run
	}
	f, err := os.Open(resultsPath)
	if err != nil {
		run.err = fmt.Errorf("child %s wrote no results: %w\n%s", what, err, tail(output.String(), 4000))
		return run
	}
	defer f.Close()
	run.results, err = reports.ReadJSON(f)
	if err != nil {
		run.err = fmt.Errorf("child %s: read results: %w", what, err)
	}
	return run
}

// tail keeps the end of a child's output, where Go prints the failure.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// baseline is the plain reference run, made once for all self-tests: a spec
// failing there is TestReferenceConforms's finding, not a quirk's or a
// variation's.
var (
	baselineOnce sync.Once
	baselineRun  childRun
)

// baselineFailures returns the names of the specs that fail against the
// plain reference.
func baselineFailures(t *testing.T) map[string]bool {
	t.Helper()
	baselineOnce.Do(func() { baselineRun = runChildren(t, []string{"baseline"})[0] })
	if baselineRun.err != nil {
		t.Fatalf("baseline run: %v", baselineRun.err)
	}
	failed := map[string]bool{}
	for _, s := range baselineRun.results.Specs {
		if isFailure(s.State) {
			failed[s.Name] = true
		}
	}
	if len(failed) > 0 {
		t.Logf("%d specs fail against the plain reference too (TestReferenceConforms reports them); they are not judged here", len(failed))
	}
	return failed
}

// isFailure reports whether a spec state is a finding (a MUST failure or a
// SHOULD/MAY warning).
func isFailure(state string) bool {
	return state == reports.StateFailed || state == reports.StateWarning
}
