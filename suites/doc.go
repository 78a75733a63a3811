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
// Discovery runs once in the package's BeforeSuite (do not add another
// BeforeSuite: Ginkgo allows one per suite); discovery() returns what it
// found: capabilities and the raw /ServiceProviderConfig, /ResourceTypes and
// /Schemas documents.
package suites
