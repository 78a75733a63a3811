package schema

import (
	"sort"
	"strings"
	"testing"
)

func TestProject(t *testing.T) {
	ent := EnterpriseUserURN
	user := `{"schemas":["` + UserURN + `","` + ent + `"],"id":"u1","externalId":"E1","meta":{"resourceType":"User","created":"2020-01-01T00:00:00Z"},
		"userName":"b","password":"secret","name":{"givenName":"Barbara","familyName":"Jensen"},
		"emails":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","type":"home"}],
		"` + ent + `":{"department":"Sales","costCenter":"4130"}}`
	tests := []struct {
		name      string
		attrs     string
		excluded  string
		wantKeys  string // sorted top-level keys
		wantExtra map[string]string
	}{
		{name: "default set drops password", wantKeys: "emails externalId id meta name schemas userName " + ent},
		{name: "attributes keep always and listed", attrs: "userName", wantKeys: "id schemas userName"},
		{name: "attributes in any case", attrs: "USERNAME,Emails", wantKeys: "emails id schemas userName"},
		{name: "password never returned", attrs: "password,userName", wantKeys: "id schemas userName"},
		{name: "unknown names ignored", attrs: "userName,doesNotExist", wantKeys: "id schemas userName"},
		{
			name: "sub-attribute selects within complex", attrs: "name.givenName,emails.value",
			wantKeys:  "emails id name schemas",
			wantExtra: map[string]string{"name": `{"givenName":"Barbara"}`, "emails": `[{"value":"a@x"},{"value":"b@x"}]`},
		},
		{name: "core URN-qualified name", attrs: UserURN + ":userName", wantKeys: "id schemas userName"},
		{
			name: "extension attribute keeps the extension with it alone", attrs: ent + ":department",
			wantKeys: "id schemas " + ent, wantExtra: map[string]string{ent: `{"department":"Sales"}`},
		},
		{
			name: "extension URN selects the whole extension", attrs: ent,
			wantKeys: "id schemas " + ent, wantExtra: map[string]string{ent: `{"costCenter":"4130","department":"Sales"}`},
		},
		{name: "excluded attributes", excluded: "emails,name", wantKeys: "externalId id meta schemas userName " + ent},
		{name: "id cannot be excluded", excluded: "id,schemas", wantKeys: "emails externalId id meta name schemas userName " + ent},
		{
			name: "excluded sub-attribute", excluded: "name.familyName,emails.type,emails.primary",
			wantKeys:  "emails externalId id meta name schemas userName " + ent,
			wantExtra: map[string]string{"name": `{"givenName":"Barbara"}`, "emails": `[{"value":"a@x"},{"value":"b@x"}]`},
		},
		{name: "excluded whole extension", excluded: ent, wantKeys: "emails externalId id meta name schemas userName"},
		{
			name: "excluded extension attribute", excluded: ent + ":costCenter",
			wantKeys: "emails externalId id meta name schemas userName " + ent, wantExtra: map[string]string{ent: `{"department":"Sales"}`},
		},
		{name: "attributes win over excludedAttributes", attrs: "userName", excluded: "userName", wantKeys: "id schemas userName"},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := obj(t, user)
			before := canon(t, res)
			got := r.Project("User", res, split(tt.attrs), split(tt.excluded))
			if canon(t, res) != before {
				t.Error("Project modified its input")
			}
			var keys []string
			for k := range got {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			want := strings.Fields(tt.wantKeys)
			sort.Strings(want)
			if strings.Join(keys, " ") != strings.Join(want, " ") {
				t.Errorf("keys = %v\nwant   %v", keys, want)
			}
			for k, want := range tt.wantExtra {
				if g := canon(t, got[k]); g != want {
					t.Errorf("%s = %s, want %s", k, g, want)
				}
			}
		})
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func TestProjectGroupExcludingMembers(t *testing.T) {
	r := Default()
	g := obj(t, `{"schemas":["`+GroupURN+`"],"id":"g1","displayName":"G","members":[{"value":"u1"}]}`)
	got := r.Project("group", g, nil, []string{"members"})
	if _, ok := got["members"]; ok || got["displayName"] != "G" || got["id"] != "g1" {
		t.Errorf("got %v", got)
	}
}

func TestDiscoveryJSON(t *testing.T) {
	r := Default()
	docs := r.SchemasJSON("https://example.com/v2/")
	if len(docs) != 3 {
		t.Fatalf("SchemasJSON: %d documents, want 3", len(docs))
	}
	for _, d := range docs {
		id, _ := d["id"].(string)
		if canon(t, d["schemas"]) != `["`+SchemaURN+`"]` {
			t.Errorf("%s: schemas = %v", id, d["schemas"])
		}
		meta, _ := d["meta"].(map[string]any)
		if meta["location"] != "https://example.com/v2/Schemas/"+id || meta["resourceType"] != "Schema" {
			t.Errorf("%s: meta = %v", id, meta)
		}
		attrs, _ := d["attributes"].([]any)
		if len(attrs) == 0 {
			t.Errorf("%s: no attributes", id)
		}
		checkAttributes(t, id, attrs, false)
	}
	bare, ok := r.SchemaJSON(GroupURN, "")
	if !ok || bare["meta"] != nil || bare["id"] != GroupURN {
		t.Errorf("SchemaJSON without base URL = %v, %v", bare, ok)
	}
	if _, ok := r.SchemaJSON("urn:nope", ""); ok {
		t.Error("unknown schema found")
	}

	rt, ok := r.ResourceTypeJSON("User", "https://example.com/v2")
	want := `{"endpoint":"/Users","id":"User","meta":{"location":"https://example.com/v2/ResourceTypes/User","resourceType":"ResourceType"},"name":"User","schemaExtensions":[{"required":false,"schema":"` + EnterpriseUserURN + `"}],"schema":"` + UserURN + `","schemas":["` + ResourceTypeURN + `"],"description":"User Account"}`
	if !ok || canon(t, rt) != canon(t, obj(t, want)) {
		t.Errorf("ResourceTypeJSON(User) = %s", canon(t, rt))
	}
	if g, _ := r.ResourceTypeJSON("Group", ""); g["schemaExtensions"] != nil || g["meta"] != nil {
		t.Errorf("ResourceTypeJSON(Group) = %v", g)
	}
	if n := len(r.ResourceTypesJSON("")); n != 2 {
		t.Errorf("ResourceTypesJSON: %d, want 2", n)
	}
}

// checkAttributes applies RFC 7643 Section 7 to each attribute definition:
// all characteristics present with values from the closed sets, arrays for
// referenceTypes, and no complex sub-attributes.
func checkAttributes(t *testing.T, where string, attrs []any, nested bool) {
	t.Helper()
	sets := map[string][]string{
		"type":       {"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"},
		"mutability": {"readOnly", "readWrite", "immutable", "writeOnly"},
		"returned":   {"always", "never", "default", "request"},
		"uniqueness": {"none", "server", "global"},
	}
	for _, x := range attrs {
		a, _ := x.(map[string]any)
		name, _ := a["name"].(string)
		at := where + ":" + name
		if name == "" {
			t.Errorf("%s: attribute without name", where)
		}
		for k, allowed := range sets {
			v, _ := a[k].(string)
			found := false
			for _, s := range allowed {
				found = found || s == v
			}
			if !found {
				t.Errorf("%s: %s = %v", at, k, a[k])
			}
		}
		for _, k := range []string{"multiValued", "required", "caseExact"} {
			if _, ok := a[k].(bool); !ok {
				t.Errorf("%s: %s = %v, want a boolean", at, k, a[k])
			}
		}
		if _, ok := a["description"].(string); !ok {
			t.Errorf("%s: no description", at)
		}
		if a["type"] == "reference" {
			if rts, ok := a["referenceTypes"].([]any); !ok || len(rts) == 0 {
				t.Errorf("%s: referenceTypes = %v, want a non-empty array (errata 5607)", at, a["referenceTypes"])
			}
		}
		if a["type"] == "complex" {
			if nested {
				t.Errorf("%s: complex sub-attribute (RFC 7643, Section 2.3.8)", at)
			}
			subs, _ := a["subAttributes"].([]any)
			if len(subs) == 0 {
				t.Errorf("%s: complex without subAttributes", at)
			}
			checkAttributes(t, at, subs, true)
		}
	}
}
