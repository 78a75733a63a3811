package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// suiteClient is the client BeforeSuite built; specs derive theirs from it.
var suiteClient *simulator.Client

// api is the per-spec helper: a client whose exchanges are attached to the
// spec's report, the spec's fixture generator and the discovered target.
// Build one per spec with newAPI inside an It (or BeforeEach).
type api struct {
	c  *simulator.Client
	t  *Target
	d  *Discovery
	fx *fixtures.Gen
}

// httpEntry is an exchange as attached to a report entry; its String is what
// the console shows for a failed spec (the full exchange is in the reports).
type httpEntry transcript.Exchange

// String renders the exchange as one line plus a capped response body.
func (e httpEntry) String() string {
	if e.Error != "" {
		return fmt.Sprintf("%s %s -> error: %s", e.Method, e.URL, e.Error)
	}
	body := e.ResponseBody
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	return fmt.Sprintf("%s %s -> %d %s", e.Method, e.URL, e.Status, body)
}

// recordHook attaches every exchange to the current spec's report.
func recordHook(ex transcript.Exchange) {
	AddReportEntry("http", httpEntry(ex), ReportEntryVisibilityFailureOrVerbose)
}

// specSeed derives a spec's fixture seed from the suite seed and the spec's
// full text, so adding or filtering specs does not change other specs' data.
// It is never 0, which gofakeit treats as "random".
func specSeed(suite int64, fullText string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(fullText)) // hash.Hash never fails to write
	s := suite ^ int64(h.Sum64())
	if s == 0 {
		s = 1
	}
	return s
}

// newAPI returns the helper for the running spec.
func newAPI() *api {
	GinkgoHelper()
	t := currentTarget()
	d := discovery()
	if suiteClient == nil {
		failNow("suites: no client (BeforeSuite did not run)")
	}
	// A fork per spec: its data depends only on the seed and the spec's text
	// (not on the order specs run in), and its identifiers carry a tag of the
	// spec, so two specs never generate the same userName or displayName (a
	// target that keeps deleted names taken would otherwise answer 409 in an
	// unrelated spec).
	fx := fixtures.New(t.Seed, t.RunID).Fork(CurrentSpecReport().FullText())
	return &api{c: suiteClient.WithHook(recordHook), t: t, d: d, fx: fx}
}

// reply is a response together with the request line that produced it, so
// assertion messages can show both.
type reply struct {
	*simulator.Response
	// Line is the request line, e.g. "POST /Users".
	Line string
}

// JSON is the parsed body (a non-existent Result when the body is not JSON).
func (r *reply) JSON() gjson.Result { return r.Response.JSON() }

// F looks up a dotted attribute path in the body, case-insensitively.
func (r *reply) F(path string) gjson.Result { return field(r.JSON(), path) }

// do sends req; a transport failure (refused, reset, timeout) fails the spec.
func (a *api) do(ctx context.Context, req simulator.Request) *reply {
	GinkgoHelper()
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	line := req.Method + " " + req.Path
	if q := req.RawQuery; q != "" {
		line += "?" + q
	} else if len(req.Query) > 0 {
		line += "?" + req.Query.Encode()
	}
	if other := foreignOrigin(a.t.BaseURL, req.Path); other != "" {
		// An absolute URL the target handed out (meta.location, Location,
		// $ref) on another origin: sending it would hand that host the
		// token. A provider behind a proxy, or configured with its public
		// URL and tested at localhost, legally names its public origin
		// (RFC 7643 §3.1), so the resource is read on the target instead.
		local := a.onTarget(req.Path)
		if local == "" {
			Skip(fmt.Sprintf("%s names another origin (%s) than --target, at a path that is no resource endpoint of the target: scimtest sends the token only to the target, so it cannot follow this URI", line, other))
		}
		GinkgoWriter.Printf("%s names another origin (%s) than --target: read at %s on the target instead\n", line, other, local)
		req.Path = local
	}
	resp, err := a.c.Do(ctx, req)
	if err != nil {
		// Diagnose names the cause and the fix (timeout, cut body, redirect
		// to another origin...) without repeating the URL the line shows.
		failNow(fmt.Sprintf("request failed: %s: %s", line, simulator.Diagnose(err)))
	}
	return &reply{Response: resp, Line: line}
}

// foreignOrigin returns the origin (scheme://host:port) of path when it is
// an absolute http(s) URL on another origin than base, and "" otherwise
// (a path, or the target's own origin). Default ports count as written:
// https://h and https://h:443 are one origin (RFC 6454, Section 4).
func foreignOrigin(base, path string) string {
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		return ""
	}
	p, err := url.Parse(path)
	if err != nil {
		return path // unparsable: never sent as if it were the target
	}
	b, err := url.Parse(base)
	if err != nil || simulator.Origin(b) != simulator.Origin(p) {
		return simulator.Origin(p)
	}
	return ""
}

// onTarget maps an absolute URL on another origin onto the target: the
// part of its path after the target's base path ("/Users/2819c223"), else
// the part from the last resource endpoint segment it names (a public URL
// may mount the service at another path); "" when neither is found.
func (a *api) onTarget(abs string) string {
	u, err := url.Parse(abs)
	if err != nil {
		return ""
	}
	if b, err := url.Parse(a.t.BaseURL); err == nil {
		rest, ok := strings.CutPrefix(u.Path, strings.TrimRight(b.Path, "/"))
		if ok && strings.HasPrefix(rest, "/") && rest != "/" {
			return rest
		}
	}
	best := -1
	for _, ep := range []string{a.users(), a.groups(), "/Users", "/Groups"} {
		if i := strings.LastIndex(u.Path, strings.TrimRight(ep, "/")+"/"); i > best {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return u.Path[best:]
}

// get sends GET path with optional query parameters.
func (a *api) get(ctx context.Context, path string, query url.Values) *reply {
	GinkgoHelper()
	return a.do(ctx, simulator.Request{Method: http.MethodGet, Path: path, Query: query})
}

// send sends method path with a JSON body (nil for none).
func (a *api) send(ctx context.Context, method, path string, body any) *reply {
	GinkgoHelper()
	return a.do(ctx, simulator.Request{Method: method, Path: path, Body: body})
}

// users and groups are the discovered endpoints.
func (a *api) users() string  { return a.d.UsersEndpoint }
func (a *api) groups() string { return a.d.GroupsEndpoint }

// userPath and groupPath address one resource.
func (a *api) userPath(id string) string  { return a.users() + "/" + url.PathEscape(id) }
func (a *api) groupPath(id string) string { return a.groups() + "/" + url.PathEscape(id) }

// postUser POSTs body to the Users endpoint; whatever it creates is deleted
// when the spec ends (DeferCleanup runs after failures too).
func (a *api) postUser(ctx context.Context, body any) *reply {
	GinkgoHelper()
	r := a.send(ctx, http.MethodPost, a.users(), body)
	a.cleanupCreated(r, a.userPath)
	return r
}

// postGroup is postUser for the Groups endpoint.
func (a *api) postGroup(ctx context.Context, body any) *reply {
	GinkgoHelper()
	r := a.send(ctx, http.MethodPost, a.groups(), body)
	a.cleanupCreated(r, a.groupPath)
	return r
}

// cleanupCreated registers the deletion of a resource the run created. Only
// the id the target returned for our own POST is ever deleted.
func (a *api) cleanupCreated(r *reply, path func(string) string) {
	GinkgoHelper()
	if r.Status < 200 || r.Status > 299 {
		return
	}
	id := r.F("id").String()
	if id == "" {
		return
	}
	p := path(id)
	DeferCleanup(func(ctx SpecContext) {
		// Best effort: a failed delete is left to `scimtest cleanup`; it must
		// not turn a passing spec into a failure of a different requirement.
		_, _ = a.c.Delete(ctx, p, nil)
	})
}

// cleanupUserNamed registers the deletion, when the spec ends, of every user
// whose userName is name: for requests that should have created nothing
// but may have (a /Bulk the target says it does not support), where the
// reply cannot be trusted to say what was created. name is a fixture's, so
// it carries the run ID and the spec's tag and matches only this spec's data.
func (a *api) cleanupUserNamed(name string) {
	GinkgoHelper()
	DeferCleanup(func(ctx SpecContext) {
		// Best effort, as in cleanupCreated: a target that refuses the
		// filter leaves the user to `scimtest cleanup`.
		r, err := a.c.Do(ctx, simulator.Request{Method: http.MethodGet, Path: a.users(), Query: url.Values{"filter": {"userName eq " + quote(name)}}})
		if err != nil || r.Status != http.StatusOK {
			return
		}
		for _, u := range field(r.JSON(), "Resources").Array() {
			id := field(u, "id").String()
			// userName is caseExact false (RFC 7643 §4.1.1); check it
			// anyway so a target that ignores the filter deletes nothing else.
			if id != "" && strings.EqualFold(field(u, "userName").String(), name) {
				_, _ = a.c.Delete(ctx, a.userPath(id), nil)
			}
		}
	})
}

// createUser creates a user from body (a fixture) and returns its id and the
// reply; anything but 201 with an id is a failed precondition.
func (a *api) createUser(ctx context.Context, body any) (string, *reply) {
	GinkgoHelper()
	r := a.postUser(ctx, body)
	return a.created(r, "user"), r
}

// createGroup creates a group from body and returns its id and the reply.
func (a *api) createGroup(ctx context.Context, body any) (string, *reply) {
	GinkgoHelper()
	r := a.postGroup(ctx, body)
	return a.created(r, "group"), r
}

// createGroupOf creates a group from the fixture with the given user ids as
// its members and returns its id.
func (a *api) createGroupOf(ctx context.Context, members ...string) string {
	GinkgoHelper()
	g := a.group()
	list := make([]any, 0, len(members))
	for _, m := range members {
		list = append(list, map[string]any{"value": m})
	}
	g["members"] = list
	id, _ := a.createGroup(ctx, g)
	return id
}

// created checks the precondition of a create helper.
func (a *api) created(r *reply, kind string) string {
	GinkgoHelper()
	id := r.F("id").String()
	switch {
	case r.Status != http.StatusCreated:
		failNow(fmt.Sprintf("%screate %s: %s answered %d (want 201 with an id)%s", preconditionPrefix, kind, r.Line, r.Status, errorSummary(r)))
	case id == "":
		// Say what came instead of an id, and what is wrong with the body.
		what := "id = " + fragment(r.F("id"))
		if p := bodyProblem(r); p != "" {
			what = p
		}
		failNow(fmt.Sprintf("%screate %s: %s answered 201 without an id (%s)", preconditionPrefix, kind, r.Line, what))
	}
	return id
}

// readBack GETs a resource by its location (absolute meta.location or a path)
// and requires 200: every write is read back to catch values that were echoed
// but not stored (RFC 7644 §3.1: responses reflect the stored state).
func (a *api) readBack(ctx context.Context, location string) *reply {
	GinkgoHelper()
	if location == "" {
		// A GET of "" would read the base URL and fail the spec under its
		// own requirement for what is a missing location.
		failNow(preconditionPrefix + "read back: no location to read (pass userLocation or groupLocation of the write's reply)")
	}
	r := a.get(ctx, location, nil)
	if r.Status != http.StatusOK {
		failNow(fmt.Sprintf("%sread back %s: answered %d (want 200)%s", preconditionPrefix, location, r.Status, errorSummary(r)))
	}
	return r
}

// userLocation is where the user in r (a reply carrying a user) is served:
// its meta.location, or {Users endpoint}/{id} when the target leaves
// meta.location out. A missing meta.location is judged only by the specs
// about it (RFC 7643 §3.1, RFC 7644 §3.3); every other spec still reads back
// what was stored.
func (a *api) userLocation(r *reply) string { return locationOr(r, a.userPath) }

// groupLocation is userLocation for a group.
func (a *api) groupLocation(r *reply) string { return locationOr(r, a.groupPath) }

// locationOr returns meta.location of r, or path(id) when it is absent.
// When r has neither, the precondition fails naming the reply (and what is
// wrong with its body), since nothing can be read back.
func locationOr(r *reply, path func(string) string) string {
	GinkgoHelper()
	if loc := r.F("meta.location").String(); loc != "" {
		return loc
	}
	if id := r.F("id").String(); id != "" {
		return path(id)
	}
	failNow(fmt.Sprintf("%sread back: %s answered %d without meta.location or id to read the resource at%s", preconditionPrefix, r.Line, r.Status, errorSummary(r)))
	return ""
}

// needs skips (or, under --require, fails) the running spec unless the
// target advertises c. Prefer Needs in Meta; this is for specs whose need is
// only known at run time.
func (a *api) needs(c Capability) {
	GinkgoHelper()
	gate([]Capability{c})
}

// gate applies the capability rules to the running spec.
func gate(caps []Capability) {
	GinkgoHelper()
	t := currentTarget()
	d := discovery()
	for _, c := range caps {
		if d.Capabilities[c] {
			continue
		}
		reason := fmt.Sprintf("target does not advertise %s", capabilityEvidence(c))
		for _, r := range t.Require {
			if r == c {
				failNow(fmt.Sprintf("%s, but --require %s is set", reason, c))
			}
		}
		Skip(reason)
	}
}

// capabilityEvidence says where a capability is advertised.
func capabilityEvidence(c Capability) string {
	switch c {
	case CapGroups:
		return "a Group resource type in /ResourceTypes"
	case CapEnterprise:
		return "the enterprise User extension in schemaExtensions"
	case CapSearch:
		return "POST .search (probe failed)"
	case CapMe:
		return "/Me (probe failed)"
	case CapRoot:
		return "queries at the server root (probe failed)"
	default:
		return string(c) + ".supported"
	}
}

// uniqueSuffix returns a short string unique to the running spec, derived from
// the fixture generator so it follows --seed.
func (a *api) uniqueSuffix() string {
	return fmt.Sprintf("%016x", uint64(specSeed(a.t.Seed, CurrentSpecReport().FullText())))[:8]
}

// user returns a full fixture user as a JSON object the spec may modify.
// The enterprise extension is left out when the target does not advertise it.
func (a *api) user() map[string]any {
	GinkgoHelper()
	u := toMap(a.fx.User())
	if !a.d.Capabilities[CapEnterprise] {
		delete(u, URNEnterprise)
		u["schemas"] = []string{URNUser}
	}
	return u
}

// minimalUser returns a user with only schemas and userName (plus the run
// marker the fixture puts in userName).
func (a *api) minimalUser() map[string]any {
	GinkgoHelper()
	u := a.fx.User()
	return map[string]any{"schemas": []string{URNUser}, "userName": u.UserName}
}

// group returns a fixture group (schemas, displayName, externalId).
func (a *api) group() map[string]any {
	GinkgoHelper()
	return toMap(a.fx.Group())
}

// toMap converts a fixture struct to a JSON object.
func toMap(v any) map[string]any {
	GinkgoHelper()
	raw, err := json.Marshal(v)
	if err != nil {
		failNow(fmt.Sprintf("encode fixture: %v", err))
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		failNow(fmt.Sprintf("decode fixture: %v", err))
	}
	return m
}

// withAuth returns a copy of the helper that sends other credentials (the
// auth specs use it to provoke 401s).
func (a *api) withAuth(auth simulator.Auth) *api {
	cp := *a
	cp.c = a.c.WithAuth(auth)
	return &cp
}

// unless skips the running spec when the target advertises c: for rows that
// apply only to targets without a feature (the "!patch" rows of the matrix).
func (a *api) unless(c Capability, why string) {
	GinkgoHelper()
	if a.d.Capabilities[c] {
		Skip(fmt.Sprintf("target advertises %s; %s", capabilityEvidence(c), why))
	}
}

// randomID returns an id no resource has (a fresh UUID from the spec's
// fixture generator; "RND" in the requirement matrix).
func (a *api) randomID() string { return "scimtest-missing-" + a.uniqueSuffix() + "-" + a.fx.RunID() }
