package suites

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// schemasDoc is a /Schemas ListResponse with a User schema that declares
// some characteristics and leaves others to the RFC 7643 §2.2 defaults.
const schemasDoc = `{"Resources":[{"id":"urn:ietf:params:scim:schemas:core:2.0:User","attributes":[
 {"name":"userName","type":"string","returned":"default","caseExact":false},
 {"name":"password","type":"string","returned":"never"},
 {"name":"secret","returned":"request"},
 {"name":"badge","type":"string","returned":"always","caseExact":true},
 {"name":"name","type":"complex","subAttributes":[{"name":"givenName","type":"string"}]},
 {"name":"emails","type":"complex","multiValued":true,"subAttributes":[{"name":"value"}]}]}]}`

func TestDeclaredAttrs(t *testing.T) {
	d := &Discovery{Schemas: gjson.Parse(schemasDoc)}
	got := map[string]schemaAttr{}
	for _, a := range declaredAttrs(d, strings.ToUpper(URNUser)) {
		got[a.Path] = a
	}
	tests := []schemaAttr{
		{Path: "userName", Type: "string", Returned: "default"},
		{Path: "password", Type: "string", Returned: "never"},
		{Path: "secret", Type: "string", Returned: "request"},
		{Path: "badge", Type: "string", Returned: "always", CaseExact: true},
		{Path: "name.givenName", Type: "string", Returned: "default"},
		{Path: "emails", Type: "complex", Returned: "default", Multi: true},
		{Path: "emails.value", Type: "string", Returned: "default"},
	}
	for _, want := range tests {
		if got[want.Path] != want {
			t.Errorf("%s: got %+v, want %+v", want.Path, got[want.Path], want)
		}
	}
	if len(got) != len(tests)+1 { // + name
		t.Errorf("declaredAttrs found %d attributes, want %d: %v", len(got), len(tests)+1, got)
	}
	if !declaredCaseExact(d, URNUser, "BADGE") || declaredCaseExact(d, URNUser, "userName") || declaredCaseExact(d, URNUser, "undeclared") {
		t.Error("declaredCaseExact does not follow the schema and its default")
	}
	min := minimumSet(d, URNUser)
	if !min["id"] || !min["schemas"] || !min["badge"] || min["username"] || len(min) != 3 {
		t.Errorf("minimumSet = %v, want id, schemas, badge", min)
	}
	if len(declaredAttrs(d, URNGroup)) != 0 {
		t.Error("declaredAttrs found attributes of an undeclared schema")
	}
}

func TestTopKeys(t *testing.T) {
	got := strings.Join(topKeys(gjson.Parse(`{"userName":1,"ID":2,"meta":{"x":1}}`)), ",")
	if got != "id,meta,username" {
		t.Errorf("topKeys = %q", got)
	}
	if len(topKeys(gjson.Parse(`[1,2]`))) != 0 {
		t.Error("topKeys of an array is not empty")
	}
}
