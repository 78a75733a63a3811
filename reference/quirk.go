package reference

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Quirk describes one named deviation from RFC 7643/7644 that
// [Options.Quirks] can switch on. Each mirrors a bug seen in real providers.
type Quirk struct {
	// Name is what Options.Quirks and `scimtest serve --quirk` take.
	Name string
	// Description says exactly what changes on the wire.
	Description string
	// Breaks names the RFC section (and requirement ID) or IdP expectation
	// the deviation violates.
	Breaks string
}

// Names of the quirks; the server tests for them at the point of deviation.
const (
	qErrorStatusInt          = "error-status-integer"
	qDuplicate400            = "duplicate-400"
	qConflictNoScimType      = "conflict-no-scimtype"
	qUsernameCaseSensitive   = "username-unique-case-sensitive"
	qDeletedNameBlocks       = "deleted-username-blocks"
	qGroupNameNotUnique      = "group-displayname-not-unique"
	qFilterUsernameCase      = "filter-username-case-sensitive"
	qFilterOpsCaseSensitive  = "filter-operators-case-sensitive"
	qInvalidFilterAll        = "invalid-filter-returns-all"
	qUnknownFilterAttrEmpty  = "unknown-filter-attribute-empty"
	qFilterExternalID        = "filter-externalid-unsupported"
	qCountZeroAll            = "count-zero-returns-all"
	qItemsPerPageEcho        = "itemsperpage-echoes-count"
	qStartIndexIgnored       = "startindex-ignored"
	qTotalIsPageSize         = "totalresults-page-size"
	qListNoResources         = "list-omits-empty-resources"
	qExcludedIgnored         = "excludedattributes-ignored"
	qAttributesDropID        = "attributes-drops-id"
	qPasswordReturned        = "password-returned"
	qLocationMissing         = "meta-location-missing"
	qLocationRelative        = "meta-location-relative"
	qLocationHeaderDiffers   = "location-header-differs"
	qContentTypeJSON         = "content-type-json"
	qPatchRemoveFilterAll    = "patch-remove-filter-removes-all"
	qPatchPathlessIgnored    = "patch-pathless-ignored"
	qPatchOpCaseSensitive    = "patch-op-case-sensitive"
	qPatchEmptyOpsOK         = "patch-empty-operations-accepted"
	qReadOnlyRejected        = "readonly-input-rejected"
	qTwoPrimaries            = "two-primaries-stored"
	qDelete200               = "delete-returns-200"
	qSecondDelete204         = "second-delete-204"
	qDeleteDeactivates       = "delete-deactivates"
	qIfMatchIgnored          = "if-match-ignored"
	qETagNotVersion          = "etag-not-meta-version"
	qPrecondition409         = "precondition-409"
	qSchemasNoSchemas        = "schemas-entries-without-schemas"
	qSPCNotObject            = "spc-not-object"
	qUnauthorizedNoBody      = "unauthorized-no-body"
	qNotFoundHTML            = "not-found-html"
	qNoWWWAuthenticate       = "no-www-authenticate"
	qPatchReturnsOldResource = "patch-response-stale"
)

var allQuirks = []Quirk{
	{qErrorStatusInt, "Error bodies carry status as a JSON number (400) instead of the string \"400\".", "RFC 7644 §3.12 (P-3.12-03)"},
	{qDuplicate400, "A duplicate userName or group displayName is answered 400 invalidValue instead of 409 uniqueness.", "RFC 7644 §3.3 (P-3.3-06)"},
	{qConflictNoScimType, "409 answers to duplicates carry no scimType (should be \"uniqueness\").", "RFC 7644 §3.12 Table 9 (P-3.3-06)"},
	{qUsernameCaseSensitive, "userName uniqueness compares exact case: \"Alice\" and \"alice\" can both be created.", "RFC 7643 §4.1.1 (S-4.1.1-03)"},
	{qDeletedNameBlocks, "A deleted user's userName stays taken: re-creating it gives 409.", "RFC 7644 §3.6 (P-3.6-04)"},
	{qGroupNameNotUnique, "Two groups may share a displayName (no 409).", "RFC 7644 §3.3 (P-3.3-06), provider uniqueness policy"},
	{qFilterUsernameCase, "Filters compare userName case-sensitively: userName eq \"ALICE\" misses alice.", "RFC 7644 §3.4.2.2 (P-3.4.2.2-22), RFC 7643 §4.1.1 (S-4.1.1-04)"},
	{qFilterOpsCaseSensitive, "Filter operators must be lower case: `userName EQ \"x\"` is rejected with 400 invalidFilter.", "RFC 7644 §3.4.2.2 (P-3.4.2.2-03)"},
	{qInvalidFilterAll, "A filter that does not parse is ignored: 200 with every resource.", "RFC 7644 §3.4.2.2 (P-3.4.2.2-23)"},
	{qUnknownFilterAttrEmpty, "A filter on an unknown attribute answers 200 with no resources instead of 400 invalidFilter.", "RFC 7644 §3.4.2.2 (P-3.4.2.2-25)"},
	{qFilterExternalID, "Filtering on externalId is refused with 400 invalidFilter (Okta and Entra match on it).", "RFC 7644 §3.4.2.2 (P-3.4.2.2-01), IdP expectation"},
	{qCountZeroAll, "count=0 returns every resource instead of totals only.", "RFC 7644 §3.4.2.4 (P-3.4.2.4-04)"},
	{qItemsPerPageEcho, "itemsPerPage echoes the requested count instead of the number returned.", "RFC 7644 §3.4.2 (P-3.4.2-07)"},
	{qStartIndexIgnored, "startIndex is ignored: every page starts at the first resource.", "RFC 7644 §3.4.2.4 (P-3.4.2.4-07)"},
	{qTotalIsPageSize, "totalResults is the size of the page, not the number of matches.", "RFC 7644 §3.4.2 (P-3.4.2-08)"},
	{qListNoResources, "A ListResponse with no results omits Resources (Okta needs \"Resources\": []).", "RFC 7644 §3.4.2 (P-3.4.2-03), Okta expectation"},
	{qExcludedIgnored, "excludedAttributes is ignored: members are still returned with excludedAttributes=members.", "RFC 7644 §3.9 (P-3.9-04, P-3.9-06)"},
	{qAttributesDropID, "With attributes=..., id is dropped from the response.", "RFC 7643 §3.1 (S-3.1-03), RFC 7644 §3.9 (P-3.9-05)"},
	{qPasswordReturned, "The stored password is returned in every User response.", "RFC 7643 §4.1.1, §7 (S-4.1.1-05)"},
	{qLocationMissing, "meta.location is left out of resources.", "RFC 7643 §3.1 (S-3.1-13)"},
	{qLocationRelative, "meta.location (and Location) is a relative path, not an absolute URI.", "RFC 7643 §3.1 (S-3.1-13), RFC 7644 §3.3 (P-3.3-03)"},
	{qLocationHeaderDiffers, "The Location header of a 201 points at another URL than meta.location.", "RFC 7644 §3.3 (P-3.3-04)"},
	{qContentTypeJSON, "Responses are labelled application/json instead of application/scim+json.", "RFC 7644 §3.8, §8.1 (P-3.8-05)"},
	{qPatchRemoveFilterAll, "PATCH remove with members[value eq \"x\"] removes every member.", "RFC 7644 §3.5.2.2 (P-3.5.2.2-04)"},
	{qPatchPathlessIgnored, "PATCH operations without a path are accepted and ignored (Okta's active=false is lost).", "RFC 7644 §3.5.2.3 (P-3.5.2-09), Okta deprovisioning"},
	{qPatchOpCaseSensitive, "PATCH op names must be lower case: Entra's \"Replace\" is rejected with 400 invalidSyntax.", "RFC 7644 §3.5.2 (P-3.5.2-03), Entra expectation"},
	{qPatchEmptyOpsOK, "PATCH with an empty Operations list answers 200 instead of 400.", "RFC 7644 §3.5.2 (P-3.5.2-01)"},
	{qReadOnlyRejected, "POST and PUT bodies holding readOnly attributes (id, meta, groups) get 400 mutability instead of being ignored.", "RFC 7644 §3.3, §3.5.1 (P-3.3-05, P-3.5.1-08)"},
	{qTwoPrimaries, "More than one primary:true value in a multi-valued attribute is stored as sent.", "RFC 7643 §2.4 (S-2.4-01)"},
	{qDelete200, "DELETE answers 200 instead of 204.", "RFC 7644 §3.6 (P-3.6-01)"},
	{qSecondDelete204, "DELETE of an unknown or already deleted id answers 204 instead of 404.", "RFC 7644 §3.6 (P-3.6-02)"},
	{qDeleteDeactivates, "DELETE sets active=false on a User instead of removing it; it stays readable.", "RFC 7644 §3.6 (P-3.6-02, P-3.6-03)"},
	{qIfMatchIgnored, "If-Match is ignored: stale PUT, PATCH and DELETE succeed.", "RFC 7644 §3.14 (P-3.14-04)"},
	{qETagNotVersion, "The ETag header differs from meta.version.", "RFC 7644 §3.14 (P-3.14-02)"},
	{qPrecondition409, "A failed If-Match answers 409 instead of 412.", "RFC 7644 §3.14 (P-3.14-04)"},
	{qSchemasNoSchemas, "/Schemas entries carry no \"schemas\" attribute.", "RFC 7643 §7 (S-7-01), errata 8417"},
	{qSPCNotObject, "/ServiceProviderConfig is a JSON array holding the object instead of the object.", "RFC 7643 §5 (S-5-01)"},
	{qUnauthorizedNoBody, "401 answers have no body.", "RFC 7644 §3.12 (P-3.12-01)"},
	{qNotFoundHTML, "404 answers are an HTML page instead of a SCIM error.", "RFC 7644 §3.12 (P-3.12-01)"},
	{qNoWWWAuthenticate, "401 answers lack the WWW-Authenticate header.", "RFC 6750 §3, RFC 7644 §2"},
	{qPatchReturnsOldResource, "PATCH answers 200 with the resource as it was before the change.", "RFC 7644 §3.5.2 (P-3.5.2-14)"},
}

// Quirks returns every quirk the provider knows, sorted by name.
func Quirks() []Quirk {
	out := slices.Clone(allQuirks)
	slices.SortFunc(out, func(a, b Quirk) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// quirkSet is the set of quirks switched on.
type quirkSet map[string]bool

func parseQuirks(names []string) (quirkSet, error) {
	q := quirkSet{}
	for _, n := range names {
		if !slices.ContainsFunc(allQuirks, func(k Quirk) bool { return k.Name == n }) {
			return nil, fmt.Errorf("unknown quirk %q (see Quirks())", n)
		}
		q[n] = true
	}
	return q, nil
}

func (q quirkSet) on(name string) bool { return q[name] }

// rewrite applies the quirks that change only the shape of a response.
func (q quirkSet) rewrite(r *http.Request, resp *response) {
	if len(q) == 0 {
		return
	}
	if resp.err != nil {
		body, _ := resp.body.(map[string]any)
		switch {
		case resp.status == http.StatusConflict && q.on(qDuplicate400):
			resp.status = http.StatusBadRequest
			body["status"] = "400"
			body["scimType"] = "invalidValue"
		case resp.status == http.StatusConflict && q.on(qConflictNoScimType):
			delete(body, "scimType")
		case resp.status == http.StatusPreconditionFailed && q.on(qPrecondition409):
			resp.status = http.StatusConflict
			body["status"] = "409"
		}
		if q.on(qErrorStatusInt) && body != nil {
			body["status"] = resp.status
		}
		if resp.status == http.StatusUnauthorized {
			if q.on(qUnauthorizedNoBody) {
				resp.body = nil
			}
			if q.on(qNoWWWAuthenticate) {
				resp.header().Del("WWW-Authenticate")
			}
		}
		if resp.status == http.StatusNotFound && q.on(qNotFoundHTML) {
			resp.header().Set("Content-Type", "text/html; charset=utf-8")
			resp.raw = []byte("<html><body><h1>404 Not Found</h1></body></html>\n")
		}
	}
	if q.on(qETagNotVersion) {
		if tag := resp.header().Get("ETag"); tag != "" {
			resp.header().Set("ETag", `"`+strings.Trim(strings.TrimPrefix(tag, "W/"), `"`)+`-0"`)
		}
	}
	if q.on(qContentTypeJSON) && resp.header().Get("Content-Type") == "" && (resp.body != nil || resp.raw != nil) {
		resp.header().Set("Content-Type", "application/json")
	}
}
