package suites

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/okta"
)

// The okta-spec profile: the twelve requests of Okta's "SCIM 2.0 SPEC test"
// (the Runscope suite an OIN submission runs, idp-wire.md A5.1), in order,
// with Okta's assertions. Instead of needing a user seeded on the target,
// the steps create (and remove) their own. Each spec names the step; a step
// whose assertions mix an RFC rule with something only Okta asks for is
// split into a spec per level.

// runscope is the helper of the SPEC test: the spec's api sending the
// suite's headers (User-Agent "OKTA SCIM Integration", Content-Type on GETs,
// application/json on POSTs).
type runscope struct{ *api }

// newRunscope returns the SPEC test's helper for the running spec.
func newRunscope() runscope {
	GinkgoHelper()
	a := newAPI()
	cp := *a
	cp.c = a.c.WithProfile(okta.RunscopeProfile())
	return runscope{&cp}
}

// get sends a GET as the suite does: with a Content-Type although there is no
// body, and the query encoded with %20 for spaces.
func (r runscope) get(ctx context.Context, path, rawQuery string) *reply {
	GinkgoHelper()
	return r.do(ctx, simulator.Request{Method: http.MethodGet, Path: path, RawQuery: rawQuery,
		Header: http.Header{"Content-Type": {"application/scim+json; charset=utf-8"}}})
}

// post sends a POST as the suite does: Content-Type application/json and an
// Accept with a charset parameter; a created user is deleted when the spec
// (or the ordered container) ends.
func (r runscope) post(ctx context.Context, body any) *reply {
	GinkgoHelper()
	rep := r.do(ctx, simulator.Request{Method: http.MethodPost, Path: r.users(), Body: body,
		Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/scim+json; charset=utf-8"}}})
	r.cleanupCreated(rep, r.userPath)
	return rep
}

// filterQuery encodes filter=<attr eq "value"> with %20 for spaces, as the
// suite's replayers send the unencoded filters of its JSON.
func filterQuery(attr, value string) string {
	return "filter=" + strings.ReplaceAll(url.QueryEscape(attr+" eq "+quote(value)), "+", "%20")
}

// runscopeUser is the body of step 6: realistic values, one primary work
// e-mail, displayName "Given Family", active true.
func runscopeUser(u fixtures.User, email string) map[string]any {
	return map[string]any{
		"schemas":     []string{URNUser},
		"userName":    u.UserName,
		"name":        map[string]any{"givenName": u.Name.GivenName, "familyName": u.Name.FamilyName},
		"emails":      []any{map[string]any{"primary": true, "value": email, "type": "work"}},
		"displayName": u.Name.GivenName + " " + u.Name.FamilyName,
		"active":      true,
	}
}

// expectRunscopeUser asserts what steps 1 and 2 assert of a user: non-empty
// id, name.familyName, name.givenName, userName, active and emails[0].value.
func expectRunscopeUser(id string, r *reply, prefix string) {
	GinkgoHelper()
	for _, k := range []string{"id", "name.familyName", "name.givenName", "userName", "active", "emails.0.value"} {
		v := r.F(prefix + k)
		r.expect(id, v.Exists() && v.String() != "", prefix+k, "a non-empty "+k, fragment(v))
	}
}

// maxListedPages bounds findListed's walk through the user list.
const maxListedPages = 20

// findListed finds the user id (named userName) in a user list and returns
// the list and the prefix of that user in it ("Resources.3."): through
// Okta's own lookup, filter=userName eq (a ListResponse too), when the
// target filters, else by paging (RFC 7644 §3.4.2.4). A list that ends
// without the user fails P-3.4.2-03 (the list must show every user); when
// the walk hits its bound on a large target, ok is false and the caller
// judges the first listed user, as Okta does.
func (r runscope) findListed(ctx SpecContext, id, userName string) (page *reply, prefix string, ok bool) {
	GinkgoHelper()
	if r.d.Capabilities[CapFilter] {
		page = r.get(ctx, r.users(), filterQuery("userName", userName))
		if i := listedAt(page, id); i >= 0 {
			return page, fmt.Sprintf("Resources.%d.", i), true
		}
	}
	start := 1
	for n := 0; n < maxListedPages; n++ {
		page = r.get(ctx, r.users(), fmt.Sprintf("count=100&startIndex=%d", start))
		page.expectStatus("P-3.4.2-03", http.StatusOK)
		if i := listedAt(page, id); i >= 0 {
			return page, fmt.Sprintf("Resources.%d.", i), true
		}
		res := page.F("Resources").Array()
		if len(res) == 0 || int64(start-1+len(res)) >= page.F("totalResults").Int() {
			failReq("P-3.4.2-03", page, "the user "+id+" created for this step in the list", "not listed", page.F("totalResults"))
			return page, "", false
		}
		start += len(res)
	}
	return page, "", false
}

// listedAt returns the index of the resource id in a 200 list reply, or -1.
func listedAt(r *reply, id string) int {
	if r.Status != http.StatusOK {
		return -1
	}
	for i, u := range r.F("Resources").Array() {
		if field(u, "id").String() == id {
			return i
		}
	}
	return -1
}

// expectErrorDetail asserts the detail Okta's SPEC test requires on errors
// (RFC 7644 §3.12 makes detail optional, so this is its own SHOULD spec).
func expectErrorDetail(id string, r *reply) {
	GinkgoHelper()
	d := r.F("detail")
	r.expect(id, isJSONString(d) && strings.TrimSpace(d.String()) != "", "detail", "a non-empty detail (Okta's SPEC test asserts it)", fragment(d))
}

// getUnknownUser is the GET of steps 4 and 12: /Users/{id} of an id no
// one created, which must answer 404 (RFC 7644 §3.12).
func getUnknownUser(ctx SpecContext, id string) *reply {
	GinkgoHelper()
	rs := newRunscope()
	r := rs.get(ctx, rs.userPath(id), "")
	r.expectStatus("P-3.12-08", http.StatusNotFound)
	return r
}

var _ = Describe("Okta SPEC test", func() {
	Describe("steps 1-2: read a user", Ordered, ContinueOnFailure, func() {
		var (
			rs      runscope
			own     string // the user BeforeAll created
			ownName string // its userName
			listed  string // ISVUserid saved by step 1
		)
		BeforeAll(func(ctx SpecContext) {
			rs = newRunscope()
			// The suite's prerequisite: at least one user exists.
			u := rs.oktaUser()
			own, _ = rs.createUser(ctx, runscopeUser(u, u.UserName))
			ownName = u.UserName
		})

		It("step 1: GET /Users?count=1&startIndex=1 lists a user with Okta's required attributes",
			Meta(AreaOktaSpec, MUST, Req("P-3.4.2-01", "P-3.4.2-02", "P-3.4.2-03")), func(ctx SpecContext) {
				r := rs.get(ctx, rs.users(), "count=1&startIndex=1")
				r.expectStatus("P-3.4.2-01", http.StatusOK)
				r.expectListResponse("P-3.4.2-01")
				expectCounters("P-3.4.2-02", r)
				r.expect("P-3.4.2-03", len(r.F("Resources").Array()) > 0, "Resources", "a non-empty Resources (a user exists)", fragment(r.F("Resources")))
				// Okta's rule is the shape of a listed user it provisioned; the
				// first user may be one another client (or an earlier spec)
				// left without a name or e-mail, so judge the run's own user
				// as the list shows it.
				page, prefix := r, "Resources.0."
				if field(firstResource(r), "id").String() != own {
					if p, pre, ok := rs.findListed(ctx, own, ownName); ok {
						page, prefix = p, pre
					}
				}
				expectRunscopeUser("P-3.4.2-03", page, prefix)
				listed = page.F(prefix + "id").String()
			})

		It("step 2: GET /Users/{id} returns that user", Meta(AreaOktaSpec, MUST, Req("P-3.4.1-01")), func(ctx SpecContext) {
			if listed == "" {
				failNow(preconditionPrefix + "step 1 saved no user id")
			}
			r := rs.get(ctx, rs.userPath(listed), "")
			r.expectStatus("P-3.4.1-01", http.StatusOK)
			expectRunscopeUser("P-3.4.1-01", r, "")
			r.expect("P-3.4.1-01", r.F("id").String() == listed, "id", "id "+listed, fragment(r.F("id")))
		})
	})

	It("step 3: a userName filter for an invalid e-mail finds nothing, with 200",
		Meta(AreaOktaSpec, MUST, Req("P-3.4.2-05", "P-3.4.2-01"), Needs(CapFilter)), func(ctx SpecContext) {
			rs := newRunscope()
			r := rs.get(ctx, rs.users(), filterQuery("userName", "invalid-"+rs.uniqueSuffix()+"@"+rs.fx.RunID()))
			r.expectStatus("P-3.4.2-05", http.StatusOK)
			r.expectListResponse("P-3.4.2-01")
			r.expectField("P-3.4.2-05", "totalResults", BeNumerically("==", 0))
		})

	Describe("step 4: GET /Users/{id} of an id that does not exist", func() {
		It("answers 404 with a SCIM error", Meta(AreaOktaSpec, MUST, Req("P-3.12-08", "P-3.12-02")), func(ctx SpecContext) {
			getUnknownUser(ctx, "010101001010101011001010101011").expectSCIMError("P-3.12-02")
		})

		It("says why in detail", Meta(AreaOktaSpec, SHOULD, Req("P-3.12-05")), func(ctx SpecContext) {
			expectErrorDetail("P-3.12-05", getUnknownUser(ctx, "010101001010101011001010101011"))
		})
	})

	It("step 5: a userName filter for a random new user finds nothing",
		Meta(AreaOktaSpec, MUST, Req("P-3.4.2-05"), Needs(CapFilter)), func(ctx SpecContext) {
			rs := newRunscope()
			r := rs.get(ctx, rs.users(), filterQuery("userName", rs.oktaUser().UserName))
			r.expectStatus("P-3.4.2-05", http.StatusOK)
			r.expectListResponse("P-3.4.2-01")
			r.expectField("P-3.4.2-05", "totalResults", BeNumerically("==", 0))
		})

	Describe("steps 6-9: create a user", Ordered, ContinueOnFailure, func() {
		var (
			rs      runscope
			u       fixtures.User
			r6      *reply // the answer to step 6
			created string // idUserOne saved by step 6
		)
		BeforeAll(func(ctx SpecContext) {
			rs = newRunscope()
			u = rs.oktaUser()
			// Step 6's POST is sent here so that the user it creates lives
			// (and is cleaned up) with the container: steps 7-9 use it.
			r6 = rs.post(ctx, runscopeUser(u, u.Emails[0].Value))
		})

		It("step 6: creates a user with realistic values", Meta(AreaOktaSpec, MUST, Req("P-3.3-01", "P-3.3-02")), func() {
			r := r6
			r.expectStatus("P-3.3-01", http.StatusCreated)
			r.expectField("P-3.3-02", "active", BeTrue())
			r.expect("P-3.3-02", r.F("id").String() != "", "id", "a non-empty id", fragment(r.F("id")))
			r.expectField("P-3.3-02", "name.familyName", Equal(u.Name.FamilyName))
			r.expectField("P-3.3-02", "name.givenName", Equal(u.Name.GivenName))
			r.expectField("P-3.3-02", "userName", WithTransform(strings.ToLower, Equal(strings.ToLower(u.UserName))))
			r.expect("P-3.3-02", hasString(r.F("schemas"), URNUser), "schemas", "schemas containing "+URNUser, fragment(r.F("schemas")))
			created = r.F("id").String()
		})

		It("step 7: reads the created user back", Meta(AreaOktaSpec, MUST, Req("P-3.4.1-01", "P-3.1-01")), func(ctx SpecContext) {
			if created == "" {
				failNow(preconditionPrefix + "step 6 created no user")
			}
			r := rs.get(ctx, rs.userPath(created), "")
			r.expectStatus("P-3.4.1-01", http.StatusOK)
			r.expectField("P-3.1-01", "userName", WithTransform(strings.ToLower, Equal(strings.ToLower(u.UserName))))
			r.expectField("P-3.1-01", "name.familyName", Equal(u.Name.FamilyName))
			r.expectField("P-3.1-01", "name.givenName", Equal(u.Name.GivenName))
		})

		It("step 8: refuses to create the same user again with 409", Meta(AreaOktaSpec, MUST, Req("P-3.3-06")), func(ctx SpecContext) {
			if created == "" {
				failNow(preconditionPrefix + "step 6 created no user")
			}
			// The suite's quirk: the second POST carries the userName as e-mail.
			rs.post(ctx, runscopeUser(u, u.UserName)).expectStatus("P-3.3-06", http.StatusConflict)
		})

		It("step 9: answers a userName filter in upper case with 200", Meta(AreaOktaSpec, MUST, Req("P-3.4.2-01"), Needs(CapFilter)), func(ctx SpecContext) {
			r := rs.get(ctx, rs.users(), filterQuery("userName", strings.ToUpper(u.UserName)))
			r.expectStatus("P-3.4.2-01", http.StatusOK)
			r.expectListResponse("P-3.4.2-01")
		})
	})

	It("step 10 (optional): GET /Groups answers 200", Meta(AreaOktaSpec, MAY, Req("P-3.4.2-01"), Needs(CapGroups)), func(ctx SpecContext) {
		rs := newRunscope()
		rs.get(ctx, rs.groups(), "").expectStatus("P-3.4.2-01", http.StatusOK)
	})

	Describe("step 11: a filter request with an invalid Authorization", func() {
		unauthorized := func(ctx SpecContext) *reply {
			GinkgoHelper()
			rs := newRunscope()
			if rs.t.Token == "" {
				Skip("the run has no token: run without a token to test without authentication")
			}
			bad := runscope{rs.withAuth(simulator.Header("Authorization", "non-token"))}
			return bad.get(ctx, bad.users(), filterQuery("userName", rs.oktaUser().UserName))
		}

		It("answers 401 with a SCIM error whose status is \"401\"", Meta(AreaOktaSpec, MUST, Req("P-2-02", "P-2-03", "P-3.12-03")), func(ctx SpecContext) {
			r := unauthorized(ctx)
			r.expectStatus("P-2-02", http.StatusUnauthorized)
			r.expectSCIMError("P-2-03")
		})

		It("says why in detail", Meta(AreaOktaSpec, SHOULD, Req("P-3.12-05")), func(ctx SpecContext) {
			r := unauthorized(ctx)
			r.expectStatus("P-2-02", http.StatusUnauthorized)
			expectErrorDetail("P-3.12-05", r)
		})
	})

	Describe("step 12: GET /Users/00919288221112222", func() {
		It("answers 404 with a SCIM error whose status is \"404\"", Meta(AreaOktaSpec, MUST, Req("P-3.12-08", "P-3.12-03")), func(ctx SpecContext) {
			getUnknownUser(ctx, "00919288221112222").expectSCIMError("P-3.12-03")
		})

		It("says why in detail", Meta(AreaOktaSpec, SHOULD, Req("P-3.12-05")), func(ctx SpecContext) {
			expectErrorDetail("P-3.12-05", getUnknownUser(ctx, "00919288221112222"))
		})
	})
})
