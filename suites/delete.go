package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// DELETE specs: removing a resource (RFC 7644 §3.6). A deletion answers 204
// and then looks like one from every side: 404 for every method, absent
// from queries and group memberships, its userName free again.

// deleteOK deletes the resource at p and requires 204 without a body for
// requirement id.
func (a *api) deleteOK(ctx SpecContext, id, p string) *reply {
	GinkgoHelper()
	r := a.send(ctx, http.MethodDelete, p, nil)
	r.expectStatus(id, http.StatusNoContent)
	r.expect(id, len(strings.TrimSpace(string(r.Body))) == 0, "", "no body with 204", fmt.Sprintf("%d bytes", len(r.Body)))
	return r
}

var _ = Describe("DELETE: users", func() {
	var (
		a       *api
		id, p   string
		created *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, created = a.createUser(ctx, a.user())
		p = a.userPath(id)
	})

	It("answers 204 without a body", Meta(AreaDelete, MUST, Req("P-3.6-01")), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-01", p)
	})

	DescribeTable("answers 404 with a SCIM error for every later request",
		func(ctx SpecContext, method string) {
			a.deleteOK(ctx, "P-3.6-02", p)
			var body any
			switch method {
			case http.MethodPut:
				body = a.user()
			case http.MethodPatch:
				a.needs(CapPatch)
				body = patchBody(patchOp("replace", "nickName", "ghost"))
			}
			r := a.send(ctx, method, p, body)
			r.expectStatus("P-3.6-02", http.StatusNotFound)
			r.expectSCIMError("P-3.12-02")
		},
		Entry("GET", Meta(AreaDelete, MUST, Req("P-3.6-02", "P-3.6-06")), http.MethodGet),
		Entry("PUT", Meta(AreaDelete, MUST, Req("P-3.6-02", "P-3.5.1-01")), http.MethodPut),
		Entry("PATCH", Meta(AreaDelete, MUST, Req("P-3.6-02"), Needs(CapPatch)), http.MethodPatch),
		Entry("a second DELETE", Meta(AreaDelete, MUST, Req("P-3.6-02")), http.MethodDelete),
	)

	It("answers 404 with a SCIM error for an id that never existed", Meta(AreaDelete, MUST, Req("P-3.6-05")), func(ctx SpecContext) {
		r := a.send(ctx, http.MethodDelete, a.userPath(a.randomID()), nil)
		r.expectStatus("P-3.6-05", http.StatusNotFound)
		r.expectSCIMError("P-3.12-02")
		a.readBack(ctx, p) // the existing user is untouched
	})

	It("serves nothing at meta.location after the delete", Meta(AreaDelete, MUST, Req("P-3.6-02", "P-3.6-06")), func(ctx SpecContext) {
		loc := created.F("meta.location").String()
		if loc == "" {
			// GET {endpoint}/{id} after the delete is another spec; the
			// missing meta.location is judged by the meta.location specs.
			Skip("the created user has no meta.location to follow")
		}
		a.deleteOK(ctx, "P-3.6-02", p)
		r := a.get(ctx, loc, nil)
		r.expectStatus("P-3.6-02", http.StatusNotFound)
	})

	It("omits the deleted user from filtered queries", Meta(AreaDelete, MUST, Req("P-3.6-03"), Needs(CapFilter)), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-03", p)
		// userName eq is the filter every client relies on (Okta, the
		// RFC's examples); externalId is looked up too, but filtering on it
		// is optional, so a 400 invalidFilter for it is an honest decline,
		// as in the filter specs (skipIfDeclined).
		type lookup struct {
			expr     string
			optional bool
		}
		filters := []lookup{{"userName eq " + quote(created.F("userName").String()), false}}
		if ext := created.F("externalId").String(); ext != "" {
			filters = append(filters, lookup{"externalId eq " + quote(ext), true})
		}
		for _, f := range filters {
			q := a.get(ctx, a.users(), url.Values{"filter": {f.expr}})
			if f.optional && q.Status == http.StatusBadRequest && strings.EqualFold(q.F("scimType").String(), "invalidFilter") {
				continue
			}
			q.expectStatus("P-3.6-03", http.StatusOK)
			q.expect("P-3.6-03", q.F("totalResults").Int() == 0 && len(q.F("Resources").Array()) == 0, "", "totalResults 0 and no Resources", fragment(q.JSON()))
		}
	})

	It("omits the deleted user from unfiltered pages", Meta(AreaDelete, MUST, Req("P-3.6-03")), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-03", p)
		// Walk the pages (bounded) looking for the id.
		for start := 1; start <= 2000; {
			q := a.get(ctx, a.users(), url.Values{"startIndex": {fmt.Sprint(start)}, "count": {"200"}})
			q.expectStatus("P-3.6-03", http.StatusOK)
			res := q.F("Resources").Array()
			for _, r := range res {
				q.expect("P-3.6-03", field(r, "id").String() != id, "Resources", "no resource with the deleted id "+id, fragment(r))
			}
			if len(res) == 0 || int64(start+len(res)) > q.F("totalResults").Int() {
				break
			}
			start += len(res)
		}
	})

	It("frees the userName for a new user with a new id", Meta(AreaDelete, SHOULD, Req("P-3.6-04", "S-3.1-05")), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-04", p)
		again := a.postUser(ctx, withUserName(a.minimalUser(), created.F("userName").String()))
		again.expectStatus("P-3.6-04", http.StatusCreated)
		again.expect("S-3.1-05", again.F("id").String() != id, "id", "an id other than the deleted "+id, fragment(again.F("id")))
	})

	It("takes the deleted user out of its groups", Meta(AreaDelete, SHOULD, Req("P-3.6-03"), Needs(CapGroups)), func(ctx SpecContext) {
		other, _ := a.createUser(ctx, a.minimalUser())
		gid := a.createGroupOf(ctx, id, other)
		a.deleteOK(ctx, "P-3.6-03", p)
		got := a.readBack(ctx, a.groupPath(gid))
		got.expect("P-3.6-03", sameSet(values(got.F("members")), []string{other}), "members", "members ["+other+"] without the deleted user", fragment(got.F("members")))
	})
})

var _ = Describe("DELETE: groups", func() {
	var (
		a       *api
		uid     string
		gid, gp string
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapGroups)
		uid, _ = a.createUser(ctx, a.minimalUser())
		gid = a.createGroupOf(ctx, uid)
		gp = a.groupPath(gid)
	})

	It("answers 204 without a body", Meta(AreaDelete, MUST, Req("P-3.6-01"), Needs(CapGroups)), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-01", gp)
	})

	It("answers 404 afterwards", Meta(AreaDelete, MUST, Req("P-3.6-02"), Needs(CapGroups)), func(ctx SpecContext) {
		a.deleteOK(ctx, "P-3.6-02", gp)
		for _, m := range []string{http.MethodGet, http.MethodDelete} {
			r := a.send(ctx, m, gp, nil)
			r.expectStatus("P-3.6-02", http.StatusNotFound)
		}
	})

	It("keeps the member users", Meta(AreaDelete, MUST, Req("P-3.6-01"), Needs(CapGroups)), func(ctx SpecContext) {
		// Deleting a group ends memberships, never the member resources.
		a.deleteOK(ctx, "P-3.6-01", gp)
		a.readBack(ctx, a.userPath(uid)).expectStatus("P-3.6-01", http.StatusOK)
	})

	It("drops the group from the members' User.groups", Meta(AreaDelete, SHOULD, Req("P-3.6-03", "S-4.1.2-02"), Needs(CapGroups)), func(ctx SpecContext) {
		u := a.readBack(ctx, a.userPath(uid))
		if !u.F("groups").Exists() {
			Skip("the user's groups attribute is not returned")
		}
		a.deleteOK(ctx, "P-3.6-03", gp)
		u = a.readBack(ctx, a.userPath(uid))
		u.expect("P-3.6-03", len(where(u.F("groups"), "value", gid)) == 0, "groups", "no entry for the deleted group "+gid, fragment(u.F("groups")))
	})

	It("omits the deleted group from filtered queries", Meta(AreaDelete, MUST, Req("P-3.6-03"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		name := a.readBack(ctx, gp).F("displayName").String()
		a.deleteOK(ctx, "P-3.6-03", gp)
		q := a.get(ctx, a.groups(), url.Values{"filter": {fmt.Sprintf("displayName eq %q", name)}})
		q.expectStatus("P-3.6-03", http.StatusOK)
		q.expect("P-3.6-03", q.F("totalResults").Int() == 0, "totalResults", "totalResults 0", fragment(q.F("totalResults")))
	})
})
