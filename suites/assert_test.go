package suites

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/scimtest/scimtest/simulator"
)

// TestBodyProblem pins what a failure message says about a body that is no
// JSON object: the cause a hostile target's garbage must be reported with.
func TestBodyProblem(t *testing.T) {
	tests := []struct {
		body, ct, want string
	}{
		{`{"id":"1"}`, "application/scim+json", ""},
		{"", "", ""},
		{"  \n", "text/plain", ""},
		{"<html>login</html>", "text/html", "the body is not JSON (18 bytes, text/html)"},
		{`{"id":"1"`, "", "the body is not JSON (9 bytes, no Content-Type)"},
		{`[{"id":"1"}]`, "application/scim+json", "the body is JSON but an array, not an object"},
		{`"ok"`, "", "the body is JSON but a string, not an object"},
		{`42`, "", "the body is JSON but a number, not an object"},
		{`null`, "", "the body is JSON but null, not an object"},
		{`true`, "", "the body is JSON but a boolean, not an object"},
	}
	for _, tt := range tests {
		r := &reply{Response: &simulator.Response{Body: []byte(tt.body), Header: http.Header{}}}
		if tt.ct != "" {
			r.Header.Set("Content-Type", tt.ct)
		}
		if got := bodyProblem(r); got != tt.want {
			t.Errorf("bodyProblem(%q) = %q, want %q", tt.body, got, tt.want)
		}
		if got := errorSummary(r); tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("errorSummary(%q) = %q, want it to say %q", tt.body, got, tt.want)
		}
	}
	if got := bodyProblem(nil); got != "" {
		t.Errorf("bodyProblem(nil) = %q", got)
	}
}

// TestSafeMatch: a matcher that panics on a nil actual (an attribute the
// target left out) gives an error instead of crashing the spec.
func TestSafeMatch(t *testing.T) {
	for _, m := range []struct {
		name string
		ok   bool
		err  bool
		run  func() (bool, error)
	}{
		{"BeTrue on nil", false, true, func() (bool, error) { return safeMatch(BeTrue(), nil) }},
		{"BeFalse on nil", false, true, func() (bool, error) { return safeMatch(BeFalse(), nil) }},
		{"BeTrue on true", true, false, func() (bool, error) { return safeMatch(BeTrue(), true) }},
		{"Equal on a string", true, false, func() (bool, error) { return safeMatch(Equal("a"), "a") }},
		{"Equal on nil", false, false, func() (bool, error) { return safeMatch(Equal("a"), nil) }},
	} {
		ok, err := m.run()
		if ok != m.ok || (err != nil) != m.err {
			t.Errorf("%s: ok %v, err %v; want ok %v, error %v", m.name, ok, err, m.ok, m.err)
		}
	}
	if msg := safeFailureMessage(BeTrue(), nil); !strings.Contains(msg, "true") {
		t.Errorf("safeFailureMessage(BeTrue, nil) = %q", msg)
	}
}

// TestForeignOrigin: only absolute URLs on another origin than the target
// are refused; paths and the target's own URLs go through.
func TestForeignOrigin(t *testing.T) {
	const base = "https://scim.example.com/scim/v2"
	tests := []struct{ path, want string }{
		{"/Users/1", ""},
		{"Users/1", ""},
		{"https://scim.example.com/scim/v2/Users/1", ""},
		{"https://SCIM.example.com:443/scim/v2/Users/1", ""},
		{"https://scim.example.com/other/Users/1", ""},
		{"http://scim.example.com/scim/v2/Users/1", "http://scim.example.com:80"},
		{"https://scim.example.com:8443/scim/v2/Users/1", "https://scim.example.com:8443"},
		{"https://evil.example/scim/v2/Users/1", "https://evil.example:443"},
	}
	for _, tt := range tests {
		if got := foreignOrigin(base, tt.path); got != tt.want {
			t.Errorf("foreignOrigin(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestOnTarget: a URI on another origin is read on the target at the path
// under the target's base path, else from the last resource endpoint it
// names; a URI naming neither cannot be mapped.
func TestOnTarget(t *testing.T) {
	a := &api{t: &Target{BaseURL: "http://localhost:8080/scim/v2"}, d: &Discovery{UsersEndpoint: "/Users", GroupsEndpoint: "/Groups"}}
	tests := []struct{ abs, want string }{
		{"https://scim.example.com/scim/v2/Users/1", "/Users/1"},
		{"https://scim.example.com/scim/v2/Groups/g?attributes=id", "/Groups/g"},
		{"https://api.example.com/tenants/7/scim/Users/1", "/Users/1"},
		{"https://api.example.com/Groups/x/Users/2", "/Users/2"},
		{"https://scim.example.com/scim/v2", ""},
		{"https://scim.example.com/elsewhere/1", ""},
	}
	for _, tt := range tests {
		if got := a.onTarget(tt.abs); got != tt.want {
			t.Errorf("onTarget(%q) = %q, want %q", tt.abs, got, tt.want)
		}
	}
}
