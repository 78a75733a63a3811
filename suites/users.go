package suites

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
)

// User specs: creating and reading users (RFC 7644 §3.3, §3.4.1), the common
// attributes (RFC 7643 §3.1), the User schema (§4.1) and media types (RFC
// 7644 §3.8).

// dateTimePattern is xsd:dateTime (RFC 7643 §2.3.5): date, "T", time, an
// optional fraction and an optional zone.
var dateTimePattern = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// sameValue compares two scalar JSON values by meaning, not spelling: "é"
// and "\u00e9" are the same string.
func sameValue(a, b gjson.Result) bool {
	return a.Type == b.Type && a.String() == b.String()
}

// sameInstant reports whether two dateTime strings name the same instant
// (precision and zone notation may differ); unparsable values compare as text.
func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ta.Equal(tb)
}

// unicodeName holds code points of several scripts and a supplementary-plane
// emoji (four bytes in UTF-8).
const unicodeName = "Zoë Ñandú 漢字 Юлия 😀"

// hasKeyFold reports whether m has the key k in any letter case (RFC 7643
// §2.1: attribute names are case-insensitive).
func hasKeyFold(m map[string]any, k string) bool {
	for key := range m {
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

// unassigned reports whether v is absent, null or an empty array: RFC 7643
// §2.5 makes the three the same state.
func unassigned(v gjson.Result) bool {
	return !v.Exists() || v.Type == gjson.Null || (v.IsArray() && len(v.Array()) == 0)
}

// withUserName returns the body of a fixture user with another userName.
func withUserName(u map[string]any, name string) map[string]any {
	u["userName"] = name
	return u
}

var _ = Describe("Users: create", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("answers a valid POST with 201 Created", Meta(AreaUsers, MUST, Req("P-3.3-01")), func(ctx SpecContext) {
		a.postUser(ctx, a.minimalUser()).expectStatus("P-3.3-01", http.StatusCreated)
	})

	It("returns the new user with id, schemas, meta and userName", Meta(AreaUsers, SHOULD, Req("P-3.3-02")), func(ctx SpecContext) {
		_, r := a.createUser(ctx, a.user())
		for _, k := range []string{"id", "schemas", "meta", "userName"} {
			r.expect("P-3.3-02", hasKey(r.JSON(), k), "", k+" in the 201 body", "absent")
		}
	})

	It("assigns a non-empty id and meta", Meta(AreaUsers, MUST, Req("S-3.1-02")), func(ctx SpecContext) {
		_, r := a.createUser(ctx, a.user())
		r.expect("S-3.1-02", r.F("id").String() != "" && r.F("meta").IsObject(), "", "non-empty id and a meta object", fragment(r.JSON()))
	})

	It("puts the same absolute URI in Location and meta.location", Meta(AreaUsers, MUST, Req("P-3.3-03", "S-2.3.7-01")), func(ctx SpecContext) {
		_, r := a.createUser(ctx, a.user())
		loc := r.Header.Get("Location")
		ml := r.F("meta.location").String()
		u, err := url.Parse(loc)
		r.expect("P-3.3-03", err == nil && u.IsAbs(), "", "an absolute URI in the Location header", fmt.Sprintf("Location %q", loc))
		r.expect("P-3.3-03", loc == ml, "meta.location", fmt.Sprintf("meta.location equal to Location %q", loc), fmt.Sprintf("%q", ml))
	})

	It("serves the new user at its Location", Meta(AreaUsers, MUST, Req("P-3.3-04", "S-2.3.7-02", "S-3.1-13")), func(ctx SpecContext) {
		id, r := a.createUser(ctx, a.user())
		got := a.readBack(ctx, r.Header.Get("Location"))
		got.expect("P-3.3-04", got.F("id").String() == id, "id", "id "+id, fragment(got.F("id")))
		got.expect("S-3.1-13", got.F("meta.location").String() == r.Header.Get("Location"), "meta.location", "the same meta.location", fragment(got.F("meta.location")))
	})

	It("stores what it answered", Meta(AreaUsers, MUST, Req("P-3.1-01")), func(ctx SpecContext) {
		_, r := a.createUser(ctx, a.user())
		got := a.readBack(ctx, a.userLocation(r))
		for _, k := range []string{"userName", "displayName", "externalId", "name.familyName", "emails.0.value", "active", "title"} {
			if !r.F(k).Exists() {
				continue
			}
			got.expect("P-3.1-01", sameValue(got.F(k), r.F(k)), k, fmt.Sprintf("%s = %s as in the 201 body", k, r.F(k).Raw), fragment(got.F(k)))
		}
	})

	It("ignores a client-chosen id", Meta(AreaUsers, MUST, Req("P-3.3-05")), func(ctx SpecContext) {
		u := a.user()
		u["id"] = "client-chosen-" + a.uniqueSuffix()
		id, r := a.createUser(ctx, u)
		r.expect("P-3.3-05", id != u["id"], "id", "a server-assigned id", fmt.Sprintf("%q (the client's)", id))
	})

	It("ignores client-supplied meta", Meta(AreaUsers, MUST, Req("S-3.1-10", "P-3.3-05")), func(ctx SpecContext) {
		u := a.user()
		u["meta"] = map[string]any{"created": "1999-01-01T00:00:00Z", "lastModified": "1999-01-01T00:00:00Z", "location": "http://evil.example/Users/1", "resourceType": "Group"}
		_, r := a.createUser(ctx, u)
		r.expect("S-3.1-10", !strings.HasPrefix(r.F("meta.created").String(), "1999") && !strings.Contains(r.F("meta.location").String(), "evil.example") && r.F("meta.resourceType").String() != "Group",
			"meta", "server-generated meta", fragment(r.F("meta")))
	})

	It("refuses a second user with the same userName with 409 uniqueness", Meta(AreaUsers, MUST, Req("P-3.3-06", "S-4.1.1-02")), func(ctx SpecContext) {
		_, first := a.createUser(ctx, a.user())
		dup := a.postUser(ctx, withUserName(a.minimalUser(), first.F("userName").String()))
		dup.expectStatus("P-3.3-06", http.StatusConflict)
		dup.expectSCIMError("P-3.12-02")
		dup.expectScimType("P-3.3-06", "uniqueness")
	})

	It("keeps a single user after a refused duplicate", Meta(AreaUsers, MUST, Req("P-3.3-06"), Needs(CapFilter)), func(ctx SpecContext) {
		_, first := a.createUser(ctx, a.user())
		name := first.F("userName").String()
		a.postUser(ctx, withUserName(a.minimalUser(), name))
		q := a.get(ctx, a.users(), url.Values{"filter": {"userName eq " + quote(name)}})
		q.expect("P-3.3-06", q.F("totalResults").Int() == 1, "totalResults", "exactly one user named "+name, q.F("totalResults").Raw)
	})

	It("treats userNames differing only in case as duplicates", Meta(AreaUsers, MUST, Req("S-4.1.1-03")), func(ctx SpecContext) {
		_, first := a.createUser(ctx, a.user())
		dup := a.postUser(ctx, withUserName(a.minimalUser(), strings.ToUpper(first.F("userName").String())))
		dup.expectStatus("S-4.1.1-03", http.StatusConflict)
		dup.expectScimType("S-4.1.1-03", "uniqueness")
	})

	DescribeTable("requires a non-empty userName",
		func(ctx SpecContext, mutate func(map[string]any)) {
			u := a.minimalUser()
			mutate(u)
			r := a.postUser(ctx, u)
			r.expectStatus("S-4.1.1-01", http.StatusBadRequest)
			r.expectSCIMError("P-3.12-02")
		},
		Entry("userName missing", Meta(AreaUsers, MUST, Req("S-4.1.1-01", "S-7-10")), func(u map[string]any) { delete(u, "userName") }),
		Entry("userName empty", Meta(AreaUsers, MUST, Req("S-4.1.1-01")), func(u map[string]any) { u["userName"] = "" }),
	)

	It("keeps every code point of a UTF-8 value", Meta(AreaUsers, MUST, Req("P-3.8-01")), func(ctx SpecContext) {
		u := a.user()
		u["displayName"] = unicodeName + " " + a.fx.RunID()
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		got.expect("P-3.8-01", got.F("displayName").String() == u["displayName"], "displayName", fmt.Sprintf("%q", u["displayName"]), fragment(got.F("displayName")))
	})

	It("accepts attribute names in any letter case", Meta(AreaUsers, SHOULD, Req("S-2.1-03")), func(ctx SpecContext) {
		u := a.minimalUser()
		name := u["userName"]
		delete(u, "userName")
		u["UserName"] = name
		u["NAME"] = map[string]any{"GivenName": "Barbara", "familyname": "Jensen"}
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		got.expect("S-2.1-03", strings.EqualFold(got.F("userName").String(), fmt.Sprint(name)) && got.F("name.givenName").String() == "Barbara",
			"", "userName and name.givenName stored", fragment(got.JSON()))
	})

	It("does not depend on the order of JSON members", Meta(AreaUsers, MUST, Req("S-2.3.8-01")), func(ctx SpecContext) {
		u := a.minimalUser()
		body := fmt.Sprintf(`{"name":{"familyName":"Jensen","givenName":"Barbara"},"userName":%q,"schemas":[%q]}`, u["userName"], URNUser)
		r := a.postUser(ctx, []byte(body))
		r.expectStatus("S-2.3.8-01", http.StatusCreated)
	})

	It("does not store two primary emails", Meta(AreaUsers, MUST, Req("S-2.4-01")), func(ctx SpecContext) {
		u := a.minimalUser()
		u["emails"] = []any{
			map[string]any{"value": "a-" + a.uniqueSuffix() + "@example.com", "type": "work", "primary": true},
			map[string]any{"value": "b-" + a.uniqueSuffix() + "@example.org", "type": "home", "primary": true},
		}
		r := a.postUser(ctx, u)
		if r.Status == http.StatusBadRequest {
			return // refusing the request is allowed
		}
		r.expectStatus("S-2.4-01", http.StatusCreated)
		got := a.readBack(ctx, a.userLocation(r))
		primaries := 0
		for _, e := range got.F("emails").Array() {
			if field(e, "primary").Bool() {
				primaries++
			}
		}
		got.expect("S-2.4-01", primaries <= 1, "emails", "at most one primary email", fmt.Sprintf("%d primaries", primaries))
	})

	It("does not invent an externalId", Meta(AreaUsers, MUST, Req("S-3.1-08")), func(ctx SpecContext) {
		_, r := a.createUser(ctx, a.minimalUser())
		got := a.readBack(ctx, a.userLocation(r))
		for _, x := range []*reply{r, got} {
			x.expect("S-3.1-08", !x.F("externalId").Exists(), "externalId", "no externalId", fragment(x.F("externalId")))
		}
	})

	It("preserves the case of caseExact values", Meta(AreaUsers, MUST, Req("S-7-11", "S-3.1-09")), func(ctx SpecContext) {
		u := a.minimalUser()
		u["externalId"] = "AbC-Ext-" + a.uniqueSuffix() + "-" + a.fx.RunID()
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		got.expect("S-7-11", got.F("externalId").String() == u["externalId"], "externalId", fmt.Sprintf("%q byte for byte", u["externalId"]), fragment(got.F("externalId")))
	})

	It("rejects or ignores an undeclared extension", Meta(AreaUsers, MUST, Req("P-3.3-11")), func(ctx SpecContext) {
		u := a.minimalUser()
		u["schemas"] = []string{URNUser, "urn:example:bogus:2.0:User"}
		u["urn:example:bogus:2.0:User"] = map[string]any{"x": 1}
		r := a.postUser(ctx, u)
		if r.Status == http.StatusBadRequest {
			return
		}
		r.expectStatus("P-3.3-11", http.StatusCreated)
		got := a.readBack(ctx, a.userLocation(r))
		got.expect("P-3.3-11", !got.F("urn:example:bogus:2.0:User").Exists() && !hasString(got.F("schemas"), "urn:example:bogus:2.0:User"), "", "the bogus extension not stored", fragment(got.JSON()))
	})

	It("refuses a body without schemas", Meta(AreaUsers, SHOULD, Req("P-3.3-09")), func(ctx SpecContext) {
		u := a.minimalUser()
		delete(u, "schemas")
		a.postUser(ctx, u).expectStatus("P-3.3-09", http.StatusBadRequest)
	})

	It("refuses a body with only the Group schema", Meta(AreaUsers, SHOULD, Req("P-3.3-09")), func(ctx SpecContext) {
		u := a.minimalUser()
		u["schemas"] = []string{URNGroup}
		a.postUser(ctx, u).expectStatus("P-3.3-09", http.StatusBadRequest)
	})

	It("accepts null and [] for unassigned attributes", Meta(AreaUsers, MAY, Req("P-3.3-08")), func(ctx SpecContext) {
		u := a.minimalUser()
		u["nickName"] = nil
		u["emails"] = []any{}
		a.postUser(ctx, u).expectStatus("P-3.3-08", http.StatusCreated)
	})

	It("stores the defaults it returns for omitted attributes", Meta(AreaUsers, MAY, Req("P-3.3-07")), func(ctx SpecContext) {
		u := a.minimalUser()
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		defaults := 0
		r.JSON().ForEach(func(k, v gjson.Result) bool {
			name := k.String()
			if hasKeyFold(u, name) || commonAttrs[strings.ToLower(name)] {
				return true // sent, or id/meta/schemas, which other specs judge
			}
			if strings.EqualFold(name, "groups") {
				return true // readOnly by RFC 7643 §4.1.2 whatever /Schemas says
			}
			if attr, ok := declaredAttr(a.d, URNUser, name); ok {
				if strings.EqualFold(field(attr, "mutability").String(), "readOnly") {
					return true // not a default the client could have set
				}
				if ret := strings.ToLower(field(attr, "returned").String()); ret == "request" || ret == "never" {
					return true // a plain GET need not return it (RFC 7643 §7)
				}
			}
			defaults++
			// RFC 7644 §3.3: the 201 body holds the resource as created, so a
			// value the provider filled in is part of the stored resource.
			back := got.F(name)
			same := sameAttr(back, v) || (unassigned(v) && unassigned(back))
			got.expect("P-3.3-07", same, name, fmt.Sprintf("%s = %s as the 201 body defaulted it", name, fragment(v)), fragment(back))
			return true
		})
		if defaults == 0 {
			// Setting no defaults conforms (the row is a MAY): nothing to
			// judge, and the report says so instead of claiming a pass.
			Skip("the target sets no server defaults: the 201 body holds no attribute the request left out")
		}
	})

	It("never puts the string bulkId into an id", Meta(AreaUsers, MUST, Req("S-3.1-06")), func(ctx SpecContext) {
		id, r := a.createUser(ctx, a.minimalUser())
		r.expect("S-3.1-06", !strings.Contains(id, "bulkId"), "id", "an id without \"bulkId\"", id)
	})

	It("gives different users different ids", Meta(AreaUsers, MUST, Req("S-3.1-04")), func(ctx SpecContext) {
		id1, _ := a.createUser(ctx, a.minimalUser())
		id2, r := a.createUser(ctx, a.minimalUser())
		r.expect("S-3.1-04", id1 != id2, "id", "an id different from "+id1, id2)
	})
})

var _ = Describe("Users: representation", func() {
	var (
		a       *api
		id      string
		created *reply
		got     *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, created = a.createUser(ctx, a.user())
		got = a.readBack(ctx, a.userPath(id))
	})

	It("returns an existing user with 200 and its id", Meta(AreaUsers, MUST, Req("P-3.4.1-01", "S-3.1-05")), func() {
		got.expect("P-3.4.1-01", got.F("id").String() == id, "id", "id "+id, fragment(got.F("id")))
	})

	It("sets meta.resourceType to User", Meta(AreaUsers, MUST, Req("P-3.3.1-01", "S-6-05")), func() {
		for _, r := range []*reply{created, got} {
			r.expect("P-3.3.1-01", r.F("meta.resourceType").String() == "User", "meta.resourceType", `"User"`, fragment(r.F("meta.resourceType")))
		}
	})

	It("returns meta with created, lastModified and location by default", Meta(AreaUsers, MUST, Req("S-3.1-16")), func() {
		for _, k := range []string{"resourceType", "created", "lastModified", "location"} {
			got.expect("S-3.1-16", got.F("meta."+k).String() != "", "meta", "meta."+k, fragment(got.F("meta")))
		}
	})

	It("gives meta.created and meta.lastModified as xsd:dateTime", Meta(AreaUsers, MUST, Req("S-3.1-11", "S-2.3.5-01")), func() {
		for _, k := range []string{"meta.created", "meta.lastModified"} {
			got.expect("S-2.3.5-01", dateTimePattern.MatchString(got.F(k).String()), k, k+" as xsd:dateTime with date and time", fragment(got.F(k)))
		}
	})

	It("sets lastModified equal to created on a new user", Meta(AreaUsers, MUST, Req("S-3.1-12")), func() {
		got.expect("S-3.1-12", sameInstant(got.F("meta.lastModified").String(), got.F("meta.created").String()), "meta",
			"meta.lastModified equal to meta.created", fragment(got.F("meta")))
	})

	It("lists the core User schema in schemas, once each", Meta(AreaUsers, MUST, Req("S-3-01", "S-3-03", "S-2.1-02")), func() {
		s := got.F("schemas")
		got.expect("S-3-03", hasString(s, URNUser), "schemas", "schemas containing "+URNUser, fragment(s))
		seen := map[string]bool{}
		for _, v := range s.Array() {
			k := strings.ToLower(v.String())
			got.expect("S-3-01", !seen[k], "schemas", "no duplicate schema URIs", fragment(s))
			seen[k] = true
		}
	})

	It("lists only the User type's schemas", Meta(AreaUsers, MUST, Req("S-3-02")), func() {
		allowed := map[string]bool{strings.ToLower(URNUser): true}
		for _, rt := range field(a.d.ResourceTypes, "Resources").Array() {
			if field(rt, "schema").String() == URNUser {
				for _, e := range field(rt, "schemaExtensions").Array() {
					allowed[strings.ToLower(field(e, "schema").String())] = true
				}
			}
		}
		for _, v := range got.F("schemas").Array() {
			got.expect("S-3-02", allowed[strings.ToLower(v.String())], "schemas", "only the User schema and its extensions", v.String())
		}
	})

	It("never returns the password", Meta(AreaUsers, MUST, Req("S-4.1.1-05", "S-7-14")), func(ctx SpecContext) {
		list := a.get(ctx, a.users(), url.Values{"count": {"200"}})
		proj := a.get(ctx, a.userPath(id), url.Values{"attributes": {"password"}})
		for _, r := range []*reply{created, got, proj} {
			r.expect("S-4.1.1-05", !r.F("password").Exists(), "password", "no password attribute", fragment(r.F("password")))
		}
		for _, res := range list.F("Resources").Array() {
			list.expect("S-4.1.1-05", !field(res, "password").Exists(), "", "no password in list results", fragment(res))
		}
	})

	It("does not return the password when asked for it", Meta(AreaUsers, MUST, Req("P-3.9-07")), func(ctx SpecContext) {
		r := a.get(ctx, a.userPath(id), url.Values{"attributes": {"password"}})
		r.expectStatus("P-3.9-07", http.StatusOK)
		r.expect("P-3.9-07", !r.F("password").Exists(), "password", "no password", fragment(r.F("password")))
	})

	It("always returns a non-empty id, also when projected", Meta(AreaUsers, MUST, Req("S-3.1-03")), func(ctx SpecContext) {
		for _, q := range []url.Values{{"attributes": {"userName"}}, {"excludedAttributes": {"id"}}} {
			r := a.get(ctx, a.userPath(id), q)
			r.expect("S-3.1-03", r.F("id").String() == id, "id", "id "+id, fragment(r.F("id")))
		}
	})

	It("keeps the same id on every read", Meta(AreaUsers, MUST, Req("S-3.1-05")), func(ctx SpecContext) {
		again := a.readBack(ctx, a.userLocation(got))
		again.expect("S-3.1-05", again.F("id").String() == id, "id", "id "+id, fragment(again.F("id")))
	})

	It("returns active as a JSON boolean", Meta(AreaUsers, MUST, Req("S-2.3-01", "S-4.1.1-08")), func() {
		if v := got.F("active"); v.Exists() {
			got.expect("S-2.3-01", isJSONBool(v), "active", "true or false", fragment(v))
		}
	})

	It("returns singular attributes as scalars and multi-valued ones as arrays", Meta(AreaUsers, MUST, Req("P-3.8-08")), func() {
		kinds := map[string]func(gjson.Result) bool{
			"userName": isJSONString, "displayName": isJSONString,
			"name":         func(r gjson.Result) bool { return r.IsObject() },
			"emails":       func(r gjson.Result) bool { return r.IsArray() },
			"phoneNumbers": func(r gjson.Result) bool { return r.IsArray() },
			"addresses":    func(r gjson.Result) bool { return r.IsArray() },
		}
		for k, ok := range kinds {
			if v := got.F(k); v.Exists() {
				got.expect("P-3.8-08", ok(v), k, k+" with the JSON shape of its definition", fragment(v))
			}
		}
	})

	It("nests enterprise attributes under the extension URN and lists the URN", Meta(AreaUsers, MUST, Req("S-3.3-01", "S-3.3-02", "S-4.3-01"), Needs(CapEnterprise)), func() {
		ext := got.F(URNEnterprise)
		got.expect("S-3.3-01", ext.IsObject() && field(ext, "employeeNumber").Exists(), URNEnterprise, "an object keyed by the enterprise URN holding employeeNumber", fragment(ext))
		got.expect("S-3.3-02", hasString(got.F("schemas"), URNEnterprise), "schemas", "schemas listing the enterprise URN", fragment(got.F("schemas")))
		got.expect("S-4.3-01", field(ext, "department").String() == created.F(URNEnterprise+".department").String(), URNEnterprise, "the department that was sent", fragment(ext))
	})

	It("gives referenced URIs that resolve to the resource", Meta(AreaUsers, MUST, Req("S-2.3.7-02")), func(ctx SpecContext) {
		loc := got.F("meta.location").String()
		if loc == "" {
			// The rule is that meta.location resolves; name what is missing
			// rather than reading the base URL.
			failReq("S-2.3.7-02", got, "a meta.location to GET", "none", got.F("meta"))
			return
		}
		r := a.readBack(ctx, loc)
		r.expect("S-2.3.7-02", r.F("id").String() == id, "id", "GET meta.location returning id "+id, fragment(r.F("id")))
	})
})

var _ = Describe("Users: media types", func() {
	var (
		a  *api
		id string
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, _ = a.createUser(ctx, a.minimalUser())
	})

	accept := func(ctx SpecContext, value string) *reply {
		h := http.Header{"Accept": nil}
		if value != "" {
			h = http.Header{"Accept": {value}}
		}
		return a.do(ctx, simulator.Request{Method: http.MethodGet, Path: a.userPath(id), Header: h})
	}

	It("answers Accept: application/scim+json", Meta(AreaUsers, MUST, Req("P-3.8-03")), func(ctx SpecContext) {
		r := accept(ctx, "application/scim+json")
		r.expectStatus("P-3.8-03", http.StatusOK)
		r.expect("P-3.8-03", r.JSON().IsObject(), "", "a JSON object body", snippet(r.Body))
	})

	It("answers Accept: application/json", Meta(AreaUsers, SHOULD, Req("P-3.8-04")), func(ctx SpecContext) {
		accept(ctx, "application/json").expectStatus("P-3.8-04", http.StatusOK)
	})

	It("answers without Accept in a JSON media type", Meta(AreaUsers, MUST, Req("P-3.8-05")), func(ctx SpecContext) {
		r := accept(ctx, "")
		mt := r.mediaType()
		r.expect("P-3.8-05", mt == "application/scim+json" || mt == "application/json", "", "Content-Type application/scim+json", fmt.Sprintf("%q", r.Header.Get("Content-Type")))
	})

	It("answers without Accept in application/scim+json", Meta(AreaUsers, SHOULD, Req("P-3.8-05")), func(ctx SpecContext) {
		r := accept(ctx, "")
		r.expect("P-3.8-05", r.mediaType() == "application/scim+json", "", "Content-Type application/scim+json", fmt.Sprintf("%q", r.Header.Get("Content-Type")))
	})

	It("declares no charset other than UTF-8", Meta(AreaUsers, MUST, Req("P-3.8-02")), func(ctx SpecContext) {
		r := a.get(ctx, a.userPath(id), nil)
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		cs, ok := params["charset"]
		r.expect("P-3.8-02", !ok || strings.EqualFold(cs, "utf-8"), "", "no charset or charset=utf-8", fmt.Sprintf("%q", r.Header.Get("Content-Type")))
	})

	DescribeTable("accepts request bodies labelled",
		func(ctx SpecContext, id, contentType string) {
			r := a.do(ctx, simulator.Request{Method: http.MethodPost, Path: a.users(), Body: a.minimalUser(), Header: http.Header{"Content-Type": {contentType}}})
			a.cleanupCreated(r, a.userPath)
			r.expectStatus(id, http.StatusCreated)
		},
		Entry("application/scim+json", Meta(AreaUsers, MUST, Req("P-3.8-06")), "P-3.8-06", "application/scim+json"),
		Entry("application/scim+json; charset=utf-8", Meta(AreaUsers, MUST, Req("P-3.8-06")), "P-3.8-06", "application/scim+json; charset=utf-8"),
		Entry("application/json", Meta(AreaUsers, SHOULD, Req("P-3.8-07")), "P-3.8-07", "application/json"),
	)
})
