package suites

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
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
		{"429", status(429, "", ""), "good", "/ServiceProviderConfig still answered 429 after 1 attempt honouring Retry-After: the target is throttling or unavailable", true},
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
			err := probe(context.Background(), probeClient(t, srv.URL+"/scim/v2", tt.token), tt.token != "")
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
	err = probe(context.Background(), probeClient(t, "http://"+addr+"/scim/v2", "x"), true)
	if err == nil || !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("probe of a closed port = %v, want one line wrapping ErrUnreachable", err)
	}
	want := "target unreachable: connection refused by " + addr + ": is the server running and listening on that port?"
	if err.Error() != want {
		t.Errorf("probe of a closed port = %q\nwant %q", err, want)
	}
}
