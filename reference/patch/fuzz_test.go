package patch

import (
	"testing"

	"github.com/scimtest/scimtest/reference/schema"
	"github.com/scimtest/scimtest/reference/scimerr"
)

// FuzzPatch feeds arbitrary PATCH bodies to ParseRequest and Apply on a
// user and a group: neither may panic, every error must be a
// *scimerr.Error, inputs are never modified, and ApplyMembers must agree
// with Apply on whether the request succeeds.
func FuzzPatch(f *testing.F) {
	seeds := []string{
		`[{"op":"replace","value":{"active":false}}]`,
		`[{"op":"Replace","path":"active","value":"False"}]`,
		`[{"op":"add","path":"emails[type eq \"work\"].value","value":"x@y"}]`,
		`[{"op":"replace","value":{"name.givenName":"a","` + entURN + `:employeeNumber":"1"}}]`,
		`[{"op":"remove","path":"members[value eq \"u1\"]"}]`,
		`[{"op":"Remove","path":"members","value":[{"value":"u2"}]}]`,
		`[{"op":"add","path":"members","value":[{"value":"u3"}]}]`,
		`[{"op":"replace","path":"members[value eq \"u1\"].display","value":"x"}]`,
		`[{"op":"remove","path":"members[display pr or not (value eq \"u2\")]"}]`,
		`[{"op":"add","path":"` + entURN + `","value":{"manager":"m2"}}]`,
		`[{"op":"remove","path":"` + entURN + `"}]`,
		`[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
		`[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work"}}]`,
		`[{"op":"remove"}]`,
		`[{"op":"replace","path":"meta.created","value":1}]`,
		`[{"op":"add","path":"x509Certificates","value":[{"value":"AAAA"}]}]`,
		`[{"op":"replace","value":{"id":"g1","displayName":"N","members":[]}}]`,
		`[{"op":"add","path":"name","value":[{"givenName":"x"}]}]`,
		`[]`,
		`{}`,
	}
	for _, s := range seeds {
		f.Add(body(s))
	}
	f.Add([]byte(`{"schemas":`))
	reg := schema.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := ParseRequest(data)
		if err != nil {
			if scimerr.As(err) == nil {
				t.Fatalf("ParseRequest error is not a *scimerr.Error: %v", err)
			}
			return
		}
		for _, c := range []struct{ rt, doc string }{{"User", userJSON}, {"Group", groupJSON}} {
			res := decode(t, c.doc)
			before := encode(t, res)
			_, err := Apply(reg, c.rt, res, ops)
			if err != nil && scimerr.As(err) == nil {
				t.Fatalf("Apply error is not a *scimerr.Error: %v", err)
			}
			if encode(t, res) != before {
				t.Fatalf("Apply modified its input")
			}
			if c.rt != "Group" {
				continue
			}
			members, _ := res["members"].([]any)
			_, merr := ApplyMembers(reg, c.rt, res, newMemberMap(members), ops)
			if (merr == nil) != (err == nil) {
				t.Fatalf("ApplyMembers err = %v, Apply err = %v", merr, err)
			}
			if merr != nil && scimerr.As(merr) == nil {
				t.Fatalf("ApplyMembers error is not a *scimerr.Error: %v", merr)
			}
		}
	})
}
