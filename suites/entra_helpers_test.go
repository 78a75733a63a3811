package suites

import (
	"testing"

	"github.com/scimtest/scimtest/simulator"
)

func TestLookupPath(t *testing.T) {
	r := &reply{Response: &simulator.Response{Body: []byte(`{
		"userName": "bjensen", "NAME": {"givenName": "Barbara"},
		"emails": [{"type": "home", "value": "h@example.org"}, {"TYPE": "Work", "Value": "w@example.com", "primary": true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour", "manager": {"value": "m1"}}}`)}}
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"userName", "bjensen", true},
		{"name.givenName", "Barbara", true},
		{`emails[type eq "work"].value`, "w@example.com", true},
		{`emails[type eq "work"].primary`, "true", true},
		{`emails[type eq "home"].value`, "h@example.org", true},
		{`emails[type eq "other"].value`, "", false},
		{`emails[type eq "work"].display`, "", false},
		{URNEnterprise + ":department", "Tour", true},
		{URNEnterprise + ":manager.value", "m1", true},
		{URNEnterprise + ":costCenter", "", false},
		{"title", "", false},
	}
	for _, tt := range tests {
		got, ok := lookupPath(r, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("lookupPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFilterQuery(t *testing.T) {
	tests := []struct{ attr, value, want string }{
		{"userName", "a+b@example.com", `filter=userName%20eq%20%22a%2Bb%40example.com%22`},
		{"displayName", `Sales "EMEA"`, `filter=displayName%20eq%20%22Sales%20%5C%22EMEA%5C%22%22`},
	}
	for _, tt := range tests {
		if got := filterQuery(tt.attr, tt.value); got != tt.want {
			t.Errorf("filterQuery(%q, %q) = %s, want %s", tt.attr, tt.value, got, tt.want)
		}
	}
}
