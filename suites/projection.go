package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
)

// Projection specs: the attributes and excludedAttributes parameters (RFC
// 7644 §3.9, §3.4.2.5) on single reads, lists and write responses, the
// attribute notation they use (§3.10) and the "returned" characteristic that
// bounds them (RFC 7643 §2.2, §7).

// schemaAttr is one attribute or sub-attribute a /Schemas entry declares,
// with the RFC 7643 §2.2 defaults filled in.
type schemaAttr struct {
	// Path is the attribute name, dotted for sub-attributes ("name.givenName").
	Path      string
	Type      string
	Returned  string
	CaseExact bool
	Multi     bool
}

// schemaDoc returns the /Schemas entry whose id is urn (case-insensitive).
func schemaDoc(d *Discovery, urn string) gjson.Result {
	list := field(d.Schemas, "Resources")
	if d.Schemas.IsArray() {
		list = d.Schemas
	}
	for _, s := range list.Array() {
		if strings.EqualFold(field(s, "id").String(), urn) {
			return s
		}
	}
	return gjson.Result{}
}

// declaredAttrs flattens the attributes the schema urn declares.
func declaredAttrs(d *Discovery, urn string) []schemaAttr {
	var out []schemaAttr
	var walk func(attrs gjson.Result, prefix string)
	walk = func(attrs gjson.Result, prefix string) {
		for _, a := range attrs.Array() {
			at := schemaAttr{
				Path:      prefix + field(a, "name").String(),
				Type:      strings.ToLower(field(a, "type").String()),
				Returned:  strings.ToLower(field(a, "returned").String()),
				CaseExact: field(a, "caseExact").Bool(),
				Multi:     field(a, "multiValued").Bool(),
			}
			if at.Type == "" {
				at.Type = "string"
			}
			if at.Returned == "" {
				at.Returned = "default"
			}
			out = append(out, at)
			walk(field(a, "subAttributes"), at.Path+".")
		}
	}
	walk(field(schemaDoc(d, urn), "attributes"), "")
	return out
}

// declaredCaseExact reports the caseExact characteristic of path in schema
// urn (false, the RFC 7643 §2.2 default, when not declared).
func declaredCaseExact(d *Discovery, urn, path string) bool {
	for _, a := range declaredAttrs(d, urn) {
		if strings.EqualFold(a.Path, path) {
			return a.CaseExact
		}
	}
	return false
}

// returnedAs lists the top-level attribute names of schema urn whose
// returned characteristic is ret (lower-cased).
func returnedAs(d *Discovery, urn, ret string) []string {
	var out []string
	for _, a := range declaredAttrs(d, urn) {
		if !strings.Contains(a.Path, ".") && a.Returned == ret {
			out = append(out, strings.ToLower(a.Path))
		}
	}
	return out
}

// minimumSet is the lower-cased top-level keys a projected User or Group may
// always carry: id and schemas, and any attribute declared returned: always
// (RFC 7644 §3.9: the minimum set).
func minimumSet(d *Discovery, urn string) map[string]bool {
	m := map[string]bool{"id": true, "schemas": true}
	for _, n := range returnedAs(d, urn, "always") {
		m[n] = true
	}
	return m
}

// topKeys returns the top-level keys of obj, lower-cased and sorted (none
// when obj is not an object).
func topKeys(obj gjson.Result) []string {
	if !obj.IsObject() {
		return nil
	}
	var ks []string
	obj.ForEach(func(k, _ gjson.Result) bool {
		ks = append(ks, strings.ToLower(k.String()))
		return true
	})
	sort.Strings(ks)
	return ks
}

// expectOnly requires obj to hold id and the wanted top-level attributes and
// nothing beyond them and the minimum set.
func expectOnly(id string, r *reply, obj gjson.Result, minimum map[string]bool, want ...string) {
	GinkgoHelper()
	allowed := map[string]bool{}
	for k := range minimum {
		allowed[k] = true
	}
	for _, w := range want {
		allowed[strings.ToLower(w)] = true
		r.expect(id, field(obj, w).Exists(), "", w+" (requested)", "absent in "+fragment(obj))
	}
	r.expect(id, field(obj, "id").String() != "", "", "id (returned: always)", "absent in "+fragment(obj))
	var extra []string
	for _, k := range topKeys(obj) {
		if !allowed[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		failReq(id, r, fmt.Sprintf("only the minimum set and %v", want), "also "+strings.Join(extra, ", "), obj)
	}
}

// ownUser, ownMinimalUser and ownGroup are fixtures whose userName or
// displayName is unique to the running spec ([api.specUnique]): fixture
// sequence numbers restart in every spec, and a target that keeps deleted
// names taken would otherwise answer 409 to an unrelated spec.
func ownUser(a *api) map[string]any {
	u := a.user()
	u["userName"] = a.specUnique(fmt.Sprint(u["userName"]))
	return u
}

// ownMinimalUser is [api.minimalUser] with a spec-unique userName.
func ownMinimalUser(a *api) map[string]any {
	u := a.minimalUser()
	u["userName"] = a.specUnique(fmt.Sprint(u["userName"]))
	return u
}

// ownGroup is [api.group] with a spec-unique displayName.
func ownGroup(a *api) map[string]any {
	g := a.group()
	g["displayName"] = a.specUnique(fmt.Sprint(g["displayName"]))
	return g
}

// subKeys returns the lower-cased keys of the object at path in obj.
func subKeys(obj gjson.Result, path string) []string { return topKeys(field(obj, path)) }

var _ = Describe("Projection: single resource", func() {
	var (
		a    *api
		id   string
		full *reply
		min  map[string]bool
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, _ = a.createUser(ctx, ownUser(a))
		full = a.readBack(ctx, a.userPath(id))
		min = minimumSet(a.d, URNUser)
	})
	get := func(ctx SpecContext, q url.Values) *reply {
		GinkgoHelper()
		r := a.get(ctx, a.userPath(id), q)
		r.expectStatus("P-3.4.2.5-01", http.StatusOK)
		return r
	}
	attrs := func(v string) url.Values { return url.Values{"attributes": {v}} }
	excluded := func(v string) url.Values { return url.Values{"excludedAttributes": {v}} }

	It("returns only the minimum set and userName for attributes=userName", Meta(AreaProjection, MUST, Req("P-3.9-01", "P-3.4.2.5-01")), func(ctx SpecContext) {
		r := get(ctx, attrs("userName"))
		expectOnly("P-3.9-01", r, r.JSON(), min, "userName")
	})

	It("returns every listed attribute for attributes=userName,displayName,emails", Meta(AreaProjection, MUST, Req("P-3.9-01")), func(ctx SpecContext) {
		r := get(ctx, attrs("userName,displayName,emails"))
		expectOnly("P-3.9-01", r, r.JSON(), min, "userName", "displayName", "emails")
	})

	It("returns only id (and the minimum set) for attributes=id", Meta(AreaProjection, MUST, Req("P-3.9-01", "S-3.1-03")), func(ctx SpecContext) {
		r := get(ctx, attrs("id"))
		expectOnly("P-3.9-01", r, r.JSON(), min)
	})

	It("selects one sub-attribute for attributes=name.givenName", Meta(AreaProjection, MUST, Req("P-3.9-02")), func(ctx SpecContext) {
		r := get(ctx, attrs("name.givenName"))
		expectOnly("P-3.9-02", r, r.JSON(), min, "name")
		r.expect("P-3.9-02", strings.Join(subKeys(r.JSON(), "name"), ",") == "givenname", "name", "name holding only givenName", fragment(r.F("name")))
		r.expect("P-3.9-02", r.F("name.givenName").String() == full.F("name.givenName").String(), "name.givenName", full.F("name.givenName").Raw, fragment(r.F("name.givenName")))
	})

	It("selects one sub-attribute of every value for attributes=emails.value", Meta(AreaProjection, MUST, Req("P-3.9-02")), func(ctx SpecContext) {
		r := get(ctx, attrs("emails.value"))
		expectOnly("P-3.9-02", r, r.JSON(), min, "emails")
		emails := r.F("emails").Array()
		r.expect("P-3.9-02", len(emails) == len(full.F("emails").Array()), "emails", fmt.Sprintf("%d e-mail values", len(full.F("emails").Array())), fragment(r.F("emails")))
		for _, e := range emails {
			r.expect("P-3.9-02", strings.Join(topKeys(e), ",") == "value", "emails", "each e-mail holding only value", fragment(e))
		}
	})

	It("returns every stored sub-attribute for attributes=name", Meta(AreaProjection, MUST, Req("P-3.9-03")), func(ctx SpecContext) {
		r := get(ctx, attrs("name"))
		expectOnly("P-3.9-03", r, r.JSON(), min, "name")
		r.expect("P-3.9-03", strings.Join(subKeys(r.JSON(), "name"), ",") == strings.Join(subKeys(full.JSON(), "name"), ","), "name",
			"name as in a plain GET: "+fragment(full.F("name")), fragment(r.F("name")))
	})

	It("removes the listed attributes for excludedAttributes=emails,name", Meta(AreaProjection, MUST, Req("P-3.9-04", "P-3.4.2.5-01")), func(ctx SpecContext) {
		r := get(ctx, excluded("emails,name"))
		for _, k := range []string{"emails", "name"} {
			r.expect("P-3.9-04", !r.F(k).Exists(), k, k+" removed", fragment(r.F(k)))
		}
		for _, k := range []string{"id", "userName", "meta", "displayName"} {
			r.expect("P-3.9-04", r.F(k).Exists() || !full.F(k).Exists(), "", k+" kept (default set minus the exclusions)", "absent in "+fragment(r.JSON()))
		}
	})

	It("keeps id for excludedAttributes=id", Meta(AreaProjection, MUST, Req("P-3.9-05", "S-3.1-03")), func(ctx SpecContext) {
		r := get(ctx, excluded("id"))
		r.expect("P-3.9-05", r.F("id").String() == id, "id", "id "+id+" (returned: always)", fragment(r.F("id")))
	})

	It("removes meta for excludedAttributes=meta", Meta(AreaProjection, MUST, Req("P-3.9-04")), func(ctx SpecContext) {
		r := get(ctx, excluded("meta"))
		r.expect("P-3.9-04", !r.F("meta").Exists(), "meta", "meta removed (returned: default)", fragment(r.F("meta")))
		r.expect("P-3.9-04", r.F("id").String() == id && r.F("userName").Exists(), "", "id and userName kept", fragment(r.JSON()))
	})

	It("removes one sub-attribute for excludedAttributes=name.givenName", Meta(AreaProjection, MUST, Req("P-3.9-04")), func(ctx SpecContext) {
		r := get(ctx, excluded("name.givenName"))
		r.expect("P-3.9-04", !r.F("name.givenName").Exists(), "name", "name without givenName", fragment(r.F("name")))
		r.expect("P-3.9-04", r.F("name.familyName").String() == full.F("name.familyName").String(), "name", "name.familyName kept", fragment(r.F("name")))
	})

	It("ignores the letter case of attribute names", Meta(AreaProjection, MUST, Req("P-3.10-01")), func(ctx SpecContext) {
		r := get(ctx, attrs("USERNAME,Name.GivenName"))
		expectOnly("P-3.10-01", r, r.JSON(), min, "userName", "name")
		r.expect("P-3.10-01", strings.Join(subKeys(r.JSON(), "name"), ",") == "givenname", "name", "name holding only givenName", fragment(r.F("name")))
		x := get(ctx, excluded("EMAILS,Meta"))
		x.expect("P-3.10-01", !x.F("emails").Exists() && !x.F("meta").Exists(), "", "emails and meta removed", fragment(x.JSON()))
	})

	It("accepts URN-qualified core attribute names", Meta(AreaProjection, MAY, Req("P-3.10-02")), func(ctx SpecContext) {
		r := get(ctx, attrs(URNUser+":userName,"+URNUser+":name.familyName"))
		expectOnly("P-3.10-02", r, r.JSON(), min, "userName", "name")
		r.expect("P-3.10-02", strings.Join(subKeys(r.JSON(), "name"), ",") == "familyname", "name", "name holding only familyName", fragment(r.F("name")))
	})

	It("selects an enterprise attribute by its URN-qualified name", Meta(AreaProjection, SHOULD, Req("P-3.10-03"), Needs(CapEnterprise)), func(ctx SpecContext) {
		r := get(ctx, attrs(URNEnterprise+":employeeNumber"))
		expectOnly("P-3.10-03", r, r.JSON(), min, URNEnterprise)
		ext := r.F(URNEnterprise)
		r.expect("P-3.10-03", strings.Join(topKeys(ext), ",") == "employeenumber" && field(ext, "employeeNumber").String() == full.F(URNEnterprise+".employeeNumber").String(),
			URNEnterprise, "the extension holding only employeeNumber "+full.F(URNEnterprise+".employeeNumber").Raw, fragment(ext))
	})

	It("removes one enterprise attribute by its URN-qualified name", Meta(AreaProjection, MUST, Req("P-3.9-04"), Needs(CapEnterprise)), func(ctx SpecContext) {
		r := get(ctx, excluded(URNEnterprise+":department"))
		ext := r.F(URNEnterprise)
		r.expect("P-3.9-04", !field(ext, "department").Exists() && field(ext, "employeeNumber").Exists(), URNEnterprise,
			"the extension without department but with employeeNumber", fragment(ext))
	})

	It("ignores or refuses an unknown attribute name, never failing with 5xx", Meta(AreaProjection, MUST, Req("P-3.9-10")), func(ctx SpecContext) {
		r := a.get(ctx, a.userPath(id), attrs("userName,scimtestNoSuchAttribute"))
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.9-10")
			return
		}
		r.expectStatus("P-3.9-10", http.StatusOK, http.StatusBadRequest)
		expectOnly("P-3.9-10", r, r.JSON(), min, "userName")
	})

	It("refuses attributes together with excludedAttributes or applies one of them", Meta(AreaProjection, SHOULD, Req("P-3.9-08")), func(ctx SpecContext) {
		r := a.get(ctx, a.userPath(id), url.Values{"attributes": {"userName"}, "excludedAttributes": {"emails"}})
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("P-3.9-08")
			return
		}
		r.expectStatus("P-3.9-08", http.StatusOK, http.StatusBadRequest)
		r.expect("P-3.9-08", !r.F("emails").Exists(), "emails", "no emails (both parameters exclude it)", fragment(r.F("emails")))
	})

	It("returns no returned:never or returned:request attribute by default", Meta(AreaProjection, MUST, Req("P-3.4-01", "S-7-13")), func() {
		for _, n := range append(returnedAs(a.d, URNUser, "never"), returnedAs(a.d, URNUser, "request")...) {
			full.expect("P-3.4-01", !full.F(n).Exists(), n, n+" absent (declared returned: never/request)", fragment(full.F(n)))
		}
		full.expect("P-3.4-01", !full.F("password").Exists(), "password", "no password (RFC 7643 §4.1.1: returned never)", fragment(full.F("password")))
	})

	It("follows the declared returned characteristic under projection", Meta(AreaProjection, MUST, Req("S-7-13")), func(ctx SpecContext) {
		byName := get(ctx, attrs("userName"))
		for _, n := range returnedAs(a.d, URNUser, "always") {
			if !full.F(n).Exists() {
				continue
			}
			byName.expect("S-7-13", byName.F(n).Exists(), n, n+" kept under attributes=userName (returned: always)", "absent")
			ex := get(ctx, excluded(n))
			ex.expect("S-7-13", ex.F(n).Exists(), n, n+" kept under excludedAttributes="+n+" (returned: always)", "absent")
		}
		for _, n := range returnedAs(a.d, URNUser, "never") {
			r := get(ctx, attrs(n))
			r.expect("S-7-13", !r.F(n).Exists(), n, n+" absent even when requested (returned: never)", fragment(r.F(n)))
		}
		for _, n := range returnedAs(a.d, URNUser, "default") {
			if strings.EqualFold(n, "userName") || !full.F(n).Exists() {
				continue
			}
			byName.expect("S-7-13", !byName.F(n).Exists(), n, n+" absent under attributes=userName (returned: default)", fragment(byName.F(n)))
		}
	})
})

var _ = Describe("Projection: lists", func() {
	var (
		a   *api
		min map[string]bool
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.createUser(ctx, ownUser(a))
		a.createUser(ctx, ownUser(a))
		min = minimumSet(a.d, URNUser)
	})
	list := func(ctx SpecContext, q url.Values) (*reply, []gjson.Result) {
		GinkgoHelper()
		q.Set("count", "5")
		r := a.get(ctx, a.users(), q)
		r.expectStatus("P-3.4.2.5-01", http.StatusOK)
		res := r.F("Resources").Array()
		if len(res) == 0 {
			failNow(preconditionPrefix + r.Line + " returned no resources after two users were created")
		}
		return r, res
	}

	It("projects every listed resource for attributes=userName", Meta(AreaProjection, MUST, Req("P-3.4.2.5-01", "P-3.9-01", "S-3.1-03")), func(ctx SpecContext) {
		r, all := list(ctx, url.Values{"attributes": {"userName"}})
		for _, res := range all {
			expectOnly("P-3.9-01", r, res, min, "userName")
		}
	})

	It("removes excluded attributes from every listed resource", Meta(AreaProjection, MUST, Req("P-3.4.2.5-01", "P-3.9-04")), func(ctx SpecContext) {
		r, all := list(ctx, url.Values{"excludedAttributes": {"emails,name"}})
		for _, res := range all {
			r.expect("P-3.9-04", !field(res, "emails").Exists() && !field(res, "name").Exists() && field(res, "userName").Exists(), "Resources",
				"userName but no emails or name", fragment(res))
		}
	})

	It("keeps id in every listed resource for excludedAttributes=id", Meta(AreaProjection, MUST, Req("P-3.9-05", "S-3.1-03")), func(ctx SpecContext) {
		r, all := list(ctx, url.Values{"excludedAttributes": {"id"}})
		for _, res := range all {
			r.expect("P-3.9-05", field(res, "id").String() != "", "Resources", "a non-empty id", fragment(res))
		}
	})

	It("projects the resources of a filtered list", Meta(AreaProjection, MUST, Req("P-3.4.2.5-01", "P-3.9-02"), Needs(CapFilter)), func(ctx SpecContext) {
		c := newCohort(a)
		c.addPeople(ctx)
		r := c.find(ctx, c.scope(), url.Values{"attributes": {"name.familyName"}})
		c.expectMatches("P-3.4.2.5-01", r, "alpha", "beta", "gamma")
		for _, res := range r.F("Resources").Array() {
			expectOnly("P-3.9-02", r, res, min, "name")
			r.expect("P-3.9-02", strings.Join(subKeys(res, "name"), ",") == "familyname", "Resources", "name holding only familyName", fragment(res))
		}
	})
})

var _ = Describe("Projection: write responses", func() {
	var (
		a   *api
		min map[string]bool
	)
	BeforeEach(func() {
		a = newAPI()
		min = minimumSet(a.d, URNUser)
	})
	// write sends method to path with query q and body.
	write := func(ctx SpecContext, method, path string, q url.Values, body any) *reply {
		GinkgoHelper()
		r := a.do(ctx, simulator.Request{Method: method, Path: path, Query: q, Body: body})
		if method == http.MethodPost {
			a.cleanupCreated(r, a.userPath)
		}
		return r
	}

	It("projects the 201 body of POST ?attributes=userName and stores everything", Meta(AreaProjection, MUST, Req("P-3.3-10")), func(ctx SpecContext) {
		u := ownUser(a)
		r := write(ctx, http.MethodPost, a.users(), url.Values{"attributes": {"userName"}}, u)
		r.expectStatus("P-3.3-10", http.StatusCreated)
		expectOnly("P-3.3-10", r, r.JSON(), min, "userName")
		got := a.readBack(ctx, a.userPath(r.F("id").String()))
		got.expect("P-3.3-10", got.F("displayName").String() == u["displayName"], "displayName", "the unprojected attributes stored", fragment(got.F("displayName")))
	})

	It("projects the 201 body of POST ?excludedAttributes=emails", Meta(AreaProjection, MAY, Req("P-3.9-09")), func(ctx SpecContext) {
		r := write(ctx, http.MethodPost, a.users(), url.Values{"excludedAttributes": {"emails"}}, ownUser(a))
		r.expectStatus("P-3.9-09", http.StatusCreated)
		r.expect("P-3.9-09", !r.F("emails").Exists() && r.F("userName").Exists(), "", "userName without emails", fragment(r.JSON()))
		got := a.readBack(ctx, a.userPath(r.F("id").String()))
		got.expect("P-3.9-09", len(got.F("emails").Array()) > 0, "emails", "the emails stored", fragment(got.F("emails")))
	})

	It("projects the 200 body of PUT ?attributes=userName", Meta(AreaProjection, MAY, Req("P-3.9-09")), func(ctx SpecContext) {
		id, _ := a.createUser(ctx, ownUser(a))
		u := ownUser(a)
		r := write(ctx, http.MethodPut, a.userPath(id), url.Values{"attributes": {"userName"}}, u)
		r.expectStatus("P-3.9-09", http.StatusOK)
		expectOnly("P-3.9-09", r, r.JSON(), min, "userName")
		got := a.readBack(ctx, a.userPath(id))
		got.expect("P-3.9-09", got.F("displayName").String() == u["displayName"], "displayName", fmt.Sprintf("%q stored by the PUT", u["displayName"]), fragment(got.F("displayName")))
	})

	It("projects the 200 body of PATCH ?attributes=userName", Meta(AreaProjection, MAY, Req("P-3.9-09"), Needs(CapPatch)), func(ctx SpecContext) {
		id, _ := a.createUser(ctx, ownUser(a))
		title := "Projected " + a.uniqueSuffix()
		r := write(ctx, http.MethodPatch, a.userPath(id), url.Values{"attributes": {"userName"}},
			patchBody(map[string]any{"op": "replace", "path": "title", "value": title}))
		r.expectStatus("P-3.9-09", http.StatusOK, http.StatusNoContent)
		if r.Status == http.StatusOK {
			expectOnly("P-3.9-09", r, r.JSON(), min, "userName")
		}
		got := a.readBack(ctx, a.userPath(id))
		got.expect("P-3.9-09", got.F("title").String() == title, "title", fmt.Sprintf("%q stored by the PATCH", title), fragment(got.F("title")))
	})
})

var _ = Describe("Projection: groups", func() {
	var (
		a        *api
		gid      string
		memberID string
		display  string
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		a.needs(CapGroups)
		memberID, _ = a.createUser(ctx, ownMinimalUser(a))
		g := ownGroup(a)
		g["members"] = []any{map[string]any{"value": memberID}}
		display = fmt.Sprint(g["displayName"])
		gid, _ = a.createGroup(ctx, g)
	})
	groupMeta := func(level Level, ids ...string) Labels {
		return Meta(AreaProjection, level, Req(ids...), Needs(CapGroups))
	}

	It("omits members from GET /Groups/{id}?excludedAttributes=members", groupMeta(MUST, "P-3.9-06"), func(ctx SpecContext) {
		r := a.get(ctx, a.groupPath(gid), url.Values{"excludedAttributes": {"members"}})
		r.expectStatus("P-3.9-06", http.StatusOK)
		r.expect("P-3.9-06", !hasKey(r.JSON(), "members"), "members", "no members key", fragment(r.F("members")))
		r.expect("P-3.9-06", r.F("displayName").String() == display, "displayName", fmt.Sprintf("displayName %q kept", display), fragment(r.F("displayName")))
		full := a.readBack(ctx, a.groupPath(gid))
		full.expect("P-3.9-06", member(full.F("members"), memberID).Exists(), "members", "the member still stored", fragment(full.F("members")))
	})

	It("omits members from every group of GET /Groups?excludedAttributes=members", groupMeta(MUST, "P-3.9-06"), func(ctx SpecContext) {
		r := a.get(ctx, a.groups(), url.Values{"excludedAttributes": {"members"}, "count": {"10"}})
		r.expectStatus("P-3.9-06", http.StatusOK)
		for _, g := range r.F("Resources").Array() {
			r.expect("P-3.9-06", !hasKey(g, "members"), "Resources", "no members key", fragment(g))
		}
	})

	It("omits members from a filtered group lookup (Entra's query)", Meta(AreaProjection, MUST, Req("P-3.9-06"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		r := a.get(ctx, a.groups(), url.Values{"excludedAttributes": {"members"}, "filter": {"displayName eq " + lit(display)}})
		r.expectStatus("P-3.9-06", http.StatusOK)
		res := r.F("Resources").Array()
		r.expect("P-3.9-06", len(res) == 1 && field(res[0], "id").String() == gid, "Resources", "the group "+gid, fragment(r.F("Resources")))
		for _, g := range res {
			r.expect("P-3.9-06", !hasKey(g, "members"), "Resources", "no members key", fragment(g))
		}
	})

	It("returns only id and displayName for attributes=displayName", groupMeta(MUST, "P-3.9-01"), func(ctx SpecContext) {
		r := a.get(ctx, a.groupPath(gid), url.Values{"attributes": {"displayName"}})
		r.expectStatus("P-3.9-01", http.StatusOK)
		expectOnly("P-3.9-01", r, r.JSON(), minimumSet(a.d, URNGroup), "displayName")
	})

	It("returns members.value only for attributes=members.value", groupMeta(MUST, "P-3.9-02"), func(ctx SpecContext) {
		r := a.get(ctx, a.groupPath(gid), url.Values{"attributes": {"members.value"}})
		r.expectStatus("P-3.9-02", http.StatusOK)
		expectOnly("P-3.9-02", r, r.JSON(), minimumSet(a.d, URNGroup), "members")
		for _, m := range r.F("members").Array() {
			r.expect("P-3.9-02", strings.Join(topKeys(m), ",") == "value", "members", "each member holding only value", fragment(m))
		}
		r.expect("P-3.9-02", member(r.F("members"), memberID).Exists(), "members", "the member "+memberID, fragment(r.F("members")))
	})
})
