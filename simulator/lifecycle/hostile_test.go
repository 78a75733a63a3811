package lifecycle_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reference/faults"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/lifecycle"
)

// The hostile tests run the lifecycle in-process (so -race watches every
// worker) against the reference behind faults: every fault ends in a
// summary with readable reasons, never a panic, a hang or a run error.

// faulty serves the reference behind faults.Wrap(rules) and returns the
// base URL and a second URL of the same reference without the faults.
func faulty(t *testing.T, rules ...faults.Rule) (string, string) {
	t.Helper()
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := faults.Serve(t, ref, rules...)
	clean := httptest.NewServer(ref)
	t.Cleanup(clean.Close)
	return ts.URL + "/scim/v2", clean.URL + "/scim/v2"
}

// small is a run of 3 users and 1 group of 2.
func small(idp, url string) lifecycle.Config {
	cfg := config(idp, url)
	cfg.Users, cfg.Groups, cfg.MembersPerGroup, cfg.Concurrency = 3, 1, 2, 3
	cfg.Timeout = 5 * time.Second
	return cfg
}

// write renders s.
func write(t *testing.T, s *lifecycle.Summary) string {
	t.Helper()
	var b strings.Builder
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	usersPath  = regexp.MustCompile(`/Users$`)
	groupsPath = regexp.MustCompile(`/Groups$`)
	// oneResource is read by both IdPs: Okta GETs a user before its PUT,
	// Entra reads a group.
	oneResource = regexp.MustCompile(`/(Users|Groups)/[^/]+$`)
)

// TestHostileBodies: non-JSON, truncated and wrong-shape bodies, 500s, a
// cross-origin redirect and hangs each fail operations with a one-line
// reason naming the cause; gzip passes. (Bodies over the 32 MiB cap are
// tested on the binary in cmd/scimtest: under -race reading 32 MiB takes
// seconds.)
func TestHostileBodies(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other origin got %s %s", r.Method, r.URL)
	}))
	t.Cleanup(other.Close)
	tests := []struct {
		name  string
		rules []faults.Rule
		says  string // in an error example; "" means the run passes
	}{
		{"non-JSON", []faults.Rule{{Method: http.MethodPost, Path: usersPath, Times: 1, Fault: faults.NonJSON()}}, "create"},
		{"truncated", []faults.Rule{{Method: http.MethodGet, Path: oneResource, Times: 1, Fault: faults.Truncate()}}, "connection closed before the whole body arrived"},
		{"wrong shape", []faults.Rule{{Method: http.MethodPost, Path: groupsPath, Fault: faults.WrongShape(`{"Resources":"no"}`)}}, "group"},
		{"500", []faults.Rule{{Method: http.MethodPatch, Fault: faults.Status(500, "", "")}}, "500"},
		{"cross-origin redirect", []faults.Rule{{Method: http.MethodPost, Fault: faults.Redirect(http.StatusTemporaryRedirect, other.URL+"/scim/v2/Users")}},
			"redirected to another origin (" + other.URL + ")"},
		{"hang", []faults.Rule{{Method: http.MethodPatch, Fault: faults.Hang()}}, "no answer within 300ms"},
		{"gzip", []faults.Rule{{Fault: faults.Gzip()}}, ""},
	}
	for _, tt := range tests {
		for _, idp := range []string{"okta", "entra"} {
			t.Run(tt.name+"/"+idp, func(t *testing.T) {
				t.Parallel()
				url, _ := faulty(t, tt.rules...)
				cfg := small(idp, url)
				if tt.name == "hang" {
					cfg.Timeout = 300 * time.Millisecond
				}
				s, err := lifecycle.Run(context.Background(), cfg)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				out := write(t, s)
				if tt.says == "" {
					if s.Failed() {
						t.Fatalf("run failed:\n%s", out)
					}
					return
				}
				if !s.Failed() || !strings.Contains(out, tt.says) {
					t.Errorf("want failures saying %q:\n%s", tt.says, out)
				}
				for _, e := range s.Errors {
					if strings.Contains(e.Example, "\n") || strings.Contains(e.Example, "panic") || e.Example == "" {
						t.Errorf("error example is not one clear line: %q", e.Example)
					}
				}
			})
		}
	}
}

// TestStartErrors: the connection test's failures that mean the run
// cannot start are one line with the IdP's test, the cause and the fix.
func TestStartErrors(t *testing.T) {
	html, _ := faulty(t, faults.Rule{Fault: faults.HTML404()})
	text, _ := faulty(t, faults.Rule{Fault: faults.Status(http.StatusNotFound, "text/plain; charset=utf-8", "404 page not found")})
	empty, _ := faulty(t, faults.Rule{Fault: faults.Status(http.StatusNotFound, "", "")})
	login, _ := faulty(t, faults.Rule{Fault: faults.Status(http.StatusOK, "text/html", "<html>sign in</html>")})
	tests := []struct {
		name, url, token string
		kind             error
		says             string
	}{
		{"HTML 404", html, token, lifecycle.ErrNotSCIM, "GET /scim/v2/Users answered HTTP 404 with an HTML page, not SCIM JSON: check the base path in --target"},
		{"text 404", text, token, lifecycle.ErrNotSCIM, "answered HTTP 404 with a text/plain body, not SCIM JSON"},
		{"empty 404", empty, token, lifecycle.ErrNotSCIM, "answered HTTP 404 with an empty body, not SCIM JSON"},
		{"login page", login, token, lifecycle.ErrNotSCIM, "answered HTTP 200 with an HTML page, not SCIM JSON"},
		{"token", startReference(t), "wrong", lifecycle.ErrUnauthorized, "the target rejected the token (HTTP 401): check --token or SCIMTEST_TOKEN"},
		{"refused", "http://127.0.0.1:1/scim/v2", token, lifecycle.ErrUnreachable, "connection refused by 127.0.0.1:1"},
	}
	for _, tt := range tests {
		for idp, test := range map[string]string{"okta": `Okta's "Test API Credentials" failed: `, "entra": `Entra's "Test Connection" failed: `} {
			t.Run(tt.name+"/"+idp, func(t *testing.T) {
				cfg := small(idp, tt.url)
				cfg.Token = tt.token
				s, err := lifecycle.Run(context.Background(), cfg)
				var se *lifecycle.StartError
				if s != nil || !errors.Is(err, tt.kind) || !errors.As(err, &se) {
					t.Fatalf("Run = %v, %v; want a StartError of kind %v", s, err, tt.kind)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, test) || !strings.Contains(msg, tt.says) || strings.Contains(msg, "\n") {
					t.Errorf("message %q; want one line starting %q saying %q", msg, test, tt.says)
				}
			})
		}
	}
}

// TestRunTimeoutCleansUp: when RunTimeout expires while the target hangs,
// the operations in flight fail as stopped, the rest are not attempted,
// and cleanup still deletes the users the run created.
func TestRunTimeoutCleansUp(t *testing.T) {
	for _, idp := range []string{"okta", "entra"} {
		t.Run(idp, func(t *testing.T) {
			t.Parallel()
			url, clean := faulty(t, faults.Rule{Method: http.MethodPatch, Fault: faults.Hang()},
				faults.Rule{Method: http.MethodPut, Fault: faults.Hang()})
			cfg := small(idp, url)
			cfg.RunTimeout, cfg.Timeout = 500*time.Millisecond, 10*time.Second
			start := time.Now()
			s, err := lifecycle.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			out := write(t, s)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v with RunTimeout %v", took, cfg.RunTimeout)
			}
			if !strings.Contains(s.Stopped, "whole-run timeout") || s.NotRun() == 0 {
				t.Errorf("Stopped %q, %d not attempted:\n%s", s.Stopped, s.NotRun(), out)
			}
			if c := s.Count(lifecycle.KindDeleteUser); c.OK != 3 {
				t.Errorf("cleanup deleted %d of 3 users:\n%s", c.OK, out)
			}
			if !strings.Contains(out, "stopped (the whole-run timeout was reached)") {
				t.Errorf("summary does not say why operations failed:\n%s", out)
			}
			if s.Leftovers(false) {
				t.Errorf("Leftovers after a full cleanup:\n%s", out)
			}
			checkEmpty(t, clean)
		})
	}
}

// TestInterruptCleansUp: cancelling the context mid-run stops the run and
// cleanup still deletes what it created.
func TestInterruptCleansUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			cancel() // ^C while the first PATCH is in flight
		}
		ref.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	s, err := lifecycle.Run(ctx, small("okta", ts.URL+"/scim/v2"))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := write(t, s)
	if s.Stopped != "interrupted" || s.NotRun() == 0 {
		t.Errorf("Stopped %q, %d not attempted:\n%s", s.Stopped, s.NotRun(), out)
	}
	if s.Count(lifecycle.KindDeleteUser).OK != 3 || s.Count(lifecycle.KindDeleteGroup).OK != 1 {
		t.Errorf("cleanup did not delete what the run created:\n%s", out)
	}
	checkEmpty(t, ts.URL+"/scim/v2")
}

// TestThrottledSummary: a 429 storm is counted and reported, and the run
// passes after waiting.
func TestThrottledSummary(t *testing.T) {
	url, _ := faulty(t, faults.Rule{After: 1, Every: 5, Times: 2, Fault: faults.Throttle("1")})
	s, err := lifecycle.Run(context.Background(), small("entra", url))
	if err != nil {
		t.Fatal(err)
	}
	out := write(t, s)
	if s.Failed() || s.Throttling.Throttled != 2 || s.Throttling.Retries != 2 || s.Throttling.Waited < time.Second {
		t.Errorf("throttling %+v:\n%s", s.Throttling, out)
	}
	if !strings.Contains(out, "Throttled: the target answered 429/503 2 times; 2 retries") {
		t.Errorf("summary does not report the throttling:\n%s", out)
	}
}

// TestThrottledSummaryCountsNotSent: requests held back beyond their wait
// budget (a Retry-After longer than a request may wait) are reported apart
// from those that still got 429/503 after their retries.
func TestThrottledSummaryCountsNotSent(t *testing.T) {
	s := &lifecycle.Summary{Throttling: simulator.ThrottleStats{Throttled: 2, Retries: 1, Waited: time.Second, GaveUp: 1, NotSent: 7}}
	out := write(t, s)
	if !strings.Contains(out, "1 gave up, 7 not sent (Retry-After beyond the wait budget)") {
		t.Errorf("summary does not count the requests not sent:\n%s", out)
	}
}

// runOnForeign runs a small Okta lifecycle against a target that ignores
// filters and already holds a user the run did not create, so Okta's
// lookup "finds" that user; it returns the summary and its rendering.
func runOnForeign(t *testing.T) (*lifecycle.Summary, string) {
	t.Helper()
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("filter")
		r.URL.RawQuery = q.Encode()
		ref.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/scim/v2/Users",
		strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"real.person@example.com","active":true}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("seed user: %v %v", resp, err)
	}
	resp.Body.Close()
	s, err := lifecycle.Run(context.Background(), small("okta", ts.URL+"/scim/v2"))
	if err != nil {
		t.Fatal(err)
	}
	return s, write(t, s)
}

// TestGuardRefusesForeign: against a target that ignores filters, Okta's
// lookup "finds" a user the run did not create; the guard refuses to write
// to it, and the summary lists the refusal once with its count.
func TestGuardRefusesForeign(t *testing.T) {
	s, out := runOnForeign(t)
	if s.RefusedTotal == 0 || len(s.Refused) == 0 || len(s.Refused) > s.RefusedTotal {
		t.Fatalf("guard refused %d (%d distinct):\n%s", s.RefusedTotal, len(s.Refused), out)
	}
	if !strings.Contains(out, "refused by the guard") || !strings.Contains(out, "Guard: refused") {
		t.Errorf("summary does not explain the refusals:\n%s", out)
	}
}

// checkEmpty asserts the target at url holds no users and no groups.
func checkEmpty(t *testing.T, url string) {
	t.Helper()
	for _, ep := range []string{"/Users", "/Groups"} {
		req, _ := http.NewRequest(http.MethodGet, url+ep, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !strings.Contains(string(body), `"totalResults":0`) {
			t.Errorf("%s is not empty: %s (%v)", ep, body, err)
		}
	}
}

// TestLeftovers: a run may have left resources when it kept them, when
// cleanup failed or was cut off, or when a create got no usable answer.
func TestLeftovers(t *testing.T) {
	ops := func(kcs ...lifecycle.KindCount) []lifecycle.KindCount { return kcs }
	created := lifecycle.KindCount{Kind: lifecycle.KindCreateUser, OK: 2}
	tests := []struct {
		name string
		s    lifecycle.Summary
		keep bool
		want bool
	}{
		{"clean", lifecycle.Summary{Ops: ops(created, lifecycle.KindCount{Kind: lifecycle.KindDeleteUser, OK: 2})}, false, false},
		{"kept", lifecycle.Summary{Ops: ops(created)}, true, true},
		{"kept nothing", lifecycle.Summary{Ops: ops(lifecycle.KindCount{Kind: lifecycle.KindCreateUser, Failed: 2})}, true, false},
		{"delete failed", lifecycle.Summary{Ops: ops(created, lifecycle.KindCount{Kind: lifecycle.KindDeleteUser, OK: 1, Failed: 1})}, false, true},
		{"cleanup cut off", lifecycle.Summary{Ops: ops(created, lifecycle.KindCount{Kind: lifecycle.KindDeleteGroup, NotRun: 1})}, false, true},
		{"create unanswered", lifecycle.Summary{Ops: ops(created), UncertainCreates: 1}, false, true},
	}
	for _, tt := range tests {
		if got := tt.s.Leftovers(tt.keep); got != tt.want {
			t.Errorf("%s: Leftovers(%v) = %v, want %v", tt.name, tt.keep, got, tt.want)
		}
	}
}

// TestGuardKeepsOutOfAdminView: a refusal is scimtest's own, not something
// the IdP reports; it is listed under "Guard:" and "refused by the guard",
// never in what the Okta admin would see.
func TestGuardKeepsOutOfAdminView(t *testing.T) {
	s, out := runOnForeign(t)
	if s.RefusedTotal == 0 {
		t.Fatalf("the guard refused nothing:\n%s", out)
	}
	for _, a := range s.Admin {
		if strings.Contains(a, "refused") || strings.Contains(a, "did not create") {
			t.Errorf("admin view repeats a guard refusal: %q", a)
		}
	}
	if _, admin, _ := strings.Cut(out, "admin would see"); strings.Contains(admin, "scimtest refused") {
		t.Errorf("summary's admin section repeats a guard refusal:\n%s", out)
	}
}

// TestReusedRunIDOwnsItsResources: a second run with the same run ID links
// the users the first one kept (Okta finds them by userName, as it does in
// production) and may write to them: they carry the run's marker. Before the
// guard learned the marker, every write to them was refused.
func TestReusedRunIDOwnsItsResources(t *testing.T) {
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(ref)
	t.Cleanup(ts.Close)
	first := small("okta", ts.URL+"/scim/v2")
	first.RunID, first.Keep = "reuse1", true
	if s, err := lifecycle.Run(context.Background(), first); err != nil || s.Failed() || s.RefusedTotal > 0 {
		t.Fatalf("first run: %v\n%s", err, write(t, s))
	}
	second := small("okta", ts.URL+"/scim/v2")
	second.RunID = "reuse1"
	s, err := lifecycle.Run(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if s.RefusedTotal > 0 {
		t.Errorf("the guard refused writes to the first run's resources:\n%s", write(t, s))
	}
}
