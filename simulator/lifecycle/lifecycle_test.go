package lifecycle_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/simulator/lifecycle"
	"github.com/scimtest/scimtest/simulator/transcript"
)

const token = "lifecycle-test-token"

// startReference serves the reference provider on a loopback port.
func startReference(tb testing.TB) string {
	tb.Helper()
	srv, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: token})
	if err != nil {
		tb.Fatalf("reference.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	return ts.URL + "/scim/v2"
}

func config(idp, url string) lifecycle.Config {
	return lifecycle.Config{IdP: idp, BaseURL: url, Token: token, Users: 12, Groups: 3,
		MembersPerGroup: 4, Concurrency: 4, Seed: 7, RunID: "lctest"}
}

// wantKinds lists, per IdP, the operation kinds its lifecycle runs and how
// many of each the config above implies.
var wantKinds = map[string]map[lifecycle.Kind]int64{
	"okta": {
		lifecycle.KindTestCredentials: 1, lifecycle.KindCreateUser: 12, lifecycle.KindUpdateUser: 12,
		lifecycle.KindPushGroup: 3, lifecycle.KindAddMembers: 3, lifecycle.KindRemoveMembers: 3,
		lifecycle.KindRenameGroup: 3, lifecycle.KindDeactivateUser: 12, lifecycle.KindReactivateUser: 12,
		lifecycle.KindImportUsers: 1, lifecycle.KindImportGroups: 1,
		lifecycle.KindDeleteGroup: 3, lifecycle.KindDeleteUser: 12,
	},
	"entra": {
		lifecycle.KindTestCredentials: 1, lifecycle.KindCreateUser: 12, lifecycle.KindUpdateUser: 12,
		lifecycle.KindSetManager: 11, lifecycle.KindPushGroup: 3, lifecycle.KindAddMembers: 3,
		lifecycle.KindRemoveMembers: 3, lifecycle.KindRenameGroup: 3, lifecycle.KindReadGroup: 3,
		lifecycle.KindDeactivateUser: 12, lifecycle.KindReactivateUser: 12,
		lifecycle.KindDeleteGroup: 3, lifecycle.KindDeleteUser: 12,
	},
}

// TestLifecycleAgainstReference runs each IdP's lifecycle in each dialect
// against the reference provider: no operation may fail and every kind is
// counted.
func TestLifecycleAgainstReference(t *testing.T) {
	for _, tc := range []struct{ idp, dialect string }{
		{"okta", "oin"}, {"okta", "aiw"}, {"entra", "default"}, {"entra", "compliant"},
	} {
		t.Run(tc.idp+"/"+tc.dialect, func(t *testing.T) {
			cfg := config(tc.idp, startReference(t))
			cfg.Dialect = tc.dialect
			var exchanges atomic.Int64
			cfg.Hook = func(transcript.Exchange) { exchanges.Add(1) }
			s, err := lifecycle.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var out strings.Builder
			if err := s.Write(&out); err != nil {
				t.Fatal(err)
			}
			if s.Failed() || len(s.Errors) > 0 {
				t.Fatalf("run had failures:\n%s", out.String())
			}
			for kind, n := range wantKinds[tc.idp] {
				if got := s.Count(kind); got.OK != n || got.Skipped != 0 {
					t.Errorf("%s: ok %d skipped %d; want ok %d", kind, got.OK, got.Skipped, n)
				}
			}
			if len(s.Ops) != len(wantKinds[tc.idp]) {
				t.Errorf("ran %d kinds, want %d:\n%s", len(s.Ops), len(wantKinds[tc.idp]), out.String())
			}
			if s.Requests == 0 || s.Requests != exchanges.Load() {
				t.Errorf("summary counts %d requests, hook saw %d", s.Requests, exchanges.Load())
			}
			if s.P50 <= 0 || s.P50 > s.P95 || s.P95 > s.P99 {
				t.Errorf("percentiles p50 %v p95 %v p99 %v are not ordered", s.P50, s.P95, s.P99)
			}
			if !strings.Contains(out.String(), map[string]string{"okta": "No provisioning errors", "entra": "Healthy"}[tc.idp]) {
				t.Errorf("summary does not give the admin's view:\n%s", out.String())
			}
		})
	}
}

// TestServerErrors checks a target failing with 500 yields failed
// operations grouped by status, not a run error.
func TestServerErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"boom"}`))
	}))
	defer ts.Close()
	for _, idp := range []string{"okta", "entra"} {
		t.Run(idp, func(t *testing.T) {
			s, err := lifecycle.Run(context.Background(), config(idp, ts.URL))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !s.Failed() || len(s.Errors) == 0 || s.Errors[0].Status != 500 {
				t.Fatalf("summary = %+v; want failures with status 500", s)
			}
			if s.Errors[0].Example == "" {
				t.Error("error class has no example")
			}
		})
	}
}

// TestUnreachable checks a target that does not answer stops the run with
// ErrUnreachable.
func TestUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	for _, idp := range []string{"okta", "entra"} {
		_, err := lifecycle.Run(context.Background(), config(idp, url))
		if !errors.Is(err, lifecycle.ErrUnreachable) {
			t.Errorf("%s: Run = %v; want ErrUnreachable", idp, err)
		}
	}
}

// TestUnauthorized checks a refused token stops the run with
// ErrUnauthorized for both IdPs.
func TestUnauthorized(t *testing.T) {
	url := startReference(t)
	for _, idp := range []string{"okta", "entra"} {
		cfg := config(idp, url)
		cfg.Token = "wrong"
		if _, err := lifecycle.Run(context.Background(), cfg); !errors.Is(err, lifecycle.ErrUnauthorized) {
			t.Errorf("%s: Run = %v; want ErrUnauthorized", idp, err)
		}
	}
}

// TestConfigErrors checks bad sizes are refused before any request.
func TestConfigErrors(t *testing.T) {
	for _, mod := range []func(*lifecycle.Config){
		func(c *lifecycle.Config) { c.IdP = "onelogin" },
		func(c *lifecycle.Config) { c.Users = 0 },
		func(c *lifecycle.Config) { c.Groups = -1 },
		func(c *lifecycle.Config) { c.MembersPerGroup = 13 },
		func(c *lifecycle.Config) { c.Concurrency = -2 },
		func(c *lifecycle.Config) { c.Rate = -1 },
		func(c *lifecycle.Config) { c.Dialect = "weird" },
		func(c *lifecycle.Config) { c.BaseURL = "" },
	} {
		cfg := config("entra", "http://127.0.0.1:1/scim/v2")
		mod(&cfg)
		if _, err := lifecycle.Run(context.Background(), cfg); err == nil || errors.Is(err, lifecycle.ErrUnreachable) {
			t.Errorf("Run(%+v) = %v; want a configuration error", cfg, err)
		}
	}
}

// TestRate checks --rate bounds the requests per second of a whole run.
func TestRate(t *testing.T) {
	cfg := config("entra", startReference(t))
	cfg.Users, cfg.Groups, cfg.MembersPerGroup, cfg.Rate = 5, 1, 2, 200
	s, err := lifecycle.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed() {
		t.Fatalf("run failed: %+v", s.Errors)
	}
	if min := time.Duration(float64(s.Requests-1) / cfg.Rate * float64(time.Second)); s.Elapsed < min {
		t.Errorf("%d requests at %g/s took %v; want at least %v", s.Requests, cfg.Rate, s.Elapsed, min)
	}
	if s.Throughput() > cfg.Rate*1.05 {
		t.Errorf("throughput %.1f/s exceeds the rate %g/s", s.Throughput(), cfg.Rate)
	}
}

// TestEntraQuarantine checks a 404 on Entra's test query stops the run and
// the summary says the job would be quarantined, while Okta, which accepts
// a 404 only on lookups, reports its failed credential test.
func TestEntraQuarantine(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}`))
	}))
	defer ts.Close()
	for _, tc := range []struct{ idp, says string }{
		{"entra", "Provisioning status: Quarantine"},
		{"okta", "Okta would not let the admin enable provisioning"},
	} {
		s, err := lifecycle.Run(context.Background(), config(tc.idp, ts.URL))
		var se *lifecycle.StartError
		if s == nil || !errors.Is(err, lifecycle.ErrTestFailed) || !errors.As(err, &se) {
			t.Fatalf("%s: Run = %v, %v; want the summary and a StartError of kind ErrTestFailed", tc.idp, s, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "answered HTTP 404: check the base path in --target") || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q; want one line naming the 404 and the base path", tc.idp, msg)
		}
		var out strings.Builder
		if err := s.Write(&out); err != nil {
			t.Fatal(err)
		}
		if got := s.Count(lifecycle.KindTestCredentials); got.Failed != 1 || len(s.Ops) != 1 {
			t.Errorf("%s: want only a failed credential test, got %+v", tc.idp, s.Ops)
		}
		if !strings.Contains(out.String(), tc.says) {
			t.Errorf("%s: summary does not say %q:\n%s", tc.idp, tc.says, out.String())
		}
		if tc.idp == "entra" && !s.Quarantine {
			t.Error("entra: Quarantine is false")
		}
	}
}

// TestKeepSkipsCleanup checks Keep leaves the created objects in place.
func TestKeepSkipsCleanup(t *testing.T) {
	for _, idp := range []string{"okta", "entra"} {
		cfg := config(idp, startReference(t))
		cfg.Keep = true
		s, err := lifecycle.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Failed() {
			t.Fatalf("%s: run failed: %+v", idp, s.Errors)
		}
		for _, k := range []lifecycle.Kind{lifecycle.KindDeleteUser, lifecycle.KindDeleteGroup} {
			if c := s.Count(k); c.OK+c.Failed+c.Skipped != 0 {
				t.Errorf("%s: %s ran %+v with Keep", idp, k, c)
			}
		}
		if s.Count(lifecycle.KindReactivateUser).OK != int64(cfg.Users) {
			t.Errorf("%s: the lifecycle before cleanup did not run in full: %+v", idp, s.Ops)
		}
	}
}
