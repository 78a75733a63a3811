package store_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/scimtest/scimtest/reference/store"
)

// A body decodes back to the attributes it was encoded from, with numbers
// as json.Number (as request bodies decode), and encodes canonically.
func TestBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		want  string
	}{
		{"nil", nil, `{}`},
		{"sorted keys, HTML kept", map[string]any{"title": "<b>&", "active": true}, `{"active":true,"title":"<b>&"}`},
		{"numbers exact", map[string]any{"n": json.Number("12345678901234567890"), "f": json.Number("2.5")}, `{"f":2.5,"n":12345678901234567890}`},
		{"nested", map[string]any{
			"emails": []any{map[string]any{"value": "a@example.com", "primary": true}},
			"urn:x":  map[string]any{"k": nil},
		}, `{"emails":[{"primary":true,"value":"a@example.com"}],"urn:x":{"k":null}}`},
		{"unicode", map[string]any{"u": "jose\u0301 \u2028"}, "{\"u\":\"jose\u0301 \\u2028\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := store.EncodeBody(tt.attrs)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("EncodeBody = %s, want %s", b, tt.want)
			}
			got, err := (&store.Resource{Body: b}).Attrs()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.attrs
			if want == nil {
				want = map[string]any{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Attrs = %#v, want %#v", got, want)
			}
		})
	}
	if _, err := (&store.Resource{Type: "User", ID: "x", Body: []byte(`{"a":`)}).Attrs(); err == nil {
		t.Error("Attrs of a truncated body: no error")
	}
}
