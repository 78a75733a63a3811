package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/scimtest/scimtest/simulator"
)

// Error specs: the error response of RFC 7644 §3.12 (body, status, scimType)
// and the status codes of Table 8 for requests that cannot succeed.

// resourceKind selects the Users or Groups endpoint in table entries.
type resourceKind string

const (
	kindUser  resourceKind = "user"
	kindGroup resourceKind = "group"
)

// path returns the endpoint of kind, or the path of resource id of kind.
func (a *api) path(kind resourceKind, id string) string {
	if kind == kindGroup {
		if id == "" {
			return a.groups()
		}
		return a.groupPath(id)
	}
	if id == "" {
		return a.users()
	}
	return a.userPath(id)
}

// body returns a valid fixture body of kind.
func (a *api) body(kind resourceKind) map[string]any {
	GinkgoHelper()
	if kind == kindGroup {
		return a.group()
	}
	return a.user()
}

// patchBody is a valid PatchOp message (RFC 7644 §3.5.2).
func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []string{URNPatchOp}, "Operations": list}
}

var _ = Describe("Errors: unknown resources", func() {
	DescribeTable("answer 404 with a SCIM error",
		func(ctx SpecContext, kind resourceKind, method string) {
			a := newAPI()
			if kind == kindGroup {
				a.needs(CapGroups)
			}
			var body any
			switch method {
			case http.MethodPut:
				body = a.body(kind)
			case http.MethodPatch:
				a.needs(CapPatch)
				body = patchBody(map[string]any{"op": "replace", "path": "displayName", "value": "x"})
			}
			r := a.send(ctx, method, a.path(kind, a.randomID()), body)
			r.expectStatus("P-3.12-08", http.StatusNotFound)
			r.expectSCIMError("P-3.12-02")
		},
		Entry("GET /Users/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08", "P-3.12-01", "P-3.12-02", "P-3.12-03")), kindUser, http.MethodGet),
		Entry("PUT /Users/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08", "P-3.5.1-01")), kindUser, http.MethodPut),
		Entry("PATCH /Users/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08")), kindUser, http.MethodPatch),
		Entry("DELETE /Users/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08", "P-3.6-05")), kindUser, http.MethodDelete),
		Entry("GET /Groups/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08"), Needs(CapGroups)), kindGroup, http.MethodGet),
		Entry("PUT /Groups/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08", "P-3.5.1-01"), Needs(CapGroups)), kindGroup, http.MethodPut),
		Entry("PATCH /Groups/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08"), Needs(CapGroups)), kindGroup, http.MethodPatch),
		Entry("DELETE /Groups/{unknown}", Meta(AreaErrors, MUST, Req("P-3.12-08", "P-3.6-05"), Needs(CapGroups)), kindGroup, http.MethodDelete),
	)

	It("does not create a resource with PUT to an unknown id", Meta(AreaErrors, MUST, Req("P-3.5.1-01"), Needs(CapFilter)), func(ctx SpecContext) {
		a := newAPI()
		u := a.minimalUser()
		p := a.userPath(a.randomID())
		r := a.send(ctx, http.MethodPut, p, u)
		if r.Status >= 200 && r.Status < 300 {
			a.cleanupCreated(r, a.userPath)
		}
		q := a.get(ctx, a.users(), url.Values{"filter": {"userName eq " + quote(fmt.Sprint(u["userName"]))}})
		q.expect("P-3.5.1-01", q.Status == http.StatusOK && q.F("totalResults").Int() == 0, "totalResults",
			"no user created by the PUT", fmt.Sprintf("status %d, totalResults %s", q.Status, q.F("totalResults").Raw))
	})

	It("answers 404 for an unknown endpoint", Meta(AreaErrors, MUST, Req("P-3.12-09")), func(ctx SpecContext) {
		a := newAPI()
		a.get(ctx, "/NoSuchEndpoint"+a.uniqueSuffix(), nil).expectStatus("P-3.12-09", http.StatusNotFound)
	})

	It("answers an unknown endpoint with a SCIM error body", Meta(AreaErrors, SHOULD, Req("P-3.12-09", "P-3.12-01")), func(ctx SpecContext) {
		a := newAPI()
		a.get(ctx, "/NoSuchEndpoint"+a.uniqueSuffix(), nil).expectSCIMError("P-3.12-09")
	})
})

var _ = Describe("Errors: malformed and invalid requests", func() {
	It("answers a truncated JSON body with 400 and a SCIM error", Meta(AreaErrors, MUST, Req("P-3.12-01", "P-3.12-02", "P-3.12-03", "P-3.12-12")), func(ctx SpecContext) {
		a := newAPI()
		r := a.postUser(ctx, []byte(`{"schemas":`))
		r.expectStatus("P-3.12-12", http.StatusBadRequest)
		r.expectSCIMError("P-3.12-03")
	})

	It("answers a truncated JSON body with scimType invalidSyntax", Meta(AreaErrors, SHOULD, Req("P-3.12-06")), func(ctx SpecContext) {
		a := newAPI()
		r := a.postUser(ctx, []byte(`{"schemas":`))
		r.expectStatus("P-3.12-06", http.StatusBadRequest)
		r.expectScimType("P-3.12-06", "invalidSyntax")
	})

	DescribeTable("refuses a value of the wrong JSON type with 400",
		func(ctx SpecContext, attr string, value any) {
			a := newAPI()
			u := a.minimalUser()
			u[attr] = value
			r := a.postUser(ctx, u)
			r.expectStatus("P-3.12-07", http.StatusBadRequest)
			r.expectSCIMError("P-3.12-02")
		},
		Entry(`"active": "notabool"`, Meta(AreaErrors, MUST, Req("P-3.12-07")), "active", "notabool"),
		Entry(`"userName": 42`, Meta(AreaErrors, MUST, Req("P-3.12-07")), "userName", 42),
		Entry(`"name": "a string for a complex attribute"`, Meta(AreaErrors, MUST, Req("P-3.12-07", "P-3.8-08")), "name", "Barbara"),
		Entry(`"emails": {"value": "not in an array"}`, Meta(AreaErrors, MUST, Req("P-3.12-07", "P-3.8-08")), "emails", map[string]any{"value": "x@example.com"}),
	)

	It("names the value error invalidValue", Meta(AreaErrors, SHOULD, Req("P-3.12-07")), func(ctx SpecContext) {
		a := newAPI()
		u := a.minimalUser()
		u["active"] = "notabool"
		r := a.postUser(ctx, u)
		r.expectScimType("P-3.12-07", "invalidValue")
	})

	It("never answers client errors with 5xx", Meta(AreaErrors, MUST, Req("P-3.12-12")), func(ctx SpecContext) {
		a := newAPI()
		bad := []simulator.Request{
			{Method: http.MethodPost, Path: a.users(), Body: []byte(`[`)},
			{Method: http.MethodPost, Path: a.users(), Body: []byte(`"just a string"`)},
			{Method: http.MethodPost, Path: a.users(), Body: []byte(`{}`)},
			{Method: http.MethodPost, Path: a.users(), Body: []byte(`{"schemas":[],"userName":null}`)},
			{Method: http.MethodGet, Path: a.users(), Query: url.Values{"count": {"abc"}, "startIndex": {"x"}}},
			{Method: http.MethodGet, Path: a.users(), Query: url.Values{"attributes": {"..,"}}},
			{Method: http.MethodPut, Path: a.userPath(a.randomID()), Body: []byte(`{"schemas":`)},
		}
		for _, req := range bad {
			r := a.do(ctx, req)
			if r.Status >= 200 && r.Status < 300 && req.Method == http.MethodPost {
				a.cleanupCreated(r, a.userPath)
			}
			r.expect("P-3.12-12", r.Status < 500, "", "a 4xx answer (or success), never 5xx", fmt.Sprintf("status %d%s", r.Status, errorSummary(r)))
		}
	})

	It("uses only the scimType keywords of Table 9", Meta(AreaErrors, SHOULD, Req("P-3.12-04")), func(ctx SpecContext) {
		a := newAPI()
		u := a.minimalUser()
		u["active"] = "notabool"
		for _, r := range []*reply{
			a.postUser(ctx, []byte(`{"schemas":`)),
			a.postUser(ctx, u),
			a.get(ctx, a.userPath(a.randomID()), nil),
		} {
			if st := r.F("scimType"); st.Exists() {
				r.expect("P-3.12-04", validScimType(st.String()), "scimType", "one of "+strings.Join(scimTypes, ", "), fragment(st))
			}
		}
	})

	It("gives detail as a string when present", Meta(AreaErrors, MAY, Req("P-3.12-05")), func(ctx SpecContext) {
		a := newAPI()
		for _, r := range []*reply{a.postUser(ctx, []byte(`{"schemas":`)), a.get(ctx, a.userPath(a.randomID()), nil)} {
			if d := r.F("detail"); d.Exists() {
				r.expect("P-3.12-05", isJSONString(d), "detail", "detail as a JSON string", fragment(d))
			}
		}
	})

	It("repeats the HTTP status in the body", Meta(AreaErrors, SHOULD, Req("P-3.2-01")), func(ctx SpecContext) {
		a := newAPI()
		for _, r := range []*reply{a.postUser(ctx, []byte(`{"schemas":`)), a.get(ctx, a.userPath(a.randomID()), nil)} {
			r.expect("P-3.2-01", r.F("status").String() == fmt.Sprint(r.Status), "status", fmt.Sprintf("status %q", fmt.Sprint(r.Status)), fragment(r.F("status")))
		}
	})

	It("labels error bodies application/scim+json", Meta(AreaErrors, SHOULD, Req("P-3.8-05")), func(ctx SpecContext) {
		a := newAPI()
		r := a.get(ctx, a.userPath(a.randomID()), nil)
		r.expect("P-3.8-05", r.mediaType() == "application/scim+json", "", "Content-Type application/scim+json", fmt.Sprintf("Content-Type %q", r.Header.Get("Content-Type")))
	})

	It("ignores unknown query parameters", Meta(AreaErrors, SHOULD, Req("P-3.4.2-06")), func(ctx SpecContext) {
		a := newAPI()
		plain := a.get(ctx, a.users(), url.Values{"count": {"1"}})
		odd := a.get(ctx, a.users(), url.Values{"count": {"1"}, "scimtestUnknown": {"bar"}})
		odd.expectStatus("P-3.4.2-06", http.StatusOK)
		odd.expect("P-3.4.2-06", odd.F("totalResults").Int() == plain.F("totalResults").Int(), "totalResults",
			"the same totalResults as without the parameter ("+plain.F("totalResults").Raw+")", odd.F("totalResults").Raw)
	})
})

// DELETE /Users is deliberately not sent: on a provider that wrongly
// implements it, it would delete resources the run did not create.
var _ = Describe("Errors: methods an endpoint does not define", func() {
	DescribeTable("are refused and change nothing",
		func(ctx SpecContext, method string, onResource bool) {
			a := newAPI()
			id, created := a.createUser(ctx, a.user())
			p := a.users()
			if onResource {
				p = a.userPath(id)
			}
			var body any
			if method != http.MethodDelete {
				body = a.user()
			}
			r := a.send(ctx, method, p, body)
			if r.Status >= 200 && r.Status < 300 && method == http.MethodPost {
				a.cleanupCreated(r, a.userPath)
			}
			r.expect("P-3.12-18", r.Status >= 400 && r.Status < 500 || r.Status == http.StatusNotImplemented, "",
				"a 4xx or 501 refusal", fmt.Sprintf("status %d", r.Status))
			after := a.readBack(ctx, a.userPath(id))
			after.expect("P-3.12-18", strings.EqualFold(after.F("userName").String(), created.F("userName").String()), "userName",
				"the user unchanged", fragment(after.F("userName")))
		},
		Entry("PUT /Users", Meta(AreaErrors, MUST, Req("P-3.12-18")), http.MethodPut, false),
		Entry("PATCH /Users", Meta(AreaErrors, MUST, Req("P-3.12-18")), http.MethodPatch, false),
		Entry("POST /Users/{id}", Meta(AreaErrors, MUST, Req("P-3.12-18")), http.MethodPost, true),
	)
})

var _ = Describe("Errors: features the target does not offer", func() {
	It("answers PATCH with 501 when patch is not supported", Meta(AreaErrors, MUST, Req("P-3.12-10")), func(ctx SpecContext) {
		a := newAPI()
		a.unless(CapPatch, "501 applies only to providers without PATCH")
		id, _ := a.createUser(ctx, a.user())
		r := a.send(ctx, http.MethodPatch, a.userPath(id), patchBody(map[string]any{"op": "replace", "path": "nickName", "value": "x"}))
		r.expect("P-3.12-10", r.Status >= 400, "", "a refusal (501 expected)", fmt.Sprintf("status %d", r.Status))
	})

	It("answers /Bulk with 501 when bulk is not supported", Meta(AreaErrors, MUST, Req("P-3.12-11")), func(ctx SpecContext) {
		a := newAPI()
		a.unless(CapBulk, "501 applies only to providers without bulk")
		u := a.minimalUser()
		// A target may run the bulk anyway: a.bulk deletes what its answer
		// locates, and the userName lookup what it created without saying.
		a.cleanupUserNamed(fmt.Sprint(u["userName"]))
		r := a.bulk(ctx, bulkRequest(0, bulkOp(http.MethodPost, a.users(), "q1", u)))
		r.expect("P-3.12-11", r.Status >= 400, "", "a refusal (501 expected)", fmt.Sprintf("status %d", r.Status))
	})
})

// versionSegment finds the protocol version segment of a base URL ("/v2").
var versionSegment = regexp.MustCompile(`/v2(/|$)`)

var _ = Describe("Errors: protocol versions", func() {
	// otherVersion returns the base URL with its version segment replaced,
	// skipping when the base URL has none (the rows need [ver]).
	otherVersion := func(a *api, v string) string {
		GinkgoHelper()
		base := strings.TrimRight(a.c.BaseURL(), "/")
		loc := versionSegment.FindAllStringIndex(base, -1)
		if len(loc) == 0 {
			Skip("the base URL carries no /v2 version segment")
		}
		last := loc[len(loc)-1]
		return base[:last[0]] + "/" + v + base[last[0]+3:]
	}

	DescribeTable("refuses a version it does not serve",
		func(ctx SpecContext, v string) {
			a := newAPI()
			r := a.get(ctx, otherVersion(a, v)+"/Users", nil)
			r.expect("P-3.13-01", r.Status >= 400 && r.Status < 500 && !hasString(r.F("schemas"), URNListResponse), "",
				"a 4xx error (400 invalidVers or 404), never a version 2 answer", fmt.Sprintf("status %d", r.Status))
		},
		Entry("/v3", Meta(AreaErrors, MUST, Req("P-3.13-01")), "v3"),
		Entry("/v1", Meta(AreaErrors, MUST, Req("P-3.13-01")), "v1"),
	)

	It("names the error invalidVers when it answers 400", Meta(AreaErrors, MUST, Req("P-3.13-02")), func(ctx SpecContext) {
		a := newAPI()
		r := a.get(ctx, otherVersion(a, "v3")+"/Users", nil)
		if r.Status == http.StatusBadRequest {
			r.expectScimType("P-3.13-02", "invalidVers")
		}
	})
})
