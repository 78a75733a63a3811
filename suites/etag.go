package suites

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/scimtest/scimtest/simulator"
)

// ETag specs: resource versioning (RFC 7644 §3.14, RFC 7643 §3.1). The
// version travels as an HTTP entity-tag (weak or strong, RFC 7232 §2.3) in
// the ETag header and in meta.version; If-Match guards updates (412 when
// stale) and If-None-Match saves a GET (304 when current). Tags are sent
// back exactly as received, since SCIM uses weak tags with If-Match.

// entityTag is entity-tag of RFC 7232 §2.3: an optional case-sensitive W/
// and a quoted string of etagc characters.
// Go matches runes, not bytes, so obs-text (%x80-FF) is taken as any
// non-ASCII rune.
var entityTag = regexp.MustCompile(`^(W/)?"[^"\x00-\x20\x7F]*"$`)

// conditional sends method to p with one precondition header.
func (a *api) conditional(ctx SpecContext, method, p, header, tag string, body any) *reply {
	GinkgoHelper()
	return a.do(ctx, simulator.Request{Method: method, Path: p, Body: body, Header: http.Header{header: {tag}}})
}

// etagOf returns the ETag header of r, failing the spec for requirement id
// when it is missing.
func etagOf(id string, r *reply) string {
	GinkgoHelper()
	tag := r.Header.Get("ETag")
	if tag == "" {
		failReq(id, r, "an ETag header (etag.supported is true)", "no ETag header", r.F("meta"))
	}
	return tag
}

// changeUser modifies the user at p (PUT of its own representation, readOnly
// attributes left out, with a new nickName, so it works without PATCH) and
// requires success.
func (a *api) changeUser(ctx SpecContext, p string, cur *reply, nick string) {
	GinkgoHelper()
	body := putBody(cur)
	setAttr(body, "nickName", nick)
	r := a.put(ctx, p, body)
	if r.Status != http.StatusOK {
		failNow(fmt.Sprintf("%schange %s: %s answered %d (want 200)%s", preconditionPrefix, p, r.Line, r.Status, errorSummary(r)))
	}
}

var _ = Describe("ETag: headers and versions", func() {
	var (
		a       *api
		id, p   string
		created *reply
		got     *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, created = a.createUser(ctx, a.user())
		p = a.userPath(id)
		got = a.readBack(ctx, p)
	})

	It("sends an ETag header with a single resource", Meta(AreaETag, MUST, Req("P-3.14-01"), Needs(CapETag)), func() {
		etagOf("P-3.14-01", got)
	})

	It("sends an ETag header with a created resource", Meta(AreaETag, MUST, Req("P-3.14-01"), Needs(CapETag)), func() {
		etagOf("P-3.14-01", created)
	})

	It("sends an ETag header with a replaced resource", Meta(AreaETag, MUST, Req("P-3.14-01"), Needs(CapETag)), func(ctx SpecContext) {
		r := a.put(ctx, p, putBody(got))
		r.expectStatus("P-3.14-01", http.StatusOK)
		etagOf("P-3.14-01", r)
	})

	It("sends an ETag header with a resource a PATCH returns", Meta(AreaETag, MUST, Req("P-3.14-01"), Needs(CapETag, CapPatch)), func(ctx SpecContext) {
		r := a.patch(ctx, p, patchOp("replace", "nickName", "Tagged"))
		r.expectStatus("P-3.14-01", http.StatusOK, http.StatusNoContent)
		if r.Status == http.StatusNoContent {
			// No resource in the answer: the changed resource must carry
			// its new tag when read.
			r = a.readBack(ctx, p)
		}
		etagOf("P-3.14-01", r)
	})

	It("gives meta.version the value of the ETag header", Meta(AreaETag, MUST, Req("S-3.1-14", "P-3.14-02"), Needs(CapETag)), func() {
		for _, r := range []*reply{created, got} {
			tag := etagOf("S-3.1-14", r)
			r.expect("S-3.1-14", r.F("meta.version").String() == tag, "meta.version", fmt.Sprintf("meta.version %q as in the ETag header", tag), fragment(r.F("meta.version")))
		}
	})

	It("sends syntactically valid entity-tags", Meta(AreaETag, MUST, Req("P-3.14-09", "S-3.1-15"), Needs(CapETag)), func() {
		tag := etagOf("P-3.14-09", got)
		got.expect("P-3.14-09", entityTag.MatchString(tag), "", `an entity-tag: optional W/ then a quoted string ("..." or W/"...")`, fmt.Sprintf("ETag %q", tag))
		if v := got.F("meta.version"); v.Exists() {
			got.expect("S-3.1-15", entityTag.MatchString(v.String()), "meta.version", "meta.version as an entity-tag", fragment(v))
		}
	})

	It("keeps the ETag while the resource does not change", Meta(AreaETag, MUST, Req("P-3.14-03"), Needs(CapETag)), func(ctx SpecContext) {
		again := a.readBack(ctx, p)
		again.expect("P-3.14-03", etagOf("P-3.14-03", again) == etagOf("P-3.14-03", got), "", "the same ETag as the previous GET "+got.Header.Get("ETag"), again.Header.Get("ETag"))
	})

	It("changes the ETag and meta.version when a PUT changes the resource", Meta(AreaETag, MUST, Req("P-3.14-03", "P-3.5.1-12"), Needs(CapETag)), func(ctx SpecContext) {
		a.changeUser(ctx, p, got, "Changed")
		after := a.readBack(ctx, p)
		after.expect("P-3.14-03", etagOf("P-3.14-03", after) != etagOf("P-3.14-03", got), "", "an ETag other than "+got.Header.Get("ETag"), after.Header.Get("ETag"))
		after.expect("P-3.5.1-12", after.F("meta.version").String() != got.F("meta.version").String(), "meta.version", "a meta.version other than "+got.F("meta.version").Raw, fragment(after.F("meta.version")))
	})

	It("changes the ETag when a PATCH changes the resource", Meta(AreaETag, MUST, Req("P-3.14-03", "P-3.5.2-17"), Needs(CapETag, CapPatch)), func(ctx SpecContext) {
		after := a.patched(ctx, "P-3.5.2-17", p, patchOp("replace", "nickName", "Patched"))
		after.expect("P-3.14-03", etagOf("P-3.14-03", after) != etagOf("P-3.14-03", got), "", "an ETag other than "+got.Header.Get("ETag"), after.Header.Get("ETag"))
	})

	It("changes a group's ETag when its membership changes", Meta(AreaETag, MUST, Req("P-3.14-03"), Needs(CapETag, CapGroups, CapPatch)), func(ctx SpecContext) {
		gid, _ := a.createGroup(ctx, a.group())
		gp := a.groupPath(gid)
		g := a.readBack(ctx, gp)
		after := a.patched(ctx, "P-3.14-03", gp, patchOp("add", "members", []any{map[string]any{"value": id}}))
		after.expect("P-3.14-03", etagOf("P-3.14-03", after) != etagOf("P-3.14-03", g), "", "an ETag other than "+g.Header.Get("ETag"), after.Header.Get("ETag"))
	})

	It("sends an ETag header with a group", Meta(AreaETag, MUST, Req("P-3.14-01"), Needs(CapETag, CapGroups)), func(ctx SpecContext) {
		gid, _ := a.createGroup(ctx, a.group())
		g := a.readBack(ctx, a.groupPath(gid))
		tag := etagOf("P-3.14-01", g)
		g.expect("P-3.14-09", entityTag.MatchString(tag), "", "an entity-tag", fmt.Sprintf("ETag %q", tag))
	})
})

var _ = Describe("ETag: conditional requests", func() {
	var (
		a          *api
		p          string
		cur        *reply
		tag, stale string
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapETag)
		id, _ := a.createUser(ctx, a.user())
		p = a.userPath(id)
		old := a.readBack(ctx, p)
		stale = old.Header.Get("ETag")
		a.changeUser(ctx, p, old, "Second")
		cur = a.readBack(ctx, p)
		tag = cur.Header.Get("ETag")
		if stale == "" || tag == "" || stale == tag {
			failNow(fmt.Sprintf("%sETags before and after a change: %q, %q (want two different tags)", preconditionPrefix, stale, tag))
		}
	})

	It("lets a PUT with the current If-Match through", Meta(AreaETag, MUST, Req("P-3.14-06"), Needs(CapETag)), func(ctx SpecContext) {
		body := putBody(cur)
		setAttr(body, "nickName", "Matched")
		r := a.conditional(ctx, http.MethodPut, p, "If-Match", tag, body)
		r.expectStatus("P-3.14-06", http.StatusOK)
		a.readBack(ctx, p).expectField("P-3.14-06", "nickName", gomega.Equal("Matched"))
	})

	It("lets a PATCH with the current If-Match through", Meta(AreaETag, MUST, Req("P-3.14-06"), Needs(CapETag, CapPatch)), func(ctx SpecContext) {
		r := a.conditional(ctx, http.MethodPatch, p, "If-Match", tag, patchBody(patchOp("replace", "nickName", "Matched")))
		r.expectStatus("P-3.14-06", http.StatusOK, http.StatusNoContent)
		a.readBack(ctx, p).expectField("P-3.14-06", "nickName", gomega.Equal("Matched"))
	})

	It("lets a DELETE with the current If-Match through", Meta(AreaETag, MUST, Req("P-3.14-08"), Needs(CapETag)), func(ctx SpecContext) {
		r := a.conditional(ctx, http.MethodDelete, p, "If-Match", tag, nil)
		r.expectStatus("P-3.14-08", http.StatusNoContent)
		a.get(ctx, p, nil).expectStatus("P-3.14-08", http.StatusNotFound)
	})

	It("matches If-Match against each tag of a list", Meta(AreaETag, SHOULD, Req("P-3.14-06"), Needs(CapETag)), func(ctx SpecContext) {
		// RFC 7232 §3.1: If-Match is a list; any current tag lets it through.
		body := putBody(cur)
		setAttr(body, "nickName", "Listed")
		r := a.conditional(ctx, http.MethodPut, p, "If-Match", stale+", "+tag, body)
		r.expectStatus("P-3.14-06", http.StatusOK)
	})

	It("treats If-Match: * as a match", Meta(AreaETag, SHOULD, Req("P-3.14-06"), Needs(CapETag)), func(ctx SpecContext) {
		// RFC 7232 §3.1: "*" matches any current representation.
		body := putBody(cur)
		setAttr(body, "nickName", "Star")
		r := a.conditional(ctx, http.MethodPut, p, "If-Match", "*", body)
		r.expectStatus("P-3.14-06", http.StatusOK)
	})

	DescribeTable("refuses a stale If-Match and changes nothing",
		func(ctx SpecContext, method string) {
			var body any
			switch method {
			case http.MethodPut:
				b := putBody(cur)
				setAttr(b, "nickName", "Stale")
				body = b
			case http.MethodPatch:
				a.needs(CapPatch)
				body = patchBody(patchOp("replace", "nickName", "Stale"))
			}
			r := a.conditional(ctx, method, p, "If-Match", stale, body)
			// Table 8 also lists 409 for a version mismatch; 412 is what
			// RFC 7232 prescribes (the SHOULD spec below insists on it).
			r.expectStatus("P-3.14-07", http.StatusPreconditionFailed, http.StatusConflict)
			r.expectSCIMError("P-3.12-02")
			after := a.readBack(ctx, p)
			expectUnchanged("P-3.14-07", cur, after)
		},
		Entry("PUT", Meta(AreaETag, MUST, Req("P-3.14-07"), Needs(CapETag)), http.MethodPut),
		Entry("PATCH", Meta(AreaETag, MUST, Req("P-3.14-07"), Needs(CapETag, CapPatch)), http.MethodPatch),
		Entry("DELETE", Meta(AreaETag, MUST, Req("P-3.14-07", "P-3.14-08"), Needs(CapETag)), http.MethodDelete),
	)

	DescribeTable("answers a stale If-Match with 412 Precondition Failed",
		func(ctx SpecContext, method string) {
			var body any
			switch method {
			case http.MethodPut:
				body = putBody(cur)
			case http.MethodPatch:
				a.needs(CapPatch)
				body = patchBody(patchOp("replace", "nickName", "Stale"))
			}
			a.conditional(ctx, method, p, "If-Match", stale, body).expectStatus("P-3.14-07", http.StatusPreconditionFailed)
		},
		Entry("PUT", Meta(AreaETag, SHOULD, Req("P-3.14-07"), Needs(CapETag)), http.MethodPut),
		Entry("PATCH", Meta(AreaETag, SHOULD, Req("P-3.14-07"), Needs(CapETag, CapPatch)), http.MethodPatch),
		Entry("DELETE", Meta(AreaETag, SHOULD, Req("P-3.14-08"), Needs(CapETag)), http.MethodDelete),
	)

	It("answers If-None-Match with the current ETag with 304 and no body", Meta(AreaETag, MUST, Req("P-3.14-04"), Needs(CapETag)), func(ctx SpecContext) {
		r := a.conditional(ctx, http.MethodGet, p, "If-None-Match", tag, nil)
		r.expectStatus("P-3.14-04", http.StatusNotModified)
		r.expect("P-3.14-04", len(strings.TrimSpace(string(r.Body))) == 0, "", "no body with 304", fmt.Sprintf("%d bytes", len(r.Body)))
	})

	It("answers If-None-Match with a stale ETag with 200 and the resource", Meta(AreaETag, MUST, Req("P-3.14-05"), Needs(CapETag)), func(ctx SpecContext) {
		r := a.conditional(ctx, http.MethodGet, p, "If-None-Match", stale, nil)
		r.expectStatus("P-3.14-05", http.StatusOK)
		r.expectField("P-3.14-05", "id", gomega.Equal(cur.F("id").String()))
		r.expect("P-3.14-05", r.Header.Get("ETag") == tag, "", "the current ETag "+tag, r.Header.Get("ETag"))
	})
})

var _ = Describe("ETag: without versioning", func() {
	It("does not fail on conditional headers it does not support", Meta(AreaETag, MAY, Req("P-3.14-10")), func(ctx SpecContext) {
		a := newAPI()
		a.unless(CapETag, "the row applies to providers without ETags")
		id, _ := a.createUser(ctx, a.user())
		p := a.userPath(id)
		cur := a.readBack(ctx, p)
		r := a.conditional(ctx, http.MethodPut, p, "If-Match", `"scimtest-bogus"`, putBody(cur))
		r.expect("P-3.14-10", r.Status < 500, "", "200 (header ignored) or a 4xx, never 5xx", fmt.Sprintf("status %d%s", r.Status, errorSummary(r)))
	})
})
