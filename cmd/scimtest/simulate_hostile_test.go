package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference/faults"
)

// The hostile simulate tests push `scimtest simulate` through targets that
// misbehave at the HTTP level (issue 6, "the same for scimtest simulate"),
// the same targets hostile_test.go builds for `scimtest run` (hostileRef,
// tlsRef, expiredRef, closedPort, silentListener, oneUser, oneGroup).

// simulateSmall runs `scimtest simulate idp --target target` small (3 users, 1
// group of 2) with the hostile token in $SCIMTEST_TOKEN and args.
func simulateSmall(t *testing.T, idp, target string, args ...string) hostileRun {
	t.Helper()
	all := append([]string{"simulate", idp, "--target", target, "--users", "3", "--groups", "1",
		"--members-per-group", "2", "--concurrency", "3", "--seed", "4"}, args...)
	start := time.Now()
	code, stdout, stderr := runCLI(t, []string{"SCIMTEST_TOKEN=" + hostileToken}, all...)
	return hostileRun{code: code, stdout: stdout, stderr: stderr, took: time.Since(start)}
}

// simOneLine asserts the error contract: stderr is exactly one line
// "scimtest: ..." holding each of words.
func simOneLine(t *testing.T, r hostileRun, words ...string) {
	t.Helper()
	line := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "scimtest: ") {
		t.Errorf("stderr is not one line \"scimtest: ...\": %s", r)
	}
	for _, w := range words {
		if !strings.Contains(line, w) {
			t.Errorf("stderr %q does not say %q", line, w)
		}
	}
}

// simNoCrash asserts the process neither panicked nor dumped goroutines.
func simNoCrash(t *testing.T, r hostileRun) {
	t.Helper()
	if strings.Contains(r.stderr+r.stdout, "panic") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("the run crashed: %s", r)
	}
}

// TestSimulateCannotStart: every target the IdP's connection test cannot
// pass stops simulate within seconds with exit 2 and one line naming the
// IdP's test, the cause and the fix; with --ca the self-signed target works.
func TestSimulateCannotStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target func(t *testing.T) (string, []string)
		words  []string
	}{
		{"refused", func(t *testing.T) (string, []string) {
			return "http://" + closedPort(t) + "/scim/v2", nil
		}, []string{"connection refused by 127.0.0.1:", "is the server running"}},
		{"unknown host", func(t *testing.T) (string, []string) {
			return "http://nosuch.invalid/scim/v2", nil
		}, []string{"unknown host nosuch.invalid", "--target"}},
		{"self-signed without --ca", func(t *testing.T) (string, []string) {
			base, _ := tlsRef(t)
			return base, nil
		}, []string{"certificate signed by an unknown authority", "--ca"}},
		{"expired certificate", func(t *testing.T) (string, []string) {
			base, ca := expiredRef(t)
			return base, []string{"--ca", ca}
		}, []string{"expired", "renew"}},
		{"HTML 404 base path", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t, faults.Rule{Path: regexp.MustCompile(`^/wrong/`), Fault: faults.HTML404()})
			return strings.TrimSuffix(base, "/scim/v2") + "/wrong/path", nil
		}, []string{"HTTP 404 with an HTML page", "check the base path in --target"}},
		// A SCIM server mounted elsewhere answers its own JSON 404.
		{"SCIM 404 at a wrong base path", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t)
			return strings.TrimSuffix(base, "/scim/v2") + "/wrong", nil
		}, []string{"GET /wrong/Users answered HTTP 404", "check the base path in --target"}},
		{"token rejected, discovery anonymous", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t)
			return base, []string{"--token", "not-the-token"}
		}, []string{"rejected the token (HTTP 401)", "--token"}},
		{"hangs on the credential test", func(t *testing.T) (string, []string) {
			return "http://" + silentListener(t) + "/scim/v2", []string{"--request-timeout", "300ms"}
		}, []string{"no answer within 300ms", "--request-timeout"}},
	}
	for _, tt := range tests {
		for _, idp := range []string{"okta", "entra"} {
			t.Run(tt.name+"/"+idp, func(t *testing.T) {
				t.Parallel()
				target, extra := tt.target(t)
				r := simulateSmall(t, idp, target, extra...)
				if r.code != exitUsage || r.took > cannotRunWithin {
					t.Errorf("want exit 2 within %v: %s", cannotRunWithin, r)
				}
				simOneLine(t, r, append([]string{simTestNames[idp] + " failed: "}, tt.words...)...)
			})
		}
	}
	t.Run("self-signed with --ca", func(t *testing.T) {
		t.Parallel()
		base, ca := tlsRef(t)
		if r := simulateSmall(t, "entra", base, "--ca", ca); r.code != exitOK {
			t.Errorf("want exit 0: %s", r)
		}
	})
}

// simTestNames are the IdPs' names for their connection tests.
var simTestNames = map[string]string{"okta": `Okta's "Test API Credentials"`, "entra": `Entra's "Test Connection"`}

// TestSimulateHangOnOneEndpoint: a target that never answers PATCH
// /Groups/{id} fails exactly the membership and rename operations at the
// per-request timeout; the run finishes, cleans up and exits 1 with the
// timeout named in the summary.
func TestSimulateHangOnOneEndpoint(t *testing.T) {
	t.Parallel()
	base, _ := hostileRef(t, faults.Rule{Method: http.MethodPatch, Path: oneGroup, Fault: faults.Hang()})
	r := simulateSmall(t, "entra", base, "--request-timeout", "300ms")
	if r.code != exitNonConform {
		t.Fatalf("want exit 1: %s", r)
	}
	simNoCrash(t, r)
	simOneLine(t, r, " failed")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`add-members +0 ok +1 failed`),
		regexp.MustCompile(`rename-group +0 ok +1 failed`),
		regexp.MustCompile(`delete-user +3 ok\n`),
		regexp.MustCompile(`delete-group +1 ok\n`),
		regexp.MustCompile(`no answer within 300ms \(request timeout\)`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("summary does not match %q: %s", want, r)
		}
	}
	if strings.Contains(r.stdout, "scimtest cleanup") {
		t.Errorf("cleanup ran in full, yet the summary speaks of leftovers: %s", r)
	}
}

// hangAfterOktaCreates lets an Okta run of 3 users create them (one GET for
// the credential test, then a lookup GET and a POST per user) and then
// hangs every GET and POST, and every request of methods.
func hangAfterOktaCreates(methods ...string) []faults.Rule {
	rules := []faults.Rule{
		{Method: http.MethodGet, After: 1 + 3, Fault: faults.Hang()},
		{Method: http.MethodPost, After: 3, Fault: faults.Hang()},
	}
	for _, m := range methods {
		rules = append(rules, faults.Rule{Method: m, Fault: faults.Hang()})
	}
	return rules
}

// TestSimulateRunTimeout: a target that hangs on everything but DELETE once
// the users exist is stopped by --timeout; the run still deletes the users
// it created, prints the summary and exits 1 soon after the bound.
func TestSimulateRunTimeout(t *testing.T) {
	t.Parallel()
	base, clean, _ := hostileRefInspect(t, hangAfterOktaCreates(http.MethodPut, http.MethodPatch)...)
	r := simulateSmall(t, "okta", base, "--timeout", "1s", "--request-timeout", "20s")
	if r.code != exitNonConform || r.took > 6*time.Second {
		t.Fatalf("want exit 1 within --timeout 1s and a short grace: %s", r)
	}
	simNoCrash(t, r)
	simOneLine(t, r, "stopped after --timeout 1s", "not attempted")
	for _, want := range []string{
		"Stopped: the whole-run timeout was reached",
		"stopped (the whole-run timeout was reached)",
		"not attempted",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q: %s", want, r)
		}
	}
	if !regexp.MustCompile(`create-user +3 ok`).MatchString(r.stdout) || !regexp.MustCompile(`delete-user +3 ok`).MatchString(r.stdout) {
		t.Errorf("the run did not delete the three users it created: %s", r)
	}
	users := simListIDs(t, clean, "/Users")
	if len(users) != 0 {
		t.Errorf("users left on the target: %v", users)
	}
}

// TestSimulateCleanupBounded: when even DELETE hangs, cleanup is cut off at
// the request timeout, and the summary names the command that removes the
// leftovers; that command, run once the target behaves, removes exactly
// them and leaves the real data as it was.
func TestSimulateCleanupBounded(t *testing.T) {
	t.Parallel()
	base, clean, _ := hostileRefInspect(t, hangAfterOktaCreates(http.MethodDelete)...)
	real := simSnapshot(t, clean, simSeed(t, clean))
	r := simulateSmall(t, "okta", base, "--timeout", "1s", "--request-timeout", "1s", "--run-id", "boundedrun")
	if r.code != exitNonConform || r.took > 8*time.Second {
		t.Fatalf("want exit 1 within --timeout 1s and a short grace: %s", r)
	}
	simNoCrash(t, r)
	want := "scimtest cleanup --target " + base + " --run-id boundedrun"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("summary does not name %q: %s", want, r)
	}
	simOneLine(t, r, "leftovers: "+want)
	if got := len(simAllPaths(t, clean)); got != len(real)+3 {
		t.Fatalf("the target holds %d resources, want the %d real ones and the run's 3 users", got, len(real))
	}
	code, out, errOut := runCLI(t, []string{"SCIMTEST_TOKEN=" + hostileToken}, "cleanup", "--target", clean, "--run-id", "boundedrun")
	if code != exitOK || !strings.Contains(out, "deleted 3 resources") {
		t.Fatalf("cleanup: exit %d\n%s%s", code, out, errOut)
	}
	simCheckUntouched(t, clean, real)
}

// TestSimulateSweepsUnseenCreates: a create whose answer is cut short may
// have stored the user without the run learning its id; after cleanup,
// simulate sweeps its run ID so nothing is left.
func TestSimulateSweepsUnseenCreates(t *testing.T) {
	t.Parallel()
	base, clean, _ := hostileRefInspect(t, faults.Rule{Method: http.MethodPost, Path: regexp.MustCompile(`/Users$`), Times: 1, Fault: faults.Truncate()})
	r := simulateSmall(t, "okta", base, "--run-id", "sweeprun")
	if r.code != exitNonConform {
		t.Fatalf("want exit 1: %s", r)
	}
	simOneLine(t, r, "scimtest: 1 operation failed")
	if !strings.Contains(r.stdout, "Sweep of run sweeprun: deleted 1 resource more carrying its run ID; no other resource carrying run ID sweeprun was found") {
		t.Errorf("summary does not report the sweep: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, "scimtest cleanup") {
		t.Errorf("the sweep left nothing, yet the run speaks of leftovers: %s", r)
	}
	if left := append(simListIDs(t, clean, "/Users"), simListIDs(t, clean, "/Groups")...); len(left) != 0 {
		t.Errorf("left on the target: %v", left)
	}
}

// TestSimulateGarbage: bodies that are not what a SCIM client can use (not
// JSON, cut short, the wrong shape, over the size cap) and 500s fail the
// operations that got them with a readable reason; nothing crashes.
func TestSimulateGarbage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule faults.Rule
		says string
	}{
		{"non-JSON create", faults.Rule{Method: http.MethodPost, Path: regexp.MustCompile(`/Users$`), Times: 1, Fault: faults.NonJSON()},
			"Invalid JSON"},
		{"truncated read", faults.Rule{Method: http.MethodGet, Path: oneUser, Times: 1, Fault: faults.Truncate()},
			"connection closed before the whole body arrived"},
		{"wrong shape", faults.Rule{Method: http.MethodPost, Path: regexp.MustCompile(`/Groups$`), Times: 1, Fault: faults.WrongShape(`["not","a","group"]`)},
			"push group"},
		{"over the cap", faults.Rule{Method: http.MethodGet, Path: oneUser, Times: 1, Fault: faults.Large(40 << 20)},
			"larger than the 32 MiB cap"},
		{"500", faults.Rule{Method: http.MethodPatch, Times: 2, Fault: faults.Status(500, "text/plain", "upstream exploded")},
			"HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, _ := hostileRef(t, tt.rule)
			r := simulateSmall(t, "okta", base, "--request-timeout", "5s")
			if r.code != exitNonConform {
				t.Fatalf("want exit 1: %s", r)
			}
			simNoCrash(t, r)
			simOneLine(t, r, " failed")
			if !strings.Contains(r.stdout, tt.says) {
				t.Errorf("summary does not say %q: %s", tt.says, r)
			}
		})
	}
}

// TestSimulateGzipAndSameOriginRedirect: gzip answers the client did not
// ask for, and redirects within the target's origin, are followed and the
// run passes.
func TestSimulateGzipAndSameOriginRedirect(t *testing.T) {
	t.Parallel()
	t.Run("gzip", func(t *testing.T) {
		t.Parallel()
		// Every answer, the empty 204s to DELETE included.
		base, _ := hostileRef(t, faults.Rule{Fault: faults.Gzip()})
		if r := simulateSmall(t, "okta", base); r.code != exitOK {
			t.Errorf("want exit 0: %s", r)
		}
	})
	t.Run("same-origin redirect", func(t *testing.T) {
		t.Parallel()
		base, h := hostileRef(t, faults.Rule{Path: regexp.MustCompile(`^/old/`), Fault: faults.RedirectPrefix(http.StatusPermanentRedirect, "/old", "/scim/v2")})
		old := strings.TrimSuffix(base, "/scim/v2") + "/old"
		r := simulateSmall(t, "entra", old)
		if r.code != exitOK || h.Injected(0) == 0 {
			t.Errorf("want exit 0 through %d redirects: %s", h.Injected(0), r)
		}
	})
}

// TestSimulateCrossOriginRedirect: a create redirected to another host is
// not followed: the operation fails saying so, and the other host never
// sees a request, let alone the token.
func TestSimulateCrossOriginRedirect(t *testing.T) {
	t.Parallel()
	other, seen := otherOrigin(t)
	base, _ := hostileRef(t, faults.Rule{Method: http.MethodPost, Fault: faults.Redirect(http.StatusTemporaryRedirect, other+"/scim/v2/Users")})
	r := simulateSmall(t, "okta", base)
	if r.code != exitNonConform {
		t.Fatalf("want exit 1: %s", r)
	}
	simNoCrash(t, r)
	if !strings.Contains(r.stdout, "redirected to another origin ("+other+")") {
		t.Errorf("summary does not name the refused redirect: %s", r)
	}
	if got := seen(); len(got) > 0 {
		t.Errorf("the other origin got requests: %q", got)
	}
}

// TestSimulateThrottled: a 429 storm with Retry-After slows the run down,
// the run finishes without failures, and the summary says it was throttled.
func TestSimulateThrottled(t *testing.T) {
	t.Parallel()
	base, h := hostileRef(t, faults.Rule{After: 2, Every: 4, Times: 3, Fault: faults.Throttle("1")})
	r := simulateSmall(t, "okta", base)
	if r.code != exitOK {
		t.Fatalf("want exit 0: %s", r)
	}
	if h.Injected(0) != 3 {
		t.Errorf("the storm answered %d times 429, want 3", h.Injected(0))
	}
	if r.took < time.Second {
		t.Errorf("took %v: the run did not wait for Retry-After: 1", r.took)
	}
	if !regexp.MustCompile(`Throttled: the target answered 429/503 3 times; 3 retries, requests held back [0-9.]+m?s in total, 0 gave up`).MatchString(r.stdout) {
		t.Errorf("summary does not report the throttling: %s", r)
	}
}
