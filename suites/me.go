package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// /Me specs (RFC 7644 §3.11): /Me is an alias of the resource of the
// authenticated subject. A provider may serve it directly (with Location
// naming the aliased resource), redirect with 308, or, when it does not
// support /Me, answer 501. The run's bearer token need not belong to any
// SCIM resource, so the specs only read /Me and the resource it names:
// writing through /Me would change a resource the run did not create.

// mePath is the alias endpoint, relative to the base URL (RFC 7644 §3.11).
const mePath = "/Me"

// meLocal returns a copy of the helper whose client does not follow
// redirects, so a spec sees the 308 of §3.11 instead of where it leads
// (net/http follows 307 and 308 by default). It shares the run client's
// auth, timeout, recording and throttle gate, so a throttling target slows
// it down too and the report counts its 429s. Its idle connections are
// closed when the spec ends.
func (a *api) meLocal() *api {
	GinkgoHelper()
	t := a.t
	hc := &http.Client{}
	if t.HTTPClient != nil {
		cp := *t.HTTPClient // a shallow copy shares the TLS transport
		hc = &cp
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if t.HTTPClient == nil {
		DeferCleanup(hc.CloseIdleConnections)
	}
	cp := *a
	cp.c = a.c.WithHTTPClient(hc)
	return &cp
}

// getMe sends GET /Me without following a redirect.
func (a *api) getMe(ctx SpecContext) *reply {
	GinkgoHelper()
	return a.meLocal().get(ctx, mePath, nil)
}

// isRedirect reports whether status is a 3xx redirection.
func isRedirect(status int) bool { return status >= 300 && status < 400 }

// resolveLocation resolves the Location header of a /Me answer against the
// URL of /Me (HTTP allows a relative reference, RFC 7231 §7.1.2); "" when
// the header is absent or unparsable.
func (a *api) resolveLocation(r *reply) string {
	loc := strings.TrimSpace(r.Header.Get("Location"))
	if loc == "" {
		return ""
	}
	base, err := url.Parse(strings.TrimRight(a.t.BaseURL, "/") + mePath)
	if err != nil {
		return ""
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	return base.ResolveReference(ref).String()
}

// isMeURL reports whether u addresses /Me itself rather than a resource.
func isMeURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	return strings.HasSuffix(strings.ToLower(strings.TrimRight(p.Path, "/")), strings.ToLower(mePath))
}

// canonicalResource returns the attributes of a resource other than meta
// in a form where equal resources compare equal: attribute names in lower
// case (RFC 7643 §2.1) and multi-valued attributes in a fixed order (they
// are unordered, §2.4), encoded as JSON.
func canonicalResource(r gjson.Result) (string, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &m); err != nil {
		return "", fmt.Errorf("decode resource: %w", err)
	}
	for k := range m {
		if strings.EqualFold(k, "meta") {
			delete(m, k)
		}
	}
	b, err := json.Marshal(unorderedJSON(m))
	if err != nil {
		return "", fmt.Errorf("encode resource: %w", err)
	}
	return string(b), nil
}

// unorderedJSON lower-cases object keys and sorts arrays by their elements'
// canonical JSON; encoding/json then writes object keys in sorted order.
func unorderedJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[strings.ToLower(k)] = unorderedJSON(e)
		}
		return out
	case []any:
		type keyed struct {
			key string
			v   any
		}
		items := make([]keyed, len(t))
		for i, e := range t {
			c := unorderedJSON(e)
			b, err := json.Marshal(c)
			if err != nil { // values decoded from JSON always encode
				b = []byte(fmt.Sprint(c))
			}
			items[i] = keyed{string(b), c}
		}
		sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = it.v
		}
		return out
	default:
		return v
	}
}

// servedMe reads /Me served directly (200) and the resource its Location
// names; it skips the spec when /Me redirects (P-3.11-02 judges that).
func (a *api) servedMe(ctx SpecContext, id string) (me *reply, loc string) {
	GinkgoHelper()
	// Needs(CapMe) in Meta already gates the spec in a run; gating again
	// here keeps the spec honest where the package-level gate does not run
	// (go test previews the tree first, which drops top-level BeforeEach).
	a.needs(CapMe)
	me = a.getMe(ctx)
	if isRedirect(me.Status) {
		Skip(fmt.Sprintf("the target redirects /Me (%d) instead of serving it: /Me is judged by the redirect spec", me.Status))
	}
	me.expectStatus(id, http.StatusOK)
	loc = a.resolveLocation(me)
	me.expect(id, loc != "", "", "a Location header naming the aliased resource (RFC 7644 §3.11)",
		fmt.Sprintf("Location %q", me.Header.Get("Location")))
	return me, loc
}

var _ = Describe("Me: alias of the authenticated subject", func() {
	var a *api
	BeforeEach(func() { a = newAPI() })

	It("answers /Me with 501 when it does not support it", Meta(AreaUsers, SHOULD, Req("P-3.11-01")), func(ctx SpecContext) {
		if a.d.Capabilities[CapMe] {
			Skip("target serves /Me (the discovery probe got 200): P-3.11-01 is about providers that do not support /Me")
		}
		r := a.getMe(ctx)
		if isRedirect(r.Status) {
			Skip(fmt.Sprintf("the target redirects /Me (%d): it supports /Me, though the resource it names did not answer 200 (the redirect spec judges it)", r.Status))
		}
		r.expect("P-3.11-01", r.Status == http.StatusNotImplemented, "",
			"501 Not Implemented for an unsupported /Me (404 is right only for a /Me that is supported but finds no resource for this token)",
			fmt.Sprintf("status %d%s", r.Status, errorSummary(r)))
	})

	It("answers an unsupported /Me with a SCIM error body", Meta(AreaErrors, MUST, Req("P-3.12-01", "P-3.12-02", "P-3.12-03")), func(ctx SpecContext) {
		r := a.getMe(ctx)
		if r.Status != http.StatusNotImplemented {
			Skip(fmt.Sprintf("/Me answered %d, not 501: no /Me error to judge", r.Status))
		}
		r.expectSCIMError("P-3.12-03")
	})

	It("redirects /Me with 308 to a resource that answers 200", Meta(AreaUsers, MAY, Req("P-3.11-02")), func(ctx SpecContext) {
		r := a.getMe(ctx)
		if !isRedirect(r.Status) {
			Skip(fmt.Sprintf("/Me answered %d without redirecting (the redirect of RFC 7644 §3.11 is optional)", r.Status))
		}
		// 307 keeps the method and body like 308; 301, 302 and 303 let
		// clients turn a PUT or PATCH of /Me into a GET.
		r.expectStatus("P-3.11-02", http.StatusPermanentRedirect, http.StatusTemporaryRedirect)
		loc := a.resolveLocation(r)
		r.expect("P-3.11-02", loc != "" && !isMeURL(loc), "", "a Location naming the subject's resource, not /Me",
			fmt.Sprintf("Location %q", r.Header.Get("Location")))
		got := a.get(ctx, loc, nil)
		got.expectStatus("P-3.11-02", http.StatusOK)
		got.expect("P-3.11-02", got.F("id").String() != "", "id", "the resource with its id", fragment(got.F("id")))
	})

	It("serves /Me with a Location header naming the aliased resource", Meta(AreaUsers, MUST, Req("P-3.11-03"), Needs(CapMe)), func(ctx SpecContext) {
		me, loc := a.servedMe(ctx, "P-3.11-03")
		me.expect("P-3.11-03", !isMeURL(loc), "", "Location is the permanent URL of the aliased resource, not /Me", fmt.Sprintf("Location %q", loc))
		got := a.get(ctx, loc, nil)
		got.expectStatus("P-3.11-03", http.StatusOK)
		got.expect("P-3.11-03", got.F("id").String() == me.F("id").String() && me.F("id").String() != "", "id",
			fmt.Sprintf("the resource at Location with the id of /Me (%s)", fragment(me.F("id"))), fragment(got.F("id")))
	})

	It("returns at /Me the resource found at its Location", Meta(AreaUsers, MUST, Req("P-3.11-04"), Needs(CapMe)), func(ctx SpecContext) {
		me, loc := a.servedMe(ctx, "P-3.11-04")
		me.expect("P-3.11-04", me.F("meta.location").String() == loc, "meta.location",
			fmt.Sprintf("meta.location equal to the Location header %q", loc), fragment(me.F("meta.location")))
		got := a.readBack(ctx, loc)
		want, err := canonicalResource(got.JSON())
		if err != nil {
			failNow(fmt.Sprintf("%s%s: %v", preconditionPrefix, got.Line, err))
		}
		have, err := canonicalResource(me.JSON())
		me.expect("P-3.11-04", err == nil && have == want, "",
			"the attributes of "+loc+" (meta aside, in any order): "+fragment(got.JSON()), fragment(me.JSON()))
	})
})
