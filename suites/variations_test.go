package suites

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
)

// TestLegalVariationsPass runs the whole suite once per RFC-legal variation
// of the reference (each in a child process) and checks that no spec fails
// and no spec that runs against the plain reference is skipped: a tester
// that fails what the RFC allows costs more trust than one that misses.
func TestLegalVariationsPass(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the suite once per variation; skipped with -short")
	}
	t.Parallel()
	names := make([]string, 0, len(legalVariations))
	for name := range legalVariations {
		names = append(names, name)
	}
	sort.Strings(names)
	whats := make([]string, len(names))
	for i, n := range names {
		whats[i] = "variation:" + n
	}
	table := loadQuirkTable(t)
	start := time.Now()
	base := baselineFailures(t)
	runs := runChildren(t, whats)
	t.Logf("%d variation runs in %v (slowest %v)", len(runs), time.Since(start), slowest(runs))
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			run := runs[i]
			if run.err != nil {
				t.Fatal(run.err)
			}
			if run.results.Run.Interrupted != "" {
				t.Errorf("run interrupted: %s", run.results.Run.Interrupted)
			}
			known := table[variationPrefix+name]
			var failing, skipped, alarms []reports.Spec
			for _, s := range run.results.Specs {
				switch {
				case isFailure(s.State) && !base[s.Name] && slices.ContainsFunc(known, func(r quirkRow) bool { return r.matchesCheck(s) }):
					alarms = append(alarms, s)
				case isFailure(s.State) && !base[s.Name]:
					failing = append(failing, s)
				case s.State == reports.StateSkipped && ranInBaseline(s.Name):
					skipped = append(skipped, s)
				}
			}
			if len(failing) > 0 {
				t.Errorf("%d specs fail a legal variation (%s):\n%s\nfalse-alarm rows, once each is confirmed a tester bug and reported:\n%s",
					len(failing), name, describeFailures(failing), suggestAlarmRows(name, failing))
			}
			for _, r := range known {
				if !slices.ContainsFunc(alarms, r.matchesCheck) {
					t.Errorf("false-alarm row %s matches no failing spec any more: remove it (%s)", r, r.Why)
				}
			}
			if len(alarms) > 0 {
				t.Logf("KNOWN FALSE ALARMS: %d specs fail this legal variation for reasons listed in %s (tester bugs, reported):\n%s",
					len(alarms), quirkTablePath, describeSpecs(alarms))
			}
			if len(skipped) > 0 {
				t.Errorf("%d specs that run against the plain reference are skipped:\n%s", len(skipped), describeSpecs(skipped))
			}
			if len(run.results.Specs) != len(baselineRun.results.Specs) {
				t.Errorf("%d specs in the run, %d against the plain reference", len(run.results.Specs), len(baselineRun.results.Specs))
			}
		})
	}
}

// describeFailures lists failures with their first exchanges, so a false
// alarm can be traced to the response that caused it.
func describeFailures(specs []reports.Spec) string {
	var b strings.Builder
	b.WriteString(describeSpecs(specs))
	for _, s := range specs {
		if s.Failure != nil {
			b.WriteString("\n--- " + s.Name + "\n" + s.Failure.Message + "\n")
		}
	}
	return b.String()
}

// suggestAlarmRows renders false-alarm rows for failing specs.
func suggestAlarmRows(name string, specs []reports.Spec) string {
	seen := map[string]bool{}
	var rows []string
	for _, s := range specs {
		row := strings.Join([]string{variationPrefix + name, stateFalseAlarm, s.Area, failedCheck(s), "WHY"}, "\t")
		if !seen[row] {
			seen[row] = true
			rows = append(rows, row)
		}
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

// variationServer starts the reference wrapped in one variation.
func variationServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(legalVariations[name](ref))
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request and returns the response with its body read.
func call(t *testing.T, srv *httptest.Server, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/scim/v2"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

const variationUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"variation-user","name":{"givenName":"Vera"}}`

// createVariationUser creates a user through the wrapped server and returns
// its id, failing the test when the create does not answer 201.
func createVariationUser(t *testing.T, srv *httptest.Server) (string, *http.Response, []byte) {
	t.Helper()
	resp, body := call(t, srv, http.MethodPost, "/Users", variationUser, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /Users = %d %s", resp.StatusCode, body)
	}
	id := gjson.GetBytes(body, "id")
	if !id.Exists() {
		id = gjson.GetBytes(body, "ID")
	}
	return id.String(), resp, body
}

// TestVariationsApply proves each variation really changes the wire: a
// wrapper that changed nothing would make TestLegalVariationsPass pass
// without testing anything.
func TestVariationsApply(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, srv *httptest.Server)
	}{
		{"patch-204", func(t *testing.T, srv *httptest.Server) {
			id, _, _ := createVariationUser(t, srv)
			op := `{"schemas":["` + URNPatchOp + `"],"Operations":[{"op":"replace","path":"nickName","value":"Ve"}]}`
			resp, body := call(t, srv, http.MethodPatch, "/Users/"+id, op, nil)
			if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
				t.Errorf("PATCH = %d %q, want 204 without a body", resp.StatusCode, body)
			}
			resp, body = call(t, srv, http.MethodPatch, "/Users/"+id+"?attributes=nickName", op, nil)
			if resp.StatusCode != http.StatusOK || gjson.GetBytes(body, "nickName").String() != "Ve" {
				t.Errorf("PATCH ?attributes = %d %s, want 200 with the projection (RFC 7644 §3.5.2)", resp.StatusCode, body)
			}
		}},
		{"extra-extension", func(t *testing.T, srv *httptest.Server) {
			id, _, body := createVariationUser(t, srv)
			ext := gjson.GetBytes(body, gjson.Escape(variationURN)+".tier")
			if ext.String() != "gold" || !strings.Contains(gjson.GetBytes(body, "schemas").Raw, variationURN) {
				t.Errorf("created user lacks the extension: %s", body)
			}
			// Sending the representation back must work: the wrapper drops
			// the extension as a provider ignores a readOnly attribute.
			resp, put := call(t, srv, http.MethodPut, "/Users/"+id, string(body), nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("PUT of the returned representation = %d %s", resp.StatusCode, put)
			}
			_, rts := call(t, srv, http.MethodGet, "/ResourceTypes/User", "", nil)
			if !strings.Contains(gjson.GetBytes(rts, "schemaExtensions.#.schema").Raw, variationURN) {
				t.Errorf("/ResourceTypes/User does not advertise the extension: %s", rts)
			}
			resp, sch := call(t, srv, http.MethodGet, "/Schemas/"+variationURN, "", nil)
			if resp.StatusCode != http.StatusOK || gjson.GetBytes(sch, "id").String() != variationURN {
				t.Errorf("GET /Schemas/<extension> = %d %s", resp.StatusCode, sch)
			}
			_, proj := call(t, srv, http.MethodGet, "/Users/"+id+"?attributes=userName", "", nil)
			if bytes.Contains(proj, []byte(variationURN)) {
				t.Errorf("a projected response carries the extension: %s", proj)
			}
		}},
		{"shuffled-keys", func(t *testing.T, srv *httptest.Server) {
			ref := variationServer(t, "charset-parameter") // same data, sorted keys
			_, plain := call(t, ref, http.MethodGet, "/ServiceProviderConfig", "", nil)
			_, shuffled := call(t, srv, http.MethodGet, "/ServiceProviderConfig", "", nil)
			var a, b any
			if err := json.Unmarshal(plain, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(shuffled, &b); err != nil {
				t.Fatalf("shuffled body is not JSON: %v", err)
			}
			// meta.location names each server's own port.
			for _, m := range []any{a, b} {
				if o, ok := m.(map[string]any); ok {
					delete(o, "meta")
				}
			}
			if !jsonEqual(a, b) {
				t.Errorf("shuffling changed the content:\n%s\n%s", plain, shuffled)
			}
			if bytes.Equal(plain, shuffled) {
				t.Errorf("keys were not reordered: %s", shuffled)
			}
		}},
		{"upper-case-names", func(t *testing.T, srv *httptest.Server) {
			_, _, body := createVariationUser(t, srv)
			if gjson.GetBytes(body, "USERNAME").String() != "variation-user" || gjson.GetBytes(body, "NAME.GIVENNAME").String() != "Vera" {
				t.Errorf("names not upper-cased: %s", body)
			}
			if !gjson.GetBytes(body, "schemas").IsArray() {
				t.Errorf("schemas renamed: %s", body)
			}
		}},
		{"retry-after-429", func(t *testing.T, srv *httptest.Server) {
			resp, _ := call(t, srv, http.MethodGet, "/ServiceProviderConfig", "", nil)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
				t.Errorf("first request = %d Retry-After %q, want 429 with Retry-After: 1", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if resp, _ := call(t, srv, http.MethodGet, "/ServiceProviderConfig", "", nil); resp.StatusCode != http.StatusOK {
				t.Errorf("second request = %d, want 200", resp.StatusCode)
			}
			if resp, _ := call(t, srv, http.MethodGet, "/Users", "", nil); resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("first request to /Users = %d, want 429", resp.StatusCode)
			}
		}},
		{"charset-parameter", func(t *testing.T, srv *httptest.Server) {
			resp, _ := call(t, srv, http.MethodGet, "/ServiceProviderConfig", "", nil)
			if got := resp.Header.Get("Content-Type"); got != "application/scim+json; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
		}},
		{"public-location", func(t *testing.T, srv *httptest.Server) {
			_, resp, body := createVariationUser(t, srv)
			loc := resp.Header.Get("Location")
			if !strings.HasPrefix(loc, publicOrigin+"/") || gjson.GetBytes(body, "meta.location").String() != loc {
				t.Errorf("Location %q, meta.location %q: want both on %s", loc, gjson.GetBytes(body, "meta.location"), publicOrigin)
			}
		}},
		{"strong-etags", func(t *testing.T, srv *httptest.Server) {
			id, resp, body := createVariationUser(t, srv)
			tag := resp.Header.Get("ETag")
			if tag == "" || strings.HasPrefix(tag, "W/") || gjson.GetBytes(body, "meta.version").String() != tag {
				t.Fatalf("ETag %q, meta.version %q: want the same strong tag", tag, gjson.GetBytes(body, "meta.version"))
			}
			if resp, _ := call(t, srv, http.MethodGet, "/Users/"+id, "", map[string]string{"If-None-Match": tag}); resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match with the strong tag = %d, want 304", resp.StatusCode)
			}
			if resp, _ := call(t, srv, http.MethodDelete, "/Users/"+id, "", map[string]string{"If-Match": `"stale"`}); resp.StatusCode != http.StatusPreconditionFailed {
				t.Errorf("If-Match with a stale tag = %d, want 412", resp.StatusCode)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := legalVariations[tt.name]; !ok {
				t.Fatalf("no variation %q", tt.name)
			}
			tt.check(t, variationServer(t, tt.name))
		})
	}
	for name := range legalVariations {
		if !slices.ContainsFunc(tests, func(tt struct {
			name  string
			check func(t *testing.T, srv *httptest.Server)
		}) bool {
			return tt.name == name
		}) {
			t.Errorf("variation %s has no check that it applies", name)
		}
	}
}

// jsonEqual compares decoded JSON values.
func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
