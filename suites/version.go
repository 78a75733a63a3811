package suites

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Version specs: the un-versioned base URL (RFC 7644 §3.13). A provider
// whose base URL ends in a version segment ("/scim/v2") may also answer
// without it; when it does, it SHOULD answer in the most recent version it
// supports, which for a SCIM 2.0 provider is a SCIM 2.0 ListResponse.

// trailingVersion matches a version segment at the end of a base URL ("/v2").
var trailingVersion = regexp.MustCompile(`/v[0-9]+/*$`)

// isSCIMJSON reports whether r is a successful answer carrying a SCIM
// document of any protocol version: a JSON object labelled
// application/scim+json or listing a SCIM schema URN (2.0 "urn:ietf:params:scim:"
// or 1.x "urn:scim:schemas:"). Anything else (404, an HTML page, a redirect
// to a login form) says the path is not served as SCIM.
func isSCIMJSON(r *reply) bool {
	if r.Status < 200 || r.Status > 299 || !r.JSON().IsObject() {
		return false
	}
	if r.mediaType() == "application/scim+json" {
		return true
	}
	scim := false
	r.F("schemas").ForEach(func(_, v gjson.Result) bool {
		s := strings.ToLower(v.String())
		scim = strings.HasPrefix(s, "urn:ietf:params:scim:") || strings.HasPrefix(s, "urn:scim:schemas:")
		return !scim
	})
	return scim
}

var _ = Describe("Versions: the un-versioned base URL", func() {
	It("answers in SCIM 2.0 when it serves /Users without the version segment", Meta(AreaErrors, SHOULD, Req("P-3.13-03")), func(ctx SpecContext) {
		a := newAPI()
		base := strings.TrimRight(a.c.BaseURL(), "/")
		loc := trailingVersion.FindStringIndex(base)
		if loc == nil {
			Skip("the base URL ends in no /vN version segment")
		}
		r := a.get(ctx, base[:loc[0]]+"/Users", nil)
		if !isSCIMJSON(r) {
			// Serving only the versioned base is allowed (RFC 7644 §3.13
			// does not require the un-versioned one): nothing to judge, and
			// the report says so instead of claiming a pass.
			Skip(fmt.Sprintf("the un-versioned base is not served as SCIM (%s answered %d, Content-Type %q)", r.Line, r.Status, r.Header.Get("Content-Type")))
		}
		r.expectStatus("P-3.13-03", http.StatusOK)
		r.expect("P-3.13-03", hasString(r.F("schemas"), URNListResponse), "schemas",
			"a SCIM 2.0 ListResponse (schemas containing "+URNListResponse+")", "schemas = "+fragment(r.F("schemas")))
		total := r.F("totalResults")
		r.expect("P-3.13-03", isJSONInteger(total), "totalResults", "totalResults as a JSON integer", fragment(total))
	})
})
