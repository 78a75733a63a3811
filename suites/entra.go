package suites

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator/entra"
)

// The entra profile: Microsoft Entra ID's provisioning flows (idp-wire.md
// B3) replayed through simulator/entra in both PATCH dialects: the default
// job (capitalised ops, "True"/"False" strings, Add on single-valued
// attributes, Remove members with a value array) and the SCIM-compliant one
// behind the aadOptscim062020 flag. Every change is read back.
//
// Levels: what the RFC requires a server to accept is MUST (the compliant
// dialect, mostly). What only Entra sends (capitalised ops, string booleans,
// dotted keys in a pathless value, a Microsoft schema URN) is SHOULD: an
// RFC-conformant server may refuse it and still be conformant, but it will
// fail with Entra, which is what this profile reports.

var (
	entraDefault   = entra.Options{Dialect: entra.DialectDefault}
	entraCompliant = entra.Options{Dialect: entra.DialectCompliant}
)

// expectEntraUser requires the user read back to hold u's mapped attributes
// (idp-wire.md B3.3); Entra compares them every cycle and re-sends updates
// for any that did not round-trip.
func (a *api) expectEntraUser(req string, got *reply, u entra.User) {
	GinkgoHelper()
	got.expectField(req, "userName", WithTransform(strings.ToLower, Equal(strings.ToLower(u.UserPrincipalName))))
	got.expectField(req, "externalId", Equal(u.MailNickname))
	got.expectField(req, "displayName", Equal(u.DisplayName))
	got.expectField(req, "name.givenName", Equal(u.GivenName))
	got.expectField(req, "name.familyName", Equal(u.Surname))
	if u.JobTitle == "" {
		got.expect(req, got.F("title").String() == "", "title", "no title", fragment(got.F("title")))
	} else {
		got.expectField(req, "title", Equal(u.JobTitle))
	}
	mail, _ := lookupPath(got, `emails[type eq "work"].value`)
	got.expect(req, mail == u.Mail, "emails", "work e-mail "+u.Mail, fragment(got.F("emails")))
	if a.d.Capabilities[CapEnterprise] {
		got.expectField(req, URNEnterprise+".department", Equal(u.Department))
		got.expectField(req, URNEnterprise+".employeeNumber", Equal(u.EmployeeID))
	}
}

var _ = Describe("Entra: users", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	DescribeTable("passes Test Connection (a filter on a random GUID: 200 and an empty ListResponse)",
		func(ctx SpecContext, match string) {
			p, log := a.entraSim(entra.Options{UserMatch: match})
			expectFlow("P-3.4.2-05", p.TestConnection(ctx, a.fx.FullUser().ObjectID), log, "200 with an empty ListResponse (a 404 quarantines the job)")
		},
		Entry("matching on userName", Meta(AreaEntra, MUST, Req("P-3.4.2-05", "P-3.4.2-02"), Needs(CapFilter)), entra.MatchUserName),
		// A provider may refuse to filter on an attribute with 400
		// invalidFilter (RFC 7644 §3.4.2.2), so matching on externalId is
		// what Entra needs when configured so, not an RFC rule: SHOULD.
		Entry("matching on externalId", Meta(AreaEntra, SHOULD, Req("P-3.4.2-05", "P-3.4.2.2-25"), Needs(CapFilter)), entra.MatchExternalID),
	)

	DescribeTable("matches an existing user",
		func(ctx SpecContext, match string) {
			p, _ := a.entraSim(entra.Options{UserMatch: match})
			u := a.entraUser()
			id := a.provisionedUser(ctx, p, u)
			// The match runs on a fresh simulator: its log holds the
			// request a failure names.
			fresh, freshLog := a.entraSim(entra.Options{UserMatch: match})
			got, err := fresh.MatchUser(ctx, u)
			a.expectEntraMatch(ctx, freshLog, "user", a.userPath(id), id, got, err)
		},
		Entry("on userName", Meta(AreaEntra, MUST, Req("P-3.4.2.2-04"), Needs(CapFilter)), entra.MatchUserName),
		Entry("on externalId (filtering on it is optional: SHOULD)", Meta(AreaEntra, SHOULD, Req("P-3.4.2.2-04", "S-3.1-09"), Needs(CapFilter)), entra.MatchExternalID),
		// `emails[type eq "work"].value eq "x"` is outside the RFC filter
		// grammar (a value path cannot be followed by a sub-attribute), but
		// Entra offers it as a matching attribute.
		Entry(`on emails[type eq "work"].value`, Meta(AreaEntra, SHOULD, Req("P-3.4.2.2-21"), Needs(CapFilter)), entra.MatchWorkEmail),
	)

	It("provisions a new user with Entra's body (meta, roles: [], enterprise extension)", Meta(AreaEntra, MUST, Req("P-3.3-01", "S-3.1-10", "S-2.5-01", "S-4.3-01"), Needs(CapFilter, CapEnterprise)), func(ctx SpecContext) {
		p, log := a.entraSim(entraDefault)
		u := a.entraUser()
		a.guardLookup(ctx, a.users(), "userName", u.UserPrincipalName)
		id, created, err := p.ProvisionUser(ctx, u)
		a.expectEntraCreate(log, a.userPath(id), id, created, err)
		got := a.readBack(ctx, a.userPath(id))
		got.expect("P-3.3-01", created, "", "a create (the match found nothing)", "the user was matched")
		a.expectEntraUser("P-3.1-01", got, u)
		got.expectField("S-3.1-10", "meta.resourceType", Equal("User"))
	})

	// Older Entra samples carry explicit nulls (idp-wire.md B3.3): a null is
	// an unassigned value (RFC 7643 §2.5), so accepting it is a MUST.
	It("accepts a create body with explicit nulls, as older Entra jobs send", Meta(AreaEntra, MUST, Req("S-2.5-01", "P-3.3-01")), func(ctx SpecContext) {
		u := a.entraUser()
		body := map[string]any{
			"schemas": []string{URNUser}, "userName": u.UserPrincipalName, "externalId": u.MailNickname, "active": true,
			"name":      map[string]any{"givenName": u.GivenName, "familyName": u.Surname},
			"addresses": nil, "phoneNumbers": nil, "title": nil, "roles": []any{},
		}
		id, _ := a.createUser(ctx, body)
		got := a.readBack(ctx, a.userPath(id))
		for _, k := range []string{"addresses", "phoneNumbers", "title"} {
			v := got.F(k)
			got.expect("S-2.5-01", !v.Exists() || v.Type == gjson.Null || (v.IsArray() && len(v.Array()) == 0), k, k+" unassigned", fragment(v))
		}
	})

	It("accepts an unknown top-level attribute (department) in Entra's older create body", Meta(AreaEntra, SHOULD, Req("P-3.3-11")), func(ctx SpecContext) {
		u := a.entraUser()
		r := a.postUser(ctx, map[string]any{"schemas": []string{URNUser}, "userName": u.UserPrincipalName, "department": u.Department})
		r.expectStatus("P-3.3-11", http.StatusCreated)
	})

	It("answers Entra's lookup with the attributes it links on", Meta(AreaEntra, MUST, Req("P-3.4.2-09", "S-3.1-16"), Needs(CapFilter)), func(ctx SpecContext) {
		p, _ := a.entraSim(entraDefault)
		u := a.entraUser()
		id := a.provisionedUser(ctx, p, u)
		r := a.filterBy(ctx, a.users(), "userName", u.UserPrincipalName, nil)
		expectOneMatch("P-3.4.2-09", r, id)
		for _, k := range []string{"schemas", "userName", "active", "meta.resourceType", "meta.location"} {
			v := field(firstResource(r), k)
			r.expect("P-3.4.2-09", v.Exists() && v.String() != "", "Resources.0."+k, k+" in the matched resource", fragment(v))
		}
	})

	// entraUpdate is one row of the update table: the dialect, how the
	// source user changes, and whether the target starts without a title.
	type entraUpdate struct {
		opts    entra.Options
		noTitle bool
		change  func(a *api, u *entra.User)
	}
	DescribeTable("updates a user with PATCH",
		func(ctx SpecContext, tc entraUpdate) {
			p, log := a.entraSim(tc.opts)
			old := a.entraUser()
			if tc.noTitle {
				old.JobTitle = ""
			}
			id := a.provisionedUser(ctx, p, old)
			upd := old
			tc.change(a, &upd)
			entraRun("P-3.5.2-14", log, "the update PATCH", p.UpdateUser(ctx, old, upd))
			a.expectEntraUser("P-3.1-01", a.readBack(ctx, a.userPath(id)), upd)
		},
		Entry("compliant: pathless replace of plain attributes", Meta(AreaEntra, MUST, Req("P-3.5.2.3-01", "P-3.5.2.3-02"), Needs(CapPatch)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) {
				u.DisplayName, u.JobTitle = "Renamed "+a.uniqueSuffix(), "Engineer "+a.uniqueSuffix()
			}}),
		Entry("compliant: userName in a pathless replace", Meta(AreaEntra, MUST, Req("P-3.5.2.3-01"), Needs(CapPatch)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) { u.UserPrincipalName = a.specUnique(a.fx.FullUser().UserName) }}),
		Entry(`compliant: replace emails[type eq "work"].value`, Meta(AreaEntra, MUST, Req("P-3.5.2.3-07"), Needs(CapPatch)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) { u.Mail = "moved-" + a.uniqueSuffix() + "@example.com" }}),
		Entry("compliant: remove an attribute that lost its value", Meta(AreaEntra, MUST, Req("P-3.5.2.2-02"), Needs(CapPatch)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) { u.JobTitle = "" }}),
		Entry("compliant: dotted keys (name.givenName) in a pathless value", Meta(AreaEntra, SHOULD, Req("P-3.5.2.3-01"), Needs(CapPatch)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) {
				u.GivenName, u.Surname = "Given"+a.uniqueSuffix(), "Sur"+a.uniqueSuffix()
			}}),
		Entry("compliant: enterprise URN keys in a pathless value", Meta(AreaEntra, SHOULD, Req("P-3.5.2.1-03", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)),
			entraUpdate{opts: entraCompliant, change: func(a *api, u *entra.User) {
				u.Department, u.EmployeeID = "Dept "+a.uniqueSuffix(), "E"+a.uniqueSuffix()
			}}),
		Entry("default: capitalised Replace ops", Meta(AreaEntra, SHOULD, Req("P-3.5.2-03"), Needs(CapPatch)),
			entraUpdate{opts: entraDefault, change: func(a *api, u *entra.User) {
				u.DisplayName, u.Surname = "Renamed "+a.uniqueSuffix(), "Sur"+a.uniqueSuffix()
				u.Mail = "moved-" + a.uniqueSuffix() + "@example.com"
			}}),
		Entry("default: Replace path userName", Meta(AreaEntra, SHOULD, Req("P-3.5.2-03"), Needs(CapPatch)),
			entraUpdate{opts: entraDefault, change: func(a *api, u *entra.User) { u.UserPrincipalName = a.specUnique(a.fx.FullUser().UserName) }}),
		Entry("default: Add on a single-valued attribute without a value", Meta(AreaEntra, SHOULD, Req("P-3.5.2-03", "P-3.5.2.1-04"), Needs(CapPatch)),
			entraUpdate{opts: entraDefault, noTitle: true, change: func(a *api, u *entra.User) { u.JobTitle = "Engineer " + a.uniqueSuffix() }}),
		Entry("default: Remove an attribute that lost its value", Meta(AreaEntra, SHOULD, Req("P-3.5.2-03", "P-3.5.2.2-02"), Needs(CapPatch)),
			entraUpdate{opts: entraDefault, change: func(a *api, u *entra.User) { u.JobTitle = "" }}),
		Entry("default: Replace on an enterprise URN path", Meta(AreaEntra, SHOULD, Req("P-3.5.2-03", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)),
			entraUpdate{opts: entraDefault, change: func(a *api, u *entra.User) { u.EmployeeID = "E" + a.uniqueSuffix() }}),
	)

	DescribeTable("disables a user who stays readable and findable with active false",
		func(ctx SpecContext, opts entra.Options) {
			p, log := a.entraSim(opts)
			u := a.entraUser()
			id := a.provisionedUser(ctx, p, u)
			entraRun("S-4.1.1-08", log, "the disable PATCH", p.DisableUser(ctx, entra.User{ObjectID: u.ObjectID}))
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeFalse())
			r := a.filterBy(ctx, a.users(), "userName", u.UserPrincipalName, nil)
			expectOneMatch("P-3.4.2.2-04", r, id)
			r.expectField("S-4.1.1-08", "Resources.0.active", BeFalse())
		},
		Entry(`default: Replace active "False" (a string)`, Meta(AreaEntra, SHOULD, Req("S-4.1.1-08", "P-3.12-07"), Needs(CapPatch, CapFilter)), entraDefault),
		Entry("compliant: replace active false", Meta(AreaEntra, MUST, Req("S-4.1.1-08", "P-3.4.2.2-04"), Needs(CapPatch, CapFilter)), entraCompliant),
	)

	DescribeTable("enables a disabled user again",
		func(ctx SpecContext, opts entra.Options) {
			p, log := a.entraSim(opts)
			u := a.entraUser()
			id := a.provisionedUser(ctx, p, u)
			entraRun("S-4.1.1-08", log, "the disable PATCH", p.DisableUser(ctx, u))
			entraRun("S-4.1.1-08", log, "the enable PATCH", p.EnableUser(ctx, u))
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeTrue())
		},
		Entry(`default: Replace active "True" (a string)`, Meta(AreaEntra, SHOULD, Req("S-4.1.1-08", "P-3.12-07"), Needs(CapPatch)), entraDefault),
		Entry("compliant: replace active true", Meta(AreaEntra, MUST, Req("S-4.1.1-08"), Needs(CapPatch)), entraCompliant),
	)

	DescribeTable("accepts the periodic re-send of active true for an active user",
		func(ctx SpecContext, opts entra.Options) {
			p, log := a.entraSim(opts)
			u := a.entraUser()
			id := a.provisionedUser(ctx, p, u)
			entraRun("P-3.5.2.3-02", log, "the enable PATCH", p.EnableUser(ctx, u))
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeTrue())
		},
		Entry(`default: Replace active "True"`, Meta(AreaEntra, SHOULD, Req("P-3.5.2.3-02", "P-3.12-07"), Needs(CapPatch)), entraDefault),
		Entry("compliant: replace active true", Meta(AreaEntra, MUST, Req("P-3.5.2.3-02"), Needs(CapPatch)), entraCompliant),
	)

	It(`accepts Add for active with "False", as Entra sends on deprovision`, Meta(AreaEntra, SHOULD, Req("P-3.5.2-03", "P-3.5.2.1-07"), Needs(CapPatch)), func(ctx SpecContext) {
		p, _ := a.entraSim(entraDefault)
		id := a.provisionedUser(ctx, p, a.entraUser())
		a.patched(ctx, "P-3.5.2.1-07", a.userPath(id), patchOp("Add", "active", "False")).expectField("S-4.1.1-08", "active", BeFalse())
	})

	It("labels its responses application/scim+json, as Entra asks", Meta(AreaEntra, SHOULD, Req("P-3.8-05", "P-3.8-03")), func(ctx SpecContext) {
		e := *a // the spec's helper, sending Entra's headers
		e.c = a.c.WithProfile(entra.Profile(""))
		u := a.entraUser()
		id, created := e.createUser(ctx, map[string]any{"schemas": []string{URNUser}, "userName": u.UserPrincipalName, "externalId": u.MailNickname})
		for _, r := range []*reply{created, e.get(ctx, e.userPath(id), nil), e.get(ctx, e.userPath(a.randomID()), nil)} {
			r.expect("P-3.8-05", r.mediaType() == "application/scim+json", "", "Content-Type application/scim+json (parameters allowed)", "Content-Type "+quote(r.Header.Get("Content-Type")))
		}
	})

	It("deletes a user: 204, then 404 and no longer matched", Meta(AreaEntra, MUST, Req("P-3.6-01", "P-3.6-02", "P-3.6-03"), Needs(CapFilter)), func(ctx SpecContext) {
		p, log := a.entraSim(entraDefault)
		u := a.entraUser()
		id := a.provisionedUser(ctx, p, u)
		entraRun("P-3.6-01", log, "DELETE /Users/{id} (204)", p.DeleteUser(ctx, u))
		a.get(ctx, a.userPath(id), nil).expectStatus("P-3.6-02", http.StatusNotFound)
		expectNoMatch("P-3.6-03", a.filterBy(ctx, a.users(), "userName", u.UserPrincipalName, nil))
	})

	Describe("manager", func() {
		// managed provisions a user and two managers and returns the user,
		// the managers and their SCIM ids.
		managed := func(ctx context.Context, p *entra.Provisioner) (u, m1, m2 entra.User, id1, id2, uid string) {
			GinkgoHelper()
			u, m1, m2 = a.entraUser(), a.entraUser(), a.entraUser()
			uid = a.provisionedUser(ctx, p, u)
			id1 = a.provisionedUser(ctx, p, m1)
			id2 = a.provisionedUser(ctx, p, m2)
			return
		}
		managerValue := URNEnterprise + ".manager.value"

		DescribeTable("sets, replaces and removes it inside the enterprise extension",
			func(ctx SpecContext, opts entra.Options, step string) {
				p, log := a.entraSim(opts)
				u, m1, m2, id1, id2, uid := managed(ctx, p)
				entraRun("S-4.3-01", log, "the manager Add", p.SetManager(ctx, u, m1))
				want := id1
				switch step {
				case "replace":
					entraRun("S-4.3-01", log, "the manager Replace", p.ReplaceManager(ctx, u, m2))
					want = id2
				case "remove":
					entraRun("P-3.5.2.2-02", log, "the manager Remove", p.RemoveManager(ctx, u))
					want = ""
				}
				got := a.readBack(ctx, a.userPath(uid))
				got.expect("S-4.3-01", got.F(managerValue).String() == want, managerValue,
					"manager.value "+quote(want)+" inside the enterprise extension (else Entra re-sends it every cycle)", fragment(got.F(URNEnterprise)))
			},
			Entry("default: Add", Meta(AreaEntra, SHOULD, Req("S-4.3-01", "P-3.5.2-03"), Needs(CapPatch, CapEnterprise)), entraDefault, "set"),
			Entry("default: Replace", Meta(AreaEntra, SHOULD, Req("S-4.3-01", "P-3.5.2-03"), Needs(CapPatch, CapEnterprise)), entraDefault, "replace"),
			Entry("default: Remove", Meta(AreaEntra, SHOULD, Req("S-4.3-01", "P-3.5.2-03"), Needs(CapPatch, CapEnterprise)), entraDefault, "remove"),
			Entry("compliant: add", Meta(AreaEntra, MUST, Req("S-4.3-01", "P-3.5.2-18"), Needs(CapPatch, CapEnterprise)), entraCompliant, "set"),
			Entry("compliant: replace", Meta(AreaEntra, MUST, Req("S-4.3-01", "P-3.5.2.3-02"), Needs(CapPatch, CapEnterprise)), entraCompliant, "replace"),
			Entry("compliant: remove", Meta(AreaEntra, MUST, Req("S-4.3-01", "P-3.5.2.2-02"), Needs(CapPatch, CapEnterprise)), entraCompliant, "remove"),
		)
	})
})

var _ = Describe("Entra: groups", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("provisions a group with Entra's body (Microsoft schema URN, meta, no members)", Meta(AreaEntra, SHOULD, Req("P-3.3-11", "P-3.3-01"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		p, log := a.entraSim(entraDefault)
		g := a.entraGroup()
		a.guardLookup(ctx, a.groups(), "displayName", g.DisplayName)
		id, created, err := p.ProvisionGroup(ctx, g)
		a.expectEntraCreate(log, a.groupPath(id), id, created, err)
		entraRun("P-3.9-06", log, "GET /Groups/{id}?excludedAttributes=members", p.GetGroup(ctx, g))
		got := a.readBack(ctx, a.groupPath(id))
		got.expectField("P-3.1-01", "displayName", Equal(g.DisplayName))
		got.expectField("P-3.1-01", "externalId", Equal(g.ObjectID))
		got.expect("P-3.1-01", len(got.F("members").Array()) == 0, "members", "no members", fragment(got.F("members")))
	})

	DescribeTable("matches an existing group with excludedAttributes=members",
		func(ctx SpecContext, match string) {
			p, _ := a.entraSim(entra.Options{GroupMatch: match})
			g := a.entraGroup()
			id := a.provisionedGroup(ctx, p, g)
			// The match runs on a fresh simulator: its log holds the
			// request a failure names.
			fresh, freshLog := a.entraSim(entra.Options{GroupMatch: match})
			got, err := fresh.MatchGroup(ctx, g)
			a.expectEntraMatch(ctx, freshLog, "group", a.groupPath(id), id, got, err)
		},
		Entry("on displayName", Meta(AreaEntra, MUST, Req("P-3.4.2.2-04", "P-3.9-06"), Needs(CapGroups, CapFilter)), entra.MatchDisplayName),
		Entry("on externalId (filtering on it is optional: SHOULD)", Meta(AreaEntra, SHOULD, Req("P-3.4.2.2-04", "S-3.1-09"), Needs(CapGroups, CapFilter)), entra.MatchGroupExternalID),
	)

	It("reads a group back without members (excludedAttributes=members)", Meta(AreaEntra, MUST, Req("P-3.9-06"), Needs(CapGroups, CapPatch)), func(ctx SpecContext) {
		p, log := a.entraSim(entraCompliant)
		u, g := a.entraUser(), a.entraGroup()
		a.provisionedUser(ctx, p, u)
		gid := a.provisionedGroup(ctx, p, g)
		entraRun("P-3.5.2.1-10", log, "the member add", p.AddMembers(ctx, g, u))
		entraRun("P-3.9-06", log, "GET /Groups/{id}?excludedAttributes=members", p.GetGroup(ctx, g))
		r := a.get(ctx, a.groupPath(gid), url.Values{"excludedAttributes": {"members"}})
		r.expectStatus("P-3.9-06", http.StatusOK)
		expectNoMembers("P-3.9-06", r, "")
	})

	// withMembers provisions n users and a group and returns them with the
	// users' SCIM ids.
	withMembers := func(ctx context.Context, p *entra.Provisioner, n int) (entra.Group, string, []entra.User, []string) {
		GinkgoHelper()
		us := make([]entra.User, n)
		ids := make([]string, n)
		for i := range us {
			us[i] = a.entraUser()
			ids[i] = a.provisionedUser(ctx, p, us[i])
		}
		g := a.entraGroup()
		return g, a.provisionedGroup(ctx, p, g), us, ids
	}

	DescribeTable("adds members in batches",
		func(ctx SpecContext, opts entra.Options) {
			opts.MemberBatch = 2 // three members: two PATCHes
			p, log := a.entraSim(opts)
			g, gid, us, ids := withMembers(ctx, p, 3)
			entraRun("P-3.5.2.1-10", log, "the member add", p.AddMembers(ctx, g, us...))
			expectMembers("P-3.5.2.1-10", a.readBack(ctx, a.groupPath(gid)), ids...)
		},
		Entry(`default: Add with "$ref": null`, Meta(AreaEntra, SHOULD, Req("P-3.5.2.1-10", "P-3.5.2-03"), Needs(CapGroups, CapPatch)), entraDefault),
		Entry("compliant: add", Meta(AreaEntra, MUST, Req("P-3.5.2.1-10", "P-3.5.2.1-06"), Needs(CapGroups, CapPatch)), entraCompliant),
	)

	DescribeTable("removes only the members it names",
		func(ctx SpecContext, opts entra.Options) {
			p, log := a.entraSim(opts)
			g, gid, us, ids := withMembers(ctx, p, 3)
			entraRun("P-3.5.2.1-10", log, "the member add", p.AddMembers(ctx, g, us...))
			entraRun("P-3.5.2.2-04", log, "the member remove", p.RemoveMembers(ctx, g, us[0]))
			expectMembers("P-3.5.2.2-04", a.readBack(ctx, a.groupPath(gid)), ids[1], ids[2])
		},
		// By the RFC a remove of "members" with a value array is ambiguous
		// (without a filter it removes the attribute); Entra means "these".
		Entry("default: Remove path members with a value array", Meta(AreaEntra, SHOULD, Req("P-3.5.2.2-10"), Needs(CapGroups, CapPatch)), entraDefault),
		Entry(`compliant: remove members[value eq "id"]`, Meta(AreaEntra, MUST, Req("P-3.5.2.2-04"), Needs(CapGroups, CapPatch)), entraCompliant),
	)

	DescribeTable("renames a group and keeps its members",
		func(ctx SpecContext, opts entra.Options) {
			p, log := a.entraSim(opts)
			g, gid, us, ids := withMembers(ctx, p, 1)
			entraRun("P-3.5.2.1-10", log, "the member add", p.AddMembers(ctx, g, us...))
			name := g.DisplayName + " renamed"
			entraRun("P-3.5.2.3-09", log, "the rename", p.RenameGroup(ctx, g, name))
			got := a.readBack(ctx, a.groupPath(gid))
			got.expectField("P-3.5.2.3-09", "displayName", Equal(name))
			expectMembers("P-3.5.2.3-09", got, ids...)
		},
		Entry("default: Replace path displayName", Meta(AreaEntra, SHOULD, Req("P-3.5.2.3-09", "P-3.5.2-03"), Needs(CapGroups, CapPatch)), entraDefault),
		Entry("compliant: replace path displayName", Meta(AreaEntra, MUST, Req("P-3.5.2.3-09"), Needs(CapGroups, CapPatch)), entraCompliant),
	)

	It("deletes a group: 204, then 404 and no longer matched", Meta(AreaEntra, MUST, Req("P-3.6-01", "P-3.6-02", "P-3.6-03"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		p, log := a.entraSim(entraDefault)
		g := a.entraGroup()
		gid := a.provisionedGroup(ctx, p, g)
		entraRun("P-3.6-01", log, "DELETE /Groups/{id} (204)", p.DeleteGroup(ctx, g))
		a.get(ctx, a.groupPath(gid), nil).expectStatus("P-3.6-02", http.StatusNotFound)
		expectNoMatch("P-3.6-03", a.filterBy(ctx, a.groups(), "displayName", g.DisplayName, nil))
	})
})
