package suites

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator/entra"
)

// Helpers of the entra and entra-validator profiles.

// entraSim returns an Entra provisioner in the given dialect sending Entra's
// headers through the spec's client, and the log of its exchanges.
func (a *api) entraSim(opts entra.Options) (*entra.Provisioner, *flowLog) {
	GinkgoHelper()
	c, log := a.flowClient()
	p, err := entra.New(c.WithProfile(entra.Profile("")), opts)
	if err != nil {
		failNow(fmt.Sprintf("%sentra simulator: %v", preconditionPrefix, err))
	}
	return p, log
}

// entraUser returns a fresh Entra source user; its attributes carry the run
// ID like every fixture.
func (a *api) entraUser() entra.User {
	u := a.fx.EntraUser()
	name := a.specUnique(u.UserName)
	return entra.User{
		ObjectID:          u.ObjectID,
		UserPrincipalName: name,
		MailNickname:      a.specUnique(u.MailNickname),
		Mail:              name,
		GivenName:         u.Name.GivenName,
		Surname:           u.Name.FamilyName,
		DisplayName:       u.DisplayName,
		JobTitle:          u.Title,
		Department:        u.Enterprise.Department,
		EmployeeID:        u.Enterprise.EmployeeNumber,
	}
}

// expectEntraCreate checks Entra's create-if-no-match step for a new
// resource at path: the lookup misses and the POST answers 201 with an id
// (RFC 7644 §3.3). What was created is removed after the spec either way.
func (a *api) expectEntraCreate(log *flowLog, path, id string, created bool, err error) {
	GinkgoHelper()
	if id != "" && created {
		a.deleteLater(path)
	}
	expectFlow("P-3.3-01", err, log, "a filter miss (200, empty list) and then 201 with an id")
}

// expectEntraMatch checks Entra's match step: a job that has not linked the
// resource at path (id) yet must find it by filter (RFC 7644 §3.4.2.2);
// got and err are what that job's match returned, what names the type.
func (a *api) expectEntraMatch(ctx context.Context, log *flowLog, what, path, id, got string, err error) {
	GinkgoHelper()
	expectFlow("P-3.4.2.2-04", err, log, "a ListResponse holding the one matching "+what)
	a.readBack(ctx, path).expect("P-3.4.2.2-04", got == id, "id", "the match "+id, "matched "+got)
}

// provisionedUser creates u on the target through the framework, with the
// attributes Entra's default mappings produce (the enterprise ones only when
// the target advertises the extension), and links it in p as Entra's match
// would. It returns the SCIM id.
func (a *api) provisionedUser(ctx context.Context, p *entra.Provisioner, u entra.User) string {
	GinkgoHelper()
	body := map[string]any{
		"schemas":     []string{URNUser},
		"userName":    u.UserPrincipalName,
		"externalId":  u.MailNickname,
		"active":      true,
		"displayName": u.DisplayName,
		"title":       u.JobTitle,
		"name":        map[string]any{"givenName": u.GivenName, "familyName": u.Surname},
		"emails":      []any{map[string]any{"type": "work", "value": u.Mail, "primary": true}},
	}
	if a.d.Capabilities[CapEnterprise] {
		body["schemas"] = []string{URNUser, URNEnterprise}
		body[URNEnterprise] = map[string]any{"department": u.Department, "employeeNumber": u.EmployeeID}
	}
	id, _ := a.createUser(ctx, body)
	p.Link(u.ObjectID, id)
	return id
}

// entraGroup returns a fresh Entra source group.
func (a *api) entraGroup() entra.Group {
	g := a.oktaGroup()
	return entra.Group{ObjectID: g.ObjectID, DisplayName: g.DisplayName}
}

// provisionedGroup creates g through the framework (a plain RFC Group, no
// members) and links it in p; it returns the SCIM id.
func (a *api) provisionedGroup(ctx context.Context, p *entra.Provisioner, g entra.Group) string {
	GinkgoHelper()
	id, _ := a.createGroup(ctx, map[string]any{"schemas": []string{URNGroup}, "displayName": g.DisplayName, "externalId": g.ObjectID})
	p.LinkGroup(g.ObjectID, id)
	return id
}

// entraRun runs an Entra flow step that changes the target and requires it
// to succeed for requirement id.
func entraRun(id string, log *flowLog, what string, err error) {
	GinkgoHelper()
	expectFlow(id, err, log, what+" to succeed as Entra's provisioning service requires")
}

// validatorUser returns the body the Microsoft SCIM Validator creates
// (idp-wire.md B5): the full default attribute set, both schemas (the
// enterprise one only when advertised), booleans as JSON booleans.
func (a *api) validatorUser() (map[string]any, fixtures.User) {
	GinkgoHelper()
	u := a.fx.FullUser()
	u.UserName = a.specUnique(u.UserName)
	u.Emails[0].Value = u.UserName
	return a.userBody(u), u
}

// userBody renders a fixture user as a JSON object, dropping the enterprise
// extension when the target does not advertise it.
func (a *api) userBody(u fixtures.User) map[string]any {
	GinkgoHelper()
	m := toMap(u)
	if !a.d.Capabilities[CapEnterprise] {
		delete(m, URNEnterprise)
		m["schemas"] = []string{URNUser}
	}
	return m
}

// filterBy runs GET endpoint?filter=attr eq "value" (plus extra parameters),
// the query both Entra and its validator match with.
func (a *api) filterBy(ctx context.Context, endpoint, attr, value string, extra url.Values) *reply {
	GinkgoHelper()
	q := url.Values{"filter": {attr + " eq " + quote(value)}}
	for k, v := range extra {
		q[k] = v
	}
	return a.get(ctx, endpoint, q)
}

// expectOneMatch requires a 200 list answer holding exactly the resource id.
func expectOneMatch(req string, r *reply, id string) {
	GinkgoHelper()
	r.expectStatus(req, http.StatusOK)
	r.expect(req, r.F("totalResults").Int() == 1 && field(firstResource(r), "id").String() == id, "Resources",
		"totalResults 1 and Resources[0].id "+id, fmt.Sprintf("totalResults %s, Resources %s", r.F("totalResults").Raw, fragment(r.F("Resources"))))
}

// expectNoMatch requires a 200 list answer with totalResults 0.
func expectNoMatch(req string, r *reply) {
	GinkgoHelper()
	r.expectStatus(req, http.StatusOK)
	r.expect(req, isJSONInteger(r.F("totalResults")) && r.F("totalResults").Int() == 0, "totalResults", "totalResults 0", fragment(r.F("totalResults")))
}

// expectNoMembers requires a group representation without members.
func expectNoMembers(req string, r *reply, where string) {
	GinkgoHelper()
	r.expect(req, !r.F(where+"members").Exists(), where+"members", "no members (excludedAttributes=members)", fragment(r.F(where+"members")))
}

// lookupPath reads the value a PATCH path names from a resource (RFC 7644
// §3.5.2 path syntax, the forms Entra sends): `attr[type eq "x"].sub` reads
// sub of the entry whose type is x, `urn:...:User:attr` reads inside the
// extension object, anything else is a dotted attribute path. ok is false
// when the value is absent.
func lookupPath(r *reply, path string) (got string, ok bool) {
	if strings.HasPrefix(path, URNEnterprise+":") {
		v := r.F(URNEnterprise + "." + strings.TrimPrefix(path, URNEnterprise+":"))
		return v.String(), v.Exists()
	}
	start, end := strings.Index(path, "["), strings.LastIndex(path, "]")
	if start <= 0 || end < start {
		v := r.F(path)
		return v.String(), v.Exists()
	}
	attr, cond, sub := path[:start], path[start+1:end], strings.TrimPrefix(path[end+1:], ".")
	typ := ""
	if q1, q2 := strings.Index(cond, `"`), strings.LastIndex(cond, `"`); q1 >= 0 && q2 > q1 {
		typ = cond[q1+1 : q2]
	}
	for _, e := range where(r.F(attr), "type", typ) {
		v := e
		if sub != "" {
			v = field(e, sub)
		}
		return v.String(), v.Exists()
	}
	return "", false
}
