package schema

import (
	"encoding/json"
	"testing"

	"github.com/scimtest/scimtest/reference/scimerr"
)

func TestNormalize(t *testing.T) {
	ent := EnterpriseUserURN
	tests := []struct {
		name     string
		rt       string
		body     string
		want     string // canonical JSON of the result; "" when an error is expected
		scimType string
	}{
		{
			name: "minimal user",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"bjensen"}`,
			want: `{"schemas":["` + UserURN + `"],"userName":"bjensen"}`,
		},
		{
			name: "names in any case become schema spelling",
			rt:   "User",
			body: `{"SCHEMAS":["` + UserURN + `"],"UserName":"b","NAME":{"GivenName":"Barbara"},"Emails":[{"VALUE":"b@x","Primary":true}]}`,
			want: `{"emails":[{"primary":true,"value":"b@x"}],"name":{"givenName":"Barbara"},"schemas":["` + UserURN + `"],"userName":"b"}`,
		},
		{
			name: "readOnly attributes are ignored",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","id":"client-1","meta":{"created":"1999-01-01T00:00:00Z"},"groups":[{"value":"g"}]}`,
			want: `{"schemas":["` + UserURN + `"],"userName":"b"}`,
		},
		{
			name: "string booleans from Entra",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","active":"False","roles":[{"value":"r","primary":"True"}]}`,
			want: `{"active":false,"roles":[{"primary":true,"value":"r"}],"schemas":["` + UserURN + `"],"userName":"b"}`,
		},
		{
			name: "null, empty string and empty array are unassigned",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","title":null,"nickName":"","roles":[],"addresses":null}`,
			want: `{"schemas":["` + UserURN + `"],"userName":"b"}`,
		},
		{
			name: "extension object adds its URN to schemas",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","` + ent + `":{"Department":"Sales","manager":{"value":"m1","displayName":"ignored"}}}`,
			want: `{"schemas":["` + UserURN + `","` + ent + `"],"userName":"b","` + ent + `":{"department":"Sales","manager":{"value":"m1"}}}`,
		},
		{
			name: "unqualified and URN-qualified extension keys move into the extension",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","department":"Sales","` + ent + `:costCenter":"4130","manager":"m2"}`,
			want: `{"schemas":["` + UserURN + `","` + ent + `"],"userName":"b","` + ent + `":{"costCenter":"4130","department":"Sales","manager":{"value":"m2"}}}`,
		},
		{
			name: "extension URN listed without data is dropped",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `","` + ent + `"],"userName":"b"}`,
			want: `{"schemas":["` + UserURN + `"],"userName":"b"}`,
		},
		{
			name: "Entra's unknown group schema URN is ignored",
			rt:   "Group",
			body: `{"schemas":["` + GroupURN + `","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"G","externalId":"E1"}`,
			want: `{"displayName":"G","externalId":"E1","schemas":["` + GroupURN + `"]}`,
		},
		{
			name: "group members are deduplicated by value",
			rt:   "Group",
			body: `{"schemas":["` + GroupURN + `"],"displayName":"G","members":[{"value":"u1"},{"value":"u2","display":"x"},{"value":"u1","type":"User"}]}`,
			want: `{"displayName":"G","members":[{"value":"u1"},{"display":"x","value":"u2"}],"schemas":["` + GroupURN + `"]}`,
		},
		{
			name: "numbers, dates and binary of valid shape",
			rt:   "User",
			body: `{"schemas":["` + UserURN + `"],"userName":"b","x509Certificates":[{"value":"TUlJRA=="}],"` + ent + `":{"employeeNumber":"7"}}`,
			want: `{"schemas":["` + UserURN + `","` + ent + `"],"userName":"b","x509Certificates":[{"value":"TUlJRA=="}],"` + ent + `":{"employeeNumber":"7"}}`,
		},
		{name: "missing schemas", rt: "User", body: `{"userName":"b"}`, scimType: scimerr.InvalidSyntax},
		{name: "schemas not an array", rt: "User", body: `{"schemas":"` + UserURN + `","userName":"b"}`, scimType: scimerr.InvalidSyntax},
		{name: "core schema missing", rt: "User", body: `{"schemas":["` + ent + `"],"userName":"b"}`, scimType: scimerr.InvalidSyntax},
		{name: "schema of another resource type", rt: "User", body: `{"schemas":["` + GroupURN + `"],"displayName":"b"}`, scimType: scimerr.InvalidSyntax},
		{name: "data under an unknown URN", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","urn:example:bogus:2.0:User":{"x":1}}`, scimType: scimerr.InvalidSyntax},
		{name: "unknown attribute", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","favouriteColour":"red"}`, scimType: scimerr.InvalidValue},
		{name: "unknown sub-attribute", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","name":{"nick":"x"}}`, scimType: scimerr.InvalidValue},
		{name: "unknown extension attribute", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","` + ent + `":{"badge":"x"}}`, scimType: scimerr.InvalidValue},
		{name: "missing userName", rt: "User", body: `{"schemas":["` + UserURN + `"],"displayName":"b"}`, scimType: scimerr.InvalidValue},
		{name: "empty userName", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":""}`, scimType: scimerr.InvalidValue},
		{name: "missing group displayName", rt: "Group", body: `{"schemas":["` + GroupURN + `"]}`, scimType: scimerr.InvalidValue},
		{name: "userName a number", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":42}`, scimType: scimerr.InvalidValue},
		{name: "active not a boolean", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","active":"notabool"}`, scimType: scimerr.InvalidValue},
		{name: "multi-valued given an object", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","emails":{"value":"x"}}`, scimType: scimerr.InvalidValue},
		{name: "multi-valued given primitives", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","phoneNumbers":["123"]}`, scimType: scimerr.InvalidValue},
		{name: "singular given an array", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":["b"]}`, scimType: scimerr.InvalidValue},
		{name: "two primaries", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":"True"}]}`, scimType: scimerr.InvalidValue},
		{name: "binary not base64", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","x509Certificates":[{"value":"not base64!"}]}`, scimType: scimerr.InvalidValue},
		{name: "same attribute twice in different case", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","USERNAME":"c"}`, scimType: scimerr.InvalidValue},
		{name: "extension not an object", rt: "User", body: `{"schemas":["` + UserURN + `"],"userName":"b","` + ent + `":"x"}`, scimType: scimerr.InvalidValue},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := obj(t, tt.body)
			before := canon(t, body)
			got, err := r.Normalize(tt.rt, body)
			if canon(t, body) != before {
				t.Errorf("Normalize modified its input")
			}
			wantScimType(t, err, tt.scimType)
			if tt.scimType != "" {
				return
			}
			if g := canon(t, got); g != canon(t, obj(t, tt.want)) {
				t.Errorf("got  %s\nwant %s", g, canon(t, obj(t, tt.want)))
			}
		})
	}
}

func TestAttributeNormalizeScalars(t *testing.T) {
	tests := []struct {
		typ   string
		in    any
		want  any
		ok    bool
		isErr bool
	}{
		{TypeInteger, float64(3), json.Number("3"), true, false},
		{TypeInteger, 3, json.Number("3"), true, false},
		{TypeInteger, float64(3.5), nil, false, true},
		{TypeInteger, "3", nil, false, true},
		{TypeDecimal, float64(3.5), json.Number("3.5"), true, false},
		{TypeDateTime, "2011-08-01T21:32:44.882Z", "2011-08-01T21:32:44.882Z", true, false},
		{TypeDateTime, "2011-08-01T21:32:44", "2011-08-01T21:32:44", true, false},
		{TypeDateTime, "2011-08-01", nil, false, true},
		{TypeBoolean, "TRUE", true, true, false},
		{TypeBoolean, float64(1), nil, false, true},
		{TypeReference, "https://x/Users/1", "https://x/Users/1", true, false},
		{TypeString, nil, nil, false, false},
	}
	for _, tt := range tests {
		a := &Attribute{Name: "a", Type: tt.typ}
		got, ok, err := a.Normalize(tt.in)
		if (err != nil) != tt.isErr || ok != tt.ok {
			t.Errorf("%s %v: ok=%v err=%v", tt.typ, tt.in, ok, err)
			continue
		}
		if ok && canon(t, got) != canon(t, tt.want) {
			t.Errorf("%s %v = %#v, want %#v", tt.typ, tt.in, got, tt.want)
		}
	}
}

func TestReplace(t *testing.T) {
	r := Default()
	stored := obj(t, `{"schemas":["`+UserURN+`","`+EnterpriseUserURN+`"],"id":"u1","meta":{"resourceType":"User"},"userName":"b","password":"secret",
		"groups":[{"value":"g1"}],"`+EnterpriseUserURN+`":{"manager":{"value":"m1","displayName":"Boss"}}}`)
	tests := []struct {
		name     string
		body     string
		want     string
		scimType string
	}{
		{
			name: "echoing a GET keeps readOnly and writeOnly values",
			body: `{"schemas":["` + UserURN + `","` + EnterpriseUserURN + `"],"id":"other","userName":"b2","groups":[],"` + EnterpriseUserURN + `":{"manager":{"value":"m1"}}}`,
			want: `{"schemas":["` + UserURN + `","` + EnterpriseUserURN + `"],"id":"u1","meta":{"resourceType":"User"},"userName":"b2","password":"secret","groups":[{"value":"g1"}],"` + EnterpriseUserURN + `":{"manager":{"displayName":"Boss","value":"m1"}}}`,
		},
		{
			name: "omitted attributes are cleared",
			body: `{"schemas":["` + UserURN + `"],"userName":"b"}`,
			want: `{"schemas":["` + UserURN + `"],"id":"u1","meta":{"resourceType":"User"},"userName":"b","password":"secret","groups":[{"value":"g1"}]}`,
		},
		{name: "missing userName", body: `{"schemas":["` + UserURN + `"]}`, scimType: scimerr.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := canon(t, stored)
			got, err := r.Replace("User", stored, obj(t, tt.body))
			if canon(t, stored) != before {
				t.Error("Replace modified stored")
			}
			wantScimType(t, err, tt.scimType)
			if tt.scimType == "" && canon(t, got) != canon(t, obj(t, tt.want)) {
				t.Errorf("got  %s\nwant %s", canon(t, got), canon(t, obj(t, tt.want)))
			}
		})
	}
}

func TestReplaceImmutable(t *testing.T) {
	doc := `[{"id":"urn:x:Thing","attributes":[{"name":"serial","mutability":"immutable"},{"name":"label"}]}]`
	r, err := New([]byte(doc), []ResourceType{{Name: "Thing", Endpoint: "/Things", Schema: "urn:x:Thing"}})
	if err != nil {
		t.Fatal(err)
	}
	unset := obj(t, `{"schemas":["urn:x:Thing"],"id":"t1","label":"a"}`)
	set := obj(t, `{"schemas":["urn:x:Thing"],"id":"t1","serial":"S1"}`)
	tests := []struct {
		name     string
		stored   map[string]any
		body     string
		scimType string
	}{
		{"set when absent", unset, `{"schemas":["urn:x:Thing"],"serial":"S9"}`, ""},
		{"same value again", set, `{"schemas":["urn:x:Thing"],"serial":"S1","label":"b"}`, ""},
		{"changed value", set, `{"schemas":["urn:x:Thing"],"serial":"S2"}`, scimerr.Mutability},
		{"value dropped", set, `{"schemas":["urn:x:Thing"],"label":"b"}`, scimerr.Mutability},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Replace("Thing", tt.stored, obj(t, tt.body))
			wantScimType(t, err, tt.scimType)
		})
	}
}

func TestCheckRequired(t *testing.T) {
	r := Default()
	if err := r.CheckRequired("User", obj(t, `{"userName":"x"}`)); err != nil {
		t.Errorf("valid user: %v", err)
	}
	wantScimType(t, r.CheckRequired("User", obj(t, `{"displayName":"x"}`)), scimerr.InvalidValue)
	wantScimType(t, r.CheckRequired("Group", obj(t, `{"displayName":""}`)), scimerr.InvalidValue)
}

func TestSameElementAgreesWithElementKey(t *testing.T) {
	r := Default()
	emails := r.Schema(UserURN).Attribute("emails")
	members := r.Schema(GroupURN).Attribute("members")
	tests := []struct {
		a    *Attribute
		x, y string
		same bool
	}{
		{emails, `{"value":"A@x","type":"work"}`, `{"value":"a@X","type":"WORK","primary":true}`, true},
		{emails, `{"value":"a@x","type":"work"}`, `{"value":"a@x","type":"home"}`, false},
		{emails, `{"value":"a@x"}`, `{"value":"a@x","type":"home"}`, false},
		{emails, `{"display":"no value"}`, `{"display":"no value"}`, false},
		{members, `{"value":"u1"}`, `{"value":"u1","type":"User"}`, true},
		{members, `{"value":"u1"}`, `{"value":"u2"}`, false},
	}
	for _, tt := range tests {
		x, y := obj(t, tt.x), obj(t, tt.y)
		if got := tt.a.SameElement(x, y); got != tt.same {
			t.Errorf("SameElement(%s, %s) = %v, want %v", tt.x, tt.y, got, tt.same)
		}
		kx, okx := tt.a.ElementKey(x)
		ky, oky := tt.a.ElementKey(y)
		if keyed := okx && oky && kx == ky; keyed != tt.same {
			t.Errorf("ElementKey equality for %s, %s = %v, want %v", tt.x, tt.y, keyed, tt.same)
		}
	}
}
