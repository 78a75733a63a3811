package suites

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator"
)

// probeClient is a client for url with a short request timeout and no
// retries, as the runner builds it (token "" sends none).
func probeClient(t *testing.T, url, token string) *simulator.Client {
	t.Helper()
	auth := simulator.NoAuth
	if token != "" {
		auth = simulator.Bearer(token)
	}
	c, err := simulator.New(simulator.Options{BaseURL: url, Auth: auth, Timeout: 500 * time.Millisecond, Retry: simulator.RetryPolicy{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// spcOK answers /ServiceProviderConfig with a minimal JSON document and
// hands every other path to rest.
func spcOK(rest http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = w.Write([]byte(`{"schemas":["` + URNSPC + `"]}`))
			return
		}
		rest(w, r)
	})
}

func status(code int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func TestProbeNamesCauseAndFix(t *testing.T) {
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: "good"})
	if err != nil {
		t.Fatal(err)
	}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name    string
		handler http.Handler
		token   string
		want    string // the whole message after the URL, or a fragment
		notSCIM bool
	}{
		{"reference conforms", ref, "good", "", false},
		{"html 404", status(404, "text/html; charset=utf-8", "<html><body>Not Found</body></html>"), "good",
			"/scim/v2/ServiceProviderConfig answered 404 with an HTML page: no SCIM service at this base path; check --target (SCIM base URLs usually end in /scim/v2)", true},
		{"text 404", status(404, "text/plain", "404 page not found"), "good", "answered 404 with a text/plain body: no SCIM service at this base path", true},
		{"json 404", status(404, "application/scim+json", `{"status":"404","detail":"no SCIM endpoint here"}`), "good",
			`/ServiceProviderConfig answered 404 (detail "no SCIM endpoint here"): the target serves no /ServiceProviderConfig (RFC 7644 §4 requires it); check --target`, true},
		{"500", status(500, "text/plain", "boom"), "good", `answered 500 "boom": the target failed to serve its configuration`, true},
		{"429", status(429, "", ""), "good", "/ServiceProviderConfig answered 429 and was not retried within the 0s scimtest waits at the start: the target is throttling or unavailable; try again later or lower the load on it", false},
		{"html 200", status(200, "text/html", "<html>login</html>"), "good", "answered 200 with an HTML page, not JSON: target does not look like a SCIM 2.0 service provider", true},
		{"token rejected on discovery", status(401, "application/scim+json", `{"status":"401"}`), "bad",
			"the target rejected the token (401 on GET /ServiceProviderConfig): check --token or $SCIMTEST_TOKEN", false},
		// The reference serves discovery without a token (RFC 7644 §4).
		{"token rejected by the reference", ref, "bad",
			"the target rejected the token (401 on GET /Users): check --token or $SCIMTEST_TOKEN", false},
		{"no token", ref, "",
			"the target wants a token (401 on GET /Users) and no token was given: pass --token or set $SCIMTEST_TOKEN", false},
		{"token rejected only on Users", spcOK(status(403, "application/scim+json", `{"status":"403"}`)), "bad",
			"the target rejected the token (403 on GET /Users): check --token or $SCIMTEST_TOKEN", false},
		// A provider may refuse to list every user; the probe looks one up
		// by userName, which every IdP-facing provider answers.
		{"unfiltered list refused: not the token", spcOK(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("filter") == "" {
				status(403, "application/scim+json", `{"status":"403","detail":"list all users is not allowed"}`)(w, r)
				return
			}
			status(200, "application/scim+json", `{"schemas":["`+URNListResponse+`"],"totalResults":0,"Resources":[]}`)(w, r)
		}), "good", "", false},
		{"Users hangs: the specs judge it", spcOK(hang), "good", "", false},
		{"Users fails: the specs judge it", spcOK(status(500, "", "")), "good", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			err := probe(context.Background(), probeClient(t, srv.URL+"/scim/v2", tt.token), tt.token != "", 0)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("probe = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("probe = nil, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("probe = %q\nwant one line containing %q", msg, tt.want)
			}
			if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrNotSCIM) != tt.notSCIM {
				t.Errorf("probe error %q: Is ErrUnreachable %v, Is ErrNotSCIM %v (want %v)", msg, errors.Is(err, ErrUnreachable), errors.Is(err, ErrNotSCIM), tt.notSCIM)
			}
		})
	}
}

func TestProbeTransportFailure(t *testing.T) {
	// A port that was listening a moment ago and is closed now: refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	err = probe(context.Background(), probeClient(t, "http://"+addr+"/scim/v2", "x"), true, 0)
	if err == nil || !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("probe of a closed port = %v, want one line wrapping ErrUnreachable", err)
	}
	want := "target unreachable: connection refused by " + addr + ": is the server running and listening on that port?"
	if err.Error() != want {
		t.Errorf("probe of a closed port = %q\nwant %q", err, want)
	}
}

// fakeClock sleeps by moving its own time, so a probe that honours a long
// Retry-After takes no real time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// throttlingServer answers the first n requests for /ServiceProviderConfig
// (n < 0: all of them) with status and Retry-After: retryAfter ("" for
// none), and everything else like a SCIM provider with no users.
func throttlingServer(n, status int, retryAfter string) http.Handler {
	var (
		mu   sync.Mutex
		seen int
	)
	ok := spcOK(status200List)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
			mu.Lock()
			seen++
			throttle := n < 0 || seen <= n
			mu.Unlock()
			if throttle {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(status)
				return
			}
		}
		ok.ServeHTTP(w, r)
	})
}

// status200List answers like a provider with no users.
func status200List(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/scim+json")
	_, _ = w.Write([]byte(`{"schemas":["` + URNListResponse + `"],"totalResults":0,"Resources":[]}`))
}

// TestProbeThrottledStart checks that the probe waits for a target that
// throttles the run's first request, as long as Retry-After asks and up to
// what the start may wait, and otherwise says what really happened: how long
// it was asked to wait against how long scimtest waits, or how often and
// how long it tried.
func TestProbeThrottledStart(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.Handler
		wait      time.Duration
		want      string // "" for a probe that passes
		wantSlept []time.Duration
	}{
		{"a 30s Retry-After is waited for", throttlingServer(1, 429, "30"), time.Minute, "", []time.Duration{30 * time.Second}},
		{"503 with Retry-After too", throttlingServer(2, 503, "5"), time.Minute, "", []time.Duration{5 * time.Second, 5 * time.Second}},
		{"asked for longer than the start waits", throttlingServer(-1, 429, "120"), time.Minute,
			"/ServiceProviderConfig answered 429 and asked to wait 2m0s (Retry-After), longer than scimtest waits at the start (1m0s): try again later or raise the target's rate limit for this client", nil},
		{"503 asked for longer than the start waits", throttlingServer(-1, 503, "120"), time.Minute,
			"/ServiceProviderConfig answered 503 and asked to wait 2m0s (Retry-After), longer than scimtest waits at the start (1m0s): the target is unavailable for now; try again later", nil},
		{"asked for more after waiting", throttlingServer(-1, 429, "40"), time.Minute,
			"/ServiceProviderConfig still answered 429 after 2 attempts and 40s of waiting, and asked to wait 40s more (Retry-After), beyond the 1m0s scimtest waits at the start: try again later or raise the target's rate limit for this client",
			[]time.Duration{40 * time.Second}},
		{"never lets up", throttlingServer(-1, 429, "1"), time.Minute,
			"/ServiceProviderConfig still answered 429 after 11 attempts and 10s of waiting as asked (scimtest waits up to 1m0s at the start): the target is throttling or unavailable; try again later or lower the load on it",
			[]time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second, time.Second, time.Second, time.Second, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			clock := &fakeClock{now: time.Now()}
			c, err := simulator.New(simulator.Options{BaseURL: srv.URL + "/scim/v2", Timeout: 500 * time.Millisecond,
				Retry: simulator.RetryPolicy{MaxRetries: 2, MaxWait: 10 * time.Second, Sleep: clock.Sleep, Now: clock.Now}})
			if err != nil {
				t.Fatal(err)
			}
			err = probe(context.Background(), c, false, tt.wait)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("probe = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.HasSuffix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n")):
				t.Errorf("probe = %v\nwant one line ending %q", err, tt.want)
			case tt.want != "" && (!errors.Is(err, ErrUnreachable) || errors.Is(err, ErrNotSCIM)):
				t.Errorf("probe error %q: want ErrUnreachable, not ErrNotSCIM (a throttling target may well be SCIM)", err)
			}
			if !slices.Equal(clock.slept, tt.wantSlept) {
				t.Errorf("slept %v, want %v", clock.slept, tt.wantSlept)
			}
			if tt.want == "" {
				if st := c.Throttling(); st.Throttled == 0 || st.Waited == 0 {
					t.Errorf("Throttling() = %+v: the throttled start is not in the run's statistics", st)
				}
			}
		})
	}
}

func TestStartWait(t *testing.T) {
	for _, tt := range []struct{ timeout, want time.Duration }{
		{time.Hour, time.Minute},
		{2 * time.Minute, 30 * time.Second},
		{8 * time.Second, 2 * time.Second},
	} {
		if got := startWait(tt.timeout); got != tt.want {
			t.Errorf("startWait(%v) = %v, want %v", tt.timeout, got, tt.want)
		}
	}
}

// TestThrottleRecord checks that the results keep unsent requests apart
// from the ones the target answered 429 or 503.
func TestThrottleRecord(t *testing.T) {
	if r := throttleRecord(simulator.ThrottleStats{}); r != nil {
		t.Errorf("throttleRecord of an unthrottled run = %+v, want nil", r)
	}
	got := throttleRecord(simulator.ThrottleStats{Throttled: 1, Waited: 10 * time.Second, GaveUp: 1, NotSent: 586})
	if got == nil || *got != (reports.Throttle{Throttled: 1, Waited: 10 * time.Second, GaveUp: 1, NotSent: 586}) {
		t.Errorf("throttleRecord = %+v", got)
	}
}
