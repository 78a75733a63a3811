package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tidwall/gjson"
)

// Group specs: creating and reading groups and their members (RFC 7643 §4.2,
// RFC 7644 §3.3) and the User.groups attribute that mirrors membership
// (RFC 7643 §4.1.2).

// member returns the entry of members (or groups) whose value is id.
func member(list gjson.Result, id string) gjson.Result {
	for _, m := range list.Array() {
		if field(m, "value").String() == id {
			return m
		}
	}
	return gjson.Result{}
}

var _ = Describe("Groups: create", func() {
	var a *api
	BeforeEach(func() {
		a = newAPI()
		a.needs(CapGroups)
	})

	It("answers a valid POST with 201 Created", Meta(AreaGroups, MUST, Req("P-3.3-01"), Needs(CapGroups)), func(ctx SpecContext) {
		a.postGroup(ctx, a.group()).expectStatus("P-3.3-01", http.StatusCreated)
	})

	It("puts the same absolute URI in Location and meta.location", Meta(AreaGroups, MUST, Req("P-3.3-03"), Needs(CapGroups)), func(ctx SpecContext) {
		_, r := a.createGroup(ctx, a.group())
		loc := r.Header.Get("Location")
		u, err := url.Parse(loc)
		r.expect("P-3.3-03", err == nil && u.IsAbs() && loc == r.F("meta.location").String(), "meta.location",
			fmt.Sprintf("meta.location equal to the absolute Location %q", loc), fragment(r.F("meta.location")))
	})

	It("sets meta.resourceType to Group and lists the Group schema", Meta(AreaGroups, MUST, Req("P-3.3.1-01", "S-3-03", "S-6-05"), Needs(CapGroups)), func(ctx SpecContext) {
		id, r := a.createGroup(ctx, a.group())
		got := a.readBack(ctx, a.groupPath(id))
		for _, x := range []*reply{r, got} {
			x.expectField("P-3.3.1-01", "meta.resourceType", Equal("Group"))
			x.expect("S-3-03", hasString(x.F("schemas"), URNGroup), "schemas", "schemas containing "+URNGroup, fragment(x.F("schemas")))
		}
	})

	It("returns an existing group with 200 and its id", Meta(AreaGroups, MUST, Req("P-3.4.1-01"), Needs(CapGroups)), func(ctx SpecContext) {
		id, _ := a.createGroup(ctx, a.group())
		got := a.readBack(ctx, a.groupPath(id))
		got.expect("P-3.4.1-01", got.F("id").String() == id, "id", "id "+id, fragment(got.F("id")))
	})

	It("stores what it answered", Meta(AreaGroups, MUST, Req("P-3.1-01"), Needs(CapGroups)), func(ctx SpecContext) {
		g := a.group()
		g["displayName"] = fmt.Sprint(g["displayName"]) + " " + unicodeName
		_, r := a.createGroup(ctx, g)
		got := a.readBack(ctx, a.groupLocation(r))
		for _, k := range []string{"displayName", "externalId"} {
			got.expect("P-3.1-01", sameValue(got.F(k), r.F(k)), k, k+" = "+r.F(k).Raw, fragment(got.F(k)))
		}
		got.expect("P-3.8-01", got.F("displayName").String() == g["displayName"], "displayName", fmt.Sprintf("%q", g["displayName"]), fragment(got.F("displayName")))
	})

	It("requires displayName", Meta(AreaGroups, MUST, Req("S-4.2-01", "S-7-10"), Needs(CapGroups)), func(ctx SpecContext) {
		g := a.group()
		delete(g, "displayName")
		r := a.postGroup(ctx, g)
		r.expectStatus("S-4.2-01", http.StatusBadRequest)
		r.expectSCIMError("P-3.12-02")
	})

	It("answers a duplicate displayName with 201 or 409 uniqueness", Meta(AreaGroups, SHOULD, Req("S-7-12"), Needs(CapGroups)), func(ctx SpecContext) {
		// RFC 7643 §4.2 does not make displayName unique; a provider may
		// still refuse duplicates, and then 409 uniqueness is the answer.
		_, first := a.createGroup(ctx, a.group())
		g := a.group()
		g["displayName"] = first.F("displayName").String()
		r := a.postGroup(ctx, g)
		r.expectStatus("S-7-12", http.StatusCreated, http.StatusConflict)
		if r.Status == http.StatusConflict {
			r.expectScimType("S-7-12", "uniqueness")
		}
	})

	It("preserves the case of externalId", Meta(AreaGroups, MUST, Req("S-7-11"), Needs(CapGroups)), func(ctx SpecContext) {
		g := a.group()
		g["externalId"] = "GrP-Ext-" + a.uniqueSuffix() + "-" + a.fx.RunID()
		id, _ := a.createGroup(ctx, g)
		got := a.readBack(ctx, a.groupPath(id))
		got.expect("S-7-11", got.F("externalId").String() == g["externalId"], "externalId", fmt.Sprintf("%q", g["externalId"]), fragment(got.F("externalId")))
	})
})

var _ = Describe("Groups: members", func() {
	var (
		a      *api
		userID string
		user   *reply
		gid    string
		got    *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapGroups)
		userID, user = a.createUser(ctx, a.user())
		gid = a.createGroupOf(ctx, userID)
		got = a.readBack(ctx, a.groupPath(gid))
	})

	It("stores a member by the user's id", Meta(AreaGroups, MUST, Req("S-4.2-02"), Needs(CapGroups)), func() {
		got.expect("S-4.2-02", member(got.F("members"), userID).Exists(), "members", "a member with value "+userID, fragment(got.F("members")))
	})

	It("gives members a $ref that resolves to the user", Meta(AreaGroups, MUST, Req("S-4.2-02", "S-2.3.7-02"), Needs(CapGroups)), func(ctx SpecContext) {
		ref := field(member(got.F("members"), userID), "$ref")
		if !ref.Exists() {
			Skip("members carry no $ref (optional)")
		}
		r := a.readBack(ctx, ref.String())
		r.expect("S-2.3.7-02", r.F("id").String() == userID, "id", "the member user "+userID, fragment(r.F("id")))
	})

	It("types user members as User", Meta(AreaGroups, MUST, Req("S-4.2-02"), Needs(CapGroups)), func() {
		t := field(member(got.F("members"), userID), "type")
		if t.Exists() {
			got.expect("S-4.2-02", t.String() == "User", "members", `type "User"`, fragment(t))
		}
	})

	It("reflects the membership in the user's groups", Meta(AreaGroups, MUST, Req("S-4.1.2-02"), Needs(CapGroups)), func(ctx SpecContext) {
		u := a.readBack(ctx, a.userLocation(user))
		if !u.F("groups").Exists() {
			Skip("the user's groups attribute is not returned")
		}
		m := member(u.F("groups"), gid)
		u.expect("S-4.1.2-02", m.Exists(), "groups", "an entry with value "+gid, fragment(u.F("groups")))
		if ref := field(m, "$ref"); ref.Exists() {
			g := a.readBack(ctx, ref.String())
			g.expect("S-4.1.2-02", g.F("id").String() == gid, "id", "groups.$ref resolving to "+gid, fragment(g.F("id")))
		}
	})

	It("types the user's groups direct or indirect", Meta(AreaGroups, SHOULD, Req("S-4.1.2-03"), Needs(CapGroups)), func(ctx SpecContext) {
		u := a.readBack(ctx, a.userLocation(user))
		for _, g := range u.F("groups").Array() {
			if t := field(g, "type"); t.Exists() {
				u.expect("S-4.1.2-03", t.String() == "direct" || t.String() == "indirect", "groups", `type "direct" or "indirect"`, fragment(g))
			}
		}
	})

	It("ignores groups sent with a new user", Meta(AreaGroups, MUST, Req("P-3.3-05", "S-4.1.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		u := a.user()
		u["groups"] = []any{map[string]any{"value": gid}}
		r := a.postUser(ctx, u)
		r.expectStatus("P-3.3-05", http.StatusCreated)
		g := a.readBack(ctx, a.groupPath(gid))
		g.expect("S-4.1.2-01", !member(g.F("members"), r.F("id").String()).Exists(), "members",
			"membership unchanged (User.groups is read-only)", fragment(g.F("members")))
	})

	It("returns the members with the group's other attributes in lists", Meta(AreaGroups, MUST, Req("S-4.2-02"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		q := a.get(ctx, a.groups(), url.Values{"filter": {"displayName eq " + quote(got.F("displayName").String())}})
		q.expectStatus("S-4.2-02", http.StatusOK)
		for _, res := range q.F("Resources").Array() {
			if field(res, "id").String() == gid && field(res, "members").Exists() {
				q.expect("S-4.2-02", member(field(res, "members"), userID).Exists(), "Resources", "the member "+userID, fragment(res))
			}
		}
	})

	It("keeps ids distinct across users and groups", Meta(AreaGroups, MUST, Req("S-3.1-04"), Needs(CapGroups)), func() {
		got.expect("S-3.1-04", !strings.EqualFold(gid, userID), "id", "a group id different from the user id "+userID, gid)
	})
})
