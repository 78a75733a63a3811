package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimulateEmbedded runs each IdP's lifecycle against the embedded
// reference: exit 0, every kind in the summary, and a HAR transcript.
func TestSimulateEmbedded(t *testing.T) {
	kinds := map[string][]string{
		"okta":  {"test-credentials", "create-user", "update-user", "push-group", "add-members", "remove-members", "rename-group", "deactivate-user", "reactivate-user", "import-users", "import-groups", "delete-group", "delete-user"},
		"entra": {"test-credentials", "create-user", "update-user", "set-manager", "push-group", "add-members", "remove-members", "rename-group", "read-group", "deactivate-user", "reactivate-user", "delete-group", "delete-user"},
	}
	for idp, want := range kinds {
		t.Run(idp, func(t *testing.T) {
			har := filepath.Join(t.TempDir(), "run.har")
			code, out, errOut := runCLI(t, nil, "simulate", idp, "--users", "8", "--groups", "2",
				"--members-per-group", "3", "--concurrency", "3", "--seed", "5", "--transcript", har)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			for _, k := range want {
				if !strings.Contains(out, "  "+k+" ") {
					t.Errorf("summary lacks %s:\n%s", k, out)
				}
			}
			for _, s := range []string{"(embedded reference), run ID ", "Latency: p50", "Requests:", "admin would see", " 0 failed"} {
				if !strings.Contains(out, s) {
					t.Errorf("summary lacks %q:\n%s", s, out)
				}
			}
			raw, err := os.ReadFile(har)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Log struct {
					Version string            `json:"version"`
					Entries []json.RawMessage `json:"entries"`
				} `json:"log"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("transcript is not JSON: %v", err)
			}
			if doc.Log.Version != "1.2" || len(doc.Log.Entries) < 20 {
				t.Errorf("transcript: version %q with %d entries", doc.Log.Version, len(doc.Log.Entries))
			}
		})
	}
}

// TestSimulateCannotRun checks bad flags, an unreachable target and a
// refused token exit 2 with a single line on stderr.
func TestSimulateCannotRun(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/scim/v2"
	dead.Close()
	denied := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer denied.Close()
	tests := []struct {
		name string
		env  []string
		args []string
		says string
	}{
		{"no IdP", nil, []string{"simulate"}, "name the IdP to simulate: okta or entra"},
		{"unknown IdP", nil, []string{"simulate", "onelogin"}, `unknown IdP "onelogin" (want okta or entra)`},
		{"two IdPs", nil, []string{"simulate", "okta", "entra"}, "one IdP at a time"},
		{"zero request timeout", nil, []string{"simulate", "okta", "--request-timeout", "0s"}, "--request-timeout must be positive"},
		{"zero timeout", nil, []string{"simulate", "okta", "--timeout", "0s"}, "--timeout must be positive"},
		{"run ID with a slash", nil, []string{"simulate", "okta", "--run-id", "a/b"}, "--run-id"},
		{"zero users", nil, []string{"simulate", "okta", "--users", "0"}, "--users"},
		{"members beyond users", nil, []string{"simulate", "entra", "--users", "2", "--members-per-group", "3"}, "--members-per-group"},
		{"zero concurrency", nil, []string{"simulate", "okta", "--concurrency", "0"}, "--concurrency"},
		{"negative rate", nil, []string{"simulate", "okta", "--rate", "-1"}, "--rate"},
		{"unknown dialect", nil, []string{"simulate", "entra", "--dialect", "weird", "--users", "1"}, "dialect"},
		{"okta dialect", nil, []string{"simulate", "okta", "--dialect", "compliant", "--users", "1"}, "dialect"},
		{"unknown flag", nil, []string{"simulate", "okta", "--nope"}, "unknown flag"},
		{"target without token", nil, []string{"simulate", "okta", "--target", deadURL}, "no token"},
		{"bad target URL", nil, []string{"simulate", "okta", "--target", "ftp://x", "--token", "t"}, "base URL"},
		{"unreachable okta", nil, []string{"simulate", "okta", "--target", deadURL, "--token", "t"}, `Okta's "Test API Credentials" failed: connection refused by`},
		{"unreachable entra", []string{"SCIMTEST_TOKEN=t"}, []string{"simulate", "entra", "--target", deadURL}, `Entra's "Test Connection" failed: connection refused by`},
		{"wrong token", nil, []string{"simulate", "entra", "--target", denied.URL, "--token", "t"}, "the target rejected the token (HTTP 401): check --token or SCIMTEST_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.env, tt.args...)
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if code != exitUsage || len(lines) != 1 || !strings.Contains(errOut, tt.says) {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line saying %q", code, errOut, tt.says)
			}
		})
	}
}

// TestSimulateServerErrors checks a target answering 500 exits 1 with the
// errors grouped by status in the summary.
func TestSimulateServerErrors(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"database down"}`))
	}))
	defer ts.Close()
	for _, idp := range []string{"okta", "entra"} {
		t.Run(idp, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, "simulate", idp, "--target", ts.URL, "--token", "t", "--users", "3")
			if code != exitNonConform {
				t.Fatalf("exit %d; want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(out, "HTTP 500") || !strings.Contains(out, "database down") {
				t.Errorf("summary lacks the 500 error class and its example:\n%s", out)
			}
		})
	}
}

// TestSimulateConfigFile checks --config for simulate: target, token-env,
// request-timeout and ca come from the file, flags win over it, the
// run-only keys are ignored, and a token in the file is refused.
func TestSimulateConfigFile(t *testing.T) {
	t.Parallel()
	good, ca := tlsRef(t)
	silent := "http://" + silentListener(t) + "/scim/v2"
	write := func(t *testing.T, text string) string {
		p := filepath.Join(t.TempDir(), "scimtest.yaml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := []string{"SIM_CONFIG_TOKEN=" + hostileToken}
	small := []string{"--users", "2", "--groups", "1", "--members-per-group", "1"}
	tests := []struct {
		name, file string
		args       []string
		code       int
		stdout     string // on stdout when code is 0, else on the one stderr line
	}{
		{"all from the file", "target: " + good + "\ntoken-env: SIM_CONFIG_TOKEN\nca: " + ca + "\nrequest-timeout: 5s\ntimeout: 1m\n" +
			"profile: okta\nexclude:\n  - spec: P-3.3-06\n    reason: run-only key\n", nil, exitOK, "scimtest simulate entra: " + good},
		{"request-timeout from the file", "target: " + silent + "\ntoken-env: SIM_CONFIG_TOKEN\nrequest-timeout: 200ms\n", nil, exitUsage, "no answer within 200ms"},
		{"flags win", "target: " + silent + "\ntoken-env: SIM_CONFIG_TOKEN\nrequest-timeout: 200ms\n", []string{"--request-timeout", "300ms"}, exitUsage, "no answer within 300ms"},
		{"flag target wins", "target: " + silent + "\ntoken-env: SIM_CONFIG_TOKEN\nca: " + ca + "\n", []string{"--target", good}, exitOK, "scimtest simulate entra: " + good},
		{"token in the file", "target: " + good + "\ntoken: secret\n", nil, exitUsage, "a token is never read from the file"},
		{"token-env unset", "target: " + good + "\ntoken-env: SIM_CONFIG_NOT_SET\n", nil, exitUsage, "SIM_CONFIG_NOT_SET is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"simulate", "entra", "--config", write(t, tt.file)}, small...), tt.args...)
			code, out, errOut := runCLI(t, env, args...)
			where := out
			if tt.code != exitOK {
				where = errOut
				if strings.Count(errOut, "\n") != 1 {
					t.Errorf("stderr is not one line: %q", errOut)
				}
			}
			if code != tt.code || !strings.Contains(where, tt.stdout) {
				t.Errorf("exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.stdout, out, errOut)
			}
		})
	}
}
