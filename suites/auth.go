package suites

import (
	"fmt"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"

	"github.com/scimtest/scimtest/simulator"
)

// Auth specs: RFC 7644 §2 and Table 8 — missing or invalid credentials get
// 401 with a SCIM error body and a WWW-Authenticate challenge, and the
// request has no effect.

// badCredential is one way of failing to authenticate.
type badCredential string

const (
	credNone      badCredential = "no Authorization header"
	credGarbage   badCredential = "a wrong bearer token"
	credMalformed badCredential = "a malformed scheme"
)

// auth returns the simulator credentials of c.
func (c badCredential) auth() simulator.Auth {
	switch c {
	case credGarbage:
		return simulator.Bearer("scimtest-wrong-token")
	case credMalformed:
		return simulator.Header("Authorization", "NotAScheme scimtest")
	default:
		return simulator.NoAuth
	}
}

// unauthenticated returns a helper sending c, skipping when the run has no
// token (a target without authentication accepts everything).
func unauthenticated(c badCredential) (*api, *api) {
	GinkgoHelper()
	a := newAPI()
	if a.t.Token == "" {
		Skip("the run has no token: run without a token to test without authentication")
	}
	return a, a.withAuth(c.auth())
}

var _ = Describe("Auth", func() {
	creds := []badCredential{credNone, credGarbage, credMalformed}

	for _, c := range creds {
		Describe("with "+string(c), func() {
			It("answers GET /Users with 401", Meta(AreaAuth, MUST, Req("P-2-02")), func(ctx SpecContext) {
				_, bad := unauthenticated(c)
				bad.get(ctx, bad.users(), nil).expectStatus("P-2-02", http.StatusUnauthorized)
			})

			It("answers GET /Users/{id} with 401", Meta(AreaAuth, MUST, Req("P-2-02")), func(ctx SpecContext) {
				a, bad := unauthenticated(c)
				id, _ := a.createUser(ctx, a.minimalUser())
				r := bad.get(ctx, a.userPath(id), nil)
				r.expectStatus("P-2-02", http.StatusUnauthorized)
				r.expect("P-2-02", !r.F("id").Exists(), "id", "no resource data", fragment(r.JSON()))
			})

			It("answers POST /Users with 401 and creates nothing", Meta(AreaAuth, MUST, Req("P-2-02")), func(ctx SpecContext) {
				a, bad := unauthenticated(c)
				u := a.minimalUser()
				r := bad.send(ctx, http.MethodPost, a.users(), u)
				if r.Status >= 200 && r.Status < 300 {
					a.cleanupCreated(r, a.userPath)
				}
				r.expectStatus("P-2-02", http.StatusUnauthorized)
				if a.d.Capabilities[CapFilter] {
					q := a.get(ctx, a.users(), url.Values{"filter": {"userName eq " + quote(fmt.Sprint(u["userName"]))}})
					q.expect("P-2-02", q.F("totalResults").Int() == 0, "totalResults", "no user created", q.F("totalResults").Raw)
				}
			})

			It("answers with a SCIM error body whose status is \"401\"", Meta(AreaAuth, MUST, Req("P-2-03")), func(ctx SpecContext) {
				_, bad := unauthenticated(c)
				r := bad.get(ctx, bad.users(), nil)
				r.expectStatus("P-2-03", http.StatusUnauthorized)
				r.expectSCIMError("P-2-03")
			})

			It("advertises its schemes in WWW-Authenticate", Meta(AreaAuth, MUST, Req("P-2-01")), func(ctx SpecContext) {
				_, bad := unauthenticated(c)
				r := bad.get(ctx, bad.users(), nil)
				r.expectStatus("P-2-01", http.StatusUnauthorized)
				r.expect("P-2-01", r.Header.Get("WWW-Authenticate") != "", "", "a non-empty WWW-Authenticate header (RFC 7235 §4.1)", "none")
			})
		})
	}
})
