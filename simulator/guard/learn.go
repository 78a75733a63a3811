package guard

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
)

// maxLearn bounds how much of one response body the guard keeps to learn
// ids from: 8 MiB. A SCIM list page of 1000 users is 1-2 MiB, so every
// page a conforming target sends is learned whole; a bigger body (a target
// that ignores count and sends all its users, a hostile one) is learned
// from its first 8 MiB, and the guard never holds more than that per
// response, however large the body (the simulator keeps up to 32 MiB of
// it, so a second full copy would double what a run of huge bodies costs).
const maxLearn = 8 << 20

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
	// bulk lists the operations of a Bulk request, to tell which
	// collection a result created into.
	bulk []bulkOp
}

// bulkOp is one operation of a Bulk request.
type bulkOp struct{ method, path, bulkID string }

// bulkPaths returns the operations of a Bulk request body (none for any
// other body).
func bulkPaths(body []byte) []bulkOp {
	if !gjson.ValidBytes(body) {
		return nil
	}
	var ops []bulkOp
	getCI(gjson.ParseBytes(body), "Operations").ForEach(func(_, op gjson.Result) bool {
		ops = append(ops, bulkOp{method: getCI(op, "method").String(), path: getCI(op, "path").String(), bulkID: getCI(op, "bulkId").String()})
		return true
	})
	return ops
}

// op returns the request operation that result i with bulkID answers:
// the one with that bulkId, else the i-th.
func (ex exchange) op(i int, bulkID string) bulkOp {
	if bulkID != "" {
		for _, o := range ex.bulk {
			if o.bulkID == bulkID {
				return o
			}
		}
	}
	if i < len(ex.bulk) {
		return ex.bulk[i]
	}
	return bulkOp{}
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
	got := getCI(body, ex.nameKey)
	if got.Type != gjson.String {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(got.String()), strings.TrimSpace(ex.name))
}

// learner passes a response body through and learns its ids when it has
// been read to the end (the simulator reads every body fully before the
// caller sees it, so ids are known before they can be used).
type learner struct {
	g  *Guard
	ex exchange
	rc io.ReadCloser
	gz bool
	// buf holds the body's first maxLearn bytes; a strings.Builder, so
	// parsing it makes no second copy.
	buf *strings.Builder
	// cut: the body went on past maxLearn.
	cut  bool
	done bool
}

// newLearner wraps the body of resp. Its copy is preallocated from
// Content-Length, up to maxLearn, so a body of known length is copied
// without growing.
func newLearner(g *Guard, ex exchange, resp *http.Response) *learner {
	l := &learner{g: g, ex: ex, rc: resp.Body, buf: &strings.Builder{},
		gz: isGzip(resp.Header.Get("Content-Encoding")) && !resp.Uncompressed}
	if resp.ContentLength > 0 {
		l.buf.Grow(int(min(resp.ContentLength, maxLearn)))
	}
	return l
}

// Read reads from the body, keeping a copy of its first maxLearn bytes.
func (l *learner) Read(p []byte) (int, error) {
	n, err := l.rc.Read(p)
	if n > 0 && !l.cut {
		l.keep(p[:n])
	}
	if errors.Is(err, io.EOF) {
		l.finish(true)
	}
	return n, err
}

// keep appends b to the copy, never letting it grow past maxLearn.
func (l *learner) keep(b []byte) {
	if room := maxLearn - l.buf.Len(); len(b) > room {
		b, l.cut = b[:room], true
	}
	if need := l.buf.Len() + len(b); need > l.buf.Cap() {
		grown := &strings.Builder{}
		grown.Grow(min(max(2*l.buf.Cap(), need, 512), maxLearn))
		grown.WriteString(l.buf.String())
		l.buf = grown
	}
	l.buf.Write(b)
}

// Close closes the body; a body closed before its end still teaches the
// Location header and the ids of the part that arrived.
func (l *learner) Close() error {
	l.finish(false)
	return l.rc.Close()
}

// finish learns from the body once; eof tells whether it was read to its
// end.
func (l *learner) finish(eof bool) {
	if l.done {
		return
	}
	l.done = true
	raw, whole := l.buf.String(), eof && !l.cut
	if l.gz {
		var ok bool
		raw, ok = gunzip(raw)
		whole = whole && ok
	}
	l.g.learn(l.ex, raw, whole)
	l.buf = nil
}

// gunzip decodes a gzip body up to maxLearn; ok is false when the body
// was cut, corrupt or decodes to more than maxLearn, and out is then the
// part that decoded.
func gunzip(b string) (out string, ok bool) {
	zr, err := gzip.NewReader(strings.NewReader(b))
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	_, err = io.Copy(&sb, io.LimitReader(zr, maxLearn+1))
	out = sb.String()
	if len(out) > maxLearn {
		return out[:maxLearn], false
	}
	return out, err == nil
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

// learn records the resources of one response. whole is false for a body
// that was cut (beyond maxLearn, or closed early): its complete part still
// teaches what it shows, but creates and the run's marker count only in a
// whole body.
func (g *Guard) learn(ex exchange, raw string, whole bool) {
	var body gjson.Result
	if raw != "" && (gjson.Valid(raw) || !whole && strings.HasPrefix(strings.TrimSpace(raw), "{")) {
		body = gjson.Parse(raw)
	}
	if isDiscovery(ex.path) {
		g.learnTypes(body)
		return
	}
	parent, last := resourceOf(ex.path)
	post := ex.method == http.MethodPost
	search := last == ".search"
	bulk := post && strings.EqualFold(last, "Bulk")
	list := getCI(body, "Resources")
	// coll is the collection the answer's resources are in: the one posted
	// to or listed, else the one of the resource addressed.
	coll := parent
	switch {
	case strings.EqualFold(last, "Me"):
		coll = anyColl // the subject's collection is not in the path
	case post && !search || !search && list.Exists():
		coll = strings.ToLower(last)
	}
	create := whole && post && (ex.status == http.StatusCreated || ex.status == http.StatusOK) && !search && !bulk

	g.mu.Lock()
	defer g.mu.Unlock()
	if create {
		id := idOf(getCI(body, "id"))
		if id == "" && ex.status == http.StatusCreated {
			id = locationID(ex.location)
		}
		g.createdLocked(key{coll, id}, ex.sent, echoesName(ex, body) || whole && g.markedLocked(body))
	}
	g.seenResourceLocked(body, coll, whole)
	list.ForEach(func(_, r gjson.Result) bool {
		g.seenResourceLocked(r, coll, whole)
		return true
	})
	if !bulk {
		return
	}
	i := 0
	getCI(body, "Operations").ForEach(func(_, op gjson.Result) bool {
		g.bulkResultLocked(ex, i, op, whole)
		i++
		return true
	})
}

// bulkResultLocked learns from result i of a Bulk response: a POST
// answered 2xx (or a result without method answered 201, which only a
// create is; RFC 7644, Section 3.7.3) created the resource its location or
// response names, in the collection its request posted to.
func (g *Guard) bulkResultLocked(ex exchange, i int, op gjson.Result, whole bool) {
	c, id := resourceOf(urlPath(getCI(op, "location").String()))
	resp := getCI(op, "response")
	if id == "" && resp.IsObject() {
		id = idOf(getCI(resp, "id"))
	}
	req := ex.op(i, getCI(op, "bulkId").String())
	method := getCI(op, "method").String()
	if method == "" {
		method = req.method
	}
	post := strings.EqualFold(method, http.MethodPost)
	if post && req.path != "" {
		c = strings.ToLower(lastSegment(req.path))
	}
	if c == "" {
		c = anyColl
	}
	code := bulkStatus(op)
	if whole && c != anyColl && (post && code/100 == 2 || method == "" && code == http.StatusCreated) {
		g.createdLocked(key{c, id}, ex.sent, true)
	}
	g.seenLocked(key{c, id})
	if resp.IsObject() {
		g.seenResourceLocked(resp, c, whole)
	}
}

// bulkStatus returns the HTTP status of a Bulk result: a string such as
// "201" or "201 Created" (RFC 7644, Section 3.7.3), a number, or an early
// draft's {"code": "201"}, its keys in any letter case; 0 when unreadable.
func bulkStatus(op gjson.Result) int {
	st := getCI(op, "status")
	if st.IsObject() {
		st = getCI(st, "code")
	}
	s := strings.TrimSpace(st.String())
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n
}

// learnTypes learns from /ResourceTypes which collection each resource
// type lives at (name "User", endpoint "/Users"), so a member's "type"
// tells the guard where its value points.
func (g *Guard) learnTypes(body gjson.Result) {
	g.mu.Lock()
	defer g.mu.Unlock()
	learn := func(rt gjson.Result) {
		name, ep := getCI(rt, "name").String(), getCI(rt, "endpoint").String()
		if name != "" && ep != "" {
			g.types[strings.ToLower(name)] = strings.ToLower(lastSegment(ep))
		}
	}
	learn(body)
	getCI(body, "Resources").ForEach(func(_, r gjson.Result) bool {
		learn(r)
		return true
	})
}

// nameAttrs are the attributes fixtures put the run's marker in.
var nameAttrs = []string{"userName", "displayName", "externalId"}

// markedLocked reports whether resource r carries the run's marker in one
// of its names.
func (g *Guard) markedLocked(r gjson.Result) bool {
	if g.marker == "" || !r.IsObject() {
		return false
	}
	for _, a := range nameAttrs {
		if v := getCI(r, a); v.Type == gjson.String && fixtures.HasMarker(v.String(), g.marker) {
			return true
		}
	}
	return false
}

// named reports whether resource r carries a name the marker could be in.
func named(r gjson.Result) bool {
	for _, a := range nameAttrs {
		if getCI(r, a).Type == gjson.String {
			return true
		}
	}
	return false
}

// seenResourceLocked records resource r of collection coll (and of the
// collection its meta.location names, when that ends in its id) and the
// resources it refers to (members, groups, manager). A resource carrying
// the run's marker in a whole body is the run's; one named without it is
// a stranger.
func (g *Guard) seenResourceLocked(r gjson.Result, coll string, whole bool) {
	if !r.IsObject() {
		return
	}
	id := idOf(getCI(r, "id"))
	marked := whole && g.markedLocked(r)
	stranger := !marked && g.marker != "" && named(r)
	colls := []string{coll}
	if c, lid := resourceOf(urlPath(getCI(getCI(r, "meta"), "location").String())); lid == id && c != "" && c != coll {
		colls = append(colls, c)
	}
	for _, c := range colls {
		g.observeLocked(key{c, id}, marked, stranger)
	}
	for _, refs := range []string{"members", "groups"} {
		def := anyColl
		if refs == "groups" {
			def = g.typeColl("group")
		}
		getCI(r, refs).ForEach(func(_, m gjson.Result) bool {
			g.seenRefLocked(m, def)
			return true
		})
	}
	r.ForEach(func(k, ext gjson.Result) bool {
		if strings.HasPrefix(k.String(), "urn:") && ext.IsObject() {
			// A manager is a User (RFC 7643, Section 4.3).
			g.seenRefLocked(getCI(ext, "manager"), g.typeColl("user"))
		}
		return true
	})
}

// seenRefLocked records the resource reference m (a member, group or
// manager) points to: in the collection its type or $ref names, else def.
func (g *Guard) seenRefLocked(m gjson.Result, def string) {
	if !m.IsObject() {
		return
	}
	c := g.refCollLocked(m)
	if c == "" {
		c = def
	}
	g.seenLocked(key{c, idOf(getCI(m, "value"))})
}

// typeColl returns the collection of resource type name (lower case).
func (g *Guard) typeColl(name string) string {
	if c, ok := g.types[name]; ok {
		return c
	}
	return anyColl
}

// idOf returns a JSON string or number as an id ("" otherwise).
func idOf(v gjson.Result) string {
	if v.Type == gjson.String || v.Type == gjson.Number {
		return v.String()
	}
	return ""
}

// putLocked stores s for k, keeping the per-id tally in step.
func (g *Guard) putLocked(k key, s state) {
	// Ids are substrings of the body they came in: cloned, or every body
	// that taught one would stay in memory for the whole run (a map
	// assignment stores the key it is given, even over an equal one).
	k = key{strings.Clone(k.coll), strings.Clone(k.id)}
	t := g.byID[k.id]
	if old, ok := g.ids[k]; ok {
		if old.created {
			t.created--
		} else {
			t.foreign--
		}
	}
	if s.created {
		t.created++
	} else {
		t.foreign++
	}
	g.byID[k.id] = t
	g.ids[k] = s
}

// seenLocked records resource k as seen unless it is known already.
func (g *Guard) seenLocked(k key) { g.observeLocked(k, false, false) }

// observeLocked records resource k as seen, as the run's when marked (and
// not known as a stranger's), and as a stranger's when stranger.
func (g *Guard) observeLocked(k key, marked, stranger bool) {
	if k.id == "" || k.coll == "" {
		return
	}
	s, ok := g.ids[k]
	if ok && (s.created || s.stranger == stranger && !marked) {
		return
	}
	if !ok {
		s = state{seq: g.seq}
	}
	s.stranger = s.stranger || stranger
	if marked && !s.stranger && k.coll != anyColl {
		s.created = true
	}
	g.putLocked(k, s)
}

// createdLocked records resource k as created by a request sent at
// sequence sent when ok (its answer is the resource the request made),
// unless k was seen before that request was sent: a new resource cannot
// carry an id that already existed, so a create answered with a known id
// is a target returning someone else's resource, which stays foreign for
// good.
func (g *Guard) createdLocked(k key, sent uint64, ok bool) {
	if k.id == "" || k.coll == "" {
		return
	}
	if s, known := g.ids[k]; known && !s.created && s.seq < sent {
		s.stranger = true
		g.putLocked(k, s)
		return
	}
	if ok {
		g.putLocked(k, state{created: true})
	}
}

// locationID returns the id a Location URL (absolute or a path) ends in.
func locationID(loc string) string {
	if loc == "" {
		return ""
	}
	return lastSegment(urlPath(loc))
}

// isGzip reports whether a Content-Encoding is gzip or its old alias
// x-gzip (RFC 9110, Section 8.4.1.3), both of which the simulator decodes.
func isGzip(enc string) bool {
	enc = strings.TrimSpace(enc)
	return strings.EqualFold(enc, "gzip") || strings.EqualFold(enc, "x-gzip")
}
