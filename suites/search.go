package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
)

// Search specs: queries with POST {endpoint}/.search and a SearchRequest body
// (RFC 7644 §3.4.3), which must answer like the equivalent GET, and queries
// at the server root across resource types (§3.4.2.1).

// searchMeta is the metadata of a .search spec that filters the spec's own
// users.
func searchMeta(level Level, ids ...string) Labels {
	return Meta(AreaSearch, level, Req(ids...), Needs(CapSearch, CapFilter))
}

// searchRequest is a SearchRequest message with the given parameters.
func searchRequest(params map[string]any) map[string]any {
	body := map[string]any{"schemas": []string{URNSearch}}
	for k, v := range params {
		body[k] = v
	}
	return body
}

// search POSTs body to endpoint + "/.search" ("" for the root).
func (a *api) search(ctx SpecContext, endpoint string, body any) *reply {
	GinkgoHelper()
	return a.send(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/.search", body)
}

// gateSearch skips the running spec when the target answers .search at
// endpoint as not implemented (404, 405 or 501): the feature is optional
// (RFC 7644 §3.4.3: clients MAY query with POST).
func gateSearch(r *reply, where string) {
	GinkgoHelper()
	switch r.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		Skip(fmt.Sprintf("the target does not implement POST %s/.search (answered %d)", where, r.Status))
	}
}

var _ = Describe("Search: POST /.search on Users", func() {
	var c *cohort
	BeforeEach(func(ctx SpecContext) {
		c = newCohort(newAPI())
		c.addPeople(ctx)
	})
	search := func(ctx SpecContext, params map[string]any) *reply {
		GinkgoHelper()
		return c.a.search(ctx, c.a.users(), searchRequest(params))
	}

	It("answers a SearchRequest with a 200 ListResponse of the matches", searchMeta(MUST, "P-3.4.3-01", "P-3.4.2-01"), func(ctx SpecContext) {
		r := search(ctx, map[string]any{"filter": "userName eq " + lit(c.userName("alpha"))})
		c.expectMatches("P-3.4.3-01", r, "alpha")
		r.expectListResponse("P-3.4.2-01")
	})

	It("finds the same resources as the equivalent GET", searchMeta(MUST, "P-3.4.3-01", "P-3.4.3-03"), func(ctx SpecContext) {
		f := c.within(`title pr or userType eq "Intern"`)
		get := c.find(ctx, f, nil)
		c.expectMatches("P-3.4.3-01", get, "alpha", "beta", "gamma")
		c.expectMatches("P-3.4.3-01", search(ctx, map[string]any{"filter": f}), "alpha", "beta", "gamma")
		f = c.within(`not (title pr)`)
		c.expectMatches("P-3.4.3-01", search(ctx, map[string]any{"filter": f}), c.labelsOf(resourceIDs(c.find(ctx, f, nil)))...)
	})

	It("projects with an attributes array in the body", searchMeta(MUST, "P-3.4.3-03", "P-3.9-01"), func(ctx SpecContext) {
		r := search(ctx, map[string]any{"filter": c.scope(), "attributes": []string{"userName", "name.familyName"}})
		c.expectMatches("P-3.4.3-03", r, "alpha", "beta", "gamma")
		for _, res := range r.F("Resources").Array() {
			expectOnly("P-3.4.3-03", r, res, minimumSet(c.a.d, URNUser), "userName", "name")
			r.expect("P-3.4.3-03", strings.Join(subKeys(res, "name"), ",") == "familyname", "Resources", "name holding only familyName", fragment(res))
		}
	})

	It("removes attributes listed in excludedAttributes in the body", searchMeta(MUST, "P-3.4.3-03", "P-3.9-04"), func(ctx SpecContext) {
		r := search(ctx, map[string]any{"filter": c.scope(), "excludedAttributes": []string{"emails", "name"}})
		c.expectMatches("P-3.4.3-03", r, "alpha", "beta", "gamma")
		for _, res := range r.F("Resources").Array() {
			r.expect("P-3.4.3-03", !field(res, "emails").Exists() && !field(res, "name").Exists() && field(res, "userName").Exists(), "Resources",
				"userName but no emails or name", fragment(res))
		}
	})

	It("pages with startIndex and count in the body", searchMeta(MUST, "P-3.4.3-03", "P-3.4.2.4-05"), func(ctx SpecContext) {
		var seen []string
		for start := 1; start <= 3; {
			r := search(ctx, map[string]any{"filter": c.scope(), "startIndex": start, "count": 1})
			r.expectStatus("P-3.4.3-03", http.StatusOK)
			expectInteger("P-3.4.3-03", r, "totalResults", 3)
			ids := resourceIDs(r)
			r.expect("P-3.4.3-03", len(ids) == 1, "Resources", "1 resource (count 1)", c.describe(c.labelsOf(ids)))
			for _, id := range ids {
				r.expect("P-3.4.3-03", !slices.Contains(seen, id), "Resources", "no user repeated across pages", c.label(id)+" again")
			}
			seen = append(seen, ids...)
			start += len(ids)
		}
	})

	It("answers count 0 in the body with totalResults only", searchMeta(MUST, "P-3.4.3-03", "P-3.4.2.4-04"), func(ctx SpecContext) {
		expectEmptyPage("P-3.4.3-03", search(ctx, map[string]any{"filter": c.scope(), "count": 0}), 3)
	})

	It("sorts with sortBy and sortOrder in the body", Meta(AreaSearch, MUST, Req("P-3.4.3-03", "P-3.4.2.3-03"), Needs(CapSearch, CapFilter, CapSort)), func(ctx SpecContext) {
		r := search(ctx, map[string]any{"filter": c.scope(), "sortBy": "userName", "sortOrder": "descending"})
		c.expectOrder("P-3.4.3-03", r, "gamma", "beta", "alpha")
	})

	It("answers no match with 200 and totalResults 0", searchMeta(MUST, "P-3.4.2-05", "P-3.4.3-01"), func(ctx SpecContext) {
		expectEmptyPage("P-3.4.2-05", search(ctx, map[string]any{"filter": "userName eq " + lit(c.prefix+"nobody")}), 0)
	})

	It("refuses an invalid filter in the body with 400 invalidFilter", searchMeta(MUST, "P-3.4.3-04"), func(ctx SpecContext) {
		r := search(ctx, map[string]any{"filter": "userName eq"})
		r.expectStatus("P-3.4.3-04", http.StatusBadRequest)
		r.expectSCIMError("P-3.12-02")
		r.expectScimType("P-3.4.3-04", "invalidFilter")
	})

	It("creates nothing", searchMeta(MUST, "P-3.4.3-05"), func(ctx SpecContext) {
		body := searchRequest(map[string]any{"filter": c.scope()})
		body["userName"] = c.userName("created-by-search")
		for i := 0; i < 3; i++ {
			r := c.a.search(ctx, c.a.users(), body)
			c.a.cleanupCreated(r, c.a.userPath) // only if the target wrongly created something
			r.expect("P-3.4.3-05", r.Status != http.StatusCreated, "", "a query answer, not 201 Created", fmt.Sprintf("status %d", r.Status))
		}
		c.expectMatches("P-3.4.3-05", c.find(ctx, c.scope(), nil), "alpha", "beta", "gamma")
	})

	It("refuses a body without the SearchRequest schema", Meta(AreaSearch, SHOULD, Req("P-3.4.3-02"), Needs(CapSearch)), func(ctx SpecContext) {
		r := c.a.search(ctx, c.a.users(), map[string]any{"filter": c.scope()})
		r.expectStatus("P-3.4.3-02", http.StatusBadRequest)
		r.expectSCIMError("P-3.4.3-02")
	})

	It("refuses a body with another message schema", Meta(AreaSearch, SHOULD, Req("P-3.4.3-02"), Needs(CapSearch)), func(ctx SpecContext) {
		r := c.a.search(ctx, c.a.users(), map[string]any{"schemas": []string{URNPatchOp}, "filter": c.scope()})
		r.expectStatus("P-3.4.3-02", http.StatusBadRequest)
	})

	It("names a missing SearchRequest schema invalidSyntax", Meta(AreaSearch, SHOULD, Req("P-3.4.3-02"), Needs(CapSearch)), func(ctx SpecContext) {
		r := c.a.search(ctx, c.a.users(), map[string]any{"filter": c.scope()})
		r.expectScimType("P-3.4.3-02", "invalidSyntax")
	})

	It("accepts SearchRequest attribute names in any letter case", Meta(AreaSearch, SHOULD, Req("S-2.1-03", "P-3.4.3-03"), Needs(CapSearch, CapFilter)), func(ctx SpecContext) {
		r := c.a.search(ctx, c.a.users(), map[string]any{"Schemas": []string{URNSearch}, "FILTER": "userName eq " + lit(c.userName("beta")), "Count": 5})
		c.expectMatches("S-2.1-03", r, "beta")
	})
})

var _ = Describe("Search: POST /.search on Groups", func() {
	It("answers like GET /Groups", Meta(AreaSearch, MUST, Req("P-3.4.3-01", "P-3.4.3-03"), Needs(CapSearch, CapFilter, CapGroups)), func(ctx SpecContext) {
		c := newCohort(newAPI())
		c.addGroup(ctx, "team-a")
		c.addGroup(ctx, "team-b")
		r := c.a.search(ctx, c.a.groups(), searchRequest(map[string]any{"filter": "displayName sw " + lit(c.prefix), "excludedAttributes": []string{"members"}}))
		gateSearch(r, c.a.groups())
		c.expectMatches("P-3.4.3-01", r, "team-a", "team-b")
		for _, g := range r.F("Resources").Array() {
			r.expect("P-3.9-06", !hasKey(g, "members"), "Resources", "no members key", fragment(g))
		}
	})
})

var _ = Describe("Search: queries at the server root", func() {
	var (
		c *cohort
	)
	BeforeEach(func(ctx SpecContext) {
		a := newAPI()
		a.needs(CapGroups)
		c = newCohort(a)
		c.add(ctx, "alpha", nil)
		c.add(ctx, "beta", nil)
		c.addGroup(ctx, "team")
	})
	root := func(ctx SpecContext, f string) *reply {
		GinkgoHelper()
		return c.a.get(ctx, "/", url.Values{"filter": {f}})
	}
	rootMeta := func(level Level, ids ...string) Labels {
		return Meta(AreaSearch, level, Req(ids...), Needs(CapRoot, CapFilter, CapGroups))
	}

	It("covers every resource type", rootMeta(MUST, "P-3.4.2.1-01"), func(ctx SpecContext) {
		r := root(ctx, "userName eq "+lit(c.userName("alpha"))+" or displayName eq "+lit(c.userName("team")))
		c.expectMatches("P-3.4.2.1-01", r, "alpha", "team")
		types := map[string]bool{}
		for _, res := range r.F("Resources").Array() {
			types[field(res, "meta.resourceType").String()] = true
		}
		r.expect("P-3.4.2.1-01", types["User"] && types["Group"], "Resources", "a User and a Group, told apart by meta.resourceType", fragment(r.F("Resources")))
	})

	It("treats an attribute a type lacks as having no value", rootMeta(MUST, "P-3.4.2.1-03"), func(ctx SpecContext) {
		c.expectMatches("P-3.4.2.1-03", root(ctx, c.scope()), "alpha", "beta")
		c.expectMatches("P-3.4.2.1-03", root(ctx, "displayName sw "+lit(c.prefix)+" and not (userName pr)"), "team")
	})

	It("restricts a root query by meta.resourceType", rootMeta(MAY, "P-3.4.2.1-02"), func(ctx SpecContext) {
		f := `meta.resourceType eq "Group" and (displayName sw ` + lit(c.prefix) + ` or ` + c.scope() + `)`
		c.expectMatches("P-3.4.2.1-02", root(ctx, f), "team")
	})

	It("searches every resource type with POST /.search at the root", Meta(AreaSearch, MAY, Req("P-3.4.3-06"), Needs(CapRoot, CapFilter, CapGroups)), func(ctx SpecContext) {
		r := c.a.search(ctx, "", searchRequest(map[string]any{"filter": "displayName eq " + lit(c.userName("team")) + " or userName eq " + lit(c.userName("beta"))}))
		gateSearch(r, "")
		c.expectMatches("P-3.4.3-06", r, "beta", "team")
	})
})
