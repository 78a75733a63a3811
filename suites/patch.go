package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
)

// PATCH specs: modifying resources with add, remove and replace (RFC 7644
// §3.5.2) over every path form: no path, attribute, sub-attribute,
// URN-qualified core and extension attributes, and value filters. Every
// change is read back with GET; 200 and 204 are both success.

// patchUser is the PATCH fixture: a full user without title (so add and
// replace can create it) and with a second, home address.
func (a *api) patchUser() map[string]any {
	GinkgoHelper()
	u := a.user()
	delete(u, "title")
	addrs, _ := u["addresses"].([]any)
	u["addresses"] = append(addrs, map[string]any{"type": "home", "streetAddress": "1 Home Lane", "locality": "Hometown", "country": "US"})
	return u
}

// newPatchTarget is the start of every user PATCH spec: a fresh [api], a
// user created from [api.patchUser], that user's path and its state read
// back before the PATCH, which the specs compare against to prove what
// changed and what did not.
func newPatchTarget(ctx SpecContext) (*api, string, *reply) {
	GinkgoHelper()
	a := newAPI()
	id, _ := a.createUser(ctx, a.patchUser())
	p := a.userPath(id)
	return a, p, a.readBack(ctx, p)
}

// otherEmail is an e-mail address unique to the running spec.
func (a *api) otherEmail(tag string) string {
	return fmt.Sprintf("%s-%s@example.org", tag, a.uniqueSuffix())
}

var _ = Describe("PATCH: add", func() {
	var (
		a      *api
		p      string
		before *reply
	)
	BeforeEach(func(ctx SpecContext) { a, p, before = newPatchTarget(ctx) })

	It("adds the attributes of a value object when there is no path", Meta(AreaPatch, MUST, Req("P-3.5.2.1-02", "P-3.5.2-14"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("other")
		got := a.patched(ctx, "P-3.5.2.1-02", p, patchOp("add", "", map[string]any{
			"nickName": "Babs",
			"emails":   []any{map[string]any{"value": mail, "type": "other"}},
		}))
		got.expectField("P-3.5.2.1-02", "nickName", gomega.Equal("Babs"))
		emails := got.F("emails")
		got.expect("P-3.5.2.1-02", len(where(emails, "value", mail)) == 1, "emails", "the new e-mail "+mail+" added", fragment(emails))
		for _, old := range values(before.F("emails")) {
			got.expect("P-3.5.2.1-02", len(where(emails, "value", old)) == 1, "emails", "the existing e-mail "+old+" kept", fragment(emails))
		}
	})

	It("adds enterprise attributes given as the extension object without a path", Meta(AreaPatch, MUST, Req("P-3.5.2.1-03"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-03", p, patchOp("add", "", map[string]any{URNEnterprise: map[string]any{"costCenter": "4130"}}))
		got.expectField("P-3.5.2.1-03", URNEnterprise+".costCenter", gomega.Equal("4130"))
		got.expect("P-3.5.2.1-03", sameAttr(got.F(URNEnterprise+".employeeNumber"), before.F(URNEnterprise+".employeeNumber")),
			URNEnterprise, "employeeNumber kept as "+before.F(URNEnterprise+".employeeNumber").Raw, fragment(got.F(URNEnterprise)))
	})

	It("adds an enterprise attribute given as a URN-qualified key without a path", Meta(AreaPatch, MUST, Req("P-3.5.2.1-03", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-03", p, patchOp("add", "", map[string]any{URNEnterprise + ":division": "Division X"}))
		got.expectField("P-3.5.2.1-03", URNEnterprise+".division", gomega.Equal("Division X"))
		got.expect("P-3.5.2-18", !hasKey(got.JSON(), URNEnterprise+":division"), "", "no flat key "+URNEnterprise+":division", fragment(got.JSON()))
	})

	It("creates an attribute that had no value", Meta(AreaPatch, MUST, Req("P-3.5.2.1-04"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-04", p, patchOp("add", "title", "VP"))
		got.expectField("P-3.5.2.1-04", "title", gomega.Equal("VP"))
	})

	It("adds sub-attributes to a complex attribute and keeps the others", Meta(AreaPatch, MUST, Req("P-3.5.2.1-05"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-05", p, patchOp("add", "name", map[string]any{"middleName": "Jane"}))
		got.expectField("P-3.5.2.1-05", "name.middleName", gomega.Equal("Jane"))
		for _, k := range []string{"name.givenName", "name.familyName"} {
			got.expectField("P-3.5.2.1-05", k, gomega.Equal(before.F(k).String()))
		}
	})

	It("appends values to a multi-valued attribute", Meta(AreaPatch, MUST, Req("P-3.5.2.1-06"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("appended")
		got := a.patched(ctx, "P-3.5.2.1-06", p, patchOp("add", "emails", []any{map[string]any{"value": mail, "type": "other"}}))
		emails := got.F("emails")
		want := append(values(before.F("emails")), mail)
		got.expect("P-3.5.2.1-06", sameSet(values(emails), want), "emails", fmt.Sprintf("exactly the e-mails %v", want), fragment(emails))
	})

	It("does not duplicate a value that is already present", Meta(AreaPatch, SHOULD, Req("P-3.5.2.1-09"), Needs(CapPatch)), func(ctx SpecContext) {
		existing := where(before.F("emails"), "type", "home")
		if len(existing) == 0 {
			failNow(preconditionPrefix + "the fixture user has no home e-mail: " + fragment(before.F("emails")))
		}
		dup := map[string]any{"value": field(existing[0], "value").String(), "type": "home"}
		got := a.patched(ctx, "P-3.5.2.1-09", p, patchOp("add", "emails", []any{dup}))
		n := len(where(got.F("emails"), "value", dup["value"].(string)))
		got.expect("P-3.5.2.1-09", n == 1, "emails", fmt.Sprintf("%s listed once", dup["value"]), fmt.Sprintf("listed %d times", n))
	})

	It("replaces the value of a single-valued attribute that has one", Meta(AreaPatch, MUST, Req("P-3.5.2.1-07"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-07", p, patchOp("add", "nickName", "New"))
		got.expectField("P-3.5.2.1-07", "nickName", gomega.Equal("New"))
	})

	It("adds just the sub-attribute a sub-attribute path names", Meta(AreaPatch, MUST, Req("P-3.5.2.1-08"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-08", p, patchOp("add", "name.honorificPrefix", "Dr."))
		got.expectField("P-3.5.2.1-08", "name.honorificPrefix", gomega.Equal("Dr."))
		for _, k := range []string{"name.givenName", "name.familyName", "name.middleName"} {
			got.expectField("P-3.5.2.1-08", k, gomega.Equal(before.F(k).String()))
		}
	})

	It("adds an enterprise attribute by its URN path and lists the extension", Meta(AreaPatch, MUST, Req("P-3.5.2-09", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		// A user created without enterprise data: the add must nest the
		// value under the extension and list the URN in schemas.
		id, _ := a.createUser(ctx, a.minimalUser())
		up := a.userPath(id)
		got := a.patched(ctx, "P-3.5.2-09", up, patchOp("add", URNEnterprise+":employeeNumber", "42"))
		got.expectField("P-3.5.2-18", URNEnterprise+".employeeNumber", gomega.Equal("42"))
		got.expect("P-3.5.2-09", hasString(got.F("schemas"), URNEnterprise), "schemas", "schemas listing "+URNEnterprise, fragment(got.F("schemas")))
	})

	It("either creates the element a filtered add names or refuses it with noTarget", Meta(AreaPatch, SHOULD, Req("P-3.5.2.1-11"), Needs(CapPatch)), func(ctx SpecContext) {
		// RFC 7644 §3.5.2.1 leaves a filter that matches nothing undefined
		// for add: Entra expects the element to be created, 400 noTarget is
		// defensible. What is not acceptable is success without the value.
		mail := a.otherEmail("created")
		r := a.patch(ctx, p, patchOp("add", `emails[type eq "other"].value`, mail))
		if r.Status == http.StatusBadRequest {
			r.expectScimType("P-3.5.2.1-11", "noTarget")
			return
		}
		r.expectStatus("P-3.5.2.1-11", http.StatusOK, http.StatusNoContent)
		got := a.readBack(ctx, p)
		added := where(got.F("emails"), "value", mail)
		got.expect("P-3.5.2.1-11", len(added) == 1 && strings.EqualFold(field(added[0], "type").String(), "other"), "emails",
			"one e-mail "+mail+" of type other", fragment(got.F("emails")))
	})

	It("refuses an add without value with 400", Meta(AreaPatch, MUST, Req("P-3.5.2.1-01", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patchRefused(ctx, "P-3.5.2.1-01", p, before, patchOp("add", "nickName", noValue))
	})

	It("names an add without value invalidValue", Meta(AreaPatch, SHOULD, Req("P-3.5.2.1-01", "P-3.12-07"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patch(ctx, p, patchOp("add", "nickName", noValue)).expectScimType("P-3.5.2.1-01", "invalidValue")
	})

	It("refuses a path-less add whose value is not an object", Meta(AreaPatch, MUST, Req("P-3.5.2.1-02", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patchRefused(ctx, "P-3.5.2.1-02", p, before, patchOp("add", "", "just a string"))
	})
})

var _ = Describe("PATCH: remove", func() {
	var (
		a      *api
		p      string
		before *reply
	)
	BeforeEach(func(ctx SpecContext) { a, p, before = newPatchTarget(ctx) })

	It("refuses a remove without path with 400 noTarget", Meta(AreaPatch, MUST, Req("P-3.5.2.2-01", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "P-3.5.2.2-01", p, before, patchOp("remove", "", noValue))
		r.expectScimType("P-3.5.2.2-01", "noTarget")
	})

	It("unassigns a single-valued attribute", Meta(AreaPatch, MUST, Req("P-3.5.2.2-02"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-02", p, patchOp("remove", "nickName", noValue))
		got.expect("P-3.5.2.2-02", !got.F("nickName").Exists() || got.F("nickName").Type == gjson.Null, "nickName", "nickName unassigned", fragment(got.F("nickName")))
	})

	It("removes every value of a multi-valued attribute without a filter", Meta(AreaPatch, MUST, Req("P-3.5.2.2-03"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-03", p, patchOp("remove", "phoneNumbers", noValue))
		got.expect("P-3.5.2.2-03", len(got.F("phoneNumbers").Array()) == 0, "phoneNumbers", "no phone numbers left", fragment(got.F("phoneNumbers")))
		got.expect("P-3.5.2.2-03", len(got.F("emails").Array()) == len(before.F("emails").Array()), "emails", "the e-mails untouched", fragment(got.F("emails")))
	})

	It("removes only the values a filter matches", Meta(AreaPatch, MUST, Req("P-3.5.2.2-06"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-06", p, patchOp("remove", `emails[type eq "work"]`, noValue))
		emails := got.F("emails")
		got.expect("P-3.5.2.2-06", len(where(emails, "type", "work")) == 0, "emails", "no work e-mail", fragment(emails))
		got.expect("P-3.5.2.2-06", len(where(emails, "type", "home")) == 1, "emails", "the home e-mail kept", fragment(emails))
	})

	It("removes only the values a compound filter matches", Meta(AreaPatch, MUST, Req("P-3.5.2.2-06"), Needs(CapPatch)), func(ctx SpecContext) {
		work := where(before.F("emails"), "type", "work")
		if len(work) == 0 {
			failNow(preconditionPrefix + "the fixture user has no work e-mail: " + fragment(before.F("emails")))
		}
		v := field(work[0], "value").String()
		domain := v[strings.LastIndex(v, "@"):]
		got := a.patched(ctx, "P-3.5.2.2-06", p, patchOp("remove", fmt.Sprintf(`emails[type eq "work" and value ew %q]`, strings.ToUpper(domain)), noValue))
		emails := got.F("emails")
		got.expect("P-3.5.2.2-06", len(where(emails, "value", v)) == 0 && len(where(emails, "type", "home")) == 1, "emails",
			"the work e-mail "+v+" removed (ew compares case-insensitively), the home one kept", fragment(emails))
	})

	It("removes just the sub-attribute after a filter", Meta(AreaPatch, MUST, Req("P-3.5.2.2-07"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-07", p, patchOp("remove", `addresses[type eq "work"].streetAddress`, noValue))
		work := where(got.F("addresses"), "type", "work")
		got.expect("P-3.5.2.2-07", len(work) == 1 && !field(work[0], "streetAddress").Exists() && field(work[0], "locality").Exists(), "addresses",
			"the work address kept, without streetAddress", fragment(got.F("addresses")))
		home := where(got.F("addresses"), "type", "home")
		got.expect("P-3.5.2.2-07", len(home) == 1 && field(home[0], "streetAddress").String() == "1 Home Lane", "addresses",
			"the home address untouched", fragment(got.F("addresses")))
	})

	It("removes just the sub-attribute a dotted path names", Meta(AreaPatch, MUST, Req("P-3.5.2.2-02"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-02", p, patchOp("remove", "name.middleName", noValue))
		got.expect("P-3.5.2.2-02", !got.F("name.middleName").Exists() || got.F("name.middleName").Type == gjson.Null, "name", "name without middleName", fragment(got.F("name")))
		got.expectField("P-3.5.2.2-02", "name.familyName", gomega.Equal(before.F("name.familyName").String()))
	})

	It("removes an enterprise attribute by its URN path and keeps the others", Meta(AreaPatch, MUST, Req("P-3.5.2.2-02", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-02", p, patchOp("remove", URNEnterprise+":department", noValue))
		got.expect("P-3.5.2.2-02", !got.F(URNEnterprise+".department").Exists(), URNEnterprise, "no department", fragment(got.F(URNEnterprise)))
		got.expectField("P-3.5.2-18", URNEnterprise+".employeeNumber", gomega.Equal(before.F(URNEnterprise+".employeeNumber").String()))
	})

	It("refuses to remove the required userName", Meta(AreaPatch, MUST, Req("P-3.5.2.2-08", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "P-3.5.2.2-08", p, before, patchOp("remove", "userName", noValue))
		// Table 9 fits either keyword: mutability (not compatible with the
		// attribute) or invalidValue (a required value is missing).
		st := r.F("scimType").String()
		r.expect("P-3.5.2.2-08", st == "mutability" || st == "invalidValue", "scimType", `scimType "mutability" (or "invalidValue")`, fragment(r.F("scimType")))
	})

	It("refuses to remove the readOnly id with mutability", Meta(AreaPatch, MUST, Req("P-3.5.2.2-08", "P-3.5.2-07"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "P-3.5.2.2-08", p, before, patchOp("remove", "id", noValue))
		r.expectScimType("P-3.5.2.2-08", "mutability")
	})
})

var _ = Describe("PATCH: replace", func() {
	var (
		a      *api
		p      string
		before *reply
	)
	BeforeEach(func(ctx SpecContext) { a, p, before = newPatchTarget(ctx) })

	It("replaces the attributes of a value object and leaves the rest", Meta(AreaPatch, MUST, Req("P-3.5.2.3-01"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-01", p, patchOp("replace", "", map[string]any{"displayName": "X " + a.uniqueSuffix(), "nickName": "Y"}))
		got.expectField("P-3.5.2.3-01", "displayName", gomega.Equal("X "+a.uniqueSuffix()))
		got.expectField("P-3.5.2.3-01", "nickName", gomega.Equal("Y"))
		got.expect("P-3.5.2.3-01", sameSet(values(got.F("emails")), values(before.F("emails"))), "emails", "the e-mails untouched", fragment(got.F("emails")))
	})

	It(`deactivates with Okta's {"op":"replace","value":{"active":false}}`, Meta(AreaPatch, MUST, Req("P-3.5.2.3-01", "P-3.5.2.3-02"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-01", p, patchOp("replace", "", map[string]any{"active": false}))
		got.expect("P-3.5.2.3-02", got.F("active").Type == gjson.False, "active", "active false (a JSON boolean)", fragment(got.F("active")))
		got.expectField("P-3.5.2.3-01", "userName", gomega.Equal(before.F("userName").String()))
	})

	It("replaces a single-valued attribute by path", Meta(AreaPatch, MUST, Req("P-3.5.2.3-02"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-02", p, patchOp("replace", "active", false))
		got.expect("P-3.5.2.3-02", got.F("active").Type == gjson.False, "active", "active false (a JSON boolean)", fragment(got.F("active")))
	})

	It("replaces every value of a multi-valued attribute", Meta(AreaPatch, MUST, Req("P-3.5.2.3-03"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("only")
		got := a.patched(ctx, "P-3.5.2.3-03", p, patchOp("replace", "emails", []any{map[string]any{"value": mail, "type": "work"}}))
		got.expect("P-3.5.2.3-03", sameSet(values(got.F("emails")), []string{mail}), "emails", "exactly one e-mail "+mail, fragment(got.F("emails")))
	})

	It("adds an attribute that had no value", Meta(AreaPatch, MUST, Req("P-3.5.2.3-04"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-04", p, patchOp("replace", "title", "CTO"))
		got.expectField("P-3.5.2.3-04", "title", gomega.Equal("CTO"))
	})

	It("replaces the given sub-attributes of a complex attribute and keeps the others", Meta(AreaPatch, MUST, Req("P-3.5.2.3-05"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-05", p, patchOp("replace", "name", map[string]any{"givenName": "Babs"}))
		got.expectField("P-3.5.2.3-05", "name.givenName", gomega.Equal("Babs"))
		got.expectField("P-3.5.2.3-05", "name.familyName", gomega.Equal(before.F("name.familyName").String()))
	})

	It("replaces a sub-attribute by its dotted path", Meta(AreaPatch, MUST, Req("P-3.5.2.3-02"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-02", p, patchOp("replace", "name.givenName", "Bea"))
		got.expectField("P-3.5.2.3-02", "name.givenName", gomega.Equal("Bea"))
		got.expectField("P-3.5.2.3-02", "name.familyName", gomega.Equal(before.F("name.familyName").String()))
	})

	It("replaces the records a value filter matches", Meta(AreaPatch, MUST, Req("P-3.5.2.3-06"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-06", p, patchOp("replace", `addresses[type eq "work"]`, map[string]any{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}))
		work := where(got.F("addresses"), "type", "work")
		got.expect("P-3.5.2.3-06", len(work) == 1 && field(work[0], "streetAddress").String() == "100 Universal City Plaza", "addresses", "the new work address", fragment(got.F("addresses")))
		home := where(got.F("addresses"), "type", "home")
		got.expect("P-3.5.2.3-06", len(home) == 1 && field(home[0], "streetAddress").String() == "1 Home Lane", "addresses", "the home address kept", fragment(got.F("addresses")))
	})

	It("replaces a sub-attribute of the records a value filter matches", Meta(AreaPatch, MUST, Req("P-3.5.2.3-07"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("work")
		got := a.patched(ctx, "P-3.5.2.3-07", p, patchOp("replace", `emails[type eq "work"].value`, mail))
		emails := got.F("emails")
		work := where(emails, "type", "work")
		got.expect("P-3.5.2.3-07", len(work) == 1 && field(work[0], "value").String() == mail, "emails", "the work e-mail now "+mail, fragment(emails))
		oldHome := where(before.F("emails"), "type", "home")
		got.expect("P-3.5.2.3-07", len(oldHome) == 1 && len(where(emails, "value", field(oldHome[0], "value").String())) == 1, "emails", "the home e-mail untouched", fragment(emails))
	})

	It("replaces a street address through a filter and keeps the other sub-attributes", Meta(AreaPatch, MUST, Req("P-3.5.2.3-07"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-07", p, patchOp("replace", `addresses[type eq "work"].streetAddress`, "1010 Broadway"))
		work := where(got.F("addresses"), "type", "work")
		oldWork := where(before.F("addresses"), "type", "work")
		got.expect("P-3.5.2.3-07", len(work) == 1 && len(oldWork) == 1 && field(work[0], "streetAddress").String() == "1010 Broadway" &&
			field(work[0], "locality").String() == field(oldWork[0], "locality").String(), "addresses", "streetAddress 1010 Broadway, locality kept", fragment(got.F("addresses")))
	})

	It("refuses a value filter that matches nothing with 400 noTarget", Meta(AreaPatch, MUST, Req("P-3.5.2.3-08", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		// An "or" filter describes no element a server could create, so
		// noTarget is the only reading of §3.5.2.3 left. (Entra expects a
		// plain `emails[type eq "x"].value` to create the element; that
		// ambiguity is left to the Entra profile.)
		r := a.patchRefused(ctx, "P-3.5.2.3-08", p, before, patchOp("replace", `emails[type eq "pager" or type eq "fax"].value`, a.otherEmail("pager")))
		r.expectScimType("P-3.5.2.3-08", "noTarget")
	})

	It("accepts a core attribute path qualified with the schema URN", Meta(AreaPatch, MUST, Req("P-3.10-01"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.10-01", p, patchOp("replace", URNUser+":nickName", "Qualified"))
		got.expectField("P-3.10-01", "nickName", gomega.Equal("Qualified"))
	})

	It("accepts attribute names in another letter case in a path", Meta(AreaPatch, MUST, Req("P-3.10-01", "S-2.1-03"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.10-01", p, patchOp("replace", "NAME.GIVENNAME", "Cased"))
		got.expectField("P-3.10-01", "name.givenName", gomega.Equal("Cased"))
	})

	It("stores an enterprise attribute replaced by its URN path under the extension", Meta(AreaPatch, MUST, Req("P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-18", p, patchOp("replace", URNEnterprise+":department", "Sales"))
		got.expectField("P-3.5.2-18", URNEnterprise+".department", gomega.Equal("Sales"))
		got.expect("P-3.5.2-18", !hasKey(got.JSON(), URNEnterprise+":department"), "", "no flat key "+URNEnterprise+":department", fragment(got.JSON()))
		got.expectField("P-3.5.2-18", URNEnterprise+".employeeNumber", gomega.Equal(before.F(URNEnterprise+".employeeNumber").String()))
	})

	It("replaces enterprise attributes given as an object at the extension URN", Meta(AreaPatch, MUST, Req("P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-18", p, patchOp("replace", URNEnterprise, map[string]any{"department": "Research"}))
		got.expectField("P-3.5.2-18", URNEnterprise+".department", gomega.Equal("Research"))
	})

	It("replaces an enterprise attribute with a path-less value object", Meta(AreaPatch, MUST, Req("P-3.5.2.3-01", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-01", p, patchOp("replace", "", map[string]any{URNEnterprise + ":costCenter": "CC-9"}))
		got.expectField("P-3.5.2-18", URNEnterprise+".costCenter", gomega.Equal("CC-9"))
	})

	It("refuses a value of the wrong type", Meta(AreaPatch, MUST, Req("P-3.12-07", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patchRefused(ctx, "P-3.12-07", p, before, patchOp("replace", "active", "notabool"))
	})

	It("names a value of the wrong type invalidValue", Meta(AreaPatch, SHOULD, Req("P-3.12-07"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patch(ctx, p, patchOp("replace", "name", "a string for a complex attribute")).expectScimType("P-3.12-07", "invalidValue")
	})

	It("refuses a change of the readOnly manager.displayName with mutability", Meta(AreaPatch, MUST, Req("S-4.3-02", "P-3.5.2-07"), Needs(CapPatch, CapEnterprise)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "S-4.3-02", p, before, patchOp("replace", URNEnterprise+":manager.displayName", "Not Allowed"))
		r.expectScimType("S-4.3-02", "mutability")
	})
})

var _ = Describe("PATCH: requests", func() {
	var (
		a      *api
		p      string
		before *reply
	)
	BeforeEach(func(ctx SpecContext) { a, p, before = newPatchTarget(ctx) })

	It("answers 200 with the stored resource or 204", Meta(AreaPatch, MUST, Req("P-3.5.2-14", "P-3.5.2-01", "P-3.1-01"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.patch(ctx, p, patchOp("replace", "nickName", "Echo"))
		r.expectStatus("P-3.5.2-14", http.StatusOK, http.StatusNoContent)
		got := a.readBack(ctx, p)
		got.expectField("P-3.5.2-14", "nickName", gomega.Equal("Echo"))
		if r.Status == http.StatusNoContent {
			return
		}
		for _, k := range []string{"id", "userName", "nickName", "displayName", "emails", "active"} {
			r.expect("P-3.1-01", sameAttr(r.F(k), got.F(k)), k, fmt.Sprintf("%s as a following GET shows it: %s", k, got.F(k).Raw), fragment(r.F(k)))
		}
	})

	It("answers 200 with the projected resource when attributes is given", Meta(AreaPatch, MUST, Req("P-3.5.2-15"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.do(ctx, simulatorPatch(p, url.Values{"attributes": {"nickName"}}, patchOp("replace", "nickName", "Projected")))
		r.expectStatus("P-3.5.2-15", http.StatusOK)
		r.expectField("P-3.5.2-15", "nickName", gomega.Equal("Projected"))
		r.expect("P-3.5.2-15", r.F("id").String() != "", "id", "id (returned always)", fragment(r.F("id")))
		r.expect("P-3.5.2-15", !r.F("emails").Exists(), "emails", "no emails (not requested)", fragment(r.F("emails")))
	})

	It("applies the operations in order", Meta(AreaPatch, MUST, Req("P-3.5.2-10"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-10", p, patchOp("replace", "nickName", "A"), patchOp("replace", "nickName", "B"))
		got.expectField("P-3.5.2-10", "nickName", gomega.Equal("B"))
	})

	It("lets an operation see what the previous one added", Meta(AreaPatch, MUST, Req("P-3.5.2-10"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("transient")
		got := a.patched(ctx, "P-3.5.2-10", p,
			patchOp("add", "emails", []any{map[string]any{"value": mail, "type": "other"}}),
			patchOp("remove", fmt.Sprintf("emails[value eq %q]", mail), noValue))
		got.expect("P-3.5.2-10", len(where(got.F("emails"), "value", mail)) == 0, "emails", "no e-mail "+mail, fragment(got.F("emails")))
		got.expect("P-3.5.2-10", sameSet(values(got.F("emails")), values(before.F("emails"))), "emails", "the original e-mails", fragment(got.F("emails")))
	})

	It("keeps one primary when another value becomes primary", Meta(AreaPatch, MUST, Req("P-3.5.2-11", "S-2.4-01"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-11", p, patchOp("replace", `emails[type eq "home"].primary`, true))
		emails := got.F("emails")
		home := where(emails, "type", "home")
		got.expect("P-3.5.2-11", len(home) == 1 && field(home[0], "primary").Type == gjson.True, "emails", "the home e-mail primary", fragment(emails))
		got.expect("P-3.5.2-11", primaries(emails) == 1, "emails", "exactly one primary e-mail", fragment(emails))
	})

	It("keeps one primary when a new primary value is added", Meta(AreaPatch, MUST, Req("P-3.5.2-11", "S-2.4-01"), Needs(CapPatch)), func(ctx SpecContext) {
		mail := a.otherEmail("primary")
		got := a.patched(ctx, "P-3.5.2-11", p, patchOp("add", "emails", []any{map[string]any{"value": mail, "type": "other", "primary": true}}))
		emails := got.F("emails")
		added := where(emails, "value", mail)
		got.expect("P-3.5.2-11", len(added) == 1 && field(added[0], "primary").Type == gjson.True && primaries(emails) == 1, "emails",
			"the new e-mail "+mail+" as the only primary", fragment(emails))
	})

	It("applies nothing when one operation fails", Meta(AreaPatch, MUST, Req("P-3.5.2-12", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		a.patchRefused(ctx, "P-3.5.2-12", p, before,
			patchOp("replace", "displayName", "New "+a.uniqueSuffix()),
			patchOp("replace", "id", "x-"+a.uniqueSuffix()))
	})

	It("refuses a userName another user holds with 409 uniqueness", Meta(AreaPatch, MUST, Req("P-3.5.2-16"), Needs(CapPatch)), func(ctx SpecContext) {
		_, other := a.createUser(ctx, a.minimalUser())
		r := a.patch(ctx, p, patchOp("replace", "userName", other.F("userName").String()))
		r.expectStatus("P-3.5.2-16", http.StatusConflict)
		r.expectSCIMError("P-3.5.2-13")
		r.expectScimType("P-3.5.2-16", "uniqueness")
		expectUnchanged("P-3.5.2-16", before, a.readBack(ctx, p))
	})

	It("moves meta.lastModified forward", Meta(AreaPatch, MUST, Req("P-3.5.2-17", "S-3.1-12"), Needs(CapPatch)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-17", p, patchOp("replace", "nickName", "Later"))
		expectModified("P-3.5.2-17", before, got)
		got.expectField("S-3.1-12", "meta.created", gomega.Equal(before.F("meta.created").String()))
	})

	It("either applies an op named in another letter case or refuses it with 400", Meta(AreaPatch, MUST, Req("P-3.5.2-03"), Needs(CapPatch)), func(ctx SpecContext) {
		// The ABNF spells op in lower case; Entra sends "Replace". Rejecting
		// is RFC-legal, accepting is interop: only success without effect or
		// a server error is wrong.
		r := a.patch(ctx, p, patchOp("Replace", "nickName", "Capital"))
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.5.2-13")
			return
		}
		r.expectStatus("P-3.5.2-03", http.StatusOK, http.StatusNoContent)
		a.readBack(ctx, p).expectField("P-3.5.2-03", "nickName", gomega.Equal("Capital"))
	})

	DescribeTable("refuses a request without the PatchOp message structure",
		func(ctx SpecContext, id string, body map[string]any) {
			r := a.send(ctx, http.MethodPatch, p, body)
			r.expectStatus(id, http.StatusBadRequest)
			r.expectSCIMError("P-3.5.2-13")
			expectUnchanged(id, before, a.readBack(ctx, p))
		},
		Entry("empty Operations", Meta(AreaPatch, MUST, Req("P-3.5.2-02"), Needs(CapPatch)), "P-3.5.2-02",
			map[string]any{"schemas": []string{URNPatchOp}, "Operations": []any{}}),
		Entry("no Operations", Meta(AreaPatch, MUST, Req("P-3.5.2-02"), Needs(CapPatch)), "P-3.5.2-02",
			map[string]any{"schemas": []string{URNPatchOp}}),
		Entry("Operations not an array", Meta(AreaPatch, MUST, Req("P-3.5.2-02"), Needs(CapPatch)), "P-3.5.2-02",
			map[string]any{"schemas": []string{URNPatchOp}, "Operations": map[string]any{"op": "replace", "path": "nickName", "value": "x"}}),
		Entry("op move", Meta(AreaPatch, MUST, Req("P-3.5.2-03"), Needs(CapPatch)), "P-3.5.2-03",
			patchBody(map[string]any{"op": "move", "from": "nickName", "path": "title"})),
		Entry("op test", Meta(AreaPatch, MUST, Req("P-3.5.2-03"), Needs(CapPatch)), "P-3.5.2-03",
			patchBody(map[string]any{"op": "test", "path": "nickName", "value": "x"})),
		Entry("no op", Meta(AreaPatch, MUST, Req("P-3.5.2-03"), Needs(CapPatch)), "P-3.5.2-03",
			patchBody(map[string]any{"path": "nickName", "value": "x"})),
	)

	DescribeTable("refuses a body without the PatchOp schema",
		func(ctx SpecContext, body map[string]any) {
			// The client MUST send the schema; a lenient server is not
			// broken, so this is scored as a warning.
			r := a.send(ctx, http.MethodPatch, p, body)
			r.expectStatus("P-3.5.2-01", http.StatusBadRequest)
			r.expectScimType("P-3.5.2-01", "invalidSyntax")
		},
		Entry("schemas missing", Meta(AreaPatch, SHOULD, Req("P-3.5.2-01"), Needs(CapPatch)),
			map[string]any{"Operations": []any{patchOp("replace", "nickName", "x")}}),
		Entry("schemas naming another message", Meta(AreaPatch, SHOULD, Req("P-3.5.2-01"), Needs(CapPatch)),
			map[string]any{"schemas": []string{URNUser}, "Operations": []any{patchOp("replace", "nickName", "x")}}),
	)

	DescribeTable("refuses a malformed path with 400",
		func(ctx SpecContext, id, path string) {
			a.patchRefused(ctx, id, p, before, patchOp("replace", path, "x"))
		},
		Entry(`JSON Patch pointer "/emails/0"`, Meta(AreaPatch, MUST, Req("P-3.5.2-04"), Needs(CapPatch)), "P-3.5.2-04", "/emails/0"),
		Entry(`array index "emails[0].value"`, Meta(AreaPatch, MUST, Req("P-3.5.2-04"), Needs(CapPatch)), "P-3.5.2-04", "emails[0].value"),
		Entry(`unclosed filter "emails[type eq"`, Meta(AreaPatch, MUST, Req("P-3.5.2-05"), Needs(CapPatch)), "P-3.5.2-05", `emails[type eq "work"`),
		Entry(`empty segment "name..givenName"`, Meta(AreaPatch, MUST, Req("P-3.5.2-05"), Needs(CapPatch)), "P-3.5.2-05", "name..givenName"),
	)

	DescribeTable("names a malformed path invalidPath",
		func(ctx SpecContext, path string) {
			r := a.patch(ctx, p, patchOp("replace", path, "x"))
			// A broken filter inside the brackets may be reported as such.
			st := r.F("scimType").String()
			r.expect("P-3.5.2-05", st == "invalidPath" || (strings.Contains(path, "[") && st == "invalidFilter"), "scimType", `scimType "invalidPath"`, fragment(r.F("scimType")))
		},
		Entry(`"/emails/0"`, Meta(AreaPatch, SHOULD, Req("P-3.5.2-04"), Needs(CapPatch)), "/emails/0"),
		Entry(`"name..givenName"`, Meta(AreaPatch, SHOULD, Req("P-3.5.2-05"), Needs(CapPatch)), "name..givenName"),
		Entry(`"emails[type eq"`, Meta(AreaPatch, SHOULD, Req("P-3.5.2-05"), Needs(CapPatch)), `emails[type eq "work"`),
	)

	It("refuses a path naming an attribute the schema does not define", Meta(AreaPatch, MUST, Req("P-3.5.2-06", "P-3.5.2-13"), Needs(CapPatch)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "P-3.5.2-06", p, before, patchOp("replace", "doesNotExist"+a.uniqueSuffix(), "x"))
		st := r.F("scimType").String()
		r.expect("P-3.5.2-06", st == "invalidPath" || st == "noTarget", "scimType", `scimType "invalidPath" (or "noTarget")`, fragment(r.F("scimType")))
	})

	DescribeTable("refuses changes to readOnly attributes with 400 mutability",
		func(ctx SpecContext, op map[string]any) {
			r := a.patchRefused(ctx, "P-3.5.2-07", p, before, op)
			r.expectScimType("P-3.5.2-07", "mutability")
		},
		Entry("replace id", Meta(AreaPatch, MUST, Req("P-3.5.2-07"), Needs(CapPatch)), patchOp("replace", "id", "new-id")),
		Entry("replace meta.created", Meta(AreaPatch, MUST, Req("P-3.5.2-07"), Needs(CapPatch)), patchOp("replace", "meta.created", "2001-01-01T00:00:00Z")),
		Entry("replace meta", Meta(AreaPatch, MUST, Req("P-3.5.2-07"), Needs(CapPatch)), patchOp("replace", "meta", map[string]any{"resourceType": "Group"})),
	)

	It("refuses to add to the readOnly User.groups with mutability", Meta(AreaPatch, MUST, Req("P-3.5.2-07", "S-4.1.2-01"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		gid, _ := a.createGroup(ctx, a.group())
		r := a.patchRefused(ctx, "S-4.1.2-01", p, before, patchOp("add", "groups", []any{map[string]any{"value": gid}}))
		r.expectScimType("S-4.1.2-01", "mutability")
		g := a.readBack(ctx, a.groupPath(gid))
		g.expect("S-4.1.2-01", len(g.F("members").Array()) == 0, "members", "the group still without members", fragment(g.F("members")))
	})

	It("refuses to change an immutable attribute that has a value", Meta(AreaPatch, MUST, Req("P-3.5.2-08"), Needs(CapPatch)), func(ctx SpecContext) {
		attr := immutableUserAttr(a.d)
		u := a.minimalUser()
		u[attr] = "first-" + a.uniqueSuffix()
		id, _ := a.createUser(ctx, u)
		up := a.userPath(id)
		was := a.readBack(ctx, up)
		r := a.patchRefused(ctx, "P-3.5.2-08", up, was, patchOp("replace", attr, "second-"+a.uniqueSuffix()))
		r.expectScimType("P-3.5.2-08", "mutability")
	})

	It("lets an immutable attribute without a value be added", Meta(AreaPatch, MUST, Req("P-3.5.2-08"), Needs(CapPatch)), func(ctx SpecContext) {
		attr := immutableUserAttr(a.d)
		id, _ := a.createUser(ctx, a.minimalUser())
		up := a.userPath(id)
		v := "set-" + a.uniqueSuffix()
		got := a.patched(ctx, "P-3.5.2-08", up, patchOp("add", attr, v))
		got.expectField("P-3.5.2-08", attr, gomega.Equal(v))
	})
})

// simulatorPatch builds a PATCH request with query parameters.
func simulatorPatch(p string, q url.Values, ops ...map[string]any) simulator.Request {
	return simulator.Request{Method: http.MethodPatch, Path: p, Query: q, Body: patchBody(ops...)}
}

// immutableUserAttr returns the name of a top-level, single-valued string
// attribute of the core User schema that /Schemas declares immutable, and
// skips the running spec when there is none. Immutability is
// provider-defined (RFC 7643 §2.2), so the specs that need one take it from
// discovery.
func immutableUserAttr(d *Discovery) string {
	GinkgoHelper()
	for _, s := range field(d.Schemas, "Resources").Array() {
		if field(s, "id").String() != URNUser {
			continue
		}
		for _, attr := range field(s, "attributes").Array() {
			t := field(attr, "type").String()
			if strings.EqualFold(field(attr, "mutability").String(), "immutable") && !field(attr, "multiValued").Bool() &&
				(t == "" || t == "string") && !field(attr, "required").Bool() {
				return field(attr, "name").String()
			}
		}
	}
	Skip("target advertises no immutable single-valued string attribute of User in /Schemas")
	return ""
}

var _ = Describe("PATCH: group members", func() {
	var (
		a          *api
		u1, u2, u3 string
		gid, gp    string
		before     *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapGroups)
		u1, _ = a.createUser(ctx, a.minimalUser())
		u2, _ = a.createUser(ctx, a.minimalUser())
		u3, _ = a.createUser(ctx, a.minimalUser())
		gid = a.createGroupOf(ctx, u1, u2)
		gp = a.groupPath(gid)
		before = a.readBack(ctx, gp)
	})

	It("adds a member by id", Meta(AreaPatch, MUST, Req("P-3.5.2.1-10"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-10", gp, patchOp("add", "members", []any{map[string]any{"value": u3}}))
		got.expect("P-3.5.2.1-10", sameSet(values(got.F("members")), []string{u1, u2, u3}), "members", fmt.Sprintf("members %v", []string{u1, u2, u3}), fragment(got.F("members")))
	})

	It("lists a member once when it is added again", Meta(AreaPatch, SHOULD, Req("P-3.5.2.1-09"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-09", gp, patchOp("add", "members", []any{map[string]any{"value": u1}}))
		got.expect("P-3.5.2.1-09", sameSet(values(got.F("members")), []string{u1, u2}), "members", fmt.Sprintf("members %v, each once", []string{u1, u2}), fragment(got.F("members")))
	})

	It("does not touch meta.lastModified when an add changes nothing", Meta(AreaPatch, SHOULD, Req("P-3.5.2.1-09"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.1-09", gp, patchOp("add", "members", []any{map[string]any{"value": u1}}))
		got.expectField("P-3.5.2.1-09", "meta.lastModified", gomega.Equal(before.F("meta.lastModified").String()))
	})

	It("removes one member by a value filter and keeps the others", Meta(AreaPatch, MUST, Req("P-3.5.2.2-04"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-04", gp, patchOp("remove", fmt.Sprintf("members[value eq %q]", u1), noValue))
		got.expect("P-3.5.2.2-04", sameSet(values(got.F("members")), []string{u2}), "members", "members ["+u2+"]", fragment(got.F("members")))
	})

	It("leaves members unassigned when the last one is removed by filter", Meta(AreaPatch, MUST, Req("P-3.5.2.2-05"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-05", gp,
			patchOp("remove", fmt.Sprintf("members[value eq %q]", u1), noValue),
			patchOp("remove", fmt.Sprintf("members[value eq %q]", u2), noValue))
		got.expect("P-3.5.2.2-05", len(got.F("members").Array()) == 0, "members", "no members", fragment(got.F("members")))
		got.expectField("P-3.5.2.2-05", "displayName", gomega.Equal(before.F("displayName").String()))
	})

	It("removes every member without a filter", Meta(AreaPatch, MUST, Req("P-3.5.2.2-03"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.2-03", gp, patchOp("remove", "members", noValue))
		got.expect("P-3.5.2.2-03", len(got.F("members").Array()) == 0, "members", "no members", fragment(got.F("members")))
	})

	It("changes nothing when the member to remove is not in the group", Meta(AreaPatch, SHOULD, Req("P-3.5.2.2-09"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		r := a.patch(ctx, gp, patchOp("remove", fmt.Sprintf("members[value eq %q]", u3), noValue))
		if r.Status == http.StatusBadRequest {
			// Table 9 allows noTarget; the section's example prefers success.
			r.expectScimType("P-3.5.2.2-09", "noTarget")
		} else {
			r.expectStatus("P-3.5.2.2-09", http.StatusOK, http.StatusNoContent)
		}
		got := a.readBack(ctx, gp)
		got.expect("P-3.5.2.2-09", sameSet(values(got.F("members")), []string{u1, u2}), "members", fmt.Sprintf("members %v unchanged", []string{u1, u2}), fragment(got.F("members")))
	})

	It("replaces the whole membership", Meta(AreaPatch, MUST, Req("P-3.5.2.3-03"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-03", gp, patchOp("replace", "members", []any{map[string]any{"value": u3}}))
		got.expect("P-3.5.2.3-03", sameSet(values(got.F("members")), []string{u3}), "members", "members ["+u3+"]", fragment(got.F("members")))
	})

	It("empties the membership with replace members []", Meta(AreaPatch, MUST, Req("P-3.5.2.3-03"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2.3-03", gp, patchOp("replace", "members", []any{}))
		got.expect("P-3.5.2.3-03", len(got.F("members").Array()) == 0, "members", "no members", fragment(got.F("members")))
	})

	It("adds and removes members in one request", Meta(AreaPatch, MUST, Req("P-3.5.2-10", "P-3.5.2.1-10", "P-3.5.2.2-04"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		got := a.patched(ctx, "P-3.5.2-10", gp,
			patchOp("add", "members", []any{map[string]any{"value": u3}}),
			patchOp("remove", fmt.Sprintf("members[value eq %q]", u1), noValue))
		got.expect("P-3.5.2-10", sameSet(values(got.F("members")), []string{u2, u3}), "members", fmt.Sprintf("members %v", []string{u2, u3}), fragment(got.F("members")))
	})

	It("renames the group and keeps its members", Meta(AreaPatch, MUST, Req("P-3.5.2.3-09"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		name := before.F("displayName").String() + " renamed"
		got := a.patched(ctx, "P-3.5.2.3-09", gp, patchOp("replace", "displayName", name))
		got.expectField("P-3.5.2.3-09", "displayName", gomega.Equal(name))
		got.expect("P-3.5.2.3-09", sameSet(values(got.F("members")), []string{u1, u2}), "members", "the members unchanged", fragment(got.F("members")))
	})

	It("refuses to change a member's value in place with mutability", Meta(AreaPatch, MUST, Req("S-4.2-03"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		r := a.patchRefused(ctx, "S-4.2-03", gp, before, patchOp("replace", fmt.Sprintf("members[value eq %q].value", u1), u3))
		r.expectScimType("S-4.2-03", "mutability")
	})

	It("shows an added member's group in User.groups", Meta(AreaPatch, MUST, Req("P-3.5.2.1-10", "S-4.1.2-02"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		a.patched(ctx, "P-3.5.2.1-10", gp, patchOp("add", "members", []any{map[string]any{"value": u3}}))
		u := a.readBack(ctx, a.userPath(u3))
		if !u.F("groups").Exists() {
			Skip("the user's groups attribute is not returned")
		}
		u.expect("S-4.1.2-02", len(where(u.F("groups"), "value", gid)) == 1, "groups", "an entry with value "+gid, fragment(u.F("groups")))
	})

	It("drops a removed member's group from User.groups", Meta(AreaPatch, MUST, Req("P-3.5.2.2-04", "S-4.1.2-02"), Needs(CapPatch, CapGroups)), func(ctx SpecContext) {
		u := a.readBack(ctx, a.userPath(u1))
		if !u.F("groups").Exists() {
			Skip("the user's groups attribute is not returned")
		}
		a.patched(ctx, "P-3.5.2.2-04", gp, patchOp("remove", fmt.Sprintf("members[value eq %q]", u1), noValue))
		u = a.readBack(ctx, a.userPath(u1))
		u.expect("S-4.1.2-02", len(where(u.F("groups"), "value", gid)) == 0, "groups", "no entry with value "+gid, fragment(u.F("groups")))
	})
})
