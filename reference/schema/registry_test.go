package schema

import (
	"errors"
	"testing"

	"github.com/scimtest/scimtest/reference/filter"
)

func TestDefaultRegistry(t *testing.T) {
	r := Default()
	if got := len(r.Schemas()); got != 3 {
		t.Fatalf("schemas = %d, want 3", got)
	}
	for _, tt := range []struct{ name, endpoint, schema string }{
		{"user", "/Users", UserURN}, {"GROUP", "Groups", GroupURN},
	} {
		rt, ok := r.ResourceType(tt.name)
		if !ok || rt.Schema != tt.schema {
			t.Errorf("ResourceType(%q) = %+v, %v", tt.name, rt, ok)
		}
		byEP, ok := r.ResourceTypeByEndpoint(tt.endpoint)
		if !ok || byEP.Name != rt.Name {
			t.Errorf("ResourceTypeByEndpoint(%q) = %+v, %v", tt.endpoint, byEP, ok)
		}
	}
	if _, ok := r.ResourceType("Device"); ok {
		t.Error("ResourceType(Device) found")
	}
	// Characteristics the RFC and its errata fix.
	user, group, ent := r.Schema(UserURN), r.Schema(GroupURN), r.Schema(EnterpriseUserURN)
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"userName.required", user.Attribute("username").Required, true},
		{"userName.uniqueness", user.Attribute("userName").Uniqueness, UniqueServer},
		{"userName.caseExact", user.Attribute("userName").CaseExact, false},
		{"password.mutability", user.Attribute("password").Mutability, WriteOnly},
		{"password.returned", user.Attribute("password").Returned, ReturnedNever},
		{"groups.mutability", user.Attribute("groups").Mutability, ReadOnly},
		{"groups.$ref.referenceTypes (errata 8471)", user.Attribute("groups").Sub("$REF").ReferenceTypes, []string{"Group"}},
		{"x509Certificates.value.type", user.Attribute("x509Certificates").Sub("value").Type, TypeBinary},
		{"active.type", user.Attribute("active").Type, TypeBoolean},
		{"Group displayName.required (errata 5368)", group.Attribute("displayName").Required, true},
		{"members.value.mutability", group.Attribute("members").Sub("value").Mutability, Immutable},
		{"manager.displayName.mutability", ent.Attribute("manager").Sub("displayName").Mutability, ReadOnly},
	}
	for _, c := range checks {
		if canon(t, c.got) != canon(t, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestParseSchemasRejectsBadDefinitions(t *testing.T) {
	tests := map[string]string{
		"not json":        `{`,
		"no id":           `[{"attributes":[]}]`,
		"unknown type":    `[{"id":"u","attributes":[{"name":"a","type":"float"}]}]`,
		"bad mutability":  `[{"id":"u","attributes":[{"name":"a","mutability":"sometimes"}]}]`,
		"nested complex":  `[{"id":"u","attributes":[{"name":"a","type":"complex","subAttributes":[{"name":"b","type":"complex","subAttributes":[{"name":"c"}]}]}]}]`,
		"duplicate names": `[{"id":"u","attributes":[{"name":"a"},{"name":"A"}]}]`,
		"empty complex":   `[{"id":"u","attributes":[{"name":"a","type":"complex"}]}]`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseSchemas([]byte(doc)); err == nil {
				t.Fatal("ParseSchemas succeeded")
			}
		})
	}
	ss, err := ParseSchemas([]byte(`[{"id":"u","attributes":[{"name":"a"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	a := ss[0].Attribute("A")
	if a.Type != TypeString || a.Mutability != ReadWrite || a.Returned != ReturnedDefault || a.Uniqueness != UniqueNone {
		t.Errorf("defaults not applied (RFC 7643, Section 2.2): %+v", a)
	}
}

func TestNewRejectsUnknownSchemas(t *testing.T) {
	if _, err := New(RFCSchemas(), []ResourceType{{Name: "X", Endpoint: "/X", Schema: "urn:nope"}}); err == nil {
		t.Error("unknown core schema accepted")
	}
	if _, err := New(RFCSchemas(), []ResourceType{{Name: "X", Endpoint: "/X", Schema: UserURN, Extensions: []Extension{{Schema: "urn:nope"}}}}); err == nil {
		t.Error("unknown extension accepted")
	}
}

func TestResolver(t *testing.T) {
	r := Default()
	ent := EnterpriseUserURN
	tests := []struct {
		rt   string
		path filter.AttrPath
		want filter.Resolved
	}{
		{"User", filter.AttrPath{Attr: "USERNAME"}, filter.Resolved{Attr: "userName", Type: "string"}},
		{"User", filter.AttrPath{Attr: "name", Sub: "GIVENNAME"}, filter.Resolved{Attr: "name", Sub: "givenName", Type: "string"}},
		{"User", filter.AttrPath{Attr: "emails", Sub: "type"}, filter.Resolved{Attr: "emails", Sub: "type", Type: "string", MultiValued: true}},
		{"User", filter.AttrPath{Attr: "emails"}, filter.Resolved{Attr: "emails", Type: "complex", MultiValued: true}},
		{"User", filter.AttrPath{Attr: "id"}, filter.Resolved{Attr: "id", Type: "string", CaseExact: true}},
		{"User", filter.AttrPath{Attr: "externalId"}, filter.Resolved{Attr: "externalId", Type: "string", CaseExact: true}},
		{"User", filter.AttrPath{Attr: "meta", Sub: "lastModified"}, filter.Resolved{Attr: "meta", Sub: "lastModified", Type: "dateTime"}},
		{"User", filter.AttrPath{Attr: "active"}, filter.Resolved{Attr: "active", Type: "boolean"}},
		{"User", filter.AttrPath{URN: UserURN, Attr: "userName"}, filter.Resolved{Attr: "userName", Type: "string"}},
		{"User", filter.AttrPath{URN: "URN:IETF:params:scim:schemas:core:2.0:user", Attr: "userName"}, filter.Resolved{Attr: "userName", Type: "string"}},
		{"User", filter.AttrPath{URN: ent, Attr: "employeeNumber"}, filter.Resolved{Ext: ent, Attr: "employeeNumber", Type: "string"}},
		{"User", filter.AttrPath{URN: ent, Attr: "manager", Sub: "value"}, filter.Resolved{Ext: ent, Attr: "manager", Sub: "value", Type: "string"}},
		{"User", filter.AttrPath{URN: ent, Attr: "manager", Sub: "$ref"}, filter.Resolved{Ext: ent, Attr: "manager", Sub: "$ref", Type: "reference"}},
		{"User", filter.AttrPath{Attr: ent + ":department"}, filter.Resolved{Ext: ent, Attr: "department", Type: "string"}},
		{"User", filter.AttrPath{Attr: "manager"}, filter.Resolved{Ext: ent, Attr: "manager", Type: "complex"}},
		{"User", filter.AttrPath{URN: ent}, filter.Resolved{Ext: ent, Type: "complex"}},
		{"User", filter.AttrPath{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0", Attr: "User"}, filter.Resolved{Ext: ent, Type: "complex"}},
		{"Group", filter.AttrPath{Attr: "members", Sub: "value"}, filter.Resolved{Attr: "members", Sub: "value", Type: "string", MultiValued: true}},
		{"Group", filter.AttrPath{Attr: "displayname"}, filter.Resolved{Attr: "displayName", Type: "string"}},
		{"User", filter.AttrPath{Attr: "schemas"}, filter.Resolved{Attr: "schemas", Type: "reference", CaseExact: true, MultiValued: true}},
	}
	for _, tt := range tests {
		got, err := r.Resolver(tt.rt).Resolve(tt.path)
		if err != nil {
			t.Errorf("%s %+v: %v", tt.rt, tt.path, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %+v = %+v, want %+v", tt.rt, tt.path, got, tt.want)
		}
	}
	unknown := []struct {
		rt   string
		path filter.AttrPath
	}{
		{"User", filter.AttrPath{Attr: "doesNotExist"}},
		{"User", filter.AttrPath{Attr: "name", Sub: "nope"}},
		{"User", filter.AttrPath{Attr: "userName", Sub: "x"}},
		{"User", filter.AttrPath{URN: GroupURN, Attr: "displayName"}},
		{"User", filter.AttrPath{URN: "urn:bogus", Attr: "x"}},
		{"Group", filter.AttrPath{Attr: "userName"}},
		{"Group", filter.AttrPath{Attr: "department"}},
		{"Device", filter.AttrPath{Attr: "id"}},
	}
	for _, tt := range unknown {
		_, err := r.Resolver(tt.rt).Resolve(tt.path)
		if !errors.Is(err, filter.ErrUnknownAttribute) {
			t.Errorf("%s %+v: err = %v, want ErrUnknownAttribute", tt.rt, tt.path, err)
		}
	}
}

func TestUniqueAttributes(t *testing.T) {
	r := Default()
	u, err := r.UniqueAttributes("User")
	if err != nil {
		t.Fatal(err)
	}
	if canon(t, u) != canon(t, []Unique{{Name: "userName", CaseExact: false, Scope: UniqueServer}}) {
		t.Errorf("User unique = %+v", u)
	}
	g, err := r.UniqueAttributes("Group")
	if err != nil || len(g) != 0 {
		t.Errorf("Group unique = %+v, %v; want none (RFC 7643 declares displayName uniqueness none)", g, err)
	}
	if _, err := r.UniqueAttributes("Device"); err == nil {
		t.Error("unknown resource type accepted")
	}
}
