package patch

import (
	"testing"

	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
)

type applyCase struct {
	name     string
	rt       string // "" means User
	ops      string // Operations array
	checks   map[string]string
	scimType string // expected 400 scimType; checks ignored
}

func runApply(t *testing.T, tests []applyCase) {
	t.Helper()
	reg := schema.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, fixture := "User", userJSON
			if tt.rt == "Group" {
				rt, fixture = "Group", groupJSON
			}
			res := decode(t, fixture)
			before := encode(t, res)
			ops, err := ParseRequest(body(tt.ops))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			got, err := Apply(reg, rt, res, ops)
			if after := encode(t, res); after != before {
				t.Errorf("Apply modified its input:\n%s", after)
			}
			if tt.scimType != "" {
				wantError(t, err, tt.scimType)
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			checkJSON(t, encode(t, got), tt.checks)
		})
	}
}

func TestApplyAdd(t *testing.T) {
	runApply(t, []applyCase{
		{name: "single-valued attribute", ops: `[{"op":"add","path":"title","value":"VP"}]`,
			checks: map[string]string{"title": `"VP"`, "userName": `"bjensen"`}},
		{name: "single-valued replaces existing value", ops: `[{"op":"add","path":"nickName","value":"New"}]`,
			checks: map[string]string{"nickName": `"New"`}},
		{name: "complex keeps unspecified sub-attributes", ops: `[{"op":"add","path":"name","value":{"middleName":"Jane"}}]`,
			checks: map[string]string{"name": `{"givenName":"Barbara","familyName":"Jensen","middleName":"Jane"}`}},
		{name: "sub-attribute path", ops: `[{"op":"add","path":"name.honorificPrefix","value":"Ms."}]`,
			checks: map[string]string{"name.honorificPrefix": `"Ms."`, "name.givenName": `"Barbara"`}},
		{name: "multi-valued appends", ops: `[{"op":"add","path":"emails","value":[{"value":"d@x.com","type":"other"}]}]`,
			checks: map[string]string{"emails.#": `3`, "emails.2.value": `"d@x.com"`, "emails.0.primary": `true`}},
		{name: "multi-valued without duplicates", ops: `[{"op":"add","path":"emails","value":[{"value":"WORK@x.com","type":"work"}]}]`,
			checks: map[string]string{"emails.#": `2`}},
		{name: "new primary clears the old one", ops: `[{"op":"add","path":"emails","value":{"value":"p@x.com","primary":"True"}}]`,
			checks: map[string]string{"emails.#": `3`, "emails.0.primary": "<absent>", "emails.2.primary": `true`}},
		{name: "pathless merges attributes", ops: `[{"op":"add","value":{"nickName":"Babs2","emails":[{"value":"c@x.com","type":"other"}]}}]`,
			checks: map[string]string{"nickName": `"Babs2"`, "emails.#": `3`}},
		{name: "pathless extension container", ops: `[{"op":"add","value":{"` + entURN + `":{"costCenter":"4130"}}}]`,
			checks: map[string]string{entPath + ".costCenter": `"4130"`, entPath + ".department": `"Sales"`}},
		{name: "pathless URN-qualified key", ops: `[{"op":"add","value":{"` + entURN + `:division":"X"}}]`,
			checks: map[string]string{entPath + ".division": `"X"`}},
		{name: "URN-qualified path", ops: `[{"op":"add","path":"` + entURN + `:employeeNumber","value":"42"}]`,
			checks: map[string]string{entPath + ".employeeNumber": `"42"`}},
		{name: "URN-qualified core path", ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:title","value":"T"}]`,
			checks: map[string]string{"title": `"T"`}},
		{name: "extension URN alone", ops: `[{"op":"add","path":"` + entURN + `","value":{"division":"D","Manager":{"value":"m2"}}}]`,
			checks: map[string]string{entPath + ".division": `"D"`, entPath + ".manager.value": `"m2"`, entPath + ".manager.displayName": `"Boss"`}},
		{name: "Entra manager as an array", ops: `[{"op":"Add","path":"manager","value":[{"$ref":"http://x/Users/m3","value":"m3"}]}]`,
			checks: map[string]string{entPath + ".manager.value": `"m3"`, entPath + ".manager.$ref": `"http://x/Users/m3"`}},
		{name: "filtered sub-attribute on a match", ops: `[{"op":"add","path":"emails[type eq \"home\"].display","value":"Home"}]`,
			checks: map[string]string{"emails.1.display": `"Home"`, "emails.0.display": "<absent>"}},
		{name: "filtered add with no match creates the element (Entra)", ops: `[{"op":"add","path":"emails[type eq \"other\"].value","value":"o@x.com"}]`,
			checks: map[string]string{"emails.#": `3`, "emails.2": `{"type":"other","value":"o@x.com"}`}},
		{name: "immutable member may be added", rt: "Group", ops: `[{"op":"add","path":"members","value":[{"value":"u3"}]}]`,
			checks: map[string]string{"members.#": `3`, "members.2.value": `"u3"`}},
		{name: "adding an existing member changes nothing", rt: "Group", ops: `[{"op":"add","path":"members","value":[{"value":"u1"}]}]`,
			checks: map[string]string{"members": `[{"value":"u1","display":"One"},{"value":"u2"}]`}},
		{name: "extension attribute adds the URN to schemas", ops: `[{"op":"remove","path":"` + entURN + `"},{"op":"add","path":"` + entURN + `:department","value":"Ops"}]`,
			checks: map[string]string{"schemas.#": `2`, "schemas.1": `"` + entURN + `"`, entPath: `{"department":"Ops"}`}},
		{name: "integer-like string stays a string", ops: `[{"op":"add","path":"` + entURN + `:costCenter","value":"007"}]`,
			checks: map[string]string{entPath + ".costCenter": `"007"`}},
		{name: "readOnly sub-attribute inside a value is ignored", ops: `[{"op":"add","path":"` + entURN + `:manager","value":{"value":"m9","displayName":"X"}}]`,
			checks: map[string]string{entPath + ".manager": `{"value":"m9","displayName":"Boss"}`}},
	})
}

func TestApplyReplace(t *testing.T) {
	runApply(t, []applyCase{
		{name: "Okta pathless deactivate", ops: `[{"op":"replace","value":{"active":false}}]`,
			checks: map[string]string{"active": `false`}},
		{name: "Entra string boolean", ops: `[{"op":"Replace","path":"active","value":"False"}]`,
			checks: map[string]string{"active": `false`}},
		{name: "single-valued", ops: `[{"op":"replace","path":"nickName","value":"X"}]`,
			checks: map[string]string{"nickName": `"X"`}},
		{name: "attribute without value behaves as add", ops: `[{"op":"replace","path":"title","value":"VP"}]`,
			checks: map[string]string{"title": `"VP"`}},
		{name: "null unassigns", ops: `[{"op":"replace","path":"nickName","value":null}]`,
			checks: map[string]string{"nickName": "<absent>"}},
		{name: "complex merges sub-attributes", ops: `[{"op":"replace","path":"name","value":{"givenName":"Babs"}}]`,
			checks: map[string]string{"name": `{"givenName":"Babs","familyName":"Jensen"}`}},
		{name: "multi-valued replaces all values", ops: `[{"op":"replace","path":"emails","value":[{"value":"only@x.com","type":"work"}]}]`,
			checks: map[string]string{"emails": `[{"value":"only@x.com","type":"work"}]`}},
		{name: "filtered element replaced", ops: `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"1010 Broadway"}}]`,
			checks: map[string]string{"addresses.0": `{"type":"work","streetAddress":"1010 Broadway"}`, "addresses.1.streetAddress": `"456 Hollywood"`}},
		{name: "filtered sub-attribute", ops: `[{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway"}]`,
			checks: map[string]string{"addresses.0.streetAddress": `"1010 Broadway"`, "addresses.0.locality": `"Hollywood"`, "addresses.1.streetAddress": `"456 Hollywood"`}},
		{name: "Entra work email value", ops: `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@x.com"}]`,
			checks: map[string]string{"emails.0": `{"value":"new@x.com","type":"work","primary":true}`}},
		{name: "filter with and and case-insensitive value", ops: `[{"op":"replace","path":"emails[type eq \"WORK\" and value ew \"X.COM\"].display","value":"W"}]`,
			checks: map[string]string{"emails.0.display": `"W"`, "emails.1.display": "<absent>"}},
		{name: "filtered replace with no match creates the element (Entra)", ops: `[{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555"}]`,
			checks: map[string]string{"phoneNumbers": `[{"type":"mobile","value":"+1 555"}]`}},
		{name: "setting primary clears the others", ops: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
			checks: map[string]string{"emails.1.primary": `true`, "emails.0.primary": "<absent>"}},
		{name: "Entra pathless dotted and URN keys", ops: `[{"op":"replace","value":{"name.givenName":"Kkom","name.familyName":"Unua","` + entURN + `:employeeNumber":"Aklq","displayName":"Bjfe"}}]`,
			checks: map[string]string{"name.givenName": `"Kkom"`, "name.familyName": `"Unua"`, entPath + ".employeeNumber": `"Aklq"`, "displayName": `"Bjfe"`}},
		{name: "Okta group rename with its own id", rt: "Group", ops: `[{"op":"replace","value":{"id":"g1","displayName":"Renamed"}}]`,
			checks: map[string]string{"displayName": `"Renamed"`, "id": `"g1"`, "members.#": `2`}},
		{name: "Entra replace members", rt: "Group", ops: `[{"op":"replace","path":"members","value":[{"value":"u3"}]}]`,
			checks: map[string]string{"members": `[{"value":"u3"}]`}},
		{name: "Entra manager removal by empty value", ops: `[{"op":"replace","path":"` + entURN + `:manager","value":{"value":""}}]`,
			checks: map[string]string{entPath + ".manager": "<absent>", entPath + ".department": `"Sales"`}},
		{name: "pathless core URN container", ops: `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"title":"Boss","name.middleName":"J"}}}]`,
			checks: map[string]string{"title": `"Boss"`, "name.middleName": `"J"`, "name.givenName": `"Barbara"`}},
		{name: "pathless meta and schemas are ignored", ops: `[{"op":"replace","value":{"schemas":["x"],"meta":{"created":"1999-01-01T00:00:00Z"},"nickName":"N"}}]`,
			checks: map[string]string{"nickName": `"N"`, "meta.created": `"2020-01-01T00:00:00Z"`, "schemas.#": `2`}},
		{name: "sub-attribute of every value without a filter", ops: `[{"op":"replace","path":"emails.display","value":"E"}]`,
			checks: map[string]string{"emails.0.display": `"E"`, "emails.1.display": `"E"`}},
		{name: "sub-attribute of an absent multi-valued attribute creates a value", ops: `[{"op":"add","path":"phoneNumbers.value","value":"+1 555"}]`,
			checks: map[string]string{"phoneNumbers": `[{"value":"+1 555"}]`}},
		{name: "sub-attribute replaced with null", ops: `[{"op":"replace","path":"name.givenName","value":null}]`,
			checks: map[string]string{"name": `{"familyName":"Jensen"}`}},
		{name: "userName rename", ops: `[{"op":"Replace","path":"userName","value":"new.name"}]`,
			checks: map[string]string{"userName": `"new.name"`}},
		{name: "password is writable", ops: `[{"op":"replace","value":{"password":"s3cret"}}]`,
			checks: map[string]string{"password": `"s3cret"`}},
		{name: "operations apply in order", ops: `[{"op":"replace","path":"nickName","value":"A"},{"op":"replace","path":"nickName","value":"B"}]`,
			checks: map[string]string{"nickName": `"B"`}},
		{name: "attribute names in any case", ops: `[{"op":"replace","path":"NAME.GIVENNAME","value":"G"},{"op":"replace","path":"EMAILS[TYPE eq \"home\"].VALUE","value":"h2@x.com"}]`,
			checks: map[string]string{"name.givenName": `"G"`, "emails.1.value": `"h2@x.com"`}},
	})
}

func TestApplyRemove(t *testing.T) {
	runApply(t, []applyCase{
		{name: "single-valued", ops: `[{"op":"remove","path":"nickName"}]`,
			checks: map[string]string{"nickName": "<absent>", "userName": `"bjensen"`}},
		{name: "multi-valued removes all", ops: `[{"op":"remove","path":"emails"}]`,
			checks: map[string]string{"emails": "<absent>"}},
		{name: "sub-attribute", ops: `[{"op":"remove","path":"name.familyName"}]`,
			checks: map[string]string{"name": `{"givenName":"Barbara"}`}},
		{name: "sub-attributes until the complex value is empty", ops: `[{"op":"remove","path":"name.givenName"},{"op":"remove","path":"name.familyName"}]`,
			checks: map[string]string{"name": "<absent>"}},
		{name: "sub-attribute of every value without a filter", ops: `[{"op":"remove","path":"emails.type"}]`,
			checks: map[string]string{"emails": `[{"value":"work@x.com","primary":true},{"value":"home@x.com"}]`}},
		{name: "sub-attribute of an absent complex value", ops: `[{"op":"remove","path":"` + entURN + `:manager.value"},{"op":"remove","path":"` + entURN + `:manager"},{"op":"remove","path":"` + entURN + `:manager.value"}]`,
			checks: map[string]string{entPath + ".manager": "<absent>"}},
		{name: "filtered element", ops: `[{"op":"remove","path":"emails[type eq \"work\" and value ew \"x.com\"]"}]`,
			checks: map[string]string{"emails": `[{"value":"home@x.com","type":"home"}]`}},
		{name: "filtered sub-attribute", ops: `[{"op":"remove","path":"addresses[type eq \"work\"].streetAddress"}]`,
			checks: map[string]string{"addresses.0": `{"type":"work","locality":"Hollywood"}`}},
		{name: "filter that matches nothing succeeds", ops: `[{"op":"remove","path":"emails[type eq \"pager\"]"}]`,
			checks: map[string]string{"emails.#": `2`}},
		{name: "member by filter", rt: "Group", ops: `[{"op":"remove","path":"members[value eq \"u1\"]"}]`,
			checks: map[string]string{"members": `[{"value":"u2"}]`}},
		{name: "last member makes members unassigned", rt: "Group", ops: `[{"op":"remove","path":"members[value eq \"u1\"]"},{"op":"remove","path":"members[value eq \"u2\"]"}]`,
			checks: map[string]string{"members": "<absent>"}},
		{name: "all members", rt: "Group", ops: `[{"op":"remove","path":"members"}]`,
			checks: map[string]string{"members": "<absent>", "displayName": `"Admins"`}},
		{name: "Entra remove members with a value array", rt: "Group", ops: `[{"op":"Remove","path":"members","value":[{"value":"u2"}]}]`,
			checks: map[string]string{"members": `[{"value":"u1","display":"One"}]`}},
		{name: "add then remove in one request", ops: `[{"op":"add","path":"emails","value":[{"value":"X@x.com"}]},{"op":"remove","path":"emails[value eq \"x@X.com\"]"}]`,
			checks: map[string]string{"emails.#": `2`}},
		{name: "whole extension", ops: `[{"op":"remove","path":"` + entURN + `"}]`,
			checks: map[string]string{entPath: "<absent>", "schemas": `["urn:ietf:params:scim:schemas:core:2.0:User"]`}},
		{name: "last extension attribute drops the URN", ops: `[{"op":"remove","path":"` + entURN + `:department"},{"op":"remove","path":"manager"}]`,
			checks: map[string]string{entPath: "<absent>", "schemas.#": `1`}},
		{name: "remove members by other filter", rt: "Group", ops: `[{"op":"remove","path":"members[display pr]"}]`,
			checks: map[string]string{"members": `[{"value":"u2"}]`}},
	})
}

func TestApplyErrors(t *testing.T) {
	runApply(t, []applyCase{
		{name: "remove without path", ops: `[{"op":"remove"}]`, scimType: scimerr.NoTarget},
		{name: "replace filter matches nothing", ops: `[{"op":"replace","path":"emails[type eq \"pager\" or type eq \"fax\"].value","value":"x"}]`, scimType: scimerr.NoTarget},
		{name: "replace filter with non-eq matches nothing", ops: `[{"op":"replace","path":"emails[value sw \"zzz\"]","value":{"value":"x"}}]`, scimType: scimerr.NoTarget},
		{name: "unknown attribute", ops: `[{"op":"replace","path":"doesNotExist","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "unknown sub-attribute", ops: `[{"op":"replace","path":"name.nope","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "malformed filter", ops: `[{"op":"replace","path":"emails[type eq","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "double dot", ops: `[{"op":"replace","path":"name..givenName","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "JSON-pointer path", ops: `[{"op":"replace","path":"/emails/0","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "array index", ops: `[{"op":"replace","path":"emails[0].value","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "unknown attribute in filter", ops: `[{"op":"replace","path":"emails[color eq \"red\"].value","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "filter on a simple attribute", ops: `[{"op":"replace","path":"userName[value eq \"x\"]","value":"x"}]`, scimType: scimerr.InvalidPath},
		{name: "replace id", ops: `[{"op":"replace","path":"id","value":"x"}]`, scimType: scimerr.Mutability},
		{name: "replace meta.created", ops: `[{"op":"replace","path":"meta.created","value":"2021-01-01T00:00:00Z"}]`, scimType: scimerr.Mutability},
		{name: "add groups", ops: `[{"op":"add","path":"groups","value":[{"value":"g9"}]}]`, scimType: scimerr.Mutability},
		{name: "remove id", ops: `[{"op":"remove","path":"id"}]`, scimType: scimerr.Mutability},
		{name: "remove userName", ops: `[{"op":"remove","path":"userName"}]`, scimType: scimerr.Mutability},
		{name: "replace userName with null", ops: `[{"op":"replace","path":"userName","value":null}]`, scimType: scimerr.InvalidValue},
		{name: "pathless id that differs", rt: "Group", ops: `[{"op":"replace","value":{"id":"other","displayName":"X"}}]`, scimType: scimerr.Mutability},
		{name: "manager displayName", ops: `[{"op":"replace","path":"` + entURN + `:manager.displayName","value":"X"}]`, scimType: scimerr.Mutability},
		{name: "member value is immutable", rt: "Group", ops: `[{"op":"replace","path":"members[value eq \"u1\"].value","value":"u9"}]`, scimType: scimerr.Mutability},
		{name: "member replaced by another", rt: "Group", ops: `[{"op":"replace","path":"members[value eq \"u1\"]","value":{"value":"u9"}}]`, scimType: scimerr.Mutability},
		{name: "schemas path", ops: `[{"op":"add","path":"schemas","value":["urn:x"]}]`, scimType: scimerr.Mutability},
		{name: "primary on every value", ops: `[{"op":"replace","path":"emails.primary","value":true}]`, scimType: scimerr.InvalidValue},
		{name: "member sub-attribute without filter", rt: "Group", ops: `[{"op":"remove","path":"members.display"}]`, scimType: scimerr.Mutability},
		{name: "filtered remove of immutable sub-attribute", rt: "Group", ops: `[{"op":"remove","path":"members[value eq \"u1\"].display"}]`, scimType: scimerr.Mutability},
		{name: "wrong type", ops: `[{"op":"replace","path":"active","value":"maybe"}]`, scimType: scimerr.InvalidValue},
		{name: "userName not a string", ops: `[{"op":"replace","path":"userName","value":42}]`, scimType: scimerr.InvalidValue},
		{name: "pathless value not an object", ops: `[{"op":"replace","value":"x"}]`, scimType: scimerr.InvalidValue},
		{name: "pathless unknown key", ops: `[{"op":"replace","value":{"favourite":"x"}}]`, scimType: scimerr.InvalidValue},
		{name: "pathless unknown URN key", ops: `[{"op":"add","value":{"urn:example:bogus:2.0:User:x":"1"}}]`, scimType: scimerr.InvalidValue},
		{name: "core URN alone as path", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User","value":{"title":"x"}}]`, scimType: scimerr.InvalidPath},
		{name: "extension value not an object", ops: `[{"op":"add","path":"` + entURN + `","value":"x"}]`, scimType: scimerr.InvalidValue},
		{name: "two primaries added", ops: `[{"op":"add","path":"emails","value":[{"value":"a@y","primary":true},{"value":"b@y","primary":true}]}]`, scimType: scimerr.InvalidValue},
		{name: "singular given an array", ops: `[{"op":"replace","path":"nickName","value":["a","b"]}]`, scimType: scimerr.InvalidValue},
		{name: "atomic: later failure", ops: `[{"op":"replace","path":"displayName","value":"New"},{"op":"replace","path":"id","value":"x"}]`, scimType: scimerr.Mutability},
		{name: "group displayName removed", rt: "Group", ops: `[{"op":"remove","path":"displayName"}]`, scimType: scimerr.Mutability},
		{name: "unknown extension URN path", ops: `[{"op":"add","path":"urn:example:bogus:2.0:User:x","value":"1"}]`, scimType: scimerr.InvalidPath},
	})
}

func TestApplyRejectsUnknownResourceType(t *testing.T) {
	_, err := Apply(schema.Default(), "Device", map[string]any{}, []Operation{{Op: OpAdd, Path: "x", Value: "y", HasValue: true}})
	if e := scimerr.As(err); e == nil || e.Status != 500 {
		t.Errorf("err = %v, want a 500 *scimerr.Error", err)
	}
}
