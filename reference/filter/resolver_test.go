package filter

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// attrDef is a schema attribute for the test resolver.
type attrDef struct {
	typ       string
	caseExact bool
	multi     bool
	subs      map[string]attrDef
}

type testSchema struct {
	urn   string
	ext   bool
	attrs map[string]attrDef
}

// testResolver resolves paths against a trimmed-down core User schema and
// the enterprise extension (RFC 7643, Sections 4.1 and 4.3), plus a test
// extension with numeric attributes. Names match case-insensitively.
type testResolver []testSchema

var (
	str       = attrDef{typ: "string"}
	strExact  = attrDef{typ: "string", caseExact: true}
	boolean   = attrDef{typ: "boolean"}
	dateTime  = attrDef{typ: "dateTime"}
	reference = attrDef{typ: "reference"}
)

const testExt = "urn:example:params:scim:schemas:extension:test:2.0:User"

var userResolver = testResolver{
	{urn: coreUser, attrs: map[string]attrDef{
		"id":               strExact,
		"externalId":       strExact,
		"userName":         str,
		"displayName":      str,
		"nickName":         str,
		"title":            str,
		"userType":         str,
		"active":           boolean,
		"schemas":          {typ: "reference", caseExact: true, multi: true},
		"name":             {typ: "complex", subs: map[string]attrDef{"familyName": str, "givenName": str, "formatted": str}},
		"emails":           {typ: "complex", multi: true, subs: map[string]attrDef{"value": str, "type": str, "primary": boolean, "display": str}},
		"addresses":        {typ: "complex", multi: true, subs: map[string]attrDef{"streetAddress": str, "type": str, "country": str}},
		"groups":           {typ: "complex", multi: true, subs: map[string]attrDef{"value": str, "$ref": reference, "display": str}},
		"x509Certificates": {typ: "complex", multi: true, subs: map[string]attrDef{"value": {typ: "binary", caseExact: true}}},
		"meta": {typ: "complex", subs: map[string]attrDef{
			"created": dateTime, "lastModified": dateTime, "resourceType": str,
			"version": strExact, "location": reference,
		}},
	}},
	{urn: entUser, ext: true, attrs: map[string]attrDef{
		"employeeNumber": str,
		"costCenter":     str,
		"manager":        {typ: "complex", subs: map[string]attrDef{"value": str, "$ref": reference, "displayName": str}},
	}},
	{urn: testExt, ext: true, attrs: map[string]attrDef{
		"loginCount": {typ: "integer"},
		"score":      {typ: "decimal"},
		"tags":       {typ: "string", multi: true},
	}},
}

func find[T any](m map[string]T, name string) (string, T, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	var zero T
	return "", zero, false
}

// Resolve implements Resolver. Without a URN it looks in the core schema
// only, as RFC 7644, Section 3.10 suggests for unqualified names.
func (tr testResolver) Resolve(p AttrPath) (Resolved, error) {
	for _, s := range tr {
		if p.URN == "" && s.ext || p.URN != "" && !strings.EqualFold(p.URN, s.urn) {
			continue
		}
		name, def, ok := find(s.attrs, p.Attr)
		if !ok {
			break
		}
		out := Resolved{Attr: name, Type: def.typ, CaseExact: def.caseExact, MultiValued: def.multi}
		if s.ext {
			out.Ext = s.urn
		}
		if p.Sub != "" {
			subName, subDef, ok := find(def.subs, p.Sub)
			if !ok {
				break
			}
			out.Sub, out.Type, out.CaseExact = subName, subDef.typ, subDef.caseExact
		}
		return out, nil
	}
	return Resolved{}, fmt.Errorf("%w: %q", ErrUnknownAttribute, p.String())
}

// bjensen is a realistic User as a provider stores it, decoded with
// UseNumber so numbers arrive as json.Number (the other tests use float64).
const bjensen = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
              "urn:example:params:scim:schemas:extension:test:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "Ext-701984",
  "userName": "bjensen@example.com",
  "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "O'Malley", "givenName": "Barbara"},
  "displayName": "ÄRGER Straße",
  "nickName": "",
  "title": "Tour Guide",
  "userType": "Employee",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "country": "USA"}],
  "groups": [{"value": "e9e30dba", "$ref": "https://example.com/v2/Groups/e9e30dba", "display": "Tour Guides"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJ"}],
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34+02:00",
    "version": "W/\"3694e05e9dff591\"",
    "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
  },
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "costCenter": "4130",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  },
  "urn:example:params:scim:schemas:extension:test:2.0:User": {
    "loginCount": 12345678901234567,
    "score": 2.5,
    "tags": ["blue", "Green"]
  }
}`

func decodeUser(t testing.TB, useNumber bool) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(bjensen))
	if useNumber {
		dec.UseNumber()
	}
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	return m
}
