package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/entra"
	"github.com/scimtest/scimtest/simulator/okta"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// Helpers of the IdP profiles (okta, okta-spec, entra, entra-validator):
// running a simulated IdP flow through the spec's client, judging its
// outcome, and keeping the flows away from anything the run did not create.

// flowLog keeps the last exchange a simulated IdP sent, so a failed flow can
// show the response it failed on.
type flowLog struct {
	mu   sync.Mutex
	last transcript.Exchange
}

func (l *flowLog) add(ex transcript.Exchange) {
	l.mu.Lock()
	l.last = ex
	l.mu.Unlock()
}

func (l *flowLog) lastExchange() transcript.Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// flowClient returns the spec's client with a hook that both attaches every
// exchange to the spec's report and remembers the last one.
func (a *api) flowClient() (*simulator.Client, *flowLog) {
	log := &flowLog{}
	return a.c.WithHook(func(ex transcript.Exchange) {
		recordHook(ex)
		log.add(ex)
	}), log
}

// adminError is what both IdP simulators' errors offer: the status of the
// failed request and the line the IdP's admin would read.
type adminError interface {
	error
	HTTPStatus() int
	AdminMessage() string
}

// expectFlow fails the spec for requirement id when a simulated IdP flow
// failed. The message names the requirement, the request the flow failed on,
// what the IdP accepts, what it got (status, scimType, detail), the IdP's
// admin message ("Okta would report: ...") and the response body.
func expectFlow(id string, err error, log *flowLog, expected string) {
	GinkgoHelper()
	if err == nil {
		return
	}
	var b strings.Builder
	var ae adminError
	if !errors.As(err, &ae) {
		// Not a judgement of the target: the flow could not run (a state
		// error of the simulator, a body it could not encode).
		fmt.Fprintf(&b, "%sthe IdP flow could not run: %v", preconditionPrefix, err)
		Fail(b.String())
		return
	}
	ex := log.lastExchange()
	fmt.Fprintf(&b, "%s\n", describeReq(id))
	fmt.Fprintf(&b, "  flow:     %s\n", flowName(err))
	fmt.Fprintf(&b, "  request:  %s %s\n", ex.Method, ex.URL)
	fmt.Fprintf(&b, "  expected: %s\n", expected)
	// Without a status the transport failed: Diagnose says how (a cut
	// body, a timeout, a redirect to another origin).
	actual := "no response: " + simulator.Diagnose(err)
	if st := ae.HTTPStatus(); st != 0 {
		actual = fmt.Sprintf("status %d", st)
	}
	var typed interface{ SCIMType() string }
	if errors.As(err, &typed) && typed.SCIMType() != "" {
		actual += fmt.Sprintf(", scimType %q", typed.SCIMType())
	}
	fmt.Fprintf(&b, "  actual:   %s\n", actual)
	fmt.Fprintf(&b, "  idp:      %s\n", ae.AdminMessage())
	body := ex.ResponseBody
	if body == "" {
		body = "(empty)"
	}
	fmt.Fprintf(&b, "  body:     %s", truncate(body, 600))
	Fail(b.String())
}

// flowName names the IdP flow and step an error came from.
func flowName(err error) string {
	var oe *okta.Error
	if errors.As(err, &oe) {
		return "Okta " + oe.Flow + " (" + oe.Step + ")"
	}
	var ee *entra.Error
	if errors.As(err, &ee) {
		return "Entra " + ee.Flow
	}
	return "IdP flow"
}

// deleteLater registers the deletion of a resource a simulated IdP created
// for this spec (the simulators do not go through postUser, so they do not
// register their own cleanup). Only ids the run's own creates returned are
// passed here.
func (a *api) deleteLater(path string) {
	DeferCleanup(func(ctx SpecContext) {
		// Best effort, as in cleanupCreated: a failed delete is left to
		// `scimtest cleanup`.
		_, _ = a.c.Delete(ctx, path, nil)
	})
}

// guardLookup runs the lookup an IdP is about to run (attr eq value on
// endpoint) and fails the spec as a precondition when the target answers
// with a resource whose attr is not value. An IdP links the first match and
// then writes to it, so a target that ignores the filter would have the
// simulated IdP overwrite a resource the run did not create; the tester
// never lets that happen.
func (a *api) guardLookup(ctx context.Context, endpoint, attr, value string) {
	GinkgoHelper()
	r := a.get(ctx, endpoint, url.Values{"filter": {attr + " eq " + quote(value)}})
	for _, res := range r.F("Resources").Array() {
		got := field(res, attr).String()
		if !strings.EqualFold(got, value) {
			failNow(fmt.Sprintf("%s%s answered a resource with %s %q for the filter %s eq %q; the IdP flow would write to a resource the run did not create, so it is not run",
				preconditionPrefix, r.Line, attr, got, attr, value))
		}
	}
}

// oktaSim returns an Okta provisioner of the given configuration sending
// through the spec's client, and the log of its exchanges.
func (a *api) oktaSim(cfg okta.Config) (*okta.Provisioner, *flowLog) {
	GinkgoHelper()
	c, log := a.flowClient()
	p, err := okta.New(c, cfg)
	if err != nil {
		failNow(fmt.Sprintf("%sokta simulator: %v", preconditionPrefix, err))
	}
	return p, log
}

// oktaAssign runs Okta's assignment of u (lookup, then create or link) and
// requires it to succeed for requirement id; a user the flow created is
// deleted when the spec ends. It returns the SCIM id Okta stored.
func (a *api) oktaAssign(ctx context.Context, p *okta.Provisioner, log *flowLog, id string, u fixtures.User) string {
	GinkgoHelper()
	a.guardLookup(ctx, a.users(), "userName", u.UserName)
	scimID, err := p.Assign(ctx, u)
	if scimID != "" {
		a.deleteLater(a.userPath(scimID))
	}
	expectFlow(id, err, log, "Okta's assignment (userName lookup, then create or link) to succeed")
	return scimID
}

// oktaPushGroup runs Okta's group push of g with the given members and
// requires it to succeed; a group the flow created is deleted when the spec
// ends.
func (a *api) oktaPushGroup(ctx context.Context, p *okta.Provisioner, log *flowLog, id string, g fixtures.Group, members []string) string {
	GinkgoHelper()
	a.guardLookup(ctx, a.groups(), "displayName", g.DisplayName)
	gid, err := p.PushGroup(ctx, g, members)
	if gid != "" {
		a.deleteLater(a.groupPath(gid))
	}
	expectFlow(id, err, log, "Okta's group push (displayName lookup, create or link, members) to succeed")
	return gid
}

// oktaUsers assigns n fresh Okta users and returns their fixtures and ids.
func (a *api) oktaUsers(ctx context.Context, p *okta.Provisioner, log *flowLog, id string, n int) ([]fixtures.User, []string) {
	GinkgoHelper()
	us := make([]fixtures.User, n)
	ids := make([]string, n)
	for i := range us {
		us[i] = a.oktaUser()
		ids[i] = a.oktaAssign(ctx, p, log, id, us[i])
	}
	return us, ids
}

// oktaIDs lists the Okta ids of users.
func oktaIDs(us ...fixtures.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.OktaID
	}
	return out
}

// createOktaShaped creates u through the framework with the body Okta sends
// on create (so the user exists before Okta's lookup) and returns its id.
func (a *api) createOktaShaped(ctx context.Context, u fixtures.User) string {
	GinkgoHelper()
	id, _ := a.createUser(ctx, oktaBody(u))
	return id
}

// oktaBody is the body of Okta's create request for u (okta.CreateBody).
func oktaBody(u fixtures.User) []byte {
	GinkgoHelper()
	body, err := okta.CreateBody(u)
	if err != nil {
		failNow(fmt.Sprintf("%sokta create body: %v", preconditionPrefix, err))
	}
	return body
}

// memberIDs lists the member values of a group read back.
func memberIDs(g *reply) []string { return values(g.F("members")) }

// expectMembers requires the group read back to hold exactly want.
func expectMembers(id string, g *reply, want ...string) {
	GinkgoHelper()
	got := memberIDs(g)
	g.expect(id, sameSet(got, want), "members", fmt.Sprintf("members %v", want), fmt.Sprintf("members %v", got))
}

// expectCounters requires a list response whose counters are JSON integers
// (RFC 7644 §3.4.2: totalResults, startIndex and itemsPerPage are integers).
func expectCounters(id string, r *reply) {
	GinkgoHelper()
	r.expectStatus(id, http.StatusOK)
	for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
		v := r.F(k)
		if !v.Exists() && k != "totalResults" {
			continue
		}
		r.expect(id, isJSONInteger(v), k, k+" as a JSON integer (Okta fails silently on strings)", fmt.Sprintf("%s is %s: %s", k, jsonKind(v), fragment(v)))
	}
}

// firstResource returns Resources[0] of a list response.
func firstResource(r *reply) gjson.Result { return field(r.F("Resources"), "0") }

// expectGone requires every operation on a deleted resource to answer 404
// (RFC 7644 §3.6): GET, PUT (with body), PATCH (when advertised) and a second
// DELETE.
func (a *api) expectGone(ctx SpecContext, id, path string, body map[string]any) {
	GinkgoHelper()
	a.get(ctx, path, nil).expectStatus(id, http.StatusNotFound)
	a.send(ctx, http.MethodPut, path, body).expectStatus(id, http.StatusNotFound)
	if a.d.Capabilities[CapPatch] {
		a.patch(ctx, path, patchOp("replace", "displayName", "gone")).expectStatus(id, http.StatusNotFound)
	}
	a.send(ctx, http.MethodDelete, path, nil).expectStatus(id, http.StatusNotFound)
}

// specUnique makes a fixture userName unique to the running spec: fixture
// sequence numbers restart in every spec, so two specs may draw the same
// name, and a target that keeps deleted userNames taken (or a run whose
// cleanup failed) would then answer 409 to an unrelated spec. The spec's
// suffix goes right after the run marker, so the name still carries the run
// ID.
func (a *api) specUnique(name string) string {
	i := strings.Index(name, ".")
	if i < 0 {
		return name + "." + a.uniqueSuffix()
	}
	return name[:i] + "." + a.uniqueSuffix() + name[i:]
}

// oktaUser returns a fresh Okta user (fixtures.Gen.OktaUser) whose userName
// and e-mail are unique to the spec.
func (a *api) oktaUser() fixtures.User {
	u := a.fx.OktaUser()
	u.UserName = a.specUnique(u.UserName)
	for i := range u.Emails {
		u.Emails[i].Value = u.UserName
	}
	return u
}

// oktaGroup returns a fresh group whose displayName is unique to the spec
// (see specUnique).
func (a *api) oktaGroup() fixtures.Group {
	g := a.fx.Group()
	g.DisplayName += " " + a.uniqueSuffix()
	return g
}

// usersTotal returns totalResults of the Users endpoint.
func (a *api) usersTotal(ctx context.Context) int {
	GinkgoHelper()
	r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(), RawQuery: "startIndex=1&count=1"})
	r.expectStatus("P-3.4.2-02", http.StatusOK)
	return int(r.F("totalResults").Int())
}

// oktaImportPages returns the number of users on the target and skips the
// running spec when the target serves fewer than 100 per page: Okta steps
// startIndex by 100 whatever a page held (idp-wire.md A3.2), so it would
// miss users on such a target although short pages are allowed (RFC 7644
// §3.4.2.4); the SHOULD spec "returns full pages of 100" reports that.
func (a *api) oktaImportPages(ctx context.Context) int {
	GinkgoHelper()
	r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(), RawQuery: fmt.Sprintf("startIndex=1&count=%d", okta.PageSize)})
	r.expectStatus("P-3.4.2-02", http.StatusOK)
	total := int(r.F("totalResults").Int())
	if n := len(r.F("Resources").Array()); n < min(total, okta.PageSize) {
		Skip(fmt.Sprintf("the target returns %d users per page of %d; Okta's import would skip users (see the SHOULD spec on full pages)", n, okta.PageSize))
	}
	return total
}

// expectImported runs Okta's user import and requires every user of want
// (id → userName) in it, and no user twice.
func (a *api) expectImported(ctx context.Context, want map[string]string) {
	GinkgoHelper()
	p, log := a.oktaSim(okta.Config{})
	got, err := p.ImportUsers(ctx)
	expectFlow("P-3.4.2-08", err, log, "every page of the import to be a ListResponse Okta can read")
	seen := map[string]string{}
	for _, im := range got {
		if _, dup := seen[im.ID]; dup {
			failReq("P-3.4.2.4-07", nil, "each user once across the import's pages", fmt.Sprintf("user %s on two pages (%d users imported)", im.ID, len(got)), gjson.Result{})
		}
		seen[im.ID] = im.Name
	}
	for id, name := range want {
		if !strings.EqualFold(seen[id], name) {
			failReq("P-3.4.2-08", nil, fmt.Sprintf("the import to list user %s (%s)", id, name), fmt.Sprintf("%d users imported without it", len(got)), gjson.Result{})
		}
	}
}
