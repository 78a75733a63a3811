package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Sort specs: sortBy and sortOrder (RFC 7644 §3.4.2.3). Every spec sorts
// only its own users (filtered by their run-marked userName prefix), whose
// values are chosen so that creation order, the wrong letter case rule or
// "first value" instead of "primary value" give a different order.

// sortMeta is the metadata of a sort spec over the spec's own users.
func sortMeta(level Level, ids ...string) Labels {
	return Meta(AreaSort, level, Req(ids...), Needs(CapSort, CapFilter))
}

// sortQuery is the query of a sorted list; order "" leaves sortOrder out.
func sortQuery(sortBy, order string) url.Values {
	return setValues("sortBy", sortBy, "sortOrder", order)
}

// expectOrder requires r to list exactly the cohort members want, in order.
func (c *cohort) expectOrder(id string, r *reply, want ...string) {
	GinkgoHelper()
	r.expectStatus(id, http.StatusOK)
	got := make([]string, 0, len(want))
	for _, x := range resourceIDs(r) {
		got = append(got, c.label(x))
	}
	if !slices.Equal(got, want) {
		failReq(id, r, "in order "+c.describe(want), c.describe(got), r.F("Resources"))
	}
}

// expectMonotonic requires r to list every cohort member, ordered by the
// dateTime at path (ascending unless desc); ties may come in any order.
func (c *cohort) expectMonotonic(id string, r *reply, path string, desc bool) {
	GinkgoHelper()
	r.expectStatus(id, http.StatusOK)
	res := r.F("Resources").Array()
	r.expect(id, len(res) == len(c.ids), "Resources", fmt.Sprintf("all %d users", len(c.ids)), fmt.Sprint(len(res)))
	var prev time.Time
	for i, x := range res {
		t, err := time.Parse(time.RFC3339Nano, field(x, path).String())
		if err != nil {
			failReq(id, r, path+" as xsd:dateTime in every resource", fragment(field(x, path)), x)
			return
		}
		if i > 0 && ((!desc && t.Before(prev)) || (desc && t.After(prev))) {
			order := "ascending"
			if desc {
				order = "descending"
			}
			failReq(id, r, fmt.Sprintf("resources in %s %s order", order, path), fmt.Sprintf("%s then %s at position %d", prev.Format(time.RFC3339Nano), t.Format(time.RFC3339Nano), i+1), r.F("Resources"))
			return
		}
		prev = t
	}
}

var _ = Describe("Sort: by userName", func() {
	var c *cohort
	BeforeEach(func(ctx SpecContext) {
		c = newCohort(newAPI())
		// Created out of order, so creation order is not the sorted order.
		for _, l := range []string{"charlie", "alpha", "bravo"} {
			c.add(ctx, l, nil)
		}
	})
	sorted := func(ctx SpecContext, q url.Values) *reply {
		GinkgoHelper()
		return c.find(ctx, c.scope(), q)
	}
	// unsortedOrRefused checks a sort request the target cannot honour: a
	// SCIM error 400 or all the matches in any order, never a 5xx.
	unsortedOrRefused := func(ctx SpecContext, q url.Values) {
		GinkgoHelper()
		r := sorted(ctx, q)
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.12-01")
			return
		}
		c.expectMatches("P-3.12-12", r, "alpha", "bravo", "charlie")
	}

	It("sorts ascending when sortOrder is absent", sortMeta(MUST, "P-3.4.2.3-01", "P-3.4.2.3-02"), func(ctx SpecContext) {
		c.expectOrder("P-3.4.2.3-02", sorted(ctx, sortQuery("userName", "")), "alpha", "bravo", "charlie")
	})

	It("sorts ascending for sortOrder=ascending", sortMeta(MUST, "P-3.4.2.3-01"), func(ctx SpecContext) {
		c.expectOrder("P-3.4.2.3-01", sorted(ctx, sortQuery("userName", "ascending")), "alpha", "bravo", "charlie")
	})

	It("reverses the order for sortOrder=descending", sortMeta(MUST, "P-3.4.2.3-03"), func(ctx SpecContext) {
		c.expectOrder("P-3.4.2.3-03", sorted(ctx, sortQuery("userName", "descending")), "charlie", "bravo", "alpha")
	})

	It("sorts before paging", sortMeta(MUST, "P-3.4.2.3-08"), func(ctx SpecContext) {
		var got []string
		for start := 1; start <= 3; start++ {
			q := sortQuery("userName", "descending")
			q.Set("startIndex", fmt.Sprint(start))
			q.Set("count", "1")
			r := sorted(ctx, q)
			r.expectStatus("P-3.4.2.3-08", http.StatusOK)
			for _, id := range resourceIDs(r) {
				got = append(got, c.label(id))
			}
		}
		want := []string{"charlie", "bravo", "alpha"}
		if !slices.Equal(got, want) {
			failReq("P-3.4.2.3-08", nil, "pages of 1 concatenating to "+c.describe(want), c.describe(got), gjson.Result{})
		}
	})

	It("accepts sortBy in any letter case", sortMeta(MUST, "P-3.10-01", "P-3.4.2.3-01"), func(ctx SpecContext) {
		c.expectOrder("P-3.10-01", sorted(ctx, sortQuery("USERNAME", "descending")), "charlie", "bravo", "alpha")
	})

	It("accepts a URN-qualified sortBy", sortMeta(MAY, "P-3.10-02"), func(ctx SpecContext) {
		c.expectOrder("P-3.10-02", sorted(ctx, sortQuery(URNUser+":userName", "")), "alpha", "bravo", "charlie")
	})

	It("refuses or defaults an unknown sortOrder, never with 5xx", sortMeta(SHOULD, "P-3.4.2.3-09"), func(ctx SpecContext) {
		r := sorted(ctx, sortQuery("userName", "sideways"))
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.4.2.3-09")
			return
		}
		c.expectOrder("P-3.4.2.3-09", r, "alpha", "bravo", "charlie")
	})

	It("answers sortOrder without sortBy without a server error", sortMeta(MUST, "P-3.12-12"), func(ctx SpecContext) {
		unsortedOrRefused(ctx, sortQuery("", "descending"))
	})

	It("answers an unknown sortBy with 400 or the unsorted matches, never 5xx", sortMeta(MUST, "P-3.12-12"), func(ctx SpecContext) {
		unsortedOrRefused(ctx, sortQuery("scimtestNoSuchAttribute", ""))
	})
})

var _ = Describe("Sort: by attribute type", func() {
	var c *cohort
	BeforeEach(func() { c = newCohort(newAPI()) })
	sorted := func(ctx SpecContext, q url.Values) *reply {
		GinkgoHelper()
		return c.find(ctx, c.scope(), q)
	}

	It("sorts a case-insensitive attribute ignoring case", sortMeta(MUST, "P-3.4.2.3-04"), func(ctx SpecContext) {
		for _, l := range []string{"cherry", "Banana", "apple"} {
			c.add(ctx, l, nil)
		}
		c.expectOrder("P-3.4.2.3-04", sorted(ctx, sortQuery("userName", "")), "apple", "Banana", "cherry")
	})

	It("sorts a case-exact attribute by case-sensitive Unicode order", sortMeta(MUST, "P-3.4.2.3-04"), func(ctx SpecContext) {
		// externalId is caseExact (RFC 7643 §3.1) unless /Schemas says otherwise.
		exact := true
		for _, at := range declaredAttrs(c.a.d, URNUser) {
			if strings.EqualFold(at.Path, "externalId") {
				exact = at.CaseExact
			}
		}
		for _, l := range []string{"Zed", "apple", "Mango"} {
			c.add(ctx, l, func(u map[string]any) { u["externalId"] = l + "-" + c.token })
		}
		want := []string{"Mango", "Zed", "apple"}
		if !exact {
			want = []string{"apple", "Mango", "Zed"}
		}
		c.expectOrder("P-3.4.2.3-04", sorted(ctx, sortQuery("externalId", "")), want...)
	})

	It("sorts by a sub-attribute (name.familyName)", sortMeta(MUST, "P-3.4.2.3-07"), func(ctx SpecContext) {
		for _, f := range []string{"Zimmer", "Adams", "Miller"} {
			c.add(ctx, strings.ToLower(f), func(u map[string]any) { u["name"] = map[string]any{"givenName": "Pat", "familyName": f} })
		}
		c.expectOrder("P-3.4.2.3-07", sorted(ctx, sortQuery("name.familyName", "")), "adams", "miller", "zimmer")
		c.expectOrder("P-3.4.2.3-07", sorted(ctx, sortQuery("name.familyName", "descending")), "zimmer", "miller", "adams")
	})

	It("sorts by meta.created chronologically", sortMeta(MUST, "P-3.4.2.3-01"), func(ctx SpecContext) {
		for _, l := range []string{"first", "second", "third"} {
			c.add(ctx, l, nil)
		}
		c.expectMonotonic("P-3.4.2.3-01", sorted(ctx, sortQuery("meta.created", "")), "meta.created", false)
	})

	It("sorts by meta.lastModified descending", sortMeta(MUST, "P-3.4.2.3-03"), func(ctx SpecContext) {
		for _, l := range []string{"first", "second", "third"} {
			c.add(ctx, l, nil)
		}
		c.expectMonotonic("P-3.4.2.3-03", sorted(ctx, sortQuery("meta.lastModified", "descending")), "meta.lastModified", true)
	})

	It("puts resources without the value last ascending and first descending", sortMeta(MUST, "P-3.4.2.3-05"), func(ctx SpecContext) {
		c.add(ctx, "bravo", func(u map[string]any) { u["title"] = "Bravo" })
		c.add(ctx, "none", func(u map[string]any) { delete(u, "title") })
		c.add(ctx, "alpha", func(u map[string]any) { u["title"] = "Alpha" })
		c.expectOrder("P-3.4.2.3-05", sorted(ctx, sortQuery("title", "ascending")), "alpha", "bravo", "none")
		c.expectOrder("P-3.4.2.3-05", sorted(ctx, sortQuery("title", "descending")), "none", "bravo", "alpha")
	})

	It("sorts a multi-valued attribute by its primary value, else the first", sortMeta(MUST, "P-3.4.2.3-06"), func(ctx SpecContext) {
		t := c.token
		// By primary (else first) value: y, b, m -> Y, Z, X; by first value: X, Y, Z.
		c.add(ctx, "x", func(u map[string]any) {
			u["emails"] = []any{email("a-"+t+"@example.com", "home", false), email("y-"+t+"@example.com", "work", true)}
		})
		c.add(ctx, "y", func(u map[string]any) { u["emails"] = []any{email("b-"+t+"@example.com", "work", true)} })
		c.add(ctx, "z", func(u map[string]any) { u["emails"] = []any{email("m-"+t+"@example.com", "work", false)} })
		c.expectOrder("P-3.4.2.3-06", sorted(ctx, sortQuery("emails.value", "")), "y", "z", "x")
	})

	It("sorts groups by displayName", Meta(AreaSort, MUST, Req("P-3.4.2.3-01"), Needs(CapSort, CapFilter, CapGroups)), func(ctx SpecContext) {
		for _, l := range []string{"team-c", "team-a", "team-b"} {
			c.addGroup(ctx, l)
		}
		q := sortQuery("displayName", "descending")
		q.Set("filter", "displayName sw "+lit(c.prefix))
		c.expectOrder("P-3.4.2.3-01", c.a.get(ctx, c.a.groups(), q), "team-c", "team-b", "team-a")
	})
})

var _ = Describe("Sort: targets without sort", func() {
	It("answers sortBy without a server error when sort is not supported", Meta(AreaSort, MAY, Req("P-3.4.2.3-10")), func(ctx SpecContext) {
		a := newAPI()
		a.unless(CapSort, "the row applies only to providers without sort")
		a.createUser(ctx, ownMinimalUser(a))
		r := a.get(ctx, a.users(), url.Values{"sortBy": {"userName"}, "count": {"5"}})
		r.expect("P-3.4.2.3-10", r.Status < 500 || r.Status == http.StatusNotImplemented, "", "200 (unsorted) or a 4xx/501 refusal, never 5xx", fmt.Sprintf("status %d%s", r.Status, errorSummary(r)))
	})
})
