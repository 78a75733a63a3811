package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/okta"
)

// The okta profile: Okta's provisioning flows (idp-wire.md A3) replayed
// through simulator/okta in both client flavours (OIN catalog app: PATCH;
// AIW custom app: GET+PUT), each followed by reads that check the target
// stored what Okta sent, and the response shapes Okta depends on (A4). A
// flow failure carries the admin message Okta would show.
//
// Levels: a spec whose requests and success criteria are RFC 7644 rules is
// MUST; one that only Okta's client needs (Resources on an empty list, a
// pathless rename carrying the group id) is SHOULD.

// oktaDialects are the two client flavours; OIN sends PATCH, so its entries
// need patch.
var oktaDialects = []struct {
	name  string
	cfg   okta.Config
	needs []Capability
}{
	{"OIN app (PATCH)", okta.Config{Dialect: okta.DialectOIN}, []Capability{CapFilter, CapPatch}},
	{"AIW app (GET+PUT)", okta.Config{Dialect: okta.DialectAIW}, []Capability{CapFilter}},
}

var _ = Describe("Okta: users", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("passes Test API Credentials (GET /Users?startIndex=1&count=2)", Meta(AreaOkta, MUST, Req("P-3.4.2-01", "P-3.4.2-02", "P-3.4.2-03")), func(ctx SpecContext) {
		// A user exists, so Resources is required by the RFC too.
		a.createOktaShaped(ctx, a.oktaUser())
		p, log := a.oktaSim(okta.Config{})
		expectFlow("P-3.4.2-03", p.TestCredentials(ctx), log, "a ListResponse with integer counters and Resources")
	})

	It("imports every user, paging by 100 until totalResults is covered", Meta(AreaOkta, MUST, Req("P-3.4.2-08", "P-3.4.2-07", "P-3.4.2-04")), func(ctx SpecContext) {
		want := map[string]string{}
		for range 3 {
			u := a.oktaUser()
			want[a.createOktaShaped(ctx, u)] = u.UserName
		}
		a.oktaImportPages(ctx)
		a.expectImported(ctx, want)
	})

	It("imports more than one page without losing or repeating a user", Meta(AreaOkta, MUST, Req("P-3.4.2-08", "P-3.4.2.4-07")), func(ctx SpecContext) {
		want := map[string]string{}
		// Counted by creations, not by distinct ids: a target that answers
		// every create with the same id must not keep the loop going (the
		// import then misses the users it lost).
		for n := max(a.oktaImportPages(ctx), 0); n <= okta.PageSize; n++ {
			u := a.oktaUser()
			want[a.createOktaShaped(ctx, u)] = u.UserName
		}
		a.expectImported(ctx, want)
	})

	It("returns full pages of 100, as Okta's import assumes", Meta(AreaOkta, SHOULD, Req("P-3.4.2.4-06")), func(ctx SpecContext) {
		// A negative totalResults must not make the loop create thousands.
		for total := max(a.usersTotal(ctx), 0); total < okta.PageSize; total++ {
			a.createOktaShaped(ctx, a.oktaUser())
		}
		r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(), RawQuery: fmt.Sprintf("startIndex=1&count=%d", okta.PageSize)})
		r.expectStatus("P-3.4.2.4-06", http.StatusOK)
		n := len(r.F("Resources").Array())
		r.expect("P-3.4.2.4-06", n == okta.PageSize, "Resources", fmt.Sprintf("%d resources (Okta steps startIndex by %d and skips what a shorter page left out)", okta.PageSize, okta.PageSize), fmt.Sprintf("%d resources", n))
	})

	DescribeTable("answers list requests with integer counters",
		func(ctx SpecContext, groups bool, query func(a *api) string) {
			a.createOktaShaped(ctx, a.oktaUser())
			path := a.users()
			if groups {
				path = a.groups()
			}
			r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: path, RawQuery: query(a)})
			expectCounters("P-3.4.2-02", r)
		},
		Entry("import page", Meta(AreaOkta, MUST, Req("P-3.4.2-02")), false, func(*api) string { return "startIndex=1&count=100" }),
		Entry("userName lookup", Meta(AreaOkta, MUST, Req("P-3.4.2-02"), Needs(CapFilter)), false,
			func(a *api) string {
				return filterQuery("userName", a.oktaUser().UserName) + "&startIndex=1&count=100"
			}),
		Entry("group import page", Meta(AreaOkta, MUST, Req("P-3.4.2-02"), Needs(CapGroups)), true, func(*api) string { return "startIndex=1&count=100" }),
	)

	It("answers a userName lookup that matches nothing with 200, not 404", Meta(AreaOkta, MUST, Req("P-3.4.2-05"), Needs(CapFilter)), func(ctx SpecContext) {
		r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(),
			RawQuery: filterQuery("userName", a.oktaUser().UserName) + "&startIndex=1&count=100"})
		r.expectStatus("P-3.4.2-05", http.StatusOK)
		r.expectField("P-3.4.2-05", "totalResults", BeNumerically("==", 0))
	})

	It("answers Okta's lookup with the attributes it links on (schemas, id, userName, active, meta)", Meta(AreaOkta, MUST, Req("P-3.4.2-09", "S-3.1-16"), Needs(CapFilter)), func(ctx SpecContext) {
		u := a.oktaUser()
		id := a.createOktaShaped(ctx, u)
		r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(),
			RawQuery: filterQuery("userName", u.UserName) + "&startIndex=1&count=100"})
		r.expectStatus("P-3.4.2-09", http.StatusOK)
		r.expect("P-3.4.2-09", field(firstResource(r), "id").String() == id, "Resources", "the user "+id, fragment(r.F("Resources")))
		for _, k := range []string{"schemas", "userName", "active", "meta.location", "meta.resourceType"} {
			v := field(firstResource(r), k)
			r.expect("P-3.4.2-09", v.Exists() && v.String() != "", "Resources.0."+k, k+" in the match (Okta cannot link a user without it)", fragment(v))
		}
	})

	It("includes Resources in an empty list (Okta reads its absence as 'No results returned')", Meta(AreaOkta, SHOULD, Req("P-3.4.2-03"), Needs(CapFilter)), func(ctx SpecContext) {
		r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(),
			RawQuery: filterQuery("userName", a.oktaUser().UserName) + "&startIndex=1&count=100"})
		r.expectStatus("P-3.4.2-05", http.StatusOK)
		res := r.F("Resources")
		r.expect("P-3.4.2-03", res.IsArray() && len(res.Array()) == 0, "Resources", "Resources: [] on an empty result", fragment(res))
	})

	DescribeTable("assigns a new user: lookup, then POST",
		func(ctx SpecContext, cfg okta.Config) {
			p, log := a.oktaSim(cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "P-3.3-01", u)
			got := a.readBack(ctx, a.userPath(id))
			got.expectField("P-3.1-01", "userName", WithTransform(strings.ToLower, Equal(strings.ToLower(u.UserName))))
			got.expectField("P-3.1-01", "externalId", Equal(u.OktaID))
			got.expectField("P-3.1-01", "name.givenName", Equal(u.Name.GivenName))
			got.expectField("P-3.1-01", "name.familyName", Equal(u.Name.FamilyName))
			got.expectField("P-3.1-01", "active", BeTrue())
		},
		Entry("filter encoded with %20", Meta(AreaOkta, MUST, Req("P-3.3-01", "P-3.4.2-05", "P-3.1-01", "P-3.3-05"), Needs(CapFilter)), okta.Config{}),
		Entry("filter encoded with +", Meta(AreaOkta, MUST, Req("P-3.3-01", "P-3.4.2-05", "P-3.1-01", "P-1.2-01"), Needs(CapFilter)), okta.Config{FilterEncoding: okta.EncodingPlus}),
		Entry("Runscope headers (application/json POST)", Meta(AreaOkta, SHOULD, Req("P-3.8-07"), Needs(CapFilter)), okta.Config{Headers: okta.HeadersRunscope}),
	)

	It("returns the created user with its id in the 201 body (Okta: 'Create new user returned empty user')", Meta(AreaOkta, SHOULD, Req("P-3.3-02")), func(ctx SpecContext) {
		r := a.postUser(ctx, oktaBody(a.oktaUser()))
		r.expectStatus("P-3.3-01", http.StatusCreated)
		r.expect("P-3.3-02", r.F("id").String() != "", "id", "a 201 body with a non-empty id", fragment(r.JSON()))
	})

	It("never returns the password Okta sends on every create", Meta(AreaOkta, MUST, Req("S-4.1.1-05")), func(ctx SpecContext) {
		r := a.postUser(ctx, oktaBody(a.oktaUser()))
		id := a.created(r, "user")
		for _, x := range []*reply{r, a.readBack(ctx, a.userPath(id))} {
			x.expect("S-4.1.1-05", !x.F("password").Exists(), "password", "no password in the response", fragment(x.F("password")))
		}
	})

	It("refuses Okta's create for a userName that exists with 409", Meta(AreaOkta, MUST, Req("P-3.3-06", "P-3.12-02")), func(ctx SpecContext) {
		u := a.oktaUser()
		a.createOktaShaped(ctx, u)
		r := a.postUser(ctx, oktaBody(u))
		r.expectStatus("P-3.3-06", http.StatusConflict)
		r.expectSCIMError("P-3.12-02")
	})

	DescribeTable("links a user that already exists instead of creating it",
		func(ctx SpecContext, cfg okta.Config, upper bool) {
			u := a.oktaUser()
			existing := a.createOktaShaped(ctx, u)
			if upper {
				u.UserName = strings.ToUpper(u.UserName)
			}
			u.Name.GivenName = "Linked-" + a.uniqueSuffix()
			p, log := a.oktaSim(cfg)
			id := a.oktaAssign(ctx, p, log, "P-3.4.2.2-04", u)
			a.readBack(ctx, a.userPath(id)).expect("P-3.4.2.2-04", id == existing, "id", "the existing user "+existing+" linked", "linked "+id)
			got := a.readBack(ctx, a.userPath(existing))
			got.expectField("P-3.5.1-02", "name.givenName", Equal(u.Name.GivenName))
		},
		Entry("OIN app", Meta(AreaOkta, MUST, Req("P-3.4.2.2-04", "P-3.5.1-07", "P-3.5.1-02"), Needs(CapFilter)), okta.Config{}, false),
		Entry("AIW app", Meta(AreaOkta, MUST, Req("P-3.4.2.2-04", "P-3.5.1-07", "P-3.5.1-02"), Needs(CapFilter)), okta.Config{Dialect: okta.DialectAIW}, false),
		Entry("userName in another letter case (else Okta POSTs and gets 409)", Meta(AreaOkta, MUST, Req("S-4.1.1-04"), Needs(CapFilter)), okta.Config{}, true),
	)

	for _, d := range oktaDialects {
		It("links and reactivates an existing inactive user: "+d.name, Meta(AreaOkta, MUST, Req("S-4.1.1-08", "P-3.4.2.2-04"), Needs(d.needs...)), func(ctx SpecContext) {
			u := a.oktaUser()
			inactive, err := sjson.SetBytes(oktaBody(u), "active", false)
			if err != nil {
				failNow(fmt.Sprintf("%sset active false: %v", preconditionPrefix, err))
			}
			existing, _ := a.createUser(ctx, inactive)
			p, log := a.oktaSim(d.cfg)
			a.oktaAssign(ctx, p, log, "S-4.1.1-08", u)
			a.readBack(ctx, a.userPath(existing)).expectField("S-4.1.1-08", "active", BeTrue())
		})

		It("pushes a profile update with GET+PUT and keeps what was sent: "+d.name, Meta(AreaOkta, MUST, Req("P-3.5.1-07", "P-3.5.1-02"), Needs(d.needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "P-3.5.1-07", u)
			u.Name.GivenName, u.Name.FamilyName = "Zoë-"+a.uniqueSuffix(), "Ñandú"
			u.DisplayName = "Zoë Ñandú " + a.fx.RunID()
			u.Locale = "fr-CA"
			expectFlow("P-3.5.1-07", p.UpdateProfile(ctx, u), log, "GET then PUT of the user's own representation to succeed (200)")
			got := a.readBack(ctx, a.userPath(id))
			for path, want := range map[string]string{
				"name.givenName": u.Name.GivenName, "name.familyName": u.Name.FamilyName, "displayName": u.DisplayName,
				"locale": u.Locale, "externalId": u.OktaID, "emails.0.value": u.Emails[0].Value,
			} {
				got.expectField("P-3.5.1-02", path, Equal(want))
			}
			got.expectField("P-3.5.1-02", "userName", WithTransform(strings.ToLower, Equal(strings.ToLower(u.UserName))))
			got.expectField("P-3.5.1-02", "active", BeTrue())
		})

		It("deactivates a user who stays readable with active=false: "+d.name, Meta(AreaOkta, MUST, Req("S-4.1.1-08", "P-3.5.2.3-01"), Needs(d.needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "S-4.1.1-08", u)
			expectFlow("S-4.1.1-08", p.Deactivate(ctx, u.OktaID), log, "the deactivation to succeed (PATCH: 200 or 204; PUT: 200)")
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeFalse())
		})

		It("keeps a deactivated user findable by userName: "+d.name, Meta(AreaOkta, MUST, Req("P-3.4.2.2-04", "P-3.4.2.2-01"), Needs(d.needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "P-3.4.2.2-04", u)
			expectFlow("S-4.1.1-08", p.Deactivate(ctx, u.OktaID), log, "the deactivation to succeed")
			r := a.get(ctx, a.users(), url.Values{"filter": {"userName eq " + quote(u.UserName)}})
			r.expectStatus("P-3.4.2.2-04", http.StatusOK)
			r.expect("P-3.4.2.2-04", r.F("totalResults").Int() == 1 && field(firstResource(r), "id").String() == id, "Resources",
				"the deactivated user "+id+" (else Okta's reassignment POSTs and gets 409)", fragment(r.F("Resources")))
			r.expect("S-4.1.1-08", field(firstResource(r), "active").Type == gjson.False, "Resources", "active false in the match", fragment(firstResource(r)))
		})

		It("follows deactivate, reassign, unassign: "+d.name, Meta(AreaOkta, MUST, Req("S-4.1.1-08", "P-3.4.2.2-04"), Needs(d.needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "S-4.1.1-08", u)
			expectFlow("S-4.1.1-08", p.Deactivate(ctx, u.OktaID), log, "the deactivation to succeed")
			// Reassignment starts with the lookup again and must find the
			// inactive user, link it, push the profile and reactivate it.
			again := a.oktaAssign(ctx, p, log, "P-3.4.2.2-04", u)
			a.readBack(ctx, a.userPath(id)).expect("P-3.4.2.2-04", again == id, "id", "the reassignment to link "+id, "linked "+again)
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeTrue())
			expectFlow("S-4.1.1-08", p.Deactivate(ctx, u.OktaID), log, "the second deactivation to succeed")
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeFalse())
		})

		It("reactivates a deactivated user: "+d.name, Meta(AreaOkta, MUST, Req("S-4.1.1-08"), Needs(d.needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "S-4.1.1-08", u)
			expectFlow("S-4.1.1-08", p.Deactivate(ctx, u.OktaID), log, "the deactivation to succeed")
			expectFlow("S-4.1.1-08", p.Reactivate(ctx, u.OktaID), log, "the reactivation to succeed")
			a.readBack(ctx, a.userPath(id)).expectField("S-4.1.1-08", "active", BeTrue())
		})
	}

	It("answers Okta's PUT (its GET body echoed with a change) with 200 and the entire user", Meta(AreaOkta, MUST, Req("P-3.5-01", "P-3.5.1-07", "P-3.5.1-10")), func(ctx SpecContext) {
		id := a.createOktaShaped(ctx, a.oktaUser())
		before := a.readBack(ctx, a.userPath(id))
		name := "Echo-" + a.uniqueSuffix()
		// Edit the member the target spelled (it may answer "NAME"): a
		// second "name" member would make the body ambiguous.
		body, err := sjson.SetBytes([]byte(before.JSON().Raw), storedPath(before.JSON(), "name.givenName"), name)
		if err == nil && !before.F("groups").Exists() {
			// Okta adds "groups": [] although groups is read-only.
			body, err = sjson.SetRawBytes(body, "groups", []byte("[]"))
		}
		if err != nil {
			failNow(fmt.Sprintf("%sedit the GET body: %v", preconditionPrefix, err))
		}
		r := a.send(ctx, http.MethodPut, a.userPath(id), body)
		r.expectStatus("P-3.5.1-07", http.StatusOK)
		r.expectField("P-3.5.1-10", "id", Equal(id))
		r.expectField("P-3.5.1-10", "name.givenName", Equal(name))
		for _, k := range []string{"schemas", "userName", "meta", "externalId", "emails"} {
			r.expect("P-3.5.1-10", hasKey(r.JSON(), k), "", k+" in the PUT response (the entire resource)", "absent")
		}
		a.readBack(ctx, a.userPath(id)).expectField("P-3.5.1-02", "name.givenName", Equal(name))
	})

	DescribeTable("syncs a password",
		func(ctx SpecContext, cfg okta.Config) {
			p, log := a.oktaSim(cfg)
			u := a.oktaUser()
			id := a.oktaAssign(ctx, p, log, "S-4.1.1-07", u)
			expectFlow("S-4.1.1-07", p.SyncPassword(ctx, u.OktaID, "Sync-"+a.uniqueSuffix()+"-Pw1!"), log, "the password change to succeed")
			if body := log.lastExchange().ResponseBody; body != "" {
				if pw := field(gjson.Parse(body), "password"); pw.Exists() {
					failReq("S-4.1.1-05", nil, "no password in the response to the password change", "password returned", pw)
				}
			}
			got := a.readBack(ctx, a.userPath(id))
			got.expect("S-4.1.1-05", !got.F("password").Exists(), "password", "no password in the read-back", fragment(got.F("password")))
		},
		Entry("OIN app, pathless PATCH", Meta(AreaOkta, MUST, Req("S-4.1.1-07", "S-4.1.1-05"), Needs(CapFilter, CapPatch, CapChangePassword)), okta.Config{}),
		Entry("OIN app, PATCH path password", Meta(AreaOkta, MUST, Req("S-4.1.1-07"), Needs(CapFilter, CapPatch, CapChangePassword)), okta.Config{PasswordShape: okta.PasswordPath}),
		Entry("AIW app, GET+PUT", Meta(AreaOkta, MUST, Req("S-4.1.1-07", "P-3.5.1-02"), Needs(CapFilter, CapChangePassword)), okta.Config{Dialect: okta.DialectAIW}),
	)
})

var _ = Describe("Okta: groups", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	for _, d := range oktaDialects {
		needs := append([]Capability{CapGroups}, d.needs...)

		It("pushes a new group with its members: "+d.name, Meta(AreaOkta, MUST, Req("P-3.3-01", "P-3.5.2.1-10", "P-3.5.1-13"), Needs(needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			us, ids := a.oktaUsers(ctx, p, log, "P-3.3-01", 2)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.3-01", g, oktaIDs(us...))
			got := a.readBack(ctx, a.groupPath(gid))
			got.expectField("P-3.1-01", "displayName", Equal(g.DisplayName))
			expectMembers("P-3.5.2.1-10", got, ids...)
		})

		It("changes members (remove one, add a batch): "+d.name, Meta(AreaOkta, MUST, Req("P-3.5.2.2-04", "P-3.5.2.1-10", "P-3.5.1-13"), Needs(needs...)), func(ctx SpecContext) {
			cfg := d.cfg
			cfg.RenameBeside = okta.RenameOff // the rename Okta sends beside it has its own spec
			p, log := a.oktaSim(cfg)
			us, ids := a.oktaUsers(ctx, p, log, "P-3.5.2.1-10", 4)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.5.2.1-10", g, oktaIDs(us[0], us[1]))
			expectFlow("P-3.5.2.2-04", p.UpdateMembers(ctx, g.OktaID, oktaIDs(us[2], us[3]), oktaIDs(us[0])), log,
				"the membership change (PATCH remove members[value eq] + add, or a full PUT) to succeed")
			expectMembers("P-3.5.2.2-04", a.readBack(ctx, a.groupPath(gid)), ids[1], ids[2], ids[3])
		})

		It("replaces the whole member list: "+d.name, Meta(AreaOkta, MUST, Req("P-3.5.2.3-03", "P-3.5.1-13"), Needs(needs...)), func(ctx SpecContext) {
			cfg := d.cfg
			cfg.RenameBeside = okta.RenameOff
			p, log := a.oktaSim(cfg)
			us, ids := a.oktaUsers(ctx, p, log, "P-3.5.2.3-03", 3)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.5.2.3-03", g, oktaIDs(us[0], us[1]))
			expectFlow("P-3.5.2.3-03", p.ReplaceMembers(ctx, g.OktaID, oktaIDs(us[1], us[2])), log, "the full member push to succeed")
			expectMembers("P-3.5.2.3-03", a.readBack(ctx, a.groupPath(gid)), ids[1], ids[2])
		})

		It("renames a group and keeps its members: "+d.name, Meta(AreaOkta, MUST, Req("P-3.5.2.3-09", "P-3.5.2.3-01", "P-3.5.1-02"), Needs(needs...)), func(ctx SpecContext) {
			cfg := d.cfg
			cfg.RenameOmitsID = true // the id in the value has its own (SHOULD) spec
			p, log := a.oktaSim(cfg)
			us, ids := a.oktaUsers(ctx, p, log, "P-3.5.2.3-09", 1)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.5.2.3-09", g, oktaIDs(us...))
			name := g.DisplayName + " renamed"
			expectFlow("P-3.5.2.3-09", p.RenameGroup(ctx, g.OktaID, name), log, "the rename to succeed")
			got := a.readBack(ctx, a.groupPath(gid))
			got.expectField("P-3.5.2.3-09", "displayName", Equal(name))
			expectMembers("P-3.5.2.3-01", got, ids...)
		})

		It("unlinks a group with 'Delete the group in the target app': "+d.name, Meta(AreaOkta, MUST, Req("P-3.6-01", "P-3.6-02", "P-3.4.1-01"), Needs(needs...)), func(ctx SpecContext) {
			p, log := a.oktaSim(d.cfg)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.6-01", g, nil)
			expectFlow("P-3.4.1-01", p.CheckGroup(ctx, g.OktaID), log, "GET /Groups/{id} to answer 200 while the group exists")
			expectFlow("P-3.6-01", p.UnlinkGroup(ctx, g.OktaID, true), log, "DELETE /Groups/{id} to answer 204")
			a.expectGone(ctx, "P-3.6-02", a.groupPath(gid), map[string]any{"schemas": []string{URNGroup}, "displayName": g.DisplayName})
		})
	}

	It("links a group that already exists (displayName lookup) instead of creating it", Meta(AreaOkta, MUST, Req("P-3.4.2.2-04", "P-3.4.2.2-22"), Needs(CapGroups, CapFilter, CapPatch)), func(ctx SpecContext) {
		g := a.oktaGroup()
		existing, _ := a.createGroup(ctx, map[string]any{"schemas": []string{URNGroup}, "displayName": g.DisplayName})
		p, log := a.oktaSim(okta.Config{})
		gid := a.oktaPushGroup(ctx, p, log, "P-3.4.2.2-04", g, nil)
		a.readBack(ctx, a.groupPath(existing)).expect("P-3.4.2.2-04", gid == existing, "id", "the existing group "+existing+" linked", "linked "+gid)
	})

	It("answers a displayName lookup that matches nothing with 200 and totalResults 0", Meta(AreaOkta, MUST, Req("P-3.4.2-05"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		r := a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.groups(),
			RawQuery: filterQuery("displayName", a.oktaGroup().DisplayName) + "&startIndex=1&count=100"})
		r.expectStatus("P-3.4.2-05", http.StatusOK)
		r.expectField("P-3.4.2-05", "totalResults", BeNumerically("==", 0))
	})

	It("imports groups with their members", Meta(AreaOkta, MUST, Req("P-3.4.2-08", "S-4.2-02"), Needs(CapGroups, CapFilter, CapPatch)), func(ctx SpecContext) {
		p, log := a.oktaSim(okta.Config{RenameBeside: okta.RenameOff})
		us, _ := a.oktaUsers(ctx, p, log, "P-3.4.2-08", 2)
		g := a.oktaGroup()
		gid := a.oktaPushGroup(ctx, p, log, "P-3.4.2-08", g, oktaIDs(us...))
		got, err := p.ImportGroups(ctx)
		expectFlow("P-3.4.2-08", err, log, "every page of the group import to be a ListResponse Okta can read")
		for _, im := range got {
			if im.ID == gid {
				if im.Members != 2 {
					failReq("S-4.2-02", nil, "the imported group "+gid+" with its 2 members (Okta builds app-group memberships from them)", fmt.Sprintf("%d members", im.Members), gjson.Result{})
				}
				return
			}
		}
		failReq("P-3.4.2-08", nil, "the import to list group "+gid, fmt.Sprintf("%d groups imported without it", len(got)), gjson.Result{})
	})

	// The OIN rename is a pathless replace whose value carries the group id
	// (idp-wire.md A3.9, A6.2). Replacing the readOnly id with its own value
	// changes nothing, but a server may refuse any mention of id (RFC 7644
	// §3.5.2), so these are SHOULD: what Okta needs, not what the RFC demands.
	It("accepts Okta's rename whose value carries the group id, keeping members", Meta(AreaOkta, SHOULD, Req("P-3.5.2.3-01", "P-3.5.2-07"), Needs(CapGroups, CapFilter, CapPatch)), func(ctx SpecContext) {
		p, log := a.oktaSim(okta.Config{RenameBeside: okta.RenameOff})
		us, ids := a.oktaUsers(ctx, p, log, "P-3.5.2.3-01", 1)
		g := a.oktaGroup()
		gid := a.oktaPushGroup(ctx, p, log, "P-3.5.2.3-01", g, oktaIDs(us...))
		name := g.DisplayName + " renamed"
		expectFlow("P-3.5.2.3-01", p.RenameGroup(ctx, g.OktaID, name), log, `PATCH {"op":"replace","value":{"id":..., "displayName":...}} to succeed`)
		got := a.readBack(ctx, a.groupPath(gid))
		got.expectField("P-3.5.2.3-01", "displayName", Equal(name))
		got.expectField("P-3.5.2.3-01", "id", Equal(gid))
		expectMembers("P-3.5.2.3-01", got, ids...)
	})

	DescribeTable("accepts the no-op rename Okta sends with every membership change",
		func(ctx SpecContext, beside okta.RenameBeside) {
			p, log := a.oktaSim(okta.Config{RenameBeside: beside})
			us, ids := a.oktaUsers(ctx, p, log, "P-3.5.2-10", 3)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.5.2-10", g, oktaIDs(us[0]))
			expectFlow("P-3.5.2-10", p.UpdateMembers(ctx, g.OktaID, oktaIDs(us[1], us[2]), oktaIDs(us[0])), log, "the membership change and its rename to succeed")
			got := a.readBack(ctx, a.groupPath(gid))
			got.expectField("P-3.5.2-10", "displayName", Equal(g.DisplayName))
			expectMembers("P-3.5.2-10", got, ids[1], ids[2])
		},
		Entry("as its own PATCH before", Meta(AreaOkta, SHOULD, Req("P-3.5.2-10"), Needs(CapGroups, CapFilter, CapPatch)), okta.RenameBefore),
		Entry("as its own PATCH after", Meta(AreaOkta, SHOULD, Req("P-3.5.2-10"), Needs(CapGroups, CapFilter, CapPatch)), okta.RenameAfter),
		Entry("inside the membership PATCH", Meta(AreaOkta, SHOULD, Req("P-3.5.2-10"), Needs(CapGroups, CapFilter, CapPatch)), okta.RenameInline),
	)

	DescribeTable("accepts the AIW full-member PUT as captured in the wild",
		func(ctx SpecContext, cfg okta.Config) {
			cfg.Dialect = okta.DialectAIW
			p, log := a.oktaSim(cfg)
			us, ids := a.oktaUsers(ctx, p, log, "P-3.5.1-13", 2)
			g := a.oktaGroup()
			gid := a.oktaPushGroup(ctx, p, log, "P-3.5.1-13", g, oktaIDs(us[0]))
			expectFlow("P-3.5.1-13", p.UpdateMembers(ctx, g.OktaID, oktaIDs(us[1]), nil), log, "the full-member PUT to succeed")
			expectMembers("P-3.5.1-13", a.readBack(ctx, a.groupPath(gid)), ids...)
		},
		Entry(`members with "display": null`, Meta(AreaOkta, MUST, Req("P-3.5.1-13", "S-2.5-01"), Needs(CapGroups, CapFilter)), okta.Config{NullMemberDisplay: true}),
		Entry("body without id", Meta(AreaOkta, MUST, Req("P-3.5.1-13", "P-3.5.1-07"), Needs(CapGroups, CapFilter)), okta.Config{AIWPutOmitsID: true}),
	)
})
