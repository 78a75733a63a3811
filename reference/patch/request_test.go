package patch

import (
	"reflect"
	"testing"

	"github.com/scimtest/scimtest/reference/scimerr"
)

func TestParseRequest(t *testing.T) {
	ok := []struct {
		name string
		body string
		want []Operation
	}{
		{
			name: "rfc form",
			body: string(body(`[{"op":"add","path":"nickName","value":"B"}]`)),
			want: []Operation{{Op: "add", Path: "nickName", Value: "B", HasValue: true}},
		},
		{
			name: "capitalised ops and member names from Entra",
			body: `{"Schemas":["` + PatchOpURN + `"],"operations":[{"Op":"Replace","Path":"active","Value":"False"},{"op":"Remove","path":"members[value eq \"x\"]"}]}`,
			want: []Operation{{Op: "replace", Path: "active", Value: "False", HasValue: true}, {Op: "remove", Path: `members[value eq "x"]`}},
		},
		{
			name: "null value is present",
			body: string(body(`[{"op":"replace","path":"title","value":null}]`)),
			want: []Operation{{Op: "replace", Path: "title", HasValue: true}},
		},
		{
			name: "remove without value",
			body: string(body(`[{"op":"remove","path":"title"}]`)),
			want: []Operation{{Op: "remove", Path: "title"}},
		},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
	bad := []struct {
		name     string
		body     string
		scimType string
	}{
		{"truncated", `{"schemas":`, scimerr.InvalidSyntax},
		{"not an object", `[1]`, scimerr.InvalidSyntax},
		{"null", `null`, scimerr.InvalidSyntax},
		{"trailing data", string(body(`[{"op":"remove","path":"x"}]`)) + `{}`, scimerr.InvalidSyntax},
		{"no schemas", `{"Operations":[{"op":"remove","path":"x"}]}`, scimerr.InvalidSyntax},
		{"wrong schema", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"Operations":[{"op":"remove","path":"x"}]}`, scimerr.InvalidSyntax},
		{"no Operations", `{"schemas":["` + PatchOpURN + `"]}`, scimerr.InvalidSyntax},
		{"empty Operations", string(body(`[]`)), scimerr.InvalidSyntax},
		{"Operations not an array", string(body(`{"op":"add"}`)), scimerr.InvalidSyntax},
		{"operation not an object", string(body(`["add"]`)), scimerr.InvalidSyntax},
		{"unknown op", string(body(`[{"op":"move","path":"x"}]`)), scimerr.InvalidSyntax},
		{"missing op", string(body(`[{"path":"x","value":1}]`)), scimerr.InvalidSyntax},
		{"path not a string", string(body(`[{"op":"remove","path":5}]`)), scimerr.InvalidPath},
		{"add without value", string(body(`[{"op":"add","path":"nickName"}]`)), scimerr.InvalidValue},
		{"replace without value", string(body(`[{"op":"Replace","path":"nickName"}]`)), scimerr.InvalidValue},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tt.body))
			wantError(t, err, tt.scimType)
		})
	}
}
