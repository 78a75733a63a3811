package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/tidwall/gjson"
)

// Bulk specs: POST /Bulk (RFC 7644 §3.7): BulkRequest and BulkResponse
// messages, one result per processed operation with its status, location
// and bulkId, bulkId references between operations, failOnErrors and the
// limits advertised in /ServiceProviderConfig. Resources a bulk request
// creates are deleted through the locations it returned.

// urnBulkResponse identifies a BulkResponse (RFC 7644 §3.7).
const urnBulkResponse = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"

// bulkPath is the bulk endpoint, relative to the base URL (RFC 7644 §3.7).
const bulkPath = "/Bulk"

// bulkRequest is a BulkRequest message; failOnErrors 0 leaves it out.
func bulkRequest(failOnErrors int, ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	m := map[string]any{"schemas": []string{URNBulkRequest}, "Operations": list}
	if failOnErrors > 0 {
		m["failOnErrors"] = failOnErrors
	}
	return m
}

// bulkOp builds one operation; empty bulkId and nil data are left out.
func bulkOp(method, path, bulkID string, data any) map[string]any {
	m := map[string]any{"method": method, "path": path}
	if bulkID != "" {
		m["bulkId"] = bulkID
	}
	if data != nil {
		m["data"] = data
	}
	return m
}

// bulk POSTs body to /Bulk and registers the deletion of every resource its
// POST operations created, also when the spec fails.
func (a *api) bulk(ctx SpecContext, body any) *reply {
	GinkgoHelper()
	r := a.send(ctx, http.MethodPost, bulkPath, body)
	for _, res := range r.F("Operations").Array() {
		if strings.EqualFold(field(res, "method").String(), http.MethodPost) && bulkStatus(res)/100 == 2 {
			if loc := field(res, "location").String(); loc != "" {
				DeferCleanup(func(ctx SpecContext) {
					// Best effort, as for postUser: only what this request created.
					_, _ = a.c.Delete(ctx, loc, nil)
				})
			}
		}
	}
	return r
}

// bulkStatus reads the status of one operation result: a string such as
// "201" (RFC 7644 §3.7.3), or the {"code": "201"} object of one of the
// RFC's examples; 0 when neither.
func bulkStatus(res gjson.Result) int {
	st := field(res, "status")
	if st.IsObject() {
		st = field(st, "code")
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(st.String()), "%d", &n); err != nil {
		return 0
	}
	return n
}

// bulkResult returns the result of the operation with bulkId id, or, for
// operations without one, the i-th result.
func bulkResult(r *reply, bulkID string, i int) gjson.Result {
	ops := r.F("Operations").Array()
	if bulkID != "" {
		for _, res := range ops {
			if field(res, "bulkId").String() == bulkID {
				return res
			}
		}
		return gjson.Result{}
	}
	if i < len(ops) {
		return ops[i]
	}
	return gjson.Result{}
}

// expectBulkOK requires a processed bulk job: 200 with the BulkResponse
// schema (RFC 7644 §3.7).
func expectBulkOK(id string, r *reply) {
	GinkgoHelper()
	r.expectStatus(id, http.StatusOK)
	r.expect(id, hasString(r.F("schemas"), urnBulkResponse), "schemas", "schemas containing "+urnBulkResponse, fragment(r.F("schemas")))
}

// expectOpStatus requires the result res to carry one of the statuses.
func expectOpStatus(id string, r *reply, res gjson.Result, want ...int) {
	GinkgoHelper()
	got := bulkStatus(res)
	for _, w := range want {
		if got == w {
			return
		}
	}
	failReq(id, r, "operation status "+statusList(want), fmt.Sprintf("status %s", fragment(field(res, "status"))), res)
}

// userCount returns how many users hold userName (filter support needed).
func (a *api) userCount(ctx SpecContext, userName string) int64 {
	GinkgoHelper()
	q := a.get(ctx, a.users(), url.Values{"filter": {fmt.Sprintf("userName eq %q", userName)}})
	if q.Status != http.StatusOK {
		failNow(fmt.Sprintf("%sfilter users by userName: %s answered %d%s", preconditionPrefix, q.Line, q.Status, errorSummary(q)))
	}
	return q.F("totalResults").Int()
}

// bulkUser is a minimal fixture user whose userName also carries the
// spec's unique suffix: a bulk spec judges whether its users were created,
// so a name another spec used (and deleted) earlier in the run must not
// collide with it on a provider that keeps deleted names taken.
func (a *api) bulkUser() map[string]any {
	GinkgoHelper()
	u := a.minimalUser()
	name := u["userName"].(string)
	if i := strings.LastIndex(name, "@"); i >= 0 {
		u["userName"] = name[:i] + "." + a.uniqueSuffix() + name[i:]
	} else {
		u["userName"] = name + "." + a.uniqueSuffix()
	}
	return u
}

// groupWithBulkMember is a group whose one member is the user another
// operation of the same Bulk request creates under bulkID.
func (a *api) groupWithBulkMember(bulkID string) map[string]any {
	g := a.group()
	g["members"] = []any{map[string]any{"type": "User", "value": "bulkId:" + bulkID}}
	return g
}

// expectBulkMember reads back the user and the group two Bulk operations
// created (results u and gr) and checks that the group's one member is the
// user's permanent id: the bulkId reference was resolved (RFC 7644 §3.7.2).
func (a *api) expectBulkMember(ctx SpecContext, id string, u, gr gjson.Result) {
	GinkgoHelper()
	user := a.readBack(ctx, field(u, "location").String())
	group := a.readBack(ctx, field(gr, "location").String())
	group.expect(id, sameSet(values(group.F("members")), []string{user.F("id").String()}), "members",
		"the member's value the new user's id "+user.F("id").String(), fragment(group.F("members")))
}

// badUser is a user body every provider must refuse: userName is required
// (RFC 7643 §4.1.1).
func badUser() map[string]any {
	return map[string]any{"schemas": []string{URNUser}, "displayName": "no userName"}
}

var _ = Describe("Bulk: responses", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("answers a BulkRequest with 200 and the BulkResponse schema", Meta(AreaBulk, MUST, Req("P-3.7-01"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "u1", a.bulkUser())))
		expectBulkOK("P-3.7-01", r)
	})

	It("creates the user of a POST operation and points location at it", Meta(AreaBulk, MUST, Req("P-3.7-04", "P-3.7-05", "P-3.7-07"), Needs(CapBulk)), func(ctx SpecContext) {
		u := a.bulkUser()
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "u1", u)))
		expectBulkOK("P-3.7-04", r)
		res := bulkResult(r, "u1", 0)
		r.expect("P-3.7-07", field(res, "bulkId").String() == "u1", "Operations", `the result carrying bulkId "u1"`, fragment(r.F("Operations")))
		expectOpStatus("P-3.7-04", r, res, http.StatusCreated)
		loc := field(res, "location").String()
		r.expect("P-3.7-05", loc != "", "Operations", "a location for the created user", fragment(res))
		got := a.readBack(ctx, loc)
		got.expect("P-3.7-05", strings.EqualFold(got.F("userName").String(), u["userName"].(string)), "userName", fmt.Sprintf("the user %q at the location", u["userName"]), fragment(got.F("userName")))
	})

	It("gives operation status as a string", Meta(AreaBulk, SHOULD, Req("P-3.7-04"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "u1", a.bulkUser())))
		expectBulkOK("P-3.7-04", r)
		st := field(bulkResult(r, "u1", 0), "status")
		r.expect("P-3.7-04", isJSONString(st), "Operations", `status as a JSON string such as "201"`, fragment(st))
	})

	It("answers POST, PUT, PATCH and DELETE operations with one result each", Meta(AreaBulk, MUST, Req("P-3.7-03", "P-3.7-04", "P-3.7-05", "P-3.7-20"), Needs(CapBulk, CapPatch)), func(ctx SpecContext) {
		id1, _ := a.createUser(ctx, a.user())
		id2, _ := a.createUser(ctx, a.minimalUser())
		cur := a.readBack(ctx, a.userPath(id1))
		put := putBody(cur)
		setAttr(put, "nickName", "Bulk PUT")
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.users(), "p1", a.bulkUser()),
			bulkOp("PUT", a.userPath(id1), "", put),
			bulkOp("PATCH", a.userPath(id2), "", patchBody(patchOp("replace", "nickName", "Bulk PATCH"))),
			bulkOp("DELETE", a.userPath(id1), "", nil),
		))
		expectBulkOK("P-3.7-03", r)
		ops := r.F("Operations").Array()
		r.expect("P-3.7-03", len(ops) == 4, "Operations", "4 results", fmt.Sprintf("%d results", len(ops)))
		want := map[string][]int{"POST": {201}, "PUT": {200}, "PATCH": {200, 204}, "DELETE": {204}}
		seen := map[string]bool{}
		for _, res := range ops {
			m := strings.ToUpper(field(res, "method").String())
			seen[m] = true
			expectOpStatus("P-3.7-04", r, res, want[m]...)
			r.expect("P-3.7-05", field(res, "location").String() != "", "Operations", "a location in the "+m+" result", fragment(res))
		}
		for m := range want {
			r.expect("P-3.7-03", seen[m], "Operations", "a result with method "+m, fragment(r.F("Operations")))
		}
		got := a.readBack(ctx, a.userPath(id2))
		got.expectField("P-3.7-20", "nickName", gomega.Equal("Bulk PATCH"))
		a.get(ctx, a.userPath(id1), nil).expectStatus("P-3.7-03", http.StatusNotFound)
	})

	It("applies a PATCH operation carrying a PatchOp message", Meta(AreaBulk, MUST, Req("P-3.7-20"), Needs(CapBulk, CapPatch)), func(ctx SpecContext) {
		id, _ := a.createUser(ctx, a.user())
		r := a.bulk(ctx, bulkRequest(0, bulkOp("PATCH", a.userPath(id), "", patchBody(patchOp("add", "title", "Bulk Title")))))
		expectBulkOK("P-3.7-20", r)
		expectOpStatus("P-3.7-20", r, bulkResult(r, "", 0), http.StatusOK, http.StatusNoContent)
		a.readBack(ctx, a.userPath(id)).expectField("P-3.7-20", "title", gomega.Equal("Bulk Title"))
	})

	It("reports a failed operation with a SCIM error and still answers 200", Meta(AreaBulk, MUST, Req("P-3.7-02", "P-3.7-06"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.users(), "good", a.bulkUser()),
			bulkOp("POST", a.users(), "bad", badUser()),
		))
		expectBulkOK("P-3.7-02", r)
		bad := bulkResult(r, "bad", 1)
		expectOpStatus("P-3.7-06", r, bad, http.StatusBadRequest)
		resp := field(bad, "response")
		r.expect("P-3.7-06", hasString(field(resp, "schemas"), URNError), "Operations", "response holding a SCIM error ("+URNError+")", fragment(bad))
		r.expect("P-3.7-06", field(resp, "status").String() == "400", "Operations", `response.status "400"`, fragment(resp))
		r.expect("P-3.7-06", field(resp, "detail").String() != "" || field(field(bad, "status"), "description").String() != "", "Operations",
			"a human-readable detail (response.detail or status.description)", fragment(bad))
		expectOpStatus("P-3.7-02", r, bulkResult(r, "good", 0), http.StatusCreated)
	})

	It("gives a failed POST no location", Meta(AreaBulk, MUST, Req("P-3.7-05"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "bad", badUser())))
		expectBulkOK("P-3.7-05", r)
		bad := bulkResult(r, "bad", 0)
		expectOpStatus("P-3.7-05", r, bad, http.StatusBadRequest)
		if loc := field(bad, "location"); loc.Exists() {
			g := a.get(ctx, loc.String(), nil)
			g.expect("P-3.7-05", g.Status == http.StatusNotFound, "", "no resource behind the location of a failed POST", fmt.Sprintf("status %d", g.Status))
		}
	})

	It("gives each result a version when ETags are supported", Meta(AreaBulk, MAY, Req("P-3.7-05"), Needs(CapBulk, CapETag)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "u1", a.bulkUser())))
		expectBulkOK("P-3.7-05", r)
		res := bulkResult(r, "u1", 0)
		got := a.readBack(ctx, field(res, "location").String())
		r.expect("P-3.7-05", field(res, "version").String() == got.Header.Get("ETag"), "Operations", "version equal to the ETag "+got.Header.Get("ETag"), fragment(res))
	})
})

var _ = Describe("Bulk: bulkId references", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("replaces bulkId:<id> by the new user's id in a group's members", Meta(AreaBulk, MUST, Req("P-3.7-09"), Needs(CapBulk, CapGroups)), func(ctx SpecContext) {
		g := a.groupWithBulkMember("u1") // drawn before the user: fixtures draw in call order
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.users(), "u1", a.bulkUser()),
			bulkOp("POST", a.groups(), "g1", g),
		))
		expectBulkOK("P-3.7-09", r)
		u, gr := bulkResult(r, "u1", 0), bulkResult(r, "g1", 1)
		expectOpStatus("P-3.7-09", r, u, http.StatusCreated)
		expectOpStatus("P-3.7-09", r, gr, http.StatusCreated)
		a.expectBulkMember(ctx, "P-3.7-09", u, gr)
	})

	It("resolves a reference to an operation listed later", Meta(AreaBulk, MUST, Req("P-3.7-14"), Needs(CapBulk, CapGroups)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.groups(), "g1", a.groupWithBulkMember("later")),
			bulkOp("POST", a.users(), "later", a.bulkUser()),
		))
		expectBulkOK("P-3.7-14", r)
		u, gr := bulkResult(r, "later", 1), bulkResult(r, "g1", 0)
		expectOpStatus("P-3.7-14", r, u, http.StatusCreated)
		if bulkStatus(gr) != http.StatusCreated {
			// A per-operation refusal keeps the intent visible; a group
			// created without its member would not.
			r.expect("P-3.7-14", bulkStatus(gr) >= 400, "Operations", "the group created with its member, or an error for it", fragment(gr))
			return
		}
		a.expectBulkMember(ctx, "P-3.7-14", u, gr)
	})

	It("resolves a bulkId reference inside the enterprise extension", Meta(AreaBulk, MUST, Req("P-3.7-10"), Needs(CapBulk, CapEnterprise)), func(ctx SpecContext) {
		b := a.bulkUser()
		b["schemas"] = []string{URNUser, URNEnterprise}
		b[URNEnterprise] = map[string]any{"manager": map[string]any{"value": "bulkId:boss"}}
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.users(), "boss", a.bulkUser()),
			bulkOp("POST", a.users(), "report", b),
		))
		expectBulkOK("P-3.7-10", r)
		boss, rep := bulkResult(r, "boss", 0), bulkResult(r, "report", 1)
		expectOpStatus("P-3.7-10", r, boss, http.StatusCreated)
		expectOpStatus("P-3.7-10", r, rep, http.StatusCreated)
		bossID := a.readBack(ctx, field(boss, "location").String()).F("id").String()
		got := a.readBack(ctx, field(rep, "location").String())
		got.expectField("P-3.7-10", URNEnterprise+".manager.value", gomega.Equal(bossID))
	})

	It("resolves circular references or refuses them with 409", Meta(AreaBulk, MUST, Req("P-3.7-13"), Needs(CapBulk, CapGroups)), func(ctx SpecContext) {
		g1, g2 := a.group(), a.group()
		g1["members"] = []any{map[string]any{"type": "Group", "value": "bulkId:g2"}}
		g2["members"] = []any{map[string]any{"type": "Group", "value": "bulkId:g1"}}
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.groups(), "g1", g1), bulkOp("POST", a.groups(), "g2", g2)))
		if r.Status == http.StatusConflict {
			r.expectSCIMError("P-3.12-02")
			return
		}
		expectBulkOK("P-3.7-13", r)
		res1, res2 := bulkResult(r, "g1", 0), bulkResult(r, "g2", 1)
		if bulkStatus(res1) == http.StatusCreated && bulkStatus(res2) == http.StatusCreated {
			a1 := a.readBack(ctx, field(res1, "location").String())
			a2 := a.readBack(ctx, field(res2, "location").String())
			a1.expect("P-3.7-13", sameSet(values(a1.F("members")), []string{a2.F("id").String()}), "members", "the other group as member", fragment(a1.F("members")))
			a2.expect("P-3.7-13", sameSet(values(a2.F("members")), []string{a1.F("id").String()}), "members", "the other group as member", fragment(a2.F("members")))
			return
		}
		for _, res := range []gjson.Result{res1, res2} {
			if bulkStatus(res) != http.StatusCreated {
				expectOpStatus("P-3.7-13", r, res, http.StatusConflict)
			}
		}
	})
})

var _ = Describe("Bulk: errors and limits", func() {
	var (
		a   *api
		spc gjson.Result
	)
	BeforeEach(func() {
		a = newAPI()
		spc = a.d.SPC
	})

	It("continues past a failed operation without failOnErrors", Meta(AreaBulk, MUST, Req("P-3.7-11"), Needs(CapBulk, CapFilter)), func(ctx SpecContext) {
		u1, u2 := a.bulkUser(), a.bulkUser()
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp("POST", a.users(), "bad", badUser()),
			bulkOp("POST", a.users(), "ok1", u1),
			bulkOp("POST", a.users(), "ok2", u2),
		))
		expectBulkOK("P-3.7-11", r)
		r.expect("P-3.7-11", len(r.F("Operations").Array()) == 3, "Operations", "3 results", fmt.Sprintf("%d", len(r.F("Operations").Array())))
		for _, u := range []map[string]any{u1, u2} {
			n := a.userCount(ctx, u["userName"].(string))
			r.expect("P-3.7-11", n == 1, "", fmt.Sprintf("user %s created after the failure", u["userName"]), fmt.Sprintf("%d found", n))
		}
	})

	It("stops after failOnErrors errors and returns the results so far", Meta(AreaBulk, MUST, Req("P-3.7-12"), Needs(CapBulk, CapFilter)), func(ctx SpecContext) {
		u := a.bulkUser()
		r := a.bulk(ctx, bulkRequest(1,
			bulkOp("POST", a.users(), "bad", badUser()),
			bulkOp("POST", a.users(), "after", u),
		))
		expectBulkOK("P-3.7-12", r)
		ops := r.F("Operations").Array()
		r.expect("P-3.7-12", len(ops) == 1 && field(ops[0], "bulkId").String() == "bad", "Operations", `only the result of "bad"`, fragment(r.F("Operations")))
		n := a.userCount(ctx, u["userName"].(string))
		r.expect("P-3.7-12", n == 0, "", fmt.Sprintf("no user %s (processing stopped)", u["userName"]), fmt.Sprintf("%d found", n))
	})

	It("stops after the second error with failOnErrors 2", Meta(AreaBulk, MUST, Req("P-3.7-12"), Needs(CapBulk, CapFilter)), func(ctx SpecContext) {
		ok1, ok2 := a.bulkUser(), a.bulkUser()
		r := a.bulk(ctx, bulkRequest(2,
			bulkOp("POST", a.users(), "bad1", badUser()),
			bulkOp("POST", a.users(), "ok1", ok1),
			bulkOp("POST", a.users(), "bad2", badUser()),
			bulkOp("POST", a.users(), "ok2", ok2),
		))
		expectBulkOK("P-3.7-12", r)
		r.expect("P-3.7-12", len(r.F("Operations").Array()) == 3, "Operations", "3 results (stopped after bad2)", fragment(r.F("Operations")))
		n1, n2 := a.userCount(ctx, ok1["userName"].(string)), a.userCount(ctx, ok2["userName"].(string))
		r.expect("P-3.7-12", n1 == 1 && n2 == 0, "", "ok1 created before the second error, ok2 not", fmt.Sprintf("ok1: %d, ok2: %d", n1, n2))
	})

	It("refuses more than maxOperations operations with 413", Meta(AreaBulk, MUST, Req("P-3.7-15"), Needs(CapBulk)), func(ctx SpecContext) {
		limit := field(spc, "bulk.maxOperations").Int()
		if limit <= 0 || limit > 10000 {
			Skip(fmt.Sprintf("target advertises bulk.maxOperations %s: not a limit a test can exceed quickly", field(spc, "bulk.maxOperations").Raw))
		}
		// DELETEs of ids that do not exist: harmless if the limit is not
		// enforced and the operations run.
		ops := make([]map[string]any, limit+1)
		for i := range ops {
			ops[i] = bulkOp("DELETE", a.userPath(fmt.Sprintf("%s-%d", a.randomID(), i)), "", nil)
		}
		r := a.bulk(ctx, bulkRequest(0, ops...))
		r.expectStatus("P-3.7-15", http.StatusRequestEntityTooLarge)
		r.expectSCIMError("P-3.12-02")
		r.expect("P-3.7-15", strings.Contains(string(r.Body), fmt.Sprint(limit)), "", fmt.Sprintf("the limit %d stated in the error", limit), fragment(r.F("detail")))
	})

	It("refuses a body larger than maxPayloadSize with 413", Meta(AreaBulk, MUST, Req("P-3.7-16"), Needs(CapBulk)), func(ctx SpecContext) {
		limit := field(spc, "bulk.maxPayloadSize").Int()
		if limit <= 0 || limit > 16<<20 {
			Skip(fmt.Sprintf("target advertises bulk.maxPayloadSize %s: not a size a test can exceed quickly", field(spc, "bulk.maxPayloadSize").Raw))
		}
		u := a.bulkUser()
		u["displayName"] = strings.Repeat("x", int(limit)+1)
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "big", u)))
		r.expectStatus("P-3.7-16", http.StatusRequestEntityTooLarge)
		r.expectSCIMError("P-3.12-02")
		r.expect("P-3.7-16", strings.Contains(string(r.Body), fmt.Sprint(limit)), "", fmt.Sprintf("the limit %d stated in the error", limit), fragment(r.F("detail")))
	})

	DescribeTable("refuses a body that is not a BulkRequest with 400",
		func(ctx SpecContext, body map[string]any) {
			r := a.bulk(ctx, body)
			r.expectStatus("P-3.7-18", http.StatusBadRequest)
			r.expectSCIMError("P-3.12-02")
		},
		Entry("schemas missing", Meta(AreaBulk, MUST, Req("P-3.7-18"), Needs(CapBulk)),
			map[string]any{"Operations": []any{bulkOp("DELETE", "/Users/scimtest-missing", "", nil)}}),
		Entry("schemas naming another message", Meta(AreaBulk, MUST, Req("P-3.7-18"), Needs(CapBulk)),
			map[string]any{"schemas": []string{URNPatchOp}, "Operations": []any{bulkOp("DELETE", "/Users/scimtest-missing", "", nil)}}),
		Entry("Operations missing", Meta(AreaBulk, MUST, Req("P-3.7-18"), Needs(CapBulk)),
			map[string]any{"schemas": []string{URNBulkRequest}}),
	)

	It("names a body that is not a BulkRequest invalidSyntax", Meta(AreaBulk, SHOULD, Req("P-3.7-18"), Needs(CapBulk)), func(ctx SpecContext) {
		a.bulk(ctx, map[string]any{"schemas": []string{URNBulkRequest}}).expectScimType("P-3.7-18", "invalidSyntax")
	})

	It("refuses a POST operation without bulkId", Meta(AreaBulk, SHOULD, Req("P-3.7-08"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("POST", a.users(), "", a.bulkUser())))
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.12-02")
			return
		}
		expectBulkOK("P-3.7-08", r)
		expectOpStatus("P-3.7-08", r, bulkResult(r, "", 0), http.StatusBadRequest)
	})

	DescribeTable("fails an operation whose method does not fit its path",
		func(ctx SpecContext, method string, onResource bool) {
			id, _ := a.createUser(ctx, a.user())
			p := a.users()
			if onResource {
				p = a.userPath(id)
			}
			r := a.bulk(ctx, bulkRequest(0, bulkOp(method, p, "m1", a.bulkUser())))
			if r.Status == http.StatusBadRequest {
				r.expectSCIMError("P-3.12-02")
				return
			}
			expectBulkOK("P-3.7-19", r)
			res := bulkResult(r, "m1", 0)
			r.expect("P-3.7-19", bulkStatus(res) >= 400 && bulkStatus(res) < 500, "Operations", "a 4xx status for the operation", fragment(res))
		},
		Entry("POST to /Users/{id}", Meta(AreaBulk, MUST, Req("P-3.7-19"), Needs(CapBulk)), "POST", true),
		Entry("PUT to /Users", Meta(AreaBulk, MUST, Req("P-3.7-19"), Needs(CapBulk)), "PUT", false),
	)

	It("fails a DELETE operation on an unknown id with 404", Meta(AreaBulk, MUST, Req("P-3.7-04", "P-3.7-06"), Needs(CapBulk)), func(ctx SpecContext) {
		r := a.bulk(ctx, bulkRequest(0, bulkOp("DELETE", a.userPath(a.randomID()), "", nil)))
		expectBulkOK("P-3.7-04", r)
		res := bulkResult(r, "", 0)
		expectOpStatus("P-3.7-04", r, res, http.StatusNotFound)
		r.expect("P-3.7-06", hasString(field(field(res, "response"), "schemas"), URNError), "Operations", "response holding a SCIM error", fragment(res))
	})

	It("checks an operation's version like If-Match", Meta(AreaBulk, MAY, Req("P-3.7-17"), Needs(CapBulk, CapETag)), func(ctx SpecContext) {
		id, _ := a.createUser(ctx, a.user())
		p := a.userPath(id)
		old := a.readBack(ctx, p)
		stale := old.Header.Get("ETag")
		a.changeUser(ctx, p, old, "Moved on")
		body := putBody(old)
		setAttr(body, "nickName", "Stale bulk")
		op := bulkOp("PUT", p, "", body)
		op["version"] = stale
		r := a.bulk(ctx, bulkRequest(0, op))
		expectBulkOK("P-3.7-17", r)
		expectOpStatus("P-3.7-17", r, bulkResult(r, "", 0), http.StatusPreconditionFailed, http.StatusConflict)
		a.readBack(ctx, p).expectField("P-3.7-17", "nickName", gomega.Equal("Moved on"))
	})
})
