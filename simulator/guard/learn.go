package guard

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// maxLearn bounds how much of one response body is kept to learn ids from.
// It is above the simulator's body cap (32 MiB), so every body a caller can
// use has been learned from.
const maxLearn = 40 << 20

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
