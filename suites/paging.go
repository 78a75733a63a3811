package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Paging specs: the ListResponse of RFC 7644 §3.4.2 and the startIndex and
// count parameters of §3.4.2.4. Specs that page through a known set use the
// spec's own users (a filter on their run-marked userName prefix); the
// others hold for any data the target has.

// pagingMeta is the metadata of a paging spec.
func pagingMeta(level Level, ids ...string) Labels { return Meta(AreaPaging, level, Req(ids...)) }

// ownPagingMeta is the metadata of a spec that pages through its own users
// (selected with a filter).
func ownPagingMeta(level Level, ids ...string) Labels {
	return Meta(AreaPaging, level, Req(ids...), Needs(CapFilter))
}

// pageQuery is the query parameters of one page.
func pageQuery(startIndex, count string) url.Values {
	return setValues("startIndex", startIndex, "count", count)
}

// setValues builds query parameters from name, value pairs and leaves out
// each empty value, so a spec sends only the parameters it sets.
func setValues(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

// expectEmptyPage requires a 200 page without resources whose totalResults
// is total (-1: any).
func expectEmptyPage(id string, r *reply, total int64) {
	GinkgoHelper()
	r.expectStatus(id, http.StatusOK)
	res := r.F("Resources")
	r.expect(id, !res.Exists() || (res.IsArray() && len(res.Array()) == 0), "Resources", "no resources (Resources absent or [])",
		fmt.Sprintf("%d resources", len(res.Array())))
	if total >= 0 {
		r.expect(id, r.F("totalResults").Int() == total, "totalResults", fmt.Sprintf("totalResults %d (all matches)", total), fragment(r.F("totalResults")))
	}
}

// expectInteger requires the attribute at path to be a JSON integer equal to
// want (RFC 7643 §2.3.4: no fraction or exponent).
func expectInteger(id string, r *reply, path string, want int64) {
	GinkgoHelper()
	v := r.F(path)
	r.expect(id, isJSONInteger(v) && v.Int() == want, path, fmt.Sprintf("%s %d (a JSON integer)", path, want), path+" = "+fragment(v))
}

var _ = Describe("Paging: list responses", func() {
	var a *api
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.createUser(ctx, ownMinimalUser(a))
		a.createUser(ctx, ownMinimalUser(a))
	})

	It("identifies a query response with the ListResponse schema", pagingMeta(MUST, "P-3.4.2-01"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("", "5"))
		r.expectStatus("P-3.4.2-01", http.StatusOK)
		r.expectListResponse("P-3.4.2-01")
	})

	It("identifies a Groups query response with the ListResponse schema", Meta(AreaPaging, MUST, Req("P-3.4.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		a.createGroup(ctx, ownGroup(a))
		r := a.get(ctx, a.groups(), pageQuery("", "5"))
		r.expectStatus("P-3.4.2-01", http.StatusOK)
		r.expectListResponse("P-3.4.2-01")
	})

	It("gives totalResults as a non-negative JSON integer", pagingMeta(MUST, "P-3.4.2-02", "S-2.3.4-01"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("", "5"))
		t := r.F("totalResults")
		r.expect("P-3.4.2-02", isJSONInteger(t) && t.Int() >= 2, "totalResults", "a JSON integer >= 2 (two users were just created)", "totalResults = "+fragment(t))
	})

	It("holds Resources when totalResults is not zero", pagingMeta(MUST, "P-3.4.2-03"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("", "5"))
		res := r.F("Resources")
		r.expect("P-3.4.2-03", res.IsArray() && len(res.Array()) > 0, "Resources", "a non-empty Resources array", fragment(res))
	})

	It("spells the key Resources exactly", pagingMeta(SHOULD, "P-3.4.2-03"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("", "5"))
		r.expect("P-3.4.2-03", r.JSON().Get("Resources").Exists(), "", `the key "Resources" (clients look it up case-sensitively)`, "keys "+fmt.Sprint(topKeys(r.JSON())))
	})

	It("returns full resources in Resources (schemas, id, meta)", pagingMeta(MUST, "P-3.4.2-09", "S-2.1-02", "S-3.1-16"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("", "5"))
		for _, res := range r.F("Resources").Array() {
			r.expect("P-3.4.2-09", hasString(field(res, "schemas"), URNUser) && field(res, "id").String() != "" &&
				field(res, "meta.resourceType").String() == "User" && field(res, "meta.location").String() != "",
				"Resources", "schemas, id and meta (resourceType, location) in every element", fragment(res))
		}
	})

	It("gives paging numbers as JSON integers", pagingMeta(MUST, "S-2.3.4-01", "P-3.4.2-04"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), pageQuery("1", "1"))
		for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
			v := r.F(k)
			r.expect("S-2.3.4-01", isJSONInteger(v), k, k+" as a JSON integer (a partial page must carry it)", k+" = "+fragment(v))
		}
	})

	It("never returns more resources than count", pagingMeta(MUST, "P-3.4.2.4-05"), func(ctx SpecContext) {
		for _, n := range []int{1, 2} {
			r := a.get(ctx, a.users(), pageQuery("", strconv.Itoa(n)))
			r.expectStatus("P-3.4.2.4-05", http.StatusOK)
			got := len(r.F("Resources").Array())
			r.expect("P-3.4.2.4-05", got <= n, "Resources", fmt.Sprintf("at most %d resources", n), fmt.Sprintf("%d", got))
		}
	})

	It("answers count=0 with totalResults only", pagingMeta(MUST, "P-3.4.2.4-04"), func(ctx SpecContext) {
		one := a.get(ctx, a.users(), pageQuery("", "1"))
		r := a.get(ctx, a.users(), pageQuery("", "0"))
		expectEmptyPage("P-3.4.2.4-04", r, one.F("totalResults").Int())
	})

	It("treats a negative count as 0", pagingMeta(MUST, "P-3.4.2.4-03"), func(ctx SpecContext) {
		one := a.get(ctx, a.users(), pageQuery("", "1"))
		r := a.get(ctx, a.users(), pageQuery("", "-3"))
		expectEmptyPage("P-3.4.2.4-03", r, one.F("totalResults").Int())
	})

	It("answers a startIndex past the end with an empty page, not an error", pagingMeta(MUST, "P-3.4.2.4-08"), func(ctx SpecContext) {
		one := a.get(ctx, a.users(), pageQuery("", "1"))
		total := one.F("totalResults").Int()
		r := a.get(ctx, a.users(), pageQuery(strconv.FormatInt(total+10, 10), "5"))
		expectEmptyPage("P-3.4.2.4-08", r, -1)
	})

	It("refuses or ignores a non-numeric count and startIndex, never with 5xx", pagingMeta(SHOULD, "P-3.4.2.4-09"), func(ctx SpecContext) {
		for _, q := range []url.Values{pageQuery("", "abc"), pageQuery("x", "1"), pageQuery("", "1.5")} {
			r := a.get(ctx, a.users(), q)
			r.expect("P-3.4.2.4-09", r.Status == http.StatusOK || r.Status == http.StatusBadRequest, "",
				"200 (ignored) or 400 (invalidValue)", fmt.Sprintf("status %d%s", r.Status, errorSummary(r)))
		}
	})

	It("answers an unfiltered query with a page or 400 tooMany", pagingMeta(MUST, "P-3.4.2.1-04"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), nil)
		if r.Status == http.StatusBadRequest {
			r.expectScimType("P-3.4.2.1-04", "tooMany")
			return
		}
		r.expectStatus("P-3.4.2.1-04", http.StatusOK, http.StatusBadRequest)
		r.expectListResponse("P-3.4.2.1-04")
	})

	It("chooses a page size within filter.maxResults when count is absent", pagingMeta(MAY, "P-3.4.2.4-06"), func(ctx SpecContext) {
		r := a.get(ctx, a.users(), nil)
		if r.Status == http.StatusBadRequest {
			return // 400 tooMany is judged by P-3.4.2.1-04
		}
		r.expectStatus("P-3.4.2.4-06", http.StatusOK)
		n := int64(len(r.F("Resources").Array()))
		AddReportEntry("default page size", fmt.Sprintf("%d of %d", n, r.F("totalResults").Int()))
		if maxR := field(a.d.SPC, "filter.maxResults").Int(); maxR > 0 {
			r.expect("P-3.4.2.4-06", n <= maxR, "Resources", fmt.Sprintf("at most filter.maxResults (%d) resources", maxR), fmt.Sprint(n))
		}
	})

	It("clips count to filter.maxResults", Meta(AreaPaging, MUST, Req("S-5-10"), Needs(CapFilter)), func(ctx SpecContext) {
		maxR := field(a.d.SPC, "filter.maxResults").Int()
		if maxR <= 0 {
			Skip("the target advertises no positive filter.maxResults")
		}
		r := a.get(ctx, a.users(), pageQuery("", strconv.FormatInt(maxR+50, 10)))
		r.expectStatus("S-5-10", http.StatusOK)
		if r.F("totalResults").Int() <= maxR {
			Skip(fmt.Sprintf("the target advertises filter.maxResults %d but holds %d users: clipping cannot be observed", maxR, r.F("totalResults").Int()))
		}
		got := int64(len(r.F("Resources").Array()))
		r.expect("S-5-10", got <= maxR, "Resources", fmt.Sprintf("at most %d resources (filter.maxResults)", maxR), fmt.Sprint(got))
	})
})

var _ = Describe("Paging: through the spec's own users", func() {
	var c *cohort
	BeforeEach(func(ctx SpecContext) {
		c = newCohort(newAPI())
		for i := 1; i <= 5; i++ {
			c.add(ctx, fmt.Sprintf("u%d", i), nil)
		}
	})
	page := func(ctx SpecContext, startIndex, count string) *reply {
		GinkgoHelper()
		return c.find(ctx, c.scope(), pageQuery(startIndex, count))
	}

	It("starts at 1 and reports startIndex and itemsPerPage on a partial page", ownPagingMeta(MUST, "P-3.4.2-04", "P-3.4.2.4-01"), func(ctx SpecContext) {
		r := page(ctx, "", "2")
		r.expectStatus("P-3.4.2-04", http.StatusOK)
		expectInteger("P-3.4.2.4-01", r, "startIndex", 1)
		expectInteger("P-3.4.2-04", r, "itemsPerPage", int64(len(r.F("Resources").Array())))
		expectInteger("P-3.4.2-08", r, "totalResults", 5)
	})

	DescribeTable("treats a startIndex below 1 as 1",
		func(ctx SpecContext, startIndex string) {
			want := page(ctx, "1", "2")
			r := page(ctx, startIndex, "2")
			r.expectStatus("P-3.4.2.4-02", http.StatusOK)
			r.expect("P-3.4.2.4-02", slices.Equal(resourceIDs(r), resourceIDs(want)), "Resources",
				"the page of startIndex=1: "+c.describe(c.labelsOf(resourceIDs(want))), c.describe(c.labelsOf(resourceIDs(r))))
			if r.F("startIndex").Exists() {
				expectInteger("P-3.4.2.4-02", r, "startIndex", 1)
			}
		},
		Entry("startIndex=0", ownPagingMeta(MUST, "P-3.4.2.4-02"), "0"),
		Entry("startIndex=-5", ownPagingMeta(MUST, "P-3.4.2.4-02"), "-5"),
	)

	It("treats a negative count as 0", ownPagingMeta(MUST, "P-3.4.2.4-03"), func(ctx SpecContext) {
		expectEmptyPage("P-3.4.2.4-03", page(ctx, "", "-1"), 5)
	})

	It("answers count=0 with the real totalResults and no resources", ownPagingMeta(MUST, "P-3.4.2.4-04", "P-3.4.2-08"), func(ctx SpecContext) {
		r := page(ctx, "", "0")
		expectEmptyPage("P-3.4.2.4-04", r, 5)
		if r.F("itemsPerPage").Exists() {
			expectInteger("P-3.4.2-07", r, "itemsPerPage", 0)
		}
	})

	// A page may hold fewer than count (RFC 7644 §3.4.2.4), so these specs
	// judge itemsPerPage against what came back.
	It("sets itemsPerPage to the number of resources returned, not to count", ownPagingMeta(MUST, "P-3.4.2-07"), func(ctx SpecContext) {
		r := page(ctx, "", "100")
		r.expectStatus("P-3.4.2-07", http.StatusOK)
		if r.F("itemsPerPage").Exists() {
			expectInteger("P-3.4.2-07", r, "itemsPerPage", int64(len(r.F("Resources").Array())))
		}
	})

	It("sets itemsPerPage on a short last page", ownPagingMeta(MUST, "P-3.4.2-07", "P-3.4.2-04"), func(ctx SpecContext) {
		r := page(ctx, "5", "2")
		r.expectStatus("P-3.4.2-07", http.StatusOK)
		n := len(r.F("Resources").Array())
		r.expect("P-3.4.2-07", n <= 1, "Resources", "at most 1 resource (the 5th of 5)", fmt.Sprint(n))
		expectInteger("P-3.4.2-07", r, "itemsPerPage", int64(n))
		expectInteger("P-3.4.2-04", r, "startIndex", 5)
	})

	It("reports the same totalResults whatever count and startIndex", ownPagingMeta(MUST, "P-3.4.2-08"), func(ctx SpecContext) {
		for _, q := range [][2]string{{"", ""}, {"", "1"}, {"2", "1"}, {"4", "3"}} {
			r := page(ctx, q[0], q[1])
			r.expectStatus("P-3.4.2-08", http.StatusOK)
			expectInteger("P-3.4.2-08", r, "totalResults", 5)
		}
	})

	// The next page starts after what the last one returned, since a page
	// may hold fewer than count.
	DescribeTable("covers every user exactly once across pages",
		func(ctx SpecContext, size int) {
			var seen []string
			for start := 1; start <= 5; {
				r := page(ctx, strconv.Itoa(start), strconv.Itoa(size))
				r.expectStatus("P-3.4.2.4-07", http.StatusOK)
				if r.F("startIndex").Exists() {
					expectInteger("P-3.4.2.4-07", r, "startIndex", int64(start))
				}
				ids := resourceIDs(r)
				r.expect("P-3.4.2.4-07", len(ids) > 0 && len(ids) <= size, "Resources",
					fmt.Sprintf("1 to %d resources (%d of 5 seen so far)", size, len(seen)), c.describe(c.labelsOf(ids)))
				for _, id := range ids {
					r.expect("P-3.4.2.4-07", !slices.Contains(seen, id), "Resources", "no user repeated from an earlier page", c.label(id)+" again")
				}
				seen = append(seen, ids...)
				start += len(ids)
			}
			got := c.labelsOf(seen)
			want := c.labelsOf(mapValues(c.ids))
			if !slices.Equal(got, want) {
				failReq("P-3.4.2.4-07", nil, "the union of the pages = all 5 users "+c.describe(want), c.describe(got), gjson.Result{})
			}
		},
		Entry("pages of 2 (startIndex 1, 3, 5)", ownPagingMeta(MUST, "P-3.4.2.4-07"), 2),
		Entry("pages of 1", ownPagingMeta(MUST, "P-3.4.2.4-07"), 1),
	)

	It("returns the same page twice on unchanged data", ownPagingMeta(MUST, "P-3.4.2.4-07"), func(ctx SpecContext) {
		first := page(ctx, "2", "3")
		again := page(ctx, "2", "3")
		again.expect("P-3.4.2.4-07", slices.Equal(resourceIDs(first), resourceIDs(again)), "Resources",
			"the same users in the same order: "+c.describe(c.labelsOf(resourceIDs(first))), c.describe(c.labelsOf(resourceIDs(again))))
	})

	It("answers a startIndex past the end with an empty page and the real total", ownPagingMeta(MUST, "P-3.4.2.4-08"), func(ctx SpecContext) {
		expectEmptyPage("P-3.4.2.4-08", page(ctx, "15", "5"), 5)
	})

	It("never returns more than count", ownPagingMeta(MUST, "P-3.4.2.4-05"), func(ctx SpecContext) {
		for n := 1; n <= 4; n++ {
			r := page(ctx, "", strconv.Itoa(n))
			got := len(r.F("Resources").Array())
			r.expect("P-3.4.2.4-05", got <= n, "Resources", fmt.Sprintf("at most %d resources (count=%d, 5 match)", n, n), fmt.Sprint(got))
		}
	})

	It("pages Groups the same way", Meta(AreaPaging, MUST, Req("P-3.4.2.4-05", "P-3.4.2-08"), Needs(CapFilter, CapGroups)), func(ctx SpecContext) {
		for _, l := range []string{"g1", "g2", "g3"} {
			c.addGroup(ctx, l)
		}
		r := c.a.get(ctx, c.a.groups(), url.Values{"filter": {"displayName sw " + lit(c.prefix)}, "count": {"2"}})
		r.expectStatus("P-3.4.2.4-05", http.StatusOK)
		r.expect("P-3.4.2.4-05", len(r.F("Resources").Array()) <= 2, "Resources", "at most 2 groups (count=2)", fmt.Sprint(len(r.F("Resources").Array())))
		expectInteger("P-3.4.2-08", r, "totalResults", 3)
	})
})
