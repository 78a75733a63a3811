// Package guard keeps scimtest from modifying data it did not create.
//
// scimtest is pointed at targets that are shared with real data: a staging
// tenant, a developer's database, a customer's test instance. A spec only
// ever writes to users and groups it created, but that holds only while the
// target behaves. A broken target can hand a spec someone else's resource:
// one that ignores filters answers `userName eq "scimtest-…"` with the first
// real user; one that ignores startIndex repeats the first page; one whose
// POST returns an existing resource makes a stranger look new. A flow that
// then PUTs, PATCHes or DELETEs "the user it found", or adds "its user" to a
// test group, would change or delete a real person's account, or change the
// groups a real user is in.
//
// A [Guard] wraps the HTTP transport of a run and remembers, from the
// responses, which resources this run created and which it has merely seen.
// A resource is a (collection, id) pair: the collection is the path segment
// before the id ("Users", "Groups", any other endpoint), so a server that
// numbers users and groups separately (user "2" and group "2") keeps them
// apart. Created: the id of a POST answered 201 (or 200) whose resource
// echoes the userName or displayName sent (or carries the run's marker, see
// [Guard.Own]) and was not seen in that collection before the POST went
// out, and the ids of Bulk POST results answered 2xx. With [Guard.Own], any
// resource a response shows carrying the run's marker is the run's too (a
// second run with the same --run-id links the first run's users, as Okta
// does), unless the guard saw it earlier without the marker. Seen: any other
// id in any response (discovery excepted: its "User" and "Group" name no
// resource). It refuses, without sending it, any PUT, PATCH or DELETE whose
// path ends in a seen-but-not-created id of that collection or in /Me (the
// token's own subject, RFC 7644 Section 3.11), and any POST, PUT or PATCH
// whose JSON body names one at a reference attribute (a member's or
// manager's value, a PATCH filter path, a Bulk operation path, an id; not a
// User's groups, which is readOnly and echoed by GET+PUT flows). A
// reference whose collection its "type" or "$ref" does not tell is refused
// when the id is foreign in some collection and created in none. The
// refusal is an error wrapping [ErrForeign], so the spec that made the
// request fails with a clear reason instead of damaging data.
//
// Ids that were never seen are allowed: specs deliberately address random
// ids that do not exist, and an id the run never learned cannot be a real
// resource the run was steered to. Memory grows with the number of ids seen
// (a few bytes each; a paging spec over a target with thousands of users is
// fine).
package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// ErrForeign is wrapped by the error of every refused request: it named a
// resource this run did not create.
var ErrForeign = errors.New("scimtest never modifies data it did not create")

// maxRefused bounds the refusal lines kept for [Guard.Refused].
const maxRefused = 1000

// anyColl is the collection of an id seen where its collection could not
// be told (a member without "type" or "$ref", the subject of /Me): it counts
// as seen in every collection the run did not create it in.
const anyColl = "*"

// key names one resource: its collection (lower case: "users", "groups")
// and its id.
type key struct{ coll, id string }

// state is what the guard knows of one resource.
type state struct {
	created bool
	// seq is the request sequence number current when the id was first
	// seen; a create answered later may claim only ids first seen after the
	// create was sent.
	seq uint64
	// stranger: the resource was seen with a name that lacks the run's
	// marker, or a create claimed it after it had been seen; the marker
	// alone cannot make it the run's.
	stranger bool
}

// tally counts, per id, the collections it is created in and the
// collections it is seen but not created in.
type tally struct{ created, foreign int }

// Guard learns resource ids from responses and refuses writes to ids the run
// did not create. It is safe for concurrent use; the zero value is not
// usable, call [New].
type Guard struct {
	mu      sync.Mutex
	ids     map[key]state
	byID    map[string]tally
	types   map[string]string // resource type name -> collection, lower case
	marker  string            // the run's marker, lower case; "" for none
	seq     uint64
	refused []string
	dropped int
}

// New returns a Guard that knows no ids yet.
func New() *Guard {
	return &Guard{ids: map[key]state{}, byID: map[string]tally{},
		types: map[string]string{"user": "users", "group": "groups"}}
}

// Own makes the guard take any resource whose userName, displayName or
// externalId carries marker (in any letter case, at the start of a word, as
// fixtures write it: "scimtest-<runID>-") for the run's own, whether a
// create answered it (with a userName the target rewrote) or a list or GET
// showed it (a run re-using a run ID meets the resources of the first). A
// resource seen earlier without the marker stays foreign. An empty marker
// changes nothing. Own returns g, to chain after [New].
func (g *Guard) Own(marker string) *Guard {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.marker = strings.ToLower(marker)
	return g
}

// Wrap returns a transport that sends through rt after checking each
// request, and learns ids from each response. A nil rt is a clone of
// [http.DefaultTransport] without transparent gzip and with 64 idle
// connections per host, like the simulator's own transport, so wrapping
// does not change which headers go on the wire.
func (g *Guard) Wrap(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
		if base, ok := rt.(*http.Transport); ok {
			t := base.Clone()
			t.DisableCompression = true
			t.MaxIdleConnsPerHost = 64
			rt = t
		}
	}
	return &transport{g: g, next: rt}
}

// Client returns a copy of base (nil: a zero [http.Client]) whose transport
// is wrapped by [Guard.Wrap]; CheckRedirect, Jar and Timeout are kept.
func (g *Guard) Client(base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	c.Transport = g.Wrap(c.Transport)
	return &c
}

// Refused returns one line per request the guard refused, in order (the
// first 1000, then a line counting the rest).
func (g *Guard) Refused() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := append([]string(nil), g.refused...)
	if g.dropped > 0 {
		out = append(out, fmt.Sprintf("… and %d more refused requests", g.dropped))
	}
	return out
}

// RefusedCount returns how many requests the guard refused in all, also
// past the lines [Guard.Refused] keeps.
func (g *Guard) RefusedCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.refused) + g.dropped
}

// Created reports whether the resource id of collection coll ("Users",
// "Groups", in any letter case) is the run's own, as far as the guard
// learned.
func (g *Guard) Created(coll, id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ids[key{strings.ToLower(coll), id}].created
}

// transport is the wrapped [http.RoundTripper].
type transport struct {
	g    *Guard
	next http.RoundTripper
}

// RoundTrip checks req, sends it and arranges to learn from the response.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	g := t.g
	write := req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch
	var body []byte
	if write && req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("guard: read request body: %w", err)
		}
		body = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	g.mu.Lock()
	if foreign := g.foreignLocked(req.Method, req.URL, body); foreign != "" {
		err := fmt.Errorf("scimtest refused %s %s: it names resource %s that this run did not create (%w)", req.Method, req.URL.Path, foreign, ErrForeign)
		if len(g.refused) < maxRefused {
			g.refused = append(g.refused, err.Error())
		} else {
			g.dropped++
		}
		g.mu.Unlock()
		if req.Body != nil && body == nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	g.seq++
	sent := g.seq
	g.mu.Unlock()

	resp, err := t.next.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	ex := exchange{method: req.Method, path: req.URL.EscapedPath(), sent: sent, status: resp.StatusCode, location: resp.Header.Get("Location")}
	if req.Method == http.MethodPost && len(body) > 0 {
		ex.nameKey, ex.name = sentName(body)
		ex.bulk = bulkPaths(body)
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		g.learn(ex, "", true)
		return resp, nil
	}
	resp.Body = newLearner(g, ex, resp)
	return resp, nil
}

// foreignLocked returns what a request names that the run did not create:
// the id its path ends in (PUT, PATCH, DELETE), /Me, or an id in its JSON
// body (POST, PUT, PATCH); "" when it names nothing foreign.
func (g *Guard) foreignLocked(method string, u *url.URL, body []byte) string {
	coll, id := resourceOf(u.EscapedPath())
	if method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete {
		switch {
		case g.foreignLockedIn(coll, id):
			return id
		case strings.EqualFold(id, "Me"):
			// /Me is the token's own subject (RFC 7644, Section 3.11): a
			// resource the run never creates.
			return "/Me (the authenticated subject)"
		}
	}
	if len(body) > 0 && gjson.ValidBytes(body) {
		if method == http.MethodPost {
			coll = strings.ToLower(id) // POST /Users: a body id would be a user's
		}
		return g.foreignInLocked(gjson.ParseBytes(body), "", coll, true)
	}
	return ""
}
