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
// responses, which resource ids this run created and which it has merely
// seen. Created: the id of a POST answered 201 (or 200) whose resource
// echoes the userName or displayName sent and was not seen before the POST
// went out, and the ids of Bulk POST results answered 201. Seen: any other
// id in any response (discovery excepted: its "User" and "Group" name no
// resource). It refuses, without sending it, any PUT, PATCH or DELETE whose
// path ends in a seen-but-not-created id or in /Me (the token's own
// subject, RFC 7644 Section 3.11), and any POST, PUT or PATCH whose JSON
// body names one at a reference attribute (a member's or manager's value, a
// PATCH filter path, a Bulk operation path, an id; not a User's groups,
// which is readOnly and echoed by GET+PUT flows). The refusal is an error
// wrapping [ErrForeign], so the spec that made the request fails with a
// clear reason instead of damaging data.
//
// Ids that were never seen are allowed: specs deliberately address random
// ids that do not exist, and an id the run never learned cannot be a real
// resource the run was steered to. Memory grows with the number of ids seen
// (a few bytes each; a paging spec over a target with thousands of users is
// fine).
package guard

import (
	"bytes"
	"compress/gzip"
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

// maxLearn bounds how much of one response body is kept to learn ids from.
// It is above the simulator's body cap (32 MiB), so every body a caller can
// use has been learned from.
const maxLearn = 40 << 20

// maxRefused bounds the refusal lines kept for [Guard.Refused].
const maxRefused = 1000

// state is what the guard knows of one id.
type state struct {
	created bool
	// seq is the request sequence number current when the id was first
	// seen; a create answered later may claim only ids first seen after the
	// create was sent.
	seq uint64
}

// Guard learns resource ids from responses and refuses writes to ids the run
// did not create. It is safe for concurrent use; the zero value is not
// usable, call [New].
type Guard struct {
	mu      sync.Mutex
	ids     map[string]state
	seq     uint64
	refused []string
	dropped int
}

// New returns a Guard that knows no ids yet.
func New() *Guard { return &Guard{ids: map[string]state{}} }

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

// Created reports whether id was created by this run, as far as the guard
// learned.
func (g *Guard) Created(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ids[id].created
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
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		g.learn(ex, nil)
		return resp, nil
	}
	resp.Body = &learner{g: g, ex: ex, rc: resp.Body, gz: strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") && !resp.Uncompressed}
	return resp, nil
}

// foreignLocked returns what a request names that the run did not create:
// the id its path ends in (PUT, PATCH, DELETE), /Me, or an id in its JSON
// body (POST, PUT, PATCH); "" when it names nothing foreign.
func (g *Guard) foreignLocked(method string, u *url.URL, body []byte) string {
	if method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete {
		switch id := lastSegment(u.EscapedPath()); {
		case g.foreignIDLocked(id):
			return id
		case strings.EqualFold(id, "Me"):
			// /Me is the token's own subject (RFC 7644, Section 3.11): a
			// resource the run never creates.
			return "/Me (the authenticated subject)"
		}
	}
	if len(body) > 0 && gjson.ValidBytes(body) {
		return g.foreignInLocked(gjson.ParseBytes(body), "")
	}
	return ""
}

// exchange is what the guard keeps of a request until its response body
// has been read.
type exchange struct {
	method, path string
	sent         uint64
	status       int
	location     string
	// nameKey and name are the identifying attribute a POST sent
	// (userName, else displayName), which the created resource must echo.
	nameKey, name string
}

// sentName returns the identifying attribute of a create body: userName
// for a User, displayName for a Group; "" when it has neither.
func sentName(body []byte) (key, name string) {
	for _, k := range []string{"userName", "displayName"} {
		if v := gjson.GetBytes(body, k); v.Type == gjson.String {
			return k, v.String()
		}
	}
	return "", ""
}

// echoesName reports whether a create's answer can be the resource the
// request made: it carries no name to compare, or the name that was sent
// (in any letter case and surrounding space: userName is not case-exact,
// RFC 7643 Section 4.1.1). A target that answers a create with another,
// existing resource fails it, so the run never takes that resource for its
// own and deletes it when the spec ends.
func echoesName(ex exchange, body gjson.Result) bool {
	if ex.nameKey == "" {
		return true
	}
	got := body.Get(ex.nameKey)
	if got.Type != gjson.String {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(got.String()), strings.TrimSpace(ex.name))
}

// learner passes a response body through and learns its ids when it has
// been read to the end (the simulator reads every body fully before the
// caller sees it, so ids are known before they can be used).
type learner struct {
	g    *Guard
	ex   exchange
	rc   io.ReadCloser
	gz   bool
	buf  bytes.Buffer
	over bool
	done bool
}

// Read reads from the body, keeping a copy up to maxLearn.
func (l *learner) Read(p []byte) (int, error) {
	n, err := l.rc.Read(p)
	if n > 0 && !l.over {
		if l.buf.Len()+n > maxLearn {
			l.over = true
			l.buf = bytes.Buffer{}
		} else {
			l.buf.Write(p[:n])
		}
	}
	if errors.Is(err, io.EOF) {
		l.finish()
	}
	return n, err
}

// Close closes the body; a body closed before its end still teaches the
// Location header and whatever complete JSON arrived (none, usually).
func (l *learner) Close() error {
	l.finish()
	return l.rc.Close()
}

// finish learns from the body once.
func (l *learner) finish() {
	if l.done {
		return
	}
	l.done = true
	var raw []byte
	if !l.over {
		raw = l.buf.Bytes()
		if l.gz {
			raw = gunzip(raw)
		}
	}
	l.g.learn(l.ex, raw)
	l.buf = bytes.Buffer{}
}

// gunzip decodes a gzip body up to maxLearn; nil when it is not gzip.
func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxLearn))
	if err != nil {
		return nil
	}
	return out
}

// discoveryEndpoints describe the service provider (RFC 7644, Section 4);
// their "id"s ("User", "Group", schema URNs) name no writable resource, and
// learning them would make every "type": "User" look foreign.
var discoveryEndpoints = []string{"/serviceproviderconfig", "/resourcetypes", "/schemas"}

// isDiscovery reports whether the URL path p is a discovery endpoint or a
// resource under one.
func isDiscovery(p string) bool {
	p = strings.ToLower(p)
	for _, d := range discoveryEndpoints {
		if strings.HasSuffix(p, d) || strings.Contains(p, d+"/") {
			return true
		}
	}
	return false
}

// learn records the ids of one response.
func (g *Guard) learn(ex exchange, raw []byte) {
	if isDiscovery(ex.path) {
		return
	}
	var body gjson.Result
	if len(raw) > 0 && gjson.ValidBytes(raw) {
		body = gjson.ParseBytes(raw)
	}
	last := lastSegment(ex.path)
	create := ex.method == http.MethodPost && (ex.status == http.StatusCreated || ex.status == http.StatusOK) &&
		last != ".search" && !strings.EqualFold(last, "Bulk")
	bulk := ex.method == http.MethodPost && strings.EqualFold(last, "Bulk")

	g.mu.Lock()
	defer g.mu.Unlock()
	if create && echoesName(ex, body) {
		if id := idOf(body.Get("id")); id != "" {
			g.createdLocked(id, ex.sent)
		} else if ex.status == http.StatusCreated {
			g.createdLocked(locationID(ex.location), ex.sent)
		}
	}
	g.seenResourceLocked(body)
	body.Get("Resources").ForEach(func(_, r gjson.Result) bool {
		g.seenResourceLocked(r)
		return true
	})
	body.Get("Operations").ForEach(func(_, op gjson.Result) bool {
		id := locationID(op.Get("location").String())
		resp := op.Get("response")
		if id == "" && resp.IsObject() {
			id = idOf(resp.Get("id"))
		}
		// 201 is the answer to a create only (RFC 7644, Section 3.7.3); a
		// result that leaves out its method still made a resource.
		status := op.Get("status")
		if status.IsObject() { // {"code": "201"} of early drafts
			status = status.Get("code")
		}
		method := op.Get("method").String()
		if bulk && status.Int() == http.StatusCreated && (method == "" || strings.EqualFold(method, http.MethodPost)) {
			g.createdLocked(id, ex.sent)
		}
		g.seenLocked(id)
		if resp.IsObject() {
			g.seenResourceLocked(resp)
		}
		return true
	})
}

// seenResourceLocked records the id of resource r and the ids it refers to
// (members, groups, manager), which name resources too.
func (g *Guard) seenResourceLocked(r gjson.Result) {
	if !r.IsObject() {
		return
	}
	g.seenLocked(idOf(r.Get("id")))
	for _, refs := range []string{"members", "groups"} {
		r.Get(refs).ForEach(func(_, m gjson.Result) bool {
			g.seenLocked(idOf(m.Get("value")))
			return true
		})
	}
	r.ForEach(func(k, ext gjson.Result) bool {
		if strings.HasPrefix(k.String(), "urn:") && ext.IsObject() {
			g.seenLocked(idOf(ext.Get("manager.value")))
		}
		return true
	})
}

// idOf returns a JSON string or number as an id ("" otherwise).
func idOf(v gjson.Result) string {
	if v.Type == gjson.String || v.Type == gjson.Number {
		return v.String()
	}
	return ""
}

// seenLocked records id as seen unless it is known already.
func (g *Guard) seenLocked(id string) {
	if id == "" {
		return
	}
	if _, ok := g.ids[id]; !ok {
		g.ids[id] = state{seq: g.seq}
	}
}

// createdLocked records id as created by a request sent at sequence sent,
// unless the id was seen before that request was sent: a new resource
// cannot carry an id that already existed, so a create answered with a known
// id is a target returning someone else's resource.
func (g *Guard) createdLocked(id string, sent uint64) {
	if id == "" {
		return
	}
	if s, ok := g.ids[id]; ok && !s.created && s.seq < sent {
		return
	}
	g.ids[id] = state{created: true}
}

// foreignIDLocked reports whether id was seen but not created by this run.
func (g *Guard) foreignIDLocked(id string) bool {
	if id == "" {
		return false
	}
	s, ok := g.ids[id]
	return ok && !s.created
}

// refKeys are the attributes whose strings can name a resource (compared
// in lower case: SCIM attribute names are case-insensitive): a member's,
// group's or manager's "value", a "$ref", a Bulk operation's or a PATCH
// filter's "path", and an "id". Other strings (names, e-mails, an
// employeeNumber) are data: a short numeric id ("1") must not be mistaken
// for one of them.
var refKeys = map[string]bool{"value": true, "$ref": true, "path": true, "id": true}

// foreignInLocked returns the first seen-but-not-created id that v names
// at a reference attribute: as a whole string, as the last segment of a path
// ("/Users/<id>"), or quoted inside a PATCH filter path
// (`members[value eq "<id>"]`). key is the attribute v is the value of.
func (g *Guard) foreignInLocked(v gjson.Result, key string) string {
	found := ""
	switch {
	case v.IsObject():
		// A PATCH operation's value is data unless its path leads to
		// members, groups or a manager (or it has no path: then the value
		// is an object whose own keys say what it holds).
		skipValue := false
		v.ForEach(func(k, e gjson.Result) bool {
			if strings.EqualFold(k.String(), "path") && e.Type == gjson.String && hasKey(v, "op") {
				skipValue = !namesReference(e.String())
			}
			return true
		})
		v.ForEach(func(k, e gjson.Result) bool {
			name := strings.ToLower(k.String())
			if name == "value" && skipValue || name == "groups" {
				// A User's groups is readOnly (RFC 7643, Section 4.1.2):
				// the target ignores it in a write, and a GET+PUT echoes
				// the groups a target put its new users in by itself.
				return true
			}
			found = g.foreignInLocked(e, name)
			return found == ""
		})
	case v.IsArray():
		v.ForEach(func(_, e gjson.Result) bool {
			found = g.foreignInLocked(e, key)
			return found == ""
		})
	case (v.Type == gjson.String || v.Type == gjson.Number) && refKeys[key]:
		for _, cand := range candidates(v.String()) {
			if g.foreignIDLocked(cand) {
				return cand
			}
		}
	}
	return found
}

// hasKey reports whether object v has key k, in any letter case.
func hasKey(v gjson.Result, k string) bool {
	found := false
	v.ForEach(func(key, _ gjson.Result) bool {
		found = strings.EqualFold(key.String(), k)
		return !found
	})
	return found
}

// namesReference reports whether a PATCH path leads to attributes that hold
// resource ids: members, groups, manager (RFC 7643, Sections 4.1.2, 4.2
// and 4.3).
func namesReference(path string) bool {
	p := strings.ToLower(path)
	return strings.Contains(p, "member") || strings.Contains(p, "group") || strings.Contains(p, "manager")
}

// candidates returns the ids a string could name.
func candidates(s string) []string {
	out := []string{s}
	if strings.Contains(s, "/") {
		out = append(out, lastSegment(s))
	}
	for rest := s; ; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		j := strings.IndexByte(rest, '"')
		if j < 0 {
			break
		}
		out = append(out, rest[:j])
		rest = rest[j+1:]
	}
	return out
}

// lastSegment returns the last non-empty, unescaped segment of a URL path.
func lastSegment(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimRight(p, "/")
	seg := p[strings.LastIndexByte(p, '/')+1:]
	if u, err := url.PathUnescape(seg); err == nil {
		return u
	}
	return seg
}

// locationID returns the id a Location URL (absolute or a path) ends in.
func locationID(loc string) string {
	if loc == "" {
		return ""
	}
	if u, err := url.Parse(loc); err == nil {
		return lastSegment(u.EscapedPath())
	}
	return lastSegment(loc)
}
