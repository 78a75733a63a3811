package suites

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Bulk error specs: a failed operation inside a BulkResponse reports its
// error the way a single request would (RFC 7644 §3.12, note under Table 9;
// §3.7.3 "response" and "status"): the operation's "response" is an Error
// message whose status is the operation's status as a string, whose
// scimType, when present, is a Table 9 keyword and whose detail, when
// present, is a string. Client code handles errors of bulk operations with
// the same parser as any other error, so a different shape here breaks it.

// expectBulkOpError judges the error of one failed operation result res of
// bulk reply r: the operation's status is one of want, and its response is
// an RFC 7644 §3.12 Error body agreeing with that status.
func expectBulkOpError(id string, r *reply, res gjson.Result, want ...int) {
	GinkgoHelper()
	if !res.Exists() {
		failReq(id, r, "a result for the failing operation", "no such result in Operations", r.F("Operations"))
		return
	}
	expectOpStatus(id, r, res, want...)
	status := fmt.Sprint(bulkStatus(res))
	resp := field(res, "response")
	// §3.7.3: a non-2xx operation MUST carry its response body, and that
	// body is the error of §3.12.
	if !resp.IsObject() {
		failReq(id, r, "response holding the operation's SCIM error (RFC 7644 §3.7.3)", "response is "+jsonKind(resp), res)
		return
	}
	if !hasString(field(resp, "schemas"), URNError) {
		failReq(id, r, fmt.Sprintf("response.schemas containing %q", URNError), "schemas = "+fragment(field(resp, "schemas")), res)
	}
	st := field(resp, "status")
	if !isJSONString(st) || st.String() != status {
		failReq(id, r, fmt.Sprintf("response.status as the JSON string %q (the operation's status)", status), "status = "+fragment(st), res)
	}
	if t := field(resp, "scimType"); t.Exists() && (!isJSONString(t) || !validScimType(t.String())) {
		failReq(id, r, "response.scimType absent or one of the RFC 7644 Table 9 keywords", "scimType = "+fragment(t), res)
	}
	if d := field(resp, "detail"); d.Exists() && !isJSONString(d) {
		failReq(id, r, "response.detail absent or a string", "detail is "+jsonKind(d), res)
	}
}

// bulkFailure is one operation every provider must refuse, and the statuses
// the refusal may carry.
type bulkFailure struct {
	// op builds the operation; it may create what it needs first.
	op func(ctx SpecContext, a *api) map[string]any
	// want lists the acceptable statuses of the operation's result.
	want []int
}

var _ = Describe("Bulk: errors of operations", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	DescribeTable("reports a failed operation with a SCIM error body",
		func(ctx SpecContext, f bulkFailure) {
			// One operation per request: its result is the only one, found
			// by position (bulkId is echoed only for POST, RFC 7644 §3.7.3).
			r := a.bulk(ctx, bulkRequest(0, f.op(ctx, a)))
			expectBulkOK("P-3.12-13", r)
			expectBulkOpError("P-3.12-13", r, bulkResult(r, "", 0), f.want...)
		},
		Entry("POST of a user without userName (400)", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.7-06"), Needs(CapBulk)),
			bulkFailure{op: func(_ SpecContext, a *api) map[string]any {
				return bulkOp(http.MethodPost, a.users(), "failing", badUser())
			}, want: []int{http.StatusBadRequest}}),
		Entry("PUT of an unknown user (404)", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.12-08"), Needs(CapBulk)),
			bulkFailure{op: func(_ SpecContext, a *api) map[string]any {
				return bulkOp(http.MethodPut, a.userPath(a.randomID()), "", a.bulkUser())
			}, want: []int{http.StatusNotFound}}),
		Entry("DELETE of an unknown user (404)", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.12-08"), Needs(CapBulk)),
			bulkFailure{op: func(_ SpecContext, a *api) map[string]any {
				return bulkOp(http.MethodDelete, a.userPath(a.randomID()), "", nil)
			}, want: []int{http.StatusNotFound}}),
		Entry("PATCH of an unknown user (404)", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.12-08"), Needs(CapBulk, CapPatch)),
			bulkFailure{op: func(_ SpecContext, a *api) map[string]any {
				return bulkOp(http.MethodPatch, a.userPath(a.randomID()), "", patchBody(patchOp("replace", "nickName", "x")))
			}, want: []int{http.StatusNotFound}}),
		Entry("POST of a duplicate userName (409)", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.3-06"), Needs(CapBulk)),
			bulkFailure{op: func(ctx SpecContext, a *api) map[string]any {
				u := a.bulkUser()
				a.createUser(ctx, u)
				return bulkOp(http.MethodPost, a.users(), "failing", map[string]any{"schemas": []string{URNUser}, "userName": u["userName"]})
			}, want: []int{http.StatusConflict}}),
	)

	It("names a duplicate userName uniqueness inside a bulk result", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.3-06"), Needs(CapBulk)), func(ctx SpecContext) {
		u := a.bulkUser()
		a.createUser(ctx, u)
		r := a.bulk(ctx, bulkRequest(0, bulkOp(http.MethodPost, a.users(), "dup", map[string]any{"schemas": []string{URNUser}, "userName": u["userName"]})))
		expectBulkOK("P-3.12-13", r)
		res := bulkResult(r, "dup", 0)
		expectOpStatus("P-3.3-06", r, res, http.StatusConflict)
		t := field(field(res, "response"), "scimType")
		r.expect("P-3.3-06", t.String() == "uniqueness", "Operations", `response.scimType "uniqueness" (RFC 7644 §3.12 Table 9)`, "scimType = "+fragment(t))
	})

	It("keeps the error of each failed operation with its own status", Meta(AreaBulk, MUST, Req("P-3.12-13", "P-3.7-06"), Needs(CapBulk)), func(ctx SpecContext) {
		// Two failures of different statuses in one request: each result
		// carries its own error, not a copy of the first one.
		r := a.bulk(ctx, bulkRequest(0,
			bulkOp(http.MethodPost, a.users(), "bad", badUser()),
			bulkOp(http.MethodDelete, a.userPath(a.randomID()), "", nil),
		))
		expectBulkOK("P-3.12-13", r)
		expectBulkOpError("P-3.12-13", r, bulkResult(r, "bad", 0), http.StatusBadRequest)
		var del gjson.Result
		for _, res := range r.F("Operations").Array() {
			if field(res, "bulkId").String() != "bad" {
				del = res
			}
		}
		expectBulkOpError("P-3.12-13", r, del, http.StatusNotFound)
	})
})
