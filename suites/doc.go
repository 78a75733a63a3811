// Package suites holds the SCIM 2.0 conformance specs (Ginkgo v2) and the
// runner that executes them against one target: [Run], used by both
// `scimtest run` and this package's own go test.
//
// # Writing a spec
//
// Specs are ordinary (non-test) Go files in this package, one file per area,
// registered with `var _ = Describe(...)`. Every It carries its metadata
// through [Meta]: exactly one [Area], exactly one [Level] and the requirement
// IDs of suites/requirements/requirements.md it checks, plus the capabilities
// it needs:
//
//	var _ = Describe("Users: create", func() {
//		It("rejects a duplicate userName with 409 uniqueness",
//			Meta(AreaUsers, MUST, Req("P-3.3-06", "S-4.1.1-02")),
//			func(ctx SpecContext) {
//				a := newAPI()
//				_, first := a.createUser(ctx, a.user())
//				dup := a.postUser(ctx, map[string]any{"schemas": []string{URNUser}, "userName": first.F("userName").String()})
//				dup.expectStatus("P-3.3-06", 409)
//				dup.expectSCIMError("P-3.12-02")
//				dup.expectScimType("P-3.3-06", "uniqueness")
//			})
//	})
//
// Rules:
//
//   - Take ctx SpecContext and pass it to every request, so the suite timeout
//     and ^C cancel requests in flight.
//   - Build one api per spec with newAPI() inside It/BeforeEach, never in a
//     Describe body (the target is not known while the tree is built).
//   - Create resources only through postUser/createUser/postGroup/createGroup:
//     they use fixtures carrying the run ID and register a DeferCleanup DELETE
//     of exactly what was created, also when the spec fails.
//   - Read every write back (readBack) when the rule is about what is stored.
//   - Judge with the reply helpers (expectStatus, expect, expectField,
//     expectSCIMError, expectScimType): their messages name the requirement
//     and its text, the request line, expected vs actual, scimType/detail and
//     the JSON fragment. Look attributes up with reply.F / field, which
//     ignore letter case (RFC 7643 §2.1).
//   - Never fail what the RFC allows: 200 or 204 for PATCH, extra attributes,
//     any key order, any letter case of attribute names, media type
//     parameters, weak or strong ETags.
//   - A failure of a SHOULD or MAY spec is a warning unless --strict; write
//     a separate spec for each level rather than mixing levels in one spec.
//   - Needs(CapPatch) skips the spec with a reason when the target does not
//     advertise patch.supported (fails it under --require patch); use
//     api.needs(c) only for needs known at run time.
//   - Labels come only from the registry in labels.go; an unknown requirement
//     ID is recorded in MetaErrors and fails the spec and the package tests.
//   - When a spec covers a MUST row listed in requirements/pending.txt,
//     remove the ID there (the coverage test insists).
//
// Helpers at a glance (api.go, assert.go, json.go):
//
//	a := newAPI()                          // per-spec client, fixtures, discovery
//	a.user(), a.minimalUser(), a.group()   // fixture bodies carrying the run ID
//	a.createUser(ctx, body) (id, *reply)   // 201 required, DeferCleanup DELETE
//	a.postUser(ctx, body) *reply           // any outcome; cleans up if created
//	a.get(ctx, path, url.Values), a.send(ctx, method, path, body), a.do(ctx, simulator.Request{...})
//	a.readBack(ctx, location)              // GET that must answer 200
//	a.userLocation(r), a.groupLocation(r)  // meta.location, or {endpoint}/{id} without one
//	a.needs(CapX), a.unless(CapX, why)     // run-time gating
//	r.F("meta.location")                   // case-insensitive gjson lookup
//	r.expectStatus(id, 200, 204), r.expect(id, cond, path, expected, actual)
//	r.expectField(id, path, gomegaMatcher), r.expectSCIMError(id), r.expectScimType(id, kw)
//	quote(s)                               // a filter comparison value
//
// Tables work the same way: put Meta on each Entry, as in discovery.go.
//
// Profiles: an area's specs carry the profile label of the area ("rfc" for
// every RFC area; okta, okta-spec, entra and entra-validator for their own
// areas), so --profile selects them; profiles also require the capabilities
// their IdP cannot do without (Profiles in labels.go).
//
// Scoring: the runner converts Ginkgo's report into reports.Results. A failed
// SHOULD/MAY spec becomes a warning (a failure under Strict); a failure whose
// message starts with "precondition failed: " (create or read-back helpers)
// gets a Cause so the report can group failures with one root cause.
//
// Run the specs with `go test ./suites/` (in-process reference provider, every
// spec must pass) or `scimtest run --label-filter users` against any target.
//
// Discovery runs once in the package's BeforeSuite (do not add another
// BeforeSuite: Ginkgo allows one per suite); discovery() returns what it
// found: capabilities and the raw /ServiceProviderConfig, /ResourceTypes and
// /Schemas documents.
package suites
