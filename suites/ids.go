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
// no resource, neither in a filter nor in a resource URL.

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
			r := a.findByID(ctx, kind, flipped)
			r.expectStatus("S-3.1-07", http.StatusOK)
			r.expect("S-3.1-07", !holdsID(r.JSON(), id) && r.F("totalResults").Int() == 0, "",
				fmt.Sprintf("no match for id %q (the id is %q and caseExact, RFC 7643 §3.1)", flipped, id),
				fmt.Sprintf("totalResults %s", r.F("totalResults").Raw))
		},
		Entry("Users", Meta(AreaFilter, MUST, Req("S-3.1-07"), Needs(CapFilter)), kindUser),
		Entry("Groups", Meta(AreaFilter, MUST, Req("S-3.1-07"), Needs(CapFilter, CapGroups)), kindGroup),
	)

	DescribeTable("answers 404 for the resource URL with the id in another letter case",
		func(ctx SpecContext, kind resourceKind) {
			id, flipped := a.flippedID(ctx, kind)
			r := a.get(ctx, a.path(kind, flipped), nil)
			r.expect("S-3.1-07", r.Status == http.StatusNotFound, "",
				fmt.Sprintf("404 for id %q (the id is %q and caseExact, RFC 7643 §3.1)", flipped, id),
				fmt.Sprintf("status %d, id %s%s", r.Status, fragment(r.F("id")), errorSummary(r)))
		},
		Entry("Users", Meta(AreaUsers, SHOULD, Req("S-3.1-07")), kindUser),
		Entry("Groups", Meta(AreaGroups, SHOULD, Req("S-3.1-07"), Needs(CapGroups)), kindGroup),
	)
})
