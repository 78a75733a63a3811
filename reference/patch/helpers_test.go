package patch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/tidwall/gjson"
)

const entURN = schema.EnterpriseUserURN

// entPath is the gjson path of the enterprise extension object.
var entPath = strings.NewReplacer(".", `\.`, ":", `\:`).Replace(entURN)

const userJSON = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "` + entURN + `"],
	"id": "u1",
	"meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z", "version": "W/\"1\""},
	"userName": "bjensen",
	"externalId": "E1",
	"nickName": "Babs",
	"name": {"givenName": "Barbara", "familyName": "Jensen"},
	"emails": [{"value": "work@x.com", "type": "work", "primary": true}, {"value": "home@x.com", "type": "home"}],
	"addresses": [{"type": "work", "streetAddress": "100 Universal", "locality": "Hollywood"}, {"type": "home", "streetAddress": "456 Hollywood"}],
	"groups": [{"value": "g1"}],
	"` + entURN + `": {"department": "Sales", "manager": {"value": "m1", "displayName": "Boss"}}
}`

const groupJSON = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
	"id": "g1",
	"displayName": "Admins",
	"members": [{"value": "u1", "display": "One"}, {"value": "u2"}]
}`

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

// body wraps an Operations array into a PatchOp message.
func body(ops string) []byte {
	return []byte(`{"schemas":["` + PatchOpURN + `"],"Operations":` + ops + `}`)
}

// checkJSON asserts gjson paths on doc: want is the expected raw JSON, or
// "<absent>".
func checkJSON(t *testing.T, doc string, checks map[string]string) {
	t.Helper()
	for path, want := range checks {
		got := gjson.Get(doc, path)
		if want == "<absent>" {
			if got.Exists() {
				t.Errorf("%s = %s, want absent", path, got.Raw)
			}
			continue
		}
		if !got.Exists() {
			t.Errorf("%s absent, want %s", path, want)
			continue
		}
		if canonJSON(t, got.Raw) != canonJSON(t, want) {
			t.Errorf("%s = %s, want %s", path, got.Raw, want)
		}
	}
}

func canonJSON(t *testing.T, raw string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func wantError(t *testing.T, err error, scimType string) {
	t.Helper()
	e := scimerr.As(err)
	if e == nil {
		t.Fatalf("error = %v, want *scimerr.Error 400 %s", err, scimType)
	}
	if e.Status != 400 || e.ScimType != scimType {
		t.Fatalf("error = %v, want 400 %s", e, scimType)
	}
}
