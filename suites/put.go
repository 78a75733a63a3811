package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/tidwall/gjson"
)

// PUT specs: replacing a resource (RFC 7644 §3.5.1). Supplied values
// replace the stored ones, readOnly values in the body are ignored (so a
// GET-then-PUT round trip works), immutable values may not change, and
// every PUT is read back with GET.

// asBody turns a reply's JSON body into an object a spec may modify and
// send back.
func asBody(r *reply) map[string]any {
	GinkgoHelper()
	if p := bodyProblem(r); p != "" || len(r.Body) == 0 {
		if p == "" {
			p = "the body is empty"
		}
		failNow(fmt.Sprintf("%sdecode %s body: %s", preconditionPrefix, r.Line, p))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.JSON().Raw), &m); err != nil {
		failNow(fmt.Sprintf("%sdecode %s body: %v", preconditionPrefix, r.Line, err))
	}
	return m
}

// putBody is asBody without the readOnly id, meta and groups: the body of a
// PUT whose spec is not about echoing readOnly values, so a provider that
// mishandles those fails only the round-trip specs.
func putBody(r *reply) map[string]any {
	GinkgoHelper()
	m := asBody(r)
	for _, k := range []string{"id", "meta", "groups"} {
		delAttr(m, k)
	}
	return m
}

// setAttr sets a top-level attribute of a resource body, replacing the
// attribute in whatever letter case the body spelled it (attribute names are
// case-insensitive, RFC 7643 §2.1: a GET may answer "NICKNAME").
func setAttr(body map[string]any, name string, v any) {
	delAttr(body, name)
	body[name] = v
}

// delAttr removes a top-level attribute in any letter case.
func delAttr(body map[string]any, name string) {
	for k := range body {
		if strings.EqualFold(k, name) {
			delete(body, k)
		}
	}
}

// put sends body as a PUT to p.
func (a *api) put(ctx SpecContext, p string, body any) *reply {
	GinkgoHelper()
	return a.send(ctx, http.MethodPut, p, body)
}

// replaced PUTs body to p, requires 200 for requirement id (RFC 7644 §3.5.1
// answers a replacement with the resource) and returns a fresh GET.
func (a *api) replaced(ctx SpecContext, id, p string, body any) *reply {
	GinkgoHelper()
	a.put(ctx, p, body).expectStatus(id, http.StatusOK)
	return a.readBack(ctx, p)
}

// expectPutWithoutRefused PUTs the resource at p as read back (before)
// but without the required attribute attr, and expects a 400 SCIM error
// (checked for requirement id) that leaves the resource as it was (RFC 7644
// §3.5.1).
func (a *api) expectPutWithoutRefused(ctx SpecContext, id, p string, before *reply, attr string) {
	GinkgoHelper()
	body := putBody(before)
	delAttr(body, attr)
	r := a.put(ctx, p, body)
	r.expectStatus(id, http.StatusBadRequest)
	r.expectSCIMError("P-3.12-02")
	expectUnchanged("P-3.5.1-09", before, a.readBack(ctx, p))
}

var _ = Describe("PUT: users", func() {
	var (
		a      *api
		id, p  string
		before *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, _ = a.createUser(ctx, a.user())
		p = a.userPath(id)
		before = a.readBack(ctx, p)
	})

	It("answers a full replacement with 200 and the whole resource", Meta(AreaPut, MUST, Req("P-3.5-01", "P-3.5.1-10")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "nickName", "Replaced")
		r := a.put(ctx, p, body)
		r.expectStatus("P-3.5-01", http.StatusOK)
		for _, k := range []string{"id", "userName", "meta", "schemas"} {
			r.expect("P-3.5.1-10", hasKey(r.JSON(), k), "", k+" in the 200 body (the entire resource)", "absent")
		}
		r.expectField("P-3.5.1-10", "nickName", gomega.Equal("Replaced"))
	})

	It("stores what it answered", Meta(AreaPut, MUST, Req("P-3.1-01", "P-3.5.1-10")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "displayName", "Stored "+a.uniqueSuffix())
		r := a.put(ctx, p, body)
		r.expectStatus("P-3.5.1-10", http.StatusOK)
		got := a.readBack(ctx, p)
		for _, k := range []string{"id", "userName", "displayName", "nickName", "emails", "name", "active", "meta.version"} {
			got.expect("P-3.1-01", sameAttr(got.F(k), r.F(k)), k, fmt.Sprintf("%s = %s as in the PUT answer", k, r.F(k).Raw), fragment(got.F(k)))
		}
	})

	It("replaces supplied values, multi-valued ones entirely", Meta(AreaPut, MUST, Req("P-3.5.1-02")), func(ctx SpecContext) {
		body := putBody(before)
		mail := fmt.Sprintf("only-%s@example.org", a.uniqueSuffix())
		setAttr(body, "displayName", "New "+a.uniqueSuffix())
		setAttr(body, "emails", []any{map[string]any{"value": mail, "type": "work", "primary": true}})
		got := a.replaced(ctx, "P-3.5.1-02", p, body)
		got.expectField("P-3.5.1-02", "displayName", gomega.Equal(body["displayName"]))
		got.expect("P-3.5.1-02", sameSet(values(got.F("emails")), []string{mail}), "emails", "exactly the e-mail "+mail, fragment(got.F("emails")))
	})

	It("clears optional attributes the body omits", Meta(AreaPut, SHOULD, Req("P-3.5.1-03")), func(ctx SpecContext) {
		// RFC 7644 §3.5.1 lets the provider clear or default omitted
		// attributes; keeping the old value defeats replace semantics.
		body := putBody(before)
		delAttr(body, "nickName")
		delAttr(body, "title")
		got := a.replaced(ctx, "P-3.5.1-03", p, body)
		for _, k := range []string{"nickName", "title"} {
			got.expect("P-3.5.1-03", got.F(k).String() != before.F(k).String(), k, k+" no longer "+before.F(k).Raw, fragment(got.F(k)))
		}
	})

	It("unassigns attributes sent as null or []", Meta(AreaPut, SHOULD, Req("P-3.5.1-04")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "title", nil)
		setAttr(body, "phoneNumbers", []any{})
		got := a.replaced(ctx, "P-3.5.1-04", p, body)
		got.expect("P-3.5.1-04", got.F("title").Type == gjson.Null || !got.F("title").Exists(), "title", "title unassigned", fragment(got.F("title")))
		got.expect("P-3.5.1-04", len(got.F("phoneNumbers").Array()) == 0, "phoneNumbers", "no phone numbers", fragment(got.F("phoneNumbers")))
	})

	It("accepts its own GET representation back", Meta(AreaPut, MUST, Req("P-3.5.1-07")), func(ctx SpecContext) {
		r := a.put(ctx, p, asBody(before))
		r.expectStatus("P-3.5.1-07", http.StatusOK)
		got := a.readBack(ctx, p)
		for _, k := range []string{"id", "userName", "displayName", "emails", "meta.created"} {
			got.expect("P-3.5.1-07", sameAttr(got.F(k), before.F(k)), k, k+" unchanged by the round trip: "+before.F(k).Raw, fragment(got.F(k)))
		}
	})

	It("accepts a GET representation that lists groups", Meta(AreaPut, MUST, Req("P-3.5.1-07", "S-4.1.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		gid := a.createGroupOf(ctx, id)
		cur := a.readBack(ctx, p)
		r := a.put(ctx, p, asBody(cur))
		r.expectStatus("P-3.5.1-07", http.StatusOK)
		grp := a.readBack(ctx, a.groupPath(gid))
		grp.expect("S-4.1.2-01", len(where(grp.F("members"), "value", id)) == 1, "members", "the user still a member of "+gid, fragment(grp.F("members")))
	})

	It("ignores a different id and meta in the body", Meta(AreaPut, MUST, Req("P-3.5.1-08", "S-3.1-05")), func(ctx SpecContext) {
		body := asBody(before)
		setAttr(body, "id", "other-"+a.uniqueSuffix())
		setAttr(body, "meta", map[string]any{"created": "1999-01-01T00:00:00Z", "resourceType": "Group", "location": "http://evil.example/Users/1"})
		got := a.replaced(ctx, "P-3.5.1-08", p, body)
		got.expectField("S-3.1-05", "id", gomega.Equal(id))
		got.expectField("P-3.5.1-08", "meta.created", gomega.Equal(before.F("meta.created").String()))
		got.expectField("P-3.5.1-08", "meta.resourceType", gomega.Equal("User"))
		got.expectField("P-3.5.1-08", "meta.location", gomega.Equal(before.F("meta.location").String()))
		stray := a.get(ctx, a.userPath(body["id"].(string)), nil)
		stray.expect("P-3.5.1-08", stray.Status == http.StatusNotFound, "", "no resource at the id from the body", fmt.Sprintf("status %d", stray.Status))
	})

	It("ignores groups in the body", Meta(AreaPut, MUST, Req("P-3.5.1-08", "S-4.1.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		gid, _ := a.createGroup(ctx, a.group())
		body := asBody(before)
		setAttr(body, "groups", []any{map[string]any{"value": gid}})
		r := a.put(ctx, p, body)
		r.expectStatus("P-3.5.1-08", http.StatusOK)
		grp := a.readBack(ctx, a.groupPath(gid))
		grp.expect("S-4.1.2-01", len(grp.F("members").Array()) == 0, "members", "membership unchanged (User.groups is readOnly)", fragment(grp.F("members")))
	})

	It("refuses a body without userName and keeps the user", Meta(AreaPut, MUST, Req("P-3.5.1-09", "S-4.1.1-01")), func(ctx SpecContext) {
		a.expectPutWithoutRefused(ctx, "S-4.1.1-01", p, before, "userName")
	})

	It("refuses another user's userName with 409 uniqueness", Meta(AreaPut, MUST, Req("P-3.5.1-11")), func(ctx SpecContext) {
		_, other := a.createUser(ctx, a.minimalUser())
		body := putBody(before)
		setAttr(body, "userName", other.F("userName").String())
		r := a.put(ctx, p, body)
		r.expectStatus("P-3.5.1-11", http.StatusConflict)
		r.expectSCIMError("P-3.12-02")
		r.expectScimType("P-3.5.1-11", "uniqueness")
		expectUnchanged("P-3.5.1-11", before, a.readBack(ctx, p))
	})

	It("accepts a userName that differs only in letter case from its own", Meta(AreaPut, MUST, Req("P-3.5.1-02", "S-4.1.1-03")), func(ctx SpecContext) {
		// Uniqueness compares case-insensitively, but a user never
		// conflicts with itself.
		body := putBody(before)
		setAttr(body, "userName", strings.ToUpper(before.F("userName").String()))
		got := a.replaced(ctx, "P-3.5.1-02", p, body)
		got.expect("P-3.5.1-02", got.F("userName").String() == body["userName"], "userName", fmt.Sprintf("userName %q", body["userName"]), fragment(got.F("userName")))
	})

	It("does not store two primary e-mails", Meta(AreaPut, MUST, Req("S-2.4-01")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "emails", []any{
			map[string]any{"value": "a-" + a.uniqueSuffix() + "@example.com", "type": "work", "primary": true},
			map[string]any{"value": "b-" + a.uniqueSuffix() + "@example.org", "type": "home", "primary": true},
		})
		r := a.put(ctx, p, body)
		if r.Status == http.StatusBadRequest {
			return // refusing the request is allowed
		}
		r.expectStatus("S-2.4-01", http.StatusOK)
		got := a.readBack(ctx, p)
		got.expect("S-2.4-01", primaries(got.F("emails")) <= 1, "emails", "at most one primary e-mail", fragment(got.F("emails")))
	})

	It("moves meta.lastModified forward and keeps meta.created", Meta(AreaPut, MUST, Req("P-3.5.1-12", "S-3.1-12")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "nickName", "Later")
		got := a.replaced(ctx, "P-3.5.1-12", p, body)
		expectModified("P-3.5.1-12", before, got)
		got.expectField("S-3.1-12", "meta.created", gomega.Equal(before.F("meta.created").String()))
	})

	It("accepts attribute names in any letter case", Meta(AreaPut, SHOULD, Req("S-2.1-03")), func(ctx SpecContext) {
		body := putBody(before)
		delAttr(body, "nickName")
		setAttr(body, "NickName", "Cased")
		got := a.replaced(ctx, "S-2.1-03", p, body)
		got.expectField("S-2.1-03", "nickName", gomega.Equal("Cased"))
	})

	It("never returns the password it was sent", Meta(AreaPut, MUST, Req("S-4.1.1-05")), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "password", "t1meMachine!"+a.uniqueSuffix())
		r := a.put(ctx, p, body)
		r.expectStatus("S-4.1.1-05", http.StatusOK)
		r.expect("S-4.1.1-05", !r.F("password").Exists(), "password", "no password in the PUT answer", fragment(r.F("password")))
	})

	It("refuses to change an immutable attribute that has a value", Meta(AreaPut, MUST, Req("P-3.5.1-05")), func(ctx SpecContext) {
		attr := immutableUserAttr(a.d)
		u := a.minimalUser()
		u[attr] = "first-" + a.uniqueSuffix()
		uid, _ := a.createUser(ctx, u)
		up := a.userPath(uid)
		was := a.readBack(ctx, up)
		body := putBody(was)
		setAttr(body, attr, "second-"+a.uniqueSuffix())
		r := a.put(ctx, up, body)
		r.expectStatus("P-3.5.1-05", http.StatusBadRequest)
		r.expectScimType("P-3.5.1-05", "mutability")
		expectUnchanged("P-3.5.1-05", was, a.readBack(ctx, up))
		// The same value again is not a change (RFC 7644 §3.5.1).
		a.replaced(ctx, "P-3.5.1-05", up, putBody(was))
	})

	It("takes an immutable attribute that had no value", Meta(AreaPut, MUST, Req("P-3.5.1-06")), func(ctx SpecContext) {
		attr := immutableUserAttr(a.d)
		body := putBody(before)
		v := "set-" + a.uniqueSuffix()
		setAttr(body, attr, v)
		got := a.replaced(ctx, "P-3.5.1-06", p, body)
		got.expectField("P-3.5.1-06", attr, gomega.Equal(v))
	})
})

var _ = Describe("PUT: groups", func() {
	var (
		a        *api
		u1, u2   string
		gid, gp  string
		before   *reply
		groupDoc map[string]any
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapGroups)
		u1, _ = a.createUser(ctx, a.minimalUser())
		u2, _ = a.createUser(ctx, a.minimalUser())
		groupDoc = a.group()
		groupDoc["members"] = []any{map[string]any{"value": u1}}
		gid, _ = a.createGroup(ctx, groupDoc)
		gp = a.groupPath(gid)
		before = a.readBack(ctx, gp)
	})

	It("accepts the group's own GET representation back", Meta(AreaPut, MUST, Req("P-3.5.1-07"), Needs(CapGroups)), func(ctx SpecContext) {
		// Members carry $ref, display and type, which the provider fills in.
		r := a.put(ctx, gp, asBody(before))
		r.expectStatus("P-3.5.1-07", http.StatusOK)
		got := a.readBack(ctx, gp)
		got.expect("P-3.5.1-07", sameSet(values(got.F("members")), []string{u1}), "members", "members ["+u1+"] unchanged", fragment(got.F("members")))
		got.expectField("P-3.5.1-07", "displayName", gomega.Equal(before.F("displayName").String()))
	})

	It("replaces the whole membership", Meta(AreaPut, MUST, Req("P-3.5.1-13"), Needs(CapGroups)), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "members", []any{map[string]any{"value": u2}})
		got := a.replaced(ctx, "P-3.5.1-13", gp, body)
		got.expect("P-3.5.1-13", sameSet(values(got.F("members")), []string{u2}), "members", "members ["+u2+"]", fragment(got.F("members")))
	})

	It("empties the membership with members []", Meta(AreaPut, MUST, Req("P-3.5.1-13"), Needs(CapGroups)), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "members", []any{})
		got := a.replaced(ctx, "P-3.5.1-13", gp, body)
		got.expect("P-3.5.1-13", len(got.F("members").Array()) == 0, "members", "no members", fragment(got.F("members")))
	})

	It("renames the group", Meta(AreaPut, MUST, Req("P-3.5.1-02"), Needs(CapGroups)), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "displayName", before.F("displayName").String()+" renamed")
		got := a.replaced(ctx, "P-3.5.1-02", gp, body)
		got.expectField("P-3.5.1-02", "displayName", gomega.Equal(body["displayName"]))
		got.expect("P-3.5.1-02", sameSet(values(got.F("members")), []string{u1}), "members", "members ["+u1+"] as sent", fragment(got.F("members")))
	})

	It("refuses a body without displayName", Meta(AreaPut, MUST, Req("P-3.5.1-09", "S-4.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		a.expectPutWithoutRefused(ctx, "S-4.2-01", gp, before, "displayName")
	})

	It("reflects the new membership in User.groups", Meta(AreaPut, MUST, Req("P-3.5.1-13", "S-4.1.2-02"), Needs(CapGroups)), func(ctx SpecContext) {
		body := putBody(before)
		setAttr(body, "members", []any{map[string]any{"value": u2}})
		a.replaced(ctx, "P-3.5.1-13", gp, body)
		old, neu := a.readBack(ctx, a.userPath(u1)), a.readBack(ctx, a.userPath(u2))
		if !neu.F("groups").Exists() {
			Skip("the user's groups attribute is not returned")
		}
		neu.expect("S-4.1.2-02", len(where(neu.F("groups"), "value", gid)) == 1, "groups", "an entry with value "+gid, fragment(neu.F("groups")))
		old.expect("S-4.1.2-02", len(where(old.F("groups"), "value", gid)) == 0, "groups", "no entry with value "+gid, fragment(old.F("groups")))
	})
})
