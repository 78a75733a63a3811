package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Identifier specs: the id of a resource is compared case-sensitively (RFC
// 7643 §3.1 declares id caseExact), so an id in another letter case names
// no resource, neither in a filter nor in a resource URL; and references
// between resources carry ids: a User's manager (§4.3), a Group's members,
// Groups among them (§4.2), and what the User schema declares a group
// reference may point at (errata 8471). A value of a multi-valued attribute
// is identified by its (type, value) pair, which appears once (§2.4).

// createKind creates a fixture resource of kind and returns its id.
func (a *api) createKind(ctx SpecContext, kind resourceKind) string {
	GinkgoHelper()
	if kind == kindGroup {
		a.needs(CapGroups)
		id, _ := a.createGroup(ctx, a.group())
		return id
	}
	id, _ := a.createUser(ctx, a.user())
	return id
}

// flippedID creates a resource of kind and returns its id and the id with
// the case of every letter inverted; it skips the spec when the id has no
// letters, where the rule cannot be observed.
func (a *api) flippedID(ctx SpecContext, kind resourceKind) (id, flipped string) {
	GinkgoHelper()
	id = a.createKind(ctx, kind)
	flipped = swapCase(id)
	if flipped == id {
		Skip(fmt.Sprintf("the target advertises %s ids without letters (%q): the case rule cannot be observed", kind, id))
	}
	return id, flipped
}

// holdsID reports whether a ListResponse lists a resource whose id equals
// id ignoring case (the flipped id and the real one alike).
func holdsID(list gjson.Result, id string) bool {
	for _, res := range field(list, "Resources").Array() {
		if strings.EqualFold(field(res, "id").String(), id) {
			return true
		}
	}
	return false
}

// findByID queries the endpoint of kind with filter id eq value.
func (a *api) findByID(ctx SpecContext, kind resourceKind, value string) *reply {
	GinkgoHelper()
	return a.get(ctx, a.path(kind, ""), url.Values{"filter": {"id eq " + quote(value)}})
}

var _ = Describe("Identifiers: case-sensitive ids", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	DescribeTable("finds no resource by its id in another letter case",
		func(ctx SpecContext, kind resourceKind) {
			id, flipped := a.flippedID(ctx, kind)
			// The exact id must be found first: a filter on id that never
			// matches would pass the case check for the wrong reason.
			exact := a.findByID(ctx, kind, id)
			if exact.Status != http.StatusOK || !holdsID(exact.JSON(), id) {
				failNow(fmt.Sprintf("%sfind the %s by its exact id: %s answered %d without it%s", preconditionPrefix, kind, exact.Line, exact.Status, errorSummary(exact)))
			}
			// A 400 for the flipped id (a provider validating the id's form)
			// is no match either; only finding the resource breaks the rule.
			r := a.findByID(ctx, kind, flipped)
			r.expectStatus("S-3.1-07", http.StatusOK, http.StatusBadRequest)
			r.expect("S-3.1-07", !holdsID(r.JSON(), id) && r.F("totalResults").Int() == 0, "",
				fmt.Sprintf("no match for id %q (the id is %q and caseExact, RFC 7643 §3.1)", flipped, id),
				fmt.Sprintf("totalResults %s", r.F("totalResults").Raw))
		},
		Entry("Users", Meta(AreaFilter, MUST, Req("S-3.1-07"), Needs(CapFilter)), kindUser),
		Entry("Groups", Meta(AreaFilter, MUST, Req("S-3.1-07"), Needs(CapFilter, CapGroups)), kindGroup),
	)

	DescribeTable("does not return the resource at its URL with the id in another letter case",
		func(ctx SpecContext, kind resourceKind) {
			id, flipped := a.flippedID(ctx, kind)
			r := a.get(ctx, a.path(kind, flipped), nil)
			// 404 is the expected answer; the row warns only when the
			// resource itself comes back.
			found := r.Status >= 200 && r.Status < 300 && strings.EqualFold(r.F("id").String(), id)
			r.expect("S-3.1-07", !found, "id",
				fmt.Sprintf("no resource for id %q, 404 (the id is %q and caseExact, RFC 7643 §3.1)", flipped, id),
				fmt.Sprintf("status %d with the resource", r.Status))
		},
		Entry("Users", Meta(AreaUsers, SHOULD, Req("S-3.1-07")), kindUser),
		Entry("Groups", Meta(AreaGroups, SHOULD, Req("S-3.1-07"), Needs(CapGroups)), kindGroup),
	)
})

// subAttr finds the sub-attribute name of attr (case-insensitive).
func subAttr(attr gjson.Result, name string) (gjson.Result, bool) {
	for _, sa := range field(attr, "subAttributes").Array() {
		if strings.EqualFold(field(sa, "name").String(), name) {
			return sa, true
		}
	}
	return gjson.Result{}, false
}

// memberWithValue returns the element of members whose value is id.
func memberWithValue(members gjson.Result, id string) (gjson.Result, bool) {
	for _, m := range members.Array() {
		if field(m, "value").String() == id {
			return m, true
		}
	}
	return gjson.Result{}, false
}

var _ = Describe("Identifiers: references between resources", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("stores a manager as the id of another user", Meta(AreaUsers, SHOULD, Req("S-4.3-03"), Needs(CapEnterprise)), func(ctx SpecContext) {
		bossID, boss := a.createUser(ctx, a.user())
		u := a.user()
		u["schemas"] = []string{URNUser, URNEnterprise}
		ext, _ := u[URNEnterprise].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
		}
		ext["manager"] = map[string]any{"value": bossID}
		u[URNEnterprise] = ext
		id, _ := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userPath(id))
		mgr := URNEnterprise + ".manager"
		got.expect("S-4.3-03", got.F(mgr+".value").String() == bossID, mgr,
			fmt.Sprintf("manager.value the manager's id %q (RFC 7643 §4.3)", bossID), fragment(got.F(mgr)))
		ref := got.F(mgr + ".$ref")
		if !ref.Exists() || ref.String() == "" {
			return // $ref is optional; the value alone names the manager
		}
		refURL, err := url.Parse(ref.String())
		got.expect("S-4.3-03", err == nil, mgr+".$ref", "a URI in manager.$ref", fragment(ref))
		if !refURL.IsAbs() {
			got.expect("S-4.3-03", strings.HasSuffix(strings.TrimRight(refURL.Path, "/"), "/"+bossID), mgr+".$ref",
				"a relative manager.$ref ending in the manager's id "+bossID, fragment(ref))
			return
		}
		r := a.get(ctx, refURL.String(), nil)
		r.expectStatus("S-4.3-03", http.StatusOK)
		r.expect("S-4.3-03", r.F("id").String() == bossID, "id",
			fmt.Sprintf("manager.$ref resolving to the manager %s (%s)", bossID, boss.F("userName").String()), fragment(r.F("id")))
	})

	It("takes a Group as a member, or refuses it with 400", Meta(AreaGroups, MAY, Req("S-4.2-04"), Needs(CapGroups)), func(ctx SpecContext) {
		innerID, _ := a.createGroup(ctx, a.group())
		g := a.group()
		g["members"] = []any{map[string]any{"value": innerID, "type": "Group"}}
		r := a.postGroup(ctx, g)
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("S-4.2-04")
			return
		}
		r.expectStatus("S-4.2-04", http.StatusCreated)
		got := a.readBack(ctx, a.groupPath(a.created(r, "group")))
		m, ok := memberWithValue(got.F("members"), innerID)
		got.expect("S-4.2-04", ok, "members", fmt.Sprintf("the group %s stored as a member (accepted with 201)", innerID), fragment(got.F("members")))
		if t := field(m, "type"); t.Exists() {
			got.expect("S-4.2-04", strings.EqualFold(t.String(), "Group"), "members", `the nested member's type "Group"`, fragment(m))
		}
	})

	It("refuses a member that does not exist with 400 invalidValue, or accepts it", Meta(AreaGroups, MAY, Req("S-4.2-05"), Needs(CapGroups)), func(ctx SpecContext) {
		g := a.group()
		g["members"] = []any{map[string]any{"value": a.randomID(), "type": "User"}}
		r := a.postGroup(ctx, g)
		if r.Status == http.StatusCreated {
			return // no referential integrity: allowed (RFC 7643 §2.3.7)
		}
		r.expectStatus("S-4.2-05", http.StatusBadRequest, http.StatusCreated)
		r.expectSCIMError("S-4.2-05")
		if t := r.F("scimType"); t.Exists() {
			r.expectScimType("S-4.2-05", "invalidValue")
		}
	})
})

// pairCount counts the elements of a multi-valued attribute with the given
// type and value; both compare ignoring case, as the type's canonical
// values and an e-mail address do (RFC 7643 §4.1.2, caseExact false).
func pairCount(list gjson.Result, typ, value string) int {
	n := 0
	for _, v := range list.Array() {
		if strings.EqualFold(field(v, "type").String(), typ) && strings.EqualFold(field(v, "value").String(), value) {
			n++
		}
	}
	return n
}

var _ = Describe("Identifiers: values of multi-valued attributes", func() {
	It("returns a (type, value) pair sent twice only once", Meta(AreaUsers, SHOULD, Req("S-2.4-02")), func(ctx SpecContext) {
		a := newAPI()
		mail := "twice-" + a.uniqueSuffix() + "@example.com"
		u := a.minimalUser()
		u["emails"] = []any{
			map[string]any{"value": mail, "type": "work"},
			map[string]any{"value": mail, "type": "work"},
		}
		r := a.postUser(ctx, u)
		if r.Status == http.StatusBadRequest {
			r.expectSCIMError("S-2.4-02") // refusing the duplicate is allowed
			return
		}
		r.expectStatus("S-2.4-02", http.StatusCreated)
		n := pairCount(r.F("emails"), "work", mail)
		r.expect("S-2.4-02", n <= 1, "emails", fmt.Sprintf("the pair (work, %s) at most once in the 201 body (RFC 7643 §2.4)", mail), fmt.Sprintf("%d times", n))
		got := a.readBack(ctx, a.userPath(a.created(r, "user")))
		n = pairCount(got.F("emails"), "work", mail)
		got.expect("S-2.4-02", n <= 1, "emails", fmt.Sprintf("the pair (work, %s) at most once when read back (RFC 7643 §2.4)", mail), fmt.Sprintf("%d times", n))
	})
})

var _ = Describe("Identifiers: declared reference types", func() {
	It("declares that a user's groups.$ref points at Groups only", Meta(AreaDiscovery, SHOULD, Req("E-8471")), func() {
		a := newAPI()
		groups, ok := declaredAttr(a.d, URNUser, "groups")
		if !ok {
			Skip("target advertises no groups attribute in the User schema of /Schemas")
		}
		ref, ok := subAttr(groups, "$ref")
		if !ok || !field(ref, "referenceTypes").Exists() {
			Skip("target advertises no groups.$ref referenceTypes in the User schema of /Schemas")
		}
		types := field(ref, "referenceTypes")
		var got []string
		for _, t := range types.Array() {
			got = append(got, t.String())
		}
		// Errata 8471: a user's groups are Groups; the RFC's ["User",
		// "Group"] let clients expect users among them.
		if len(got) != 1 || got[0] != "Group" {
			failReq("E-8471", nil, `groups.$ref referenceTypes ["Group"] (RFC 7643 §8.7.1, errata 8471)`, "referenceTypes = "+fragment(types), groups)
		}
	})
})
