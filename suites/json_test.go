package suites

import (
	"testing"

	"github.com/tidwall/gjson"
)

func TestField(t *testing.T) {
	doc := gjson.Parse(`{"Meta":{"Location":"http://x/Users/1"},"emails":[{"value":"a"},{"VALUE":"b"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42","manager":{"value":"7"}},
		"urn":{"x":1}}`)
	tests := []struct {
		path, want string
	}{
		{"meta.location", "http://x/Users/1"},
		{"META.LOCATION", "http://x/Users/1"},
		{"emails.0.value", "a"},
		{"emails.1.value", "b"},
		{"emails.2.value", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.employeeNumber", "42"},
		{"URN:ietf:params:scim:schemas:extension:enterprise:2.0:user.manager.value", "7"},
		{"meta.missing", ""},
		{"nope", ""},
	}
	for _, tt := range tests {
		if got := field(doc, tt.path).String(); got != tt.want {
			t.Errorf("field(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestStoredPath(t *testing.T) {
	doc := gjson.Parse(`{"NAME":{"GivenName":"Vera"},"name":{"givenName":"x"},"emails":[{"VALUE":"a"}],"a.b":{"c":1}}`)
	tests := []struct {
		path, want string
	}{
		{"name.givenName", "NAME.GivenName"}, // the first match in document order
		{"Name.FamilyName", "NAME.FamilyName"},
		{"nickName", "nickName"},
		{"emails.0.value", "emails.0.VALUE"},
		{"a.b", "a.b"}, // keys with dots are not matched whole
		{"x*y", `x\*y`},
	}
	for _, tt := range tests {
		if got := storedPath(doc, tt.path); got != tt.want {
			t.Errorf("storedPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestJSONKinds(t *testing.T) {
	tests := []struct {
		raw             string
		str, b, integer bool
	}{
		{`"404"`, true, false, false},
		{`404`, false, false, true},
		{`4.0`, false, false, false},
		{`1e3`, false, false, false},
		{`true`, false, true, false},
		{`"true"`, true, false, false},
	}
	for _, tt := range tests {
		r := gjson.Parse(tt.raw)
		if isJSONString(r) != tt.str || isJSONBool(r) != tt.b || isJSONInteger(r) != tt.integer {
			t.Errorf("%s: string=%v bool=%v int=%v", tt.raw, isJSONString(r), isJSONBool(r), isJSONInteger(r))
		}
	}
	if !hasString(gjson.Parse(`["URN:a","b"]`), "urn:a") || hasString(gjson.Parse(`["a"]`), "c") {
		t.Error("hasString")
	}
	if !hasKey(gjson.Parse(`{"UserName":1}`), "userName") || hasKey(gjson.Parse(`[1]`), "x") {
		t.Error("hasKey")
	}
}

func TestQuote(t *testing.T) {
	tests := map[string]string{`a"q`: `"a\"q"`, `back\slash`: `"back\\slash"`, "Zoë": `"Zoë"`}
	for in, want := range tests {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMatcherExpectation(t *testing.T) {
	msg := "Expected\n    <string>: Group\nto equal\n    <string>: User"
	if got := matcherExpectation("meta.resourceType", msg); got != "meta.resourceType to equal <string>: User" {
		t.Errorf("matcherExpectation = %q", got)
	}
	if got := matcherExpectation("x", "odd\n message"); got != "x: odd message" {
		t.Errorf("matcherExpectation without 'to' = %q", got)
	}
}
