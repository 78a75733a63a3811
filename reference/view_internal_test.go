package reference

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference/filter"
)

func TestBodyViewLoad(t *testing.T) {
	body := []byte(`{"Active":true,"emails":[{"value":"a","n":2}],"n":1.50,"nil":null,"t":"a\"b","title":"skipped","userName":"x"}`)
	tests := []struct {
		names []string
		want  map[string]any
	}{
		{[]string{"active", "USERNAME"}, map[string]any{"Active": true, "userName": "x"}},
		{[]string{"t", "n", "nil"}, map[string]any{"t": `a"b`, "n": json.Number("1.50"), "nil": nil}},
		{[]string{"emails"}, map[string]any{"emails": []any{map[string]any{"value": "a", "n": json.Number("2")}}}},
		{[]string{"absent"}, map[string]any{}},
		{nil, map[string]any{}},
	}
	for _, tt := range tests {
		v := newBodyView(tt.names)
		got, err := v.load(body)
		if err != nil {
			t.Fatalf("load %v: %v", tt.names, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("load %v = %#v, want %#v", tt.names, got, tt.want)
		}
		// The map is reused: a second body leaves nothing of the first.
		got, err = v.load([]byte(`{"other":1}`))
		if err != nil || len(got) != 0 {
			t.Errorf("reload %v = %v, %v; want empty", tt.names, got, err)
		}
	}
}

func TestFilterViewNames(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := []struct {
		filter string
		want   []string // must be among the view's names, in any letter case
	}{
		{`userName co "x"`, []string{"userName"}},
		{`USERNAME co "x" and not (title pr)`, []string{"userName", "title"}},
		{ent + `:manager.value eq "m" or emails[value sw "a"]`, []string{ent, "emails"}},
		{`meta.created pr`, []string{"meta"}},
	}
	for _, tt := range tests {
		e, err := filter.Parse(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		names := s.filterView(userType, e).names
		for _, w := range tt.want {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, w) }) {
				t.Errorf("%s: view names %v lack %q", tt.filter, names, w)
			}
		}
	}
}
