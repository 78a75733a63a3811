package reference

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// Bulk message URNs (RFC 7644 §3.7).
const (
	bulkRequestURN  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseURN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	bulkIDPrefix    = "bulkId:"
)

// bulkOp is one decoded operation of a BulkRequest.
type bulkOp struct {
	index   int
	method  string
	bulkID  string
	version string
	path    string
	data    any
	raw     map[string]any
	refs    []string // bulkIds this operation refers to
	done    bool
	result  map[string]any
}

// bulk handles POST /Bulk (RFC 7644 §3.7): operations run in an order that
// resolves bulkId references, failOnErrors stops early, and the limits
// advertised in /ServiceProviderConfig are enforced with 413.
func (s *Server) bulk(ctx context.Context, r *http.Request) *response {
	b, e := readBody(r, s.opts.BulkMaxPayloadSize)
	if e != nil {
		return errorResponse(e)
	}
	obj, e := decodeJSON(b)
	if e != nil {
		return errorResponse(e)
	}
	if !containsFold(obj["schemas"], bulkRequestURN) {
		return errorResponse(scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must hold %s", bulkRequestURN))
	}
	failOnErrors := 0
	if v, ok := obj["failOnErrors"]; ok {
		n, err := integer(v)
		if err != nil || n < 0 {
			return errorResponse(scimerr.BadRequest(scimerr.InvalidValue, "failOnErrors must be a non-negative integer"))
		}
		failOnErrors = n
	}
	rawOps, ok := obj["Operations"].([]any)
	if !ok {
		return errorResponse(scimerr.BadRequest(scimerr.InvalidSyntax, "Operations must be an array"))
	}
	if len(rawOps) > s.opts.BulkMaxOperations {
		return errorResponse(scimerr.PayloadTooLarge("%d operations exceed maxOperations %d", len(rawOps), s.opts.BulkMaxOperations))
	}
	ops := make([]*bulkOp, len(rawOps))
	seen := map[string]bool{}
	for i, ro := range rawOps {
		op, e := parseBulkOp(i, ro)
		if e != nil {
			return errorResponse(e)
		}
		if op.bulkID != "" {
			if seen[op.bulkID] {
				return errorResponse(scimerr.BadRequest(scimerr.InvalidValue, "bulkId %q is used twice", op.bulkID))
			}
			seen[op.bulkID] = true
		}
		ops[i] = op
	}
	ids := map[string]string{} // bulkId → created id
	errorsSeen := 0
	// Run every operation whose references are resolved; repeat while that
	// makes progress, so forward references work (RFC 7644 §3.7.2).
	for progress := true; progress; {
		progress = false
		for _, op := range ops {
			if op.done || !resolved(op.refs, ids) {
				continue
			}
			op.done, progress = true, true
			op.result = s.runBulkOp(ctx, r, op, ids)
			if st, _ := op.result["status"].(string); st >= "400" {
				errorsSeen++
				if failOnErrors > 0 && errorsSeen >= failOnErrors {
					return s.bulkResponse(ops)
				}
			}
		}
	}
	for _, op := range ops {
		if !op.done {
			op.done = true
			op.result = bulkError(op, scimerr.New(http.StatusConflict, scimerr.InvalidValue,
				"bulkId references %v cannot be resolved (unknown, failed or circular)", op.refs))
		}
	}
	return s.bulkResponse(ops)
}

func (s *Server) bulkResponse(ops []*bulkOp) *response {
	out := make([]any, 0, len(ops))
	for _, op := range ops {
		if op.result != nil {
			out = append(out, op.result)
		}
	}
	return jsonResponse(http.StatusOK, map[string]any{"schemas": []any{bulkResponseURN}, "Operations": out})
}

func resolved(refs []string, ids map[string]string) bool {
	for _, r := range refs {
		if _, ok := ids[r]; !ok {
			return false
		}
	}
	return true
}

func parseBulkOp(i int, v any) (*bulkOp, *scimerr.Error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d] must be an object", i)
	}
	op := &bulkOp{index: i, raw: m}
	var err error
	for k, v := range m {
		switch strings.ToLower(k) {
		case "method":
			op.method, err = str(v)
			op.method = strings.ToUpper(op.method)
		case "bulkid":
			op.bulkID, err = str(v)
		case "version":
			op.version, err = str(v)
		case "path":
			op.path, err = str(v)
		case "data":
			op.data = v
		}
		if err != nil {
			return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d].%s: %v", i, k, err)
		}
	}
	switch op.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d].method %q: want POST, PUT, PATCH or DELETE", i, op.method)
	}
	if op.method == http.MethodPost && op.bulkID == "" {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations[%d]: POST requires bulkId", i)
	}
	op.refs = collectRefs(op.path, nil)
	op.refs = collectRefs(op.data, op.refs)
	return op, nil
}

// collectRefs finds "bulkId:x" strings anywhere in v.
func collectRefs(v any, acc []string) []string {
	switch v := v.(type) {
	case string:
		if i := strings.Index(v, bulkIDPrefix); i >= 0 {
			id := v[i+len(bulkIDPrefix):]
			if j := strings.IndexAny(id, "/?\"]"); j >= 0 {
				id = id[:j]
			}
			acc = append(acc, id)
		}
	case []any:
		for _, e := range v {
			acc = collectRefs(e, acc)
		}
	case map[string]any:
		for _, e := range v {
			acc = collectRefs(e, acc)
		}
	}
	return acc
}

// substitute replaces bulkId references by the ids they resolved to.
func substitute(v any, ids map[string]string) any {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, bulkIDPrefix) {
			for b, id := range ids {
				v = strings.ReplaceAll(v, bulkIDPrefix+b, id)
			}
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = substitute(e, ids)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = substitute(e, ids)
		}
		return out
	}
	return v
}

func bulkError(op *bulkOp, e *scimerr.Error) map[string]any {
	res := map[string]any{"method": op.method, "status": strconv.Itoa(e.Status), "response": e.Body()}
	if op.bulkID != "" {
		res["bulkId"] = op.bulkID
	}
	return res
}

// runBulkOp performs one operation and returns its BulkResponse entry.
func (s *Server) runBulkOp(ctx context.Context, r *http.Request, op *bulkOp, ids map[string]string) map[string]any {
	path := substitute(op.path, ids).(string)
	segs := strings.Split(strings.Trim(path, "/"), "/")
	rt := resourceTypeFor(segs[0])
	if rt == nil || len(segs) > 2 || (op.method == http.MethodPost) != (len(segs) == 1) {
		return bulkError(op, scimerr.BadRequest(scimerr.InvalidPath, "path %q does not name a resource endpoint for %s", op.path, op.method))
	}
	var data map[string]any
	if op.method != http.MethodDelete {
		d, ok := substitute(op.data, ids).(map[string]any)
		if !ok {
			return bulkError(op, scimerr.BadRequest(scimerr.InvalidSyntax, "data must be an object"))
		}
		data = d
	}
	cond := matchAny
	if op.version != "" && !s.quirks.on(qIfMatchIgnored) {
		c, ok := parseIfMatch(op.version)
		if !ok {
			return bulkError(op, scimerr.PreconditionFailed("version %q does not match", op.version))
		}
		cond = c
	}
	var res *store.Resource
	var e *scimerr.Error
	status := http.StatusOK
	switch op.method {
	case http.MethodPost:
		res, e = s.createResource(ctx, rt, data)
		status = http.StatusCreated
	case http.MethodPut:
		res, e = s.replaceResource(ctx, rt, segs[1], data, cond)
	case http.MethodPatch:
		res, e = s.patchResource(ctx, rt, segs[1], data, cond)
	case http.MethodDelete:
		e = s.deleteResource(ctx, rt, segs[1], cond)
		status = http.StatusNoContent
	}
	if e != nil {
		return bulkError(op, e)
	}
	out := map[string]any{"method": op.method, "status": strconv.Itoa(status)}
	if op.bulkID != "" {
		out["bulkId"] = op.bulkID
	}
	if res != nil {
		if op.bulkID != "" {
			ids[op.bulkID] = res.ID
		}
		out["location"] = s.location(r, rt, res.ID)
		out["version"] = etag(res.Version)
	} else {
		out["location"] = s.location(r, rt, segs[1])
	}
	return out
}
