package reference

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// maxWriteRetries bounds how often an unconditional PUT or PATCH re-reads
// and re-applies after losing a race with another writer.
const maxWriteRetries = 16

// patch handles PATCH (RFC 7644 §3.5.2) and answers 200 with the resource.
func (s *Server) patch(ctx context.Context, r *http.Request, rt *resourceType, id string) *response {
	cond, e := s.conditional(r)
	if e != nil {
		return errorResponse(e)
	}
	p, e := s.parseProjection(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes"))
	if e != nil {
		return errorResponse(e)
	}
	obj, e := s.readJSON(r)
	if e != nil {
		return errorResponse(e)
	}
	var before *store.Resource
	if s.quirks.on(qPatchReturnsOldResource) {
		if before, _ = s.store.Get(ctx, rt.Name, id, rt == groupType && p.needsMembers()); before == nil {
			return errorResponse(scimerr.NotFound("%s %s not found", rt.Name, id))
		}
	}
	res, e := s.patchResource(ctx, rt, id, obj, cond)
	if e != nil {
		return errorResponse(e)
	}
	if before != nil {
		res = before
	}
	if rt == groupType && p.needsMembers() && res.Members == nil {
		if res, e = s.withMembers(ctx, rt, res); e != nil {
			return errorResponse(e)
		}
	}
	return s.single(ctx, r, rt, res, http.StatusOK)
}

// rawOp is a PATCH operation as sent, before the patch engine parses it.
type rawOp struct {
	op    string
	path  string
	value any
	has   bool // value present
}

// rawOps reads Operations with the quirks that act on the raw request.
func (s *Server) rawOps(obj map[string]any) ([]rawOp, map[string]any, *scimerr.Error) {
	var list []any
	var key string
	for k, v := range obj {
		if strings.EqualFold(k, "Operations") {
			key = k
			var ok bool
			if list, ok = v.([]any); !ok {
				return nil, nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations must be an array")
			}
		}
	}
	ops := make([]rawOp, 0, len(list))
	kept := make([]any, 0, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d] must be an object", i)
		}
		var op rawOp
		for k, x := range m {
			switch strings.ToLower(k) {
			case "op":
				op.op, _ = x.(string)
			case "path":
				op.path, _ = x.(string)
			case "value":
				op.value, op.has = x, true
			}
		}
		if s.quirks.on(qPatchOpCaseSensitive) && op.op != strings.ToLower(op.op) {
			return nil, nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d].op %q is not add, remove or replace", i, op.op)
		}
		if s.quirks.on(qPatchPathlessIgnored) && op.path == "" {
			continue
		}
		ops = append(ops, op)
		kept = append(kept, v)
	}
	if key != "" && len(kept) != len(list) {
		obj = cloneMap(obj)
		obj[key] = kept
	}
	return ops, obj, nil
}

// patchResource applies a PatchOp body; shared with Bulk.
func (s *Server) patchResource(ctx context.Context, rt *resourceType, id string, obj map[string]any, cond ifMatch) (*store.Resource, *scimerr.Error) {
	ops, obj, e := s.rawOps(obj)
	if e != nil {
		return nil, e
	}
	if len(ops) == 0 && (s.quirks.on(qPatchEmptyOpsOK) || s.quirks.on(qPatchPathlessIgnored)) {
		res, err := s.store.Get(ctx, rt.Name, id, false)
		if err != nil {
			return nil, storeError(err, rt.Name+" "+id)
		}
		return res, nil
	}
	parsed, e := parsePatch(obj)
	if e != nil {
		return nil, e
	}
	if rt == groupType {
		if add, remove, all, ok := s.memberDelta(ops); ok {
			if all {
				full, err := s.store.Get(ctx, rt.Name, id, true)
				if err != nil {
					return nil, storeError(err, rt.Name+" "+id)
				}
				for _, m := range full.Members {
					remove = append(remove, m.Value)
				}
			}
			return s.updateMembers(ctx, rt, id, add, remove, cond)
		}
	}
	for range maxWriteRetries {
		old, e := s.current(ctx, rt, id, rt == groupType, cond)
		if e != nil {
			return nil, e
		}
		full, e := attrsOf(old)
		if e != nil {
			return nil, e
		}
		full["id"] = old.ID
		if old.Members != nil {
			full["members"] = membersJSON(old.Members)
		}
		next, e := applyPatch(rt, full, parsed)
		if e != nil {
			return nil, e
		}
		attrs := cloneMap(next)
		delete(attrs, "id")
		delete(attrs, "meta")
		delete(attrs, "groups")
		var members []store.Member
		if rt == groupType {
			if members, e = membersFrom(attrs["members"]); e != nil {
				return nil, e
			}
			delete(attrs, "members")
		}
		in, e := s.newResource(rt, id, attrs)
		if e != nil {
			return nil, e
		}
		res, err := s.store.Replace(ctx, in, members, rt != groupType, old.Version)
		if errors.Is(err, store.ErrVersionMismatch) {
			continue // another writer got in between: re-read, re-check, re-apply
		}
		if err != nil {
			return nil, storeError(err, rt.Name+" "+id)
		}
		return res, nil
	}
	return nil, scimerr.New(http.StatusServiceUnavailable, "", "%s %s is changing too fast; retry", rt.Name, id)
}

// updateMembers applies a member delta under cond, retrying when the group
// changes between reading its version and writing.
func (s *Server) updateMembers(ctx context.Context, rt *resourceType, id string, add []store.Member, remove []string, cond ifMatch) (*store.Resource, *scimerr.Error) {
	for range maxWriteRetries {
		version, e := s.casVersion(ctx, rt, id, cond)
		if e != nil {
			return nil, e
		}
		res, err := s.store.UpdateMembers(ctx, id, add, remove, version)
		if errors.Is(err, store.ErrVersionMismatch) {
			continue
		}
		if err != nil {
			return nil, storeError(err, rt.Name+" "+id)
		}
		return res, nil
	}
	return nil, scimerr.New(http.StatusServiceUnavailable, "", "%s %s is changing too fast; retry", rt.Name, id)
}

// memberDelta recognises a PATCH that only adds or removes group members by
// value, which the store applies in O(changed) (Okta and Entra group
// pushes). all is true when a quirk turns a filtered remove into removing
// every member.
func (s *Server) memberDelta(ops []rawOp) (add []store.Member, remove []string, all, ok bool) {
	if len(ops) == 0 {
		return nil, nil, false, false
	}
	for _, op := range ops {
		// The store removes before it adds, so a remove after an add must
		// take the general path to keep operations in order (RFC 7644 §3.5.2).
		if strings.EqualFold(op.op, "remove") && len(add) > 0 {
			return nil, nil, false, false
		}
		p, err := filter.ParsePath(op.path)
		if err != nil || !strings.EqualFold(p.Attr, "members") || p.Sub != "" ||
			(p.URN != "" && !strings.EqualFold(p.URN, groupType.Schema)) {
			return nil, nil, false, false
		}
		switch strings.ToLower(op.op) {
		case "add":
			if p.Filter != nil {
				return nil, nil, false, false
			}
			ms, e := membersFrom(op.value)
			if e != nil || !op.has {
				return nil, nil, false, false
			}
			add = append(add, ms...)
		case "remove":
			if p.Filter == nil {
				// Entra's remove with a value list names the members to drop.
				ms, e := membersFrom(op.value)
				if e != nil || !op.has || len(ms) == 0 {
					return nil, nil, false, false
				}
				for _, m := range ms {
					remove = append(remove, m.Value)
				}
				continue
			}
			c, isCmp := p.Filter.(*filter.Comparison)
			if !isCmp {
				return nil, nil, false, false
			}
			v, isStr := c.Value.(string)
			if !isStr || c.Op != "eq" || !strings.EqualFold(c.Path.Attr, "value") || c.Path.Sub != "" || c.Path.URN != "" || op.has {
				return nil, nil, false, false
			}
			if s.quirks.on(qPatchRemoveFilterAll) {
				all = true
				continue
			}
			remove = append(remove, v)
		default:
			return nil, nil, false, false
		}
	}
	return add, remove, all, true
}
