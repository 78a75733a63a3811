package reference

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// resourceType is what the server needs to know about one endpoint.
type resourceType struct {
	Name     string // "User"
	Endpoint string // "Users"
	Schema   string // core schema URN
	KeyAttr  string // the attribute that is unique per type
}

var (
	userType  = &resourceType{Name: "User", Endpoint: "Users", Schema: "urn:ietf:params:scim:schemas:core:2.0:User", KeyAttr: "userName"}
	groupType = &resourceType{Name: "Group", Endpoint: "Groups", Schema: "urn:ietf:params:scim:schemas:core:2.0:Group", KeyAttr: "displayName"}
	allTypes  = []*resourceType{userType, groupType}
)

func resourceTypeFor(endpoint string) *resourceType {
	for _, rt := range allTypes {
		if strings.EqualFold(endpoint, rt.Endpoint) {
			return rt
		}
	}
	return nil
}

// baseURL is the absolute URL of the base path for this request, used for
// meta.location and Location (RFC 7643 §3.1: location is the URI of the
// resource).
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + s.base
}

func (s *Server) location(r *http.Request, rt *resourceType, id string) string {
	if s.quirks.on(qLocationRelative) {
		return s.base + "/" + rt.Endpoint + "/" + url.PathEscape(id)
	}
	return s.baseURL(r) + "/" + rt.Endpoint + "/" + url.PathEscape(id)
}

// render turns a stored resource into its full JSON form: attributes, id,
// meta, Group.members (when loaded) and User.groups.
func (s *Server) render(ctx context.Context, r *http.Request, rt *resourceType, res *store.Resource) (map[string]any, *scimerr.Error) {
	out, e := attrsOf(res)
	if e != nil {
		return nil, e
	}
	out["id"] = res.ID
	meta := map[string]any{
		"resourceType": rt.Name,
		"created":      res.Created.UTC().Format(time.RFC3339Nano),
		"lastModified": res.Modified.UTC().Format(time.RFC3339Nano),
		"version":      etag(res.Version),
	}
	if !s.quirks.on(qLocationMissing) {
		meta["location"] = s.location(r, rt, res.ID)
	}
	out["meta"] = meta
	if res.Members != nil {
		ms := make([]any, len(res.Members))
		for i, m := range res.Members {
			mt := groupType
			if m.Type == userType.Name {
				mt = userType
			}
			v := map[string]any{"value": m.Value, "$ref": s.location(r, mt, m.Value), "type": m.Type}
			if m.Display != "" {
				v["display"] = m.Display
			}
			ms[i] = v
		}
		out["members"] = ms
	}
	if rt == userType {
		gs, err := s.store.GroupsOf(ctx, res.ID)
		if err != nil {
			return nil, storeError(err, "groups of user")
		}
		if len(gs) > 0 {
			list := make([]any, len(gs))
			for i, g := range gs {
				// User.groups is readOnly and derived from memberships (RFC 7643 §4.1.2).
				list[i] = map[string]any{"value": g.ID, "$ref": s.location(r, groupType, g.ID), "display": g.Display, "type": "direct"}
			}
			out["groups"] = list
		}
	}
	return out, nil
}

// projection holds the attributes / excludedAttributes query parameters.
type projection struct {
	attributes, excluded []string
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseProjection reads attributes and excludedAttributes (RFC 7644 §3.9);
// giving both is rejected as they are alternatives.
func (s *Server) parseProjection(attributes, excluded string) (projection, *scimerr.Error) {
	p := projection{attributes: splitList(attributes), excluded: splitList(excluded)}
	if s.quirks.on(qExcludedIgnored) {
		p.excluded = nil
	}
	if len(p.attributes) > 0 && len(p.excluded) > 0 {
		return p, scimerr.BadRequest(scimerr.InvalidSyntax, "attributes and excludedAttributes are mutually exclusive")
	}
	return p, nil
}

// needsMembers reports whether a Group rendering under p includes members,
// so excludedAttributes=members never loads a large member list.
func (p projection) needsMembers() bool {
	for _, a := range p.excluded {
		if strings.EqualFold(a, "members") || strings.EqualFold(a, groupType.Schema+":members") {
			return false
		}
	}
	if len(p.attributes) == 0 {
		return true
	}
	for _, a := range p.attributes {
		a = strings.ToLower(strings.TrimPrefix(strings.ToLower(a), strings.ToLower(groupType.Schema)+":"))
		if a == "members" || strings.HasPrefix(a, "members.") {
			return true
		}
	}
	return false
}

// shape renders and projects one resource.
func (s *Server) shape(ctx context.Context, r *http.Request, rt *resourceType, res *store.Resource, p projection) (map[string]any, *scimerr.Error) {
	full, e := s.render(ctx, r, rt, res)
	if e != nil {
		return nil, e
	}
	out := project(rt, full, p.attributes, p.excluded)
	if s.quirks.on(qAttributesDropID) && len(p.attributes) > 0 {
		delete(out, "id")
	}
	if s.quirks.on(qPasswordReturned) {
		if pw := gjson.GetBytes(res.Body, "password"); pw.Exists() {
			out["password"] = pw.Value()
		}
	}
	return out, nil
}

// single answers with one resource: body, ETag equal to meta.version
// (RFC 7644 §3.14) and, for 201, Location equal to meta.location (§3.3).
func (s *Server) single(ctx context.Context, r *http.Request, rt *resourceType, res *store.Resource, status int) *response {
	p, e := s.parseProjection(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes"))
	if e != nil {
		return errorResponse(e)
	}
	body, e := s.shape(ctx, r, rt, res, p)
	if e != nil {
		return errorResponse(e)
	}
	resp := jsonResponse(status, body)
	resp.header().Set("ETag", etag(res.Version))
	if status == http.StatusCreated {
		loc := s.location(r, rt, res.ID)
		if s.quirks.on(qLocationHeaderDiffers) {
			loc = s.baseURL(r) + "/" + rt.Endpoint + "?id=" + url.QueryEscape(res.ID)
		}
		resp.header().Set("Location", loc)
	}
	return resp
}

func (s *Server) readJSON(r *http.Request) (map[string]any, *scimerr.Error) {
	b, e := readBody(r, s.opts.MaxBodySize)
	if e != nil {
		return nil, e
	}
	return decodeJSON(b)
}

// create handles POST /Users and /Groups (RFC 7644 §3.3).
func (s *Server) create(ctx context.Context, r *http.Request, rt *resourceType) *response {
	if _, e := s.parseProjection(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes")); e != nil {
		return errorResponse(e)
	}
	obj, e := s.readJSON(r)
	if e != nil {
		return errorResponse(e)
	}
	res, e := s.createResource(ctx, rt, obj)
	if e != nil {
		return errorResponse(e)
	}
	return s.single(ctx, r, rt, res, http.StatusCreated)
}

// createResource validates obj and stores it; shared by POST and Bulk.
func (s *Server) createResource(ctx context.Context, rt *resourceType, obj map[string]any) (*store.Resource, *scimerr.Error) {
	in, members, e := s.incoming(rt, obj, nil)
	if e != nil {
		return nil, e
	}
	if name := gjson.GetBytes(in.Body, "userName").String(); rt == userType && s.quirks.on(qDeletedNameBlocks) && s.tombstones.has(name) {
		return nil, scimerr.Conflict("userName %q is already taken", name)
	}
	res, err := s.store.Create(ctx, in, members)
	if err != nil {
		return nil, storeError(err, rt.Name)
	}
	return s.withMembers(ctx, rt, res)
}

// get handles GET /{type}/{id} (RFC 7644 §3.4.1) with If-None-Match (§3.14).
func (s *Server) get(ctx context.Context, r *http.Request, rt *resourceType, id string) *response {
	p, e := s.parseProjection(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes"))
	if e != nil {
		return errorResponse(e)
	}
	res, err := s.store.Get(ctx, rt.Name, id, rt == groupType && p.needsMembers())
	if err != nil {
		return errorResponse(storeError(err, rt.Name+" "+id))
	}
	if noneMatch(r, res.Version) {
		resp := &response{status: http.StatusNotModified}
		resp.header().Set("ETag", etag(res.Version))
		return resp
	}
	return s.single(ctx, r, rt, res, http.StatusOK)
}

// conditional reads If-Match as a precondition (RFC 7644 §3.14).
func (s *Server) conditional(r *http.Request) (ifMatch, *scimerr.Error) {
	if s.quirks.on(qIfMatchIgnored) {
		return matchAny, nil
	}
	m, ok := parseIfMatch(r.Header.Get("If-Match"))
	if !ok {
		return ifMatch{}, scimerr.PreconditionFailed("If-Match %q does not match the current version", r.Header.Get("If-Match"))
	}
	return m, nil
}

// casVersion turns cond into the version a store write is conditional on:
// store.Any when cond always holds, else the current version when cond
// accepts it. A write made with it that fails with ErrVersionMismatch lost a
// race and is retried, since a list may accept the newer version too.
func (s *Server) casVersion(ctx context.Context, rt *resourceType, id string, cond ifMatch) (int64, *scimerr.Error) {
	if cond.any {
		return store.Any, nil
	}
	cur, e := s.current(ctx, rt, id, false, cond)
	if e != nil {
		return 0, e
	}
	return cur.Version, nil
}

// current reads the stored resource a write starts from (with a group's
// members when members is set) and checks the request's If-Match against
// its version (RFC 7644 §3.14).
func (s *Server) current(ctx context.Context, rt *resourceType, id string, members bool, cond ifMatch) (*store.Resource, *scimerr.Error) {
	old, err := s.store.Get(ctx, rt.Name, id, members)
	if err != nil {
		return nil, storeError(err, rt.Name+" "+id)
	}
	if !cond.has(old.Version) {
		return nil, preconditionFailed(rt, id, old.Version, cond)
	}
	return old, nil
}

func preconditionFailed(rt *resourceType, id string, current int64, cond ifMatch) *scimerr.Error {
	return scimerr.PreconditionFailed("%s %s is at version %s, If-Match wants %s", rt.Name, id, etag(current), cond)
}

// replace handles PUT (RFC 7644 §3.5.1): replace semantics, readOnly input
// ignored, immutable changes refused.
func (s *Server) replace(ctx context.Context, r *http.Request, rt *resourceType, id string) *response {
	cond, e := s.conditional(r)
	if e != nil {
		return errorResponse(e)
	}
	obj, e := s.readJSON(r)
	if e != nil {
		return errorResponse(e)
	}
	res, e := s.replaceResource(ctx, rt, id, obj, cond)
	if e != nil {
		return errorResponse(e)
	}
	return s.single(ctx, r, rt, res, http.StatusOK)
}

// replaceResource is PUT's work, shared with Bulk.
func (s *Server) replaceResource(ctx context.Context, rt *resourceType, id string, obj map[string]any, cond ifMatch) (*store.Resource, *scimerr.Error) {
	for range maxWriteRetries {
		old, e := s.current(ctx, rt, id, rt == groupType, cond)
		if e != nil {
			return nil, e
		}
		in, members, e := s.incoming(rt, obj, old)
		if e != nil {
			return nil, e
		}
		in.ID = id
		// The write is conditional on the version read, so stored readOnly
		// and writeOnly values carried over cannot be stale.
		res, err := s.store.Replace(ctx, in, members, rt != groupType, old.Version)
		if errors.Is(err, store.ErrVersionMismatch) {
			continue // another writer got in between: re-read, re-check, retry
		}
		if err != nil {
			return nil, storeError(err, rt.Name+" "+id)
		}
		return s.withMembers(ctx, rt, res)
	}
	return nil, scimerr.New(http.StatusServiceUnavailable, "", "%s %s is changing too fast; retry", rt.Name, id)
}

func (s *Server) withMembers(ctx context.Context, rt *resourceType, res *store.Resource) (*store.Resource, *scimerr.Error) {
	if rt != groupType || res.Members != nil {
		return res, nil
	}
	full, err := s.store.Get(ctx, rt.Name, res.ID, true)
	if err != nil {
		return nil, storeError(err, rt.Name+" "+res.ID)
	}
	return full, nil
}

// delete handles DELETE (RFC 7644 §3.6).
func (s *Server) delete(ctx context.Context, r *http.Request, rt *resourceType, id string) *response {
	cond, e := s.conditional(r)
	if e != nil {
		return errorResponse(e)
	}
	if e := s.deleteResource(ctx, rt, id, cond); e != nil {
		return errorResponse(e)
	}
	if s.quirks.on(qDelete200) {
		return &response{status: http.StatusOK}
	}
	return &response{status: http.StatusNoContent}
}

func (s *Server) deleteResource(ctx context.Context, rt *resourceType, id string, cond ifMatch) *scimerr.Error {
	for range maxWriteRetries {
		version, e := s.casVersion(ctx, rt, id, cond)
		if e != nil && e.Status == http.StatusNotFound && s.quirks.on(qSecondDelete204) {
			return nil
		}
		if e != nil {
			return e
		}
		err := s.deleteVersion(ctx, rt, id, version)
		if errors.Is(err, store.ErrVersionMismatch) {
			continue // changed since casVersion read it: re-check the list
		}
		if errors.Is(err, store.ErrNotFound) && s.quirks.on(qSecondDelete204) {
			return nil
		}
		if err != nil {
			return storeError(err, rt.Name+" "+id)
		}
		return nil
	}
	return scimerr.New(http.StatusServiceUnavailable, "", "%s %s is changing too fast; retry", rt.Name, id)
}

// deleteVersion deletes (or, with a quirk, deactivates) the resource if it
// is at version.
func (s *Server) deleteVersion(ctx context.Context, rt *resourceType, id string, version int64) error {
	if rt == userType && s.quirks.on(qDeleteDeactivates) {
		old, err := s.store.Get(ctx, rt.Name, id, false)
		if err != nil {
			return err
		}
		nr := *old
		if nr.Body, err = sjson.SetBytes(bytes.Clone(old.Body), "active", false); err != nil {
			return fmt.Errorf("deactivate %s: %w", id, err)
		}
		_, err = s.store.Replace(ctx, &nr, nil, true, version)
		return err
	}
	var name string
	if rt == userType && s.quirks.on(qDeletedNameBlocks) {
		if old, err := s.store.Get(ctx, rt.Name, id, false); err == nil {
			name = gjson.GetBytes(old.Body, "userName").String()
		}
	}
	if err := s.store.Delete(ctx, rt.Name, id, version); err != nil {
		return err
	}
	if name != "" {
		s.tombstones.add(name)
	}
	return nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// seed creates n deterministic users.
func (s *Server) seed(ctx context.Context, n int) error {
	for i := 1; i <= n; i++ {
		obj := map[string]any{
			"schemas":     []any{userType.Schema},
			"userName":    fmt.Sprintf("seed-user-%04d", i),
			"displayName": fmt.Sprintf("Seed User %d", i),
			"name":        map[string]any{"givenName": "Seed", "familyName": fmt.Sprintf("User%d", i)},
			"emails":      []any{map[string]any{"value": fmt.Sprintf("seed-user-%04d@example.com", i), "type": "work", "primary": true}},
			"active":      true,
		}
		if _, e := s.createResource(ctx, userType, obj); e != nil {
			return fmt.Errorf("seed user %d: %w", i, e)
		}
	}
	return nil
}
