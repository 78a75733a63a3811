package schema

import (
	"errors"
	"testing"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/scimerr"
)

func TestFind(t *testing.T) {
	r := Default()
	tests := []struct {
		path filter.AttrPath
		want string // Target.String()
	}{
		{filter.AttrPath{Attr: "EMAILS", Sub: "Value"}, "emails.value"},
		{filter.AttrPath{URN: EnterpriseUserURN, Attr: "manager", Sub: "$REF"}, EnterpriseUserURN + ":manager.$ref"},
		{filter.AttrPath{URN: EnterpriseUserURN}, EnterpriseUserURN},
		{filter.AttrPath{Attr: "department"}, EnterpriseUserURN + ":department"},
	}
	for _, tt := range tests {
		tg, err := r.Find("User", tt.path)
		if err != nil || tg.String() != tt.want {
			t.Errorf("Find(%+v) = %q, %v; want %q", tt.path, tg.String(), err, tt.want)
		}
	}
	if _, err := r.Find("Device", filter.AttrPath{Attr: "id"}); err == nil {
		t.Error("unknown resource type accepted")
	}
	if _, err := r.Find("User", filter.AttrPath{URN: EnterpriseUserURN, Sub: "x"}); !errors.Is(err, filter.ErrUnknownAttribute) {
		t.Errorf("extension URN with a sub-attribute: err = %v", err)
	}
}

// requiredExtRegistry has a Thing type whose extension is required and
// declares a required attribute.
func requiredExtRegistry(t *testing.T) *Registry {
	t.Helper()
	doc := `[{"id":"urn:x:Thing","attributes":[{"name":"label"}]},
		{"id":"urn:x:ext:Thing","attributes":[{"name":"code","required":true},{"name":"parts","type":"complex","multiValued":true,
			"subAttributes":[{"name":"value","required":true},{"name":"qty","type":"integer"}]}]}]`
	r, err := New([]byte(doc), []ResourceType{{Name: "Thing", Endpoint: "/Things", Schema: "urn:x:Thing",
		Extensions: []Extension{{Schema: "urn:x:ext:Thing", Required: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRequiredExtension(t *testing.T) {
	r := requiredExtRegistry(t)
	tests := []struct {
		name     string
		body     string
		want     string
		scimType string
	}{
		{name: "present", body: `{"schemas":["urn:x:Thing"],"urn:x:ext:Thing":{"code":"c","parts":[{"value":"p","qty":2}]}}`,
			want: `{"schemas":["urn:x:Thing","urn:x:ext:Thing"],"urn:x:ext:Thing":{"code":"c","parts":[{"qty":2,"value":"p"}]}}`},
		{name: "core URN as a container", body: `{"schemas":["urn:x:Thing"],"urn:x:Thing":{"label":"L"},"urn:x:ext:Thing":{"code":"c"}}`,
			want: `{"label":"L","schemas":["urn:x:Thing","urn:x:ext:Thing"],"urn:x:ext:Thing":{"code":"c"}}`},
		{name: "extension missing", body: `{"schemas":["urn:x:Thing"],"label":"x"}`, scimType: scimerr.InvalidValue},
		{name: "required extension attribute missing", body: `{"schemas":["urn:x:Thing"],"urn:x:ext:Thing":{"parts":[{"value":"p"}]}}`, scimType: scimerr.InvalidValue},
		{name: "required sub-attribute missing", body: `{"schemas":["urn:x:Thing"],"urn:x:ext:Thing":{"code":"c","parts":[{"qty":1}]}}`, scimType: scimerr.InvalidValue},
		{name: "integer with a fraction", body: `{"schemas":["urn:x:Thing"],"urn:x:ext:Thing":{"code":"c","parts":[{"value":"p","qty":1.5}]}}`, scimType: scimerr.InvalidValue},
		{name: "core URN container not an object", body: `{"schemas":["urn:x:Thing"],"urn:x:Thing":"x"}`, scimType: scimerr.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Normalize("Thing", obj(t, tt.body))
			wantScimType(t, err, tt.scimType)
			if tt.scimType == "" && canon(t, got) != canon(t, obj(t, tt.want)) {
				t.Errorf("got %s\nwant %s", canon(t, got), canon(t, obj(t, tt.want)))
			}
		})
	}
}

func TestFixSchemas(t *testing.T) {
	r := Default()
	res := obj(t, `{"schemas":["`+UserURN+`"],"userName":"b","`+EnterpriseUserURN+`":{}}`)
	if err := r.FixSchemas("User", res); err != nil {
		t.Fatal(err)
	}
	if canon(t, res) != canon(t, obj(t, `{"schemas":["`+UserURN+`"],"userName":"b"}`)) {
		t.Errorf("empty extension kept: %s", canon(t, res))
	}
	res[EnterpriseUserURN] = map[string]any{"department": "D"}
	if err := r.FixSchemas("User", res); err != nil {
		t.Fatal(err)
	}
	if canon(t, res["schemas"]) != `["`+UserURN+`","`+EnterpriseUserURN+`"]` {
		t.Errorf("schemas = %v", res["schemas"])
	}
	if err := r.FixSchemas("Device", res); err == nil {
		t.Error("unknown resource type accepted")
	}
	rr := requiredExtRegistry(t)
	thing := map[string]any{}
	if err := rr.FixSchemas("Thing", thing); err != nil || canon(t, thing["schemas"]) != `["urn:x:Thing","urn:x:ext:Thing"]` {
		t.Errorf("required extension not listed: %v, %v", thing, err)
	}
}

func TestResourceTypesList(t *testing.T) {
	r := Default()
	rts := r.ResourceTypes()
	if len(rts) != 2 || rts[0].Name != "User" || rts[1].Name != "Group" || len(rts[0].Extensions) != 1 {
		t.Fatalf("ResourceTypes = %+v", rts)
	}
	rts[0].Extensions[0].Required = true // a copy: the registry must not change
	if again := r.ResourceTypes(); again[0].Extensions[0].Required {
		t.Error("ResourceTypes returned shared extension slices")
	}
}
