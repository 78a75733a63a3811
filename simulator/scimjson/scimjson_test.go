package scimjson

import (
	"testing"

	"github.com/tidwall/gjson"
)

const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func TestGet(t *testing.T) {
	body := []byte(`{"ID":"42","UserName":"ann","META":{"Location":"https://x/Users/42"},
		"EMAILS":[{"VALUE":"a@x"},{"value":"b@x","PRIMARY":true}],
		"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"DEPARTMENT":"R&D"},
		"active":false,"nick":null}`)
	tests := []struct {
		path string
		want string // Raw of the result; "" means absent
	}{
		{"id", `"42"`},
		{"userName", `"ann"`},
		{"USERNAME", `"ann"`},
		{"meta.location", `"https://x/Users/42"`},
		{"emails.1.primary", `true`},
		{"emails.0.value", `"a@x"`},
		{"emails.2.value", ``},
		{"emails.-1.value", ``},
		{"emails.x", ``},
		{ent + ".department", `"R&D"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User.department`, `"R&D"`},
		{"active", `false`},
		{"nick", `null`},
		{"missing", ``},
		{"id.deeper", ``},
		{"", ``}, // whole body, checked below
	}
	for _, tt := range tests {
		got := GetBytes(body, tt.path)
		if tt.path == "" {
			if !got.IsObject() {
				t.Errorf("GetBytes(%q) = %s, want the whole body", tt.path, got.Raw)
			}
			continue
		}
		if got.Raw != tt.want || got.Exists() != (tt.want != "") {
			t.Errorf("GetBytes(%q) = %q (exists %v), want %q", tt.path, got.Raw, got.Exists(), tt.want)
		}
	}
}

func TestGetNotJSON(t *testing.T) {
	for _, b := range []string{"", "<html>", `{"id":`, `[1,2]`, `"s"`} {
		if got := GetBytes([]byte(b), "id"); got.Exists() {
			t.Errorf("GetBytes(%q, id) = %s, want nothing", b, got.Raw)
		}
	}
	if got := Get(gjson.Parse(`[{"ID":"7"}]`), "0.id"); got.String() != "7" {
		t.Errorf(`Get(array, "0.id") = %q, want 7`, got.String())
	}
}

func TestSetBytes(t *testing.T) {
	tests := []struct {
		name, body, path string
		v                any
		want             string
	}{
		{"keeps server case", `{"USERNAME":"a"}`, "userName", "b", `{"USERNAME":"b"}`},
		{"nested server case", `{"NAME":{"GIVENNAME":"a"}}`, "name.givenName", "b", `{"NAME":{"GIVENNAME":"b"}}`},
		{"new leaf under server parent", `{"NAME":{}}`, "name.middleName", "m", `{"NAME":{"middleName":"m"}}`},
		{"absent key uses path case", `{"ID":"1"}`, "active", false, `{"ID":"1","active":false}`},
		{"array element", `{"EMAILS":[{"VALUE":"a"}]}`, "emails.0.value", "b", `{"EMAILS":[{"VALUE":"b"}]}`},
		{"urn key existing", `{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"COSTCENTER":"1"}}`,
			ent + ".costCenter", "2", `{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"COSTCENTER":"2"}}`},
		{"urn key new, escaped dot", `{}`, `urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User.division`, "d",
			`{"` + ent + `":{"division":"d"}}`},
		{"exact case untouched", `{"userName":"a","x":1}`, "userName", "b", `{"userName":"b","x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetBytes([]byte(tt.body), tt.path, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("SetBytes(%s, %q) = %s, want %s", tt.body, tt.path, got, tt.want)
			}
		})
	}
}

func TestSetRawBytes(t *testing.T) {
	got, err := SetRawBytes([]byte(`{"GROUPS":[{"value":"g"}]}`), "groups", []byte(`[]`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"GROUPS":[]}` {
		t.Errorf("SetRawBytes = %s", got)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct{ body, path, want string }{
		{`{"Meta":{"LOCATION":"x"}}`, "meta.location", "Meta.LOCATION"},
		{`{"a.b":{"c":1}}`, "A.B.c", `a\.b.c`},
		{`not json`, "meta.location", "meta.location"},
		{`{"x*":1}`, "X*", `x\*`},
	}
	for _, tt := range tests {
		if got := Resolve([]byte(tt.body), tt.path); got != tt.want {
			t.Errorf("Resolve(%s, %q) = %q, want %q", tt.body, tt.path, got, tt.want)
		}
	}
}

func FuzzSetBytes(f *testing.F) {
	f.Add([]byte(`{"USERNAME":"a"}`), "userName")
	f.Add([]byte(`{"a":[{"B":1}]}`), `a.0.b`)
	f.Add([]byte(`[`), `\`)
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		// No input may panic; an error is fine.
		_ = GetBytes(body, path)
		_, _ = SetBytes(body, path, "v")
	})
}

func TestGetExactPathFirst(t *testing.T) {
	tests := []struct{ body, path, want string }{
		{`{"a":{"b":1},"A.B":2}`, "a.b", "1"}, // exact nested wins
		{`{"A":{"b":1},"a.b":2}`, "a.b", "2"}, // no exact nested: longest key
		{`{"..":1,"a":{"":2}}`, "..", "1"},    // a key, not gjson JSON-lines syntax
		{`{"a":{"":3}}`, "a.", "3"},           // empty segment is a key
		{`{"#":4,"a":[1,2]}`, "#", "4"},       // no gjson array count
		{`{"x":{"y":5}}`, "X.Y", "5"},         // case-folded nesting
		{`{"urn:x:1.0:U":{"v":6}}`, "URN:X:1.0:U.v", "6"},
	}
	for _, tt := range tests {
		if got := GetBytes([]byte(tt.body), tt.path); got.Raw != tt.want {
			t.Errorf("GetBytes(%s, %q) = %q, want %q", tt.body, tt.path, got.Raw, tt.want)
		}
	}
}
