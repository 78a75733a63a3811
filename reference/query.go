package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// Message schema URNs (RFC 7644 §3.4.2, §3.4.3).
const (
	listResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	searchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// queryParams are the query parameters of RFC 7644 §3.4.2.
type queryParams struct {
	filter     string
	sortBy     string
	descending bool
	startIndex int
	count      int
	countSet   bool
	proj       projection
}

// paramsFromURL reads a GET query. Unparsable numbers are 400 invalidValue.
func (s *Server) paramsFromURL(r *http.Request) (queryParams, *scimerr.Error) {
	q := r.URL.Query()
	p := queryParams{filter: q.Get("filter"), sortBy: q.Get("sortBy"), startIndex: 1, countSet: q.Has("count")}
	var e *scimerr.Error
	if p.proj, e = s.parseProjection(q.Get("attributes"), q.Get("excludedAttributes")); e != nil {
		return p, e
	}
	if p.descending, e = parseSortOrder(q.Get("sortOrder")); e != nil {
		return p, e
	}
	for name, dst := range map[string]*int{"startIndex": &p.startIndex, "count": &p.count} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return p, scimerr.BadRequest(scimerr.InvalidValue, "%s %q is not an integer", name, v)
			}
			*dst = n
		}
	}
	return p, nil
}

func parseSortOrder(v string) (bool, *scimerr.Error) {
	switch strings.ToLower(v) {
	case "", "ascending":
		return false, nil
	case "descending":
		return true, nil
	}
	return false, scimerr.BadRequest(scimerr.InvalidValue, "sortOrder %q: want ascending or descending", v)
}

// paramsFromSearch reads a SearchRequest body (RFC 7644 §3.4.3).
func (s *Server) paramsFromSearch(r *http.Request) (queryParams, *scimerr.Error) {
	p := queryParams{startIndex: 1}
	obj, e := s.readJSON(r)
	if e != nil {
		return p, e
	}
	var attrs, excluded string
	hasSchemas := false
	for k, v := range obj {
		var err error
		switch strings.ToLower(k) {
		case "schemas":
			hasSchemas = true
			if !containsFold(v, searchRequestURN) {
				err = fmt.Errorf("schemas must hold %s", searchRequestURN)
			}
		case "filter":
			p.filter, err = str(v)
		case "sortby":
			p.sortBy, err = str(v)
		case "sortorder":
			var so string
			if so, err = str(v); err == nil {
				var se *scimerr.Error
				if p.descending, se = parseSortOrder(so); se != nil {
					return p, se
				}
			}
		case "startindex":
			p.startIndex, err = integer(v)
		case "count":
			p.count, err = integer(v)
			p.countSet = true
		case "attributes":
			attrs, err = strList(v)
		case "excludedattributes":
			excluded, err = strList(v)
		}
		if err != nil {
			return p, scimerr.BadRequest(scimerr.InvalidValue, "SearchRequest %s: %v", k, err)
		}
	}
	if !hasSchemas {
		return p, scimerr.BadRequest(scimerr.InvalidSyntax, "SearchRequest needs schemas [%q]", searchRequestURN)
	}
	p.proj, e = s.parseProjection(attrs, excluded)
	return p, e
}

func containsFold(v any, want string) bool {
	list, _ := v.([]any)
	return slices.ContainsFunc(list, func(x any) bool { s, _ := x.(string); return strings.EqualFold(s, want) })
}

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %T", v)
	}
	return s, nil
}

func integer(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want an integer, got %T", v)
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return 0, fmt.Errorf("want an integer: %w", err)
	}
	return i, nil
}

// strList accepts a JSON array of strings or one comma-separated string.
func strList(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				return "", fmt.Errorf("want strings, got %T", x)
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("want an array of strings, got %T", v)
}

func (s *Server) query(ctx context.Context, r *http.Request, rt *resourceType) *response {
	p, e := s.paramsFromURL(r)
	if e != nil {
		return errorResponse(e)
	}
	return s.list(ctx, r, []*resourceType{rt}, p)
}

func (s *Server) search(ctx context.Context, r *http.Request, rt *resourceType) *response {
	p, e := s.paramsFromSearch(r)
	if e != nil {
		return errorResponse(e)
	}
	return s.list(ctx, r, []*resourceType{rt}, p)
}

// queryRoot answers GET on the base path: a query across every resource
// type (RFC 7644 §3.4.2.1).
func (s *Server) queryRoot(ctx context.Context, r *http.Request) *response {
	p, e := s.paramsFromURL(r)
	if e != nil {
		return errorResponse(e)
	}
	return s.list(ctx, r, allTypes, p)
}

func (s *Server) searchRoot(ctx context.Context, r *http.Request) *response {
	p, e := s.paramsFromSearch(r)
	if e != nil {
		return errorResponse(e)
	}
	return s.list(ctx, r, allTypes, p)
}

// hit is one matching resource.
type hit struct {
	rt  *resourceType
	res *store.Resource
}

// list runs a query over types and renders the ListResponse (RFC 7644
// §3.4.2).
func (s *Server) list(ctx context.Context, r *http.Request, types []*resourceType, p queryParams) *response {
	var hits []hit
	empty := false
	var exprs []filter.Expr
	var resolvers []filter.Resolver
	if p.filter != "" {
		var e *scimerr.Error
		exprs, resolvers, empty, e = s.compileFilter(p.filter, types)
		if e != nil {
			return errorResponse(e)
		}
	}
	if !empty {
		for i, rt := range types {
			var expr filter.Expr
			res := s.resolver(rt)
			if exprs != nil {
				expr, res = exprs[i], resolvers[i]
			}
			var prog *filter.Program
			if expr != nil {
				var err error
				if prog, err = filter.Compile(expr, res); err != nil {
					return errorResponse(scimerr.BadRequest(scimerr.InvalidFilter, "filter %q: %v", p.filter, err))
				}
			}
			found, e := s.find(ctx, rt, expr, prog)
			if e != nil {
				return errorResponse(e)
			}
			hits = append(hits, found...)
		}
	}
	if p.sortBy != "" {
		if e := s.sortHits(hits, p.sortBy, p.descending); e != nil {
			return errorResponse(e)
		}
	}
	total := len(hits)
	start := max(p.startIndex, 1) // RFC 7644 §3.4.2.4: startIndex < 1 is 1
	if s.quirks.on(qStartIndexIgnored) {
		start = 1
	}
	count := p.count
	switch {
	case !p.countSet:
		count = s.opts.MaxResults
	case count < 0:
		count = 0 // a negative count is 0 (RFC 7644 §3.4.2.4)
	case count == 0 && s.quirks.on(qCountZeroAll):
		count = s.opts.MaxResults
	}
	count = min(count, s.opts.MaxResults)
	from := min(start-1, total)
	to := min(from+count, total)
	page := hits[from:to]
	resources := make([]any, 0, len(page))
	for _, h := range page {
		res := h.res
		if h.rt == groupType && p.proj.needsMembers() {
			full, err := s.store.Get(ctx, h.rt.Name, res.ID, true)
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted since the scan
			}
			if err != nil {
				return errorResponse(storeError(err, "group"))
			}
			res = full
		}
		body, e := s.shape(ctx, r, h.rt, res, p.proj)
		if e != nil {
			return errorResponse(e)
		}
		resources = append(resources, body)
	}
	out := map[string]any{
		"schemas":      []any{listResponseURN},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   start,
		"Resources":    resources,
	}
	if s.quirks.on(qItemsPerPageEcho) && p.countSet {
		out["itemsPerPage"] = p.count
	}
	if s.quirks.on(qTotalIsPageSize) {
		out["totalResults"] = len(resources)
	}
	if s.quirks.on(qListNoResources) && len(resources) == 0 {
		delete(out, "Resources")
	}
	return jsonResponse(http.StatusOK, out)
}

// compileFilter parses and validates a filter for each type, returning the
// resolver to match with per type. Across several types (a root query) an
// attribute one type lacks is treated as absent there, as long as some type
// knows every attribute. empty is true when the query should answer no
// resources at all (a quirk).
func (s *Server) compileFilter(f string, types []*resourceType) (exprs []filter.Expr, resolvers []filter.Resolver, empty bool, e *scimerr.Error) {
	if s.quirks.on(qFilterOpsCaseSensitive) && hasUpperOperator(f) {
		return nil, nil, false, scimerr.BadRequest(scimerr.InvalidFilter, "filter %q: operators must be lower case", f)
	}
	expr, err := filter.Parse(f)
	if err != nil {
		if s.quirks.on(qInvalidFilterAll) {
			return nil, nil, false, nil
		}
		return nil, nil, false, scimerr.BadRequest(scimerr.InvalidFilter, "%v", err)
	}
	if s.quirks.on(qFilterExternalID) && mentions(expr, "externalId") {
		return nil, nil, false, scimerr.BadRequest(scimerr.InvalidFilter, "filtering on externalId is not supported")
	}
	exprs = make([]filter.Expr, len(types))
	resolvers = make([]filter.Resolver, len(types))
	var firstErr error
	valid := 0
	for i, rt := range types {
		exprs[i], resolvers[i] = expr, s.resolver(rt)
		if err := filter.Validate(expr, resolvers[i]); err != nil {
			if firstErr == nil || !errors.Is(err, filter.ErrUnknownAttribute) {
				firstErr = err
			}
			resolvers[i] = absentUnknown{resolvers[i]}
			if errors.Is(err, filter.ErrUnknownAttribute) && filter.Validate(expr, resolvers[i]) == nil {
				continue
			}
			return nil, nil, false, s.filterError(f, err)
		}
		valid++
	}
	if valid == len(types) || (valid > 0 && len(types) > 1) {
		return exprs, resolvers, false, nil
	}
	if errors.Is(firstErr, filter.ErrUnknownAttribute) && s.quirks.on(qUnknownFilterAttrEmpty) {
		return nil, nil, true, nil
	}
	return nil, nil, false, s.filterError(f, firstErr)
}

func (s *Server) filterError(f string, err error) *scimerr.Error {
	if s.quirks.on(qInvalidFilterAll) {
		return nil
	}
	return scimerr.BadRequest(scimerr.InvalidFilter, "filter %q: %v", f, err)
}

// absentUnknown resolves attributes the schema lacks to a name no resource
// holds, so they match like absent attributes.
type absentUnknown struct{ filter.Resolver }

func (a absentUnknown) Resolve(p filter.AttrPath) (filter.Resolved, error) {
	rs, err := a.Resolver.Resolve(p)
	if errors.Is(err, filter.ErrUnknownAttribute) {
		return filter.Resolved{Attr: "\x00unknown", Sub: p.Sub, Type: "string"}, nil
	}
	return rs, err
}

// hasUpperOperator reports whether f spells an operator or logical keyword
// in anything but lower case, outside string literals.
func hasUpperOperator(f string) bool {
	inStr, esc := false, false
	word := strings.Builder{}
	check := func() bool {
		w := word.String()
		word.Reset()
		switch strings.ToLower(w) {
		case "eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "pr", "and", "or", "not":
			return w != strings.ToLower(w)
		}
		return false
	}
	for _, c := range f {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ' ' || c == '(' || c == ')' || c == '[' || c == ']':
			if check() {
				return true
			}
		default:
			word.WriteRune(c)
		}
	}
	return check()
}

// mentions reports whether expr names attribute attr at the top level.
func mentions(expr filter.Expr, attr string) bool {
	switch e := expr.(type) {
	case *filter.Logical:
		return mentions(e.Left, attr) || mentions(e.Right, attr)
	case *filter.Not:
		return mentions(e.X, attr)
	case *filter.Comparison:
		return strings.EqualFold(e.Path.Attr, attr)
	case *filter.Present:
		return strings.EqualFold(e.Path.Attr, attr)
	case *filter.ValuePath:
		return strings.EqualFold(e.Path.Attr, attr)
	}
	return false
}

// matching returns, in their order, the candidates of rt that prog
// matches; the index and the members/groups scan both end here.
func (s *Server) matching(ctx context.Context, rt *resourceType, prog *filter.Program, cands []*store.Resource, n needs, bv *bodyView) ([]hit, *scimerr.Error) {
	var out []hit
	for _, c := range cands {
		m, e := s.matches(ctx, rt, prog, c, n, bv)
		if e != nil {
			return nil, e
		}
		if m {
			out = append(out, hit{rt, c})
		}
	}
	return out, nil
}

// find returns the resources of rt matching expr (all when nil) in creation
// order. An indexed equality (id, userName, displayName, externalId) at the
// top level or under "and" narrows the candidates first; the rest is a scan.
func (s *Server) find(ctx context.Context, rt *resourceType, expr filter.Expr, prog *filter.Program) ([]hit, *scimerr.Error) {
	if expr == nil {
		var out []hit
		err := s.store.Scan(ctx, rt.Name, func(res *store.Resource) bool {
			out = append(out, hit{rt, res})
			return true
		})
		if err != nil {
			return nil, storeError(err, rt.Name)
		}
		return out, nil
	}
	view := viewNeeds(expr)
	bv := s.filterView(rt, expr)
	if cands, ok, e := s.indexed(ctx, rt, expr); ok || e != nil {
		if e != nil {
			return nil, e
		}
		if _, lone := expr.(*filter.Comparison); lone {
			// The index answers a lone equality exactly, with the server's
			// key preparation (case folding and NFC, RFC 7644 §7.8).
			out := make([]hit, 0, len(cands))
			for _, c := range cands {
				out = append(out, hit{rt, c})
			}
			return out, nil
		}
		return s.matching(ctx, rt, prog, cands, view, bv)
	}
	if view.members || view.groups {
		// Members and groups live outside the snapshot: collect, then match.
		var all []*store.Resource
		if err := s.store.Scan(ctx, rt.Name, func(r *store.Resource) bool { all = append(all, r); return true }); err != nil {
			return nil, storeError(err, rt.Name)
		}
		return s.matching(ctx, rt, prog, all, view, bv)
	}
	var out []hit
	var loadErr error
	err := s.store.Scan(ctx, rt.Name, func(c *store.Resource) bool {
		attrs, err := bv.loadRes(c)
		if err != nil {
			loadErr = err
			return false
		}
		if prog.Match(s.matchView(c, attrs, view, rt, nil)) {
			out = append(out, hit{rt, c})
		}
		return true
	})
	if err != nil {
		return nil, storeError(err, rt.Name)
	}
	if loadErr != nil {
		return nil, scimerr.Internal("%v", loadErr)
	}
	return out, nil
}

// needs says which computed parts of a resource a filter reads.
type needs struct{ id, meta, members, groups bool }

func viewNeeds(expr filter.Expr) needs {
	return needs{
		id:      mentions(expr, "id"),
		meta:    mentions(expr, "meta"),
		members: mentions(expr, "members"),
		groups:  mentions(expr, "groups"),
	}
}

// matchView is the object a filter is evaluated against: the stored
// attributes it reads (decoded by a bodyView into v, which it extends), plus
// the computed ones it reads.
func (s *Server) matchView(c *store.Resource, v map[string]any, n needs, rt *resourceType, groups []store.GroupRef) map[string]any {
	if !n.id && !n.meta && !n.members && !n.groups {
		return v
	}
	v["id"] = c.ID
	v["meta"] = map[string]any{
		"resourceType": rt.Name,
		"created":      c.Created.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"),
		"lastModified": c.Modified.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"),
		"version":      etag(c.Version),
	}
	if c.Members != nil {
		ms := make([]any, len(c.Members))
		for i, m := range c.Members {
			ms[i] = map[string]any{"value": m.Value, "type": m.Type, "display": m.Display}
		}
		v["members"] = ms
	}
	if groups != nil {
		gs := make([]any, len(groups))
		for i, g := range groups {
			gs[i] = map[string]any{"value": g.ID, "display": g.Display, "type": "direct"}
		}
		v["groups"] = gs
	}
	return v
}

func (s *Server) matches(ctx context.Context, rt *resourceType, prog *filter.Program, c *store.Resource, n needs, bv *bodyView) (bool, *scimerr.Error) {
	var groups []store.GroupRef
	if n.members && rt == groupType {
		full, err := s.store.Get(ctx, rt.Name, c.ID, true)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, storeError(err, rt.Name)
		}
		c = full
	}
	if n.groups && rt == userType {
		var err error
		if groups, err = s.store.GroupsOf(ctx, c.ID); err != nil {
			return false, storeError(err, rt.Name)
		}
	}
	attrs, err := bv.loadRes(c)
	if err != nil {
		return false, scimerr.Internal("%v", err)
	}
	return prog.Match(s.matchView(c, attrs, n, rt, groups)), nil
}

// indexed finds candidates through the store's indexes. ok is false when
// expr has no indexable equality.
func (s *Server) indexed(ctx context.Context, rt *resourceType, expr filter.Expr) ([]*store.Resource, bool, *scimerr.Error) {
	switch e := expr.(type) {
	case *filter.Logical:
		if e.Op != "and" {
			return nil, false, nil
		}
		if c, ok, err := s.indexed(ctx, rt, e.Left); ok || err != nil {
			return c, ok, err
		}
		return s.indexed(ctx, rt, e.Right)
	case *filter.Comparison:
		v, isStr := e.Value.(string)
		if e.Op != "eq" || !isStr || e.Path.Sub != "" || (e.Path.URN != "" && !strings.EqualFold(e.Path.URN, rt.Schema)) {
			return nil, false, nil
		}
		var list []*store.Resource
		var err error
		switch {
		case strings.EqualFold(e.Path.Attr, "id"):
			var r *store.Resource
			if r, err = s.store.Get(ctx, rt.Name, v, false); err == nil {
				list = []*store.Resource{r}
			}
		case strings.EqualFold(e.Path.Attr, rt.KeyAttr) && s.keyIndexAnswers(rt):
			var r *store.Resource
			if r, err = s.store.FindByKey(ctx, rt.Name, foldKey(v)); err == nil {
				list = []*store.Resource{r}
			}
		case strings.EqualFold(e.Path.Attr, "externalId"):
			// externalId is caseExact (RFC 7643 §3.1), so the index is
			// only NFC-normalised.
			list, err = s.store.FindByExternalID(ctx, rt.Name, extKey(v))
		default:
			return nil, false, nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil, true, nil
		}
		if err != nil {
			return nil, true, storeError(err, rt.Name)
		}
		return list, true, nil
	}
	return nil, false, nil
}

// sortHits orders hits by sortBy (RFC 7644 §3.4.2.3): by the attribute's
// type and caseExact; resources without a value come last ascending and
// first descending (the order reversed); stable so ties keep creation
// order.
func (s *Server) sortHits(hits []hit, sortBy string, desc bool) *scimerr.Error {
	p, err := filter.ParsePath(sortBy)
	if err != nil {
		return scimerr.BadRequest(scimerr.InvalidValue, "sortBy %q: %v", sortBy, err)
	}
	ap := p.AttrPath()
	type keyed struct {
		v   any
		typ string
		ce  bool
	}
	keys := make(map[*store.Resource]keyed, len(hits))
	views := map[string]*bodyView{} // by top-level key, one per resource type at most
	known := false
	for _, h := range hits {
		rs, err := s.resolver(h.rt).Resolve(ap)
		if err != nil {
			continue
		}
		known = true
		key := rs.Attr
		if rs.Ext != "" {
			key = rs.Ext
		}
		bv := views[key]
		if bv == nil {
			bv = newBodyView([]string{key})
			views[key] = bv
		}
		// The view's map is reused; sortValue keeps only a leaf value.
		attrs, err := bv.loadRes(h.res)
		if err != nil {
			return scimerr.Internal("%v", err)
		}
		keys[h.res] = keyed{sortValue(h.res, attrs, rs), rs.Type, rs.CaseExact}
	}
	if !known && len(hits) > 0 {
		return scimerr.BadRequest(scimerr.InvalidValue, "sortBy %q names no attribute of the queried resource types", sortBy)
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		ka, kb := keys[a.res], keys[b.res]
		c := 0
		switch {
		case ka.v == nil && kb.v == nil:
		case ka.v == nil:
			c = 1
		case kb.v == nil:
			c = -1
		default:
			c, _ = filter.Compare(ka.v, kb.v, ka.typ, ka.ce)
		}
		if desc {
			return -c
		}
		return c
	})
	return nil
}

// sortValue picks the value sortBy sorts on: for a multi-valued attribute
// the primary (else first) element's sub-attribute (RFC 7644 §3.4.2.3).
func sortValue(res *store.Resource, attrs map[string]any, rs filter.Resolved) any {
	var v any
	if rs.Ext != "" {
		ext, _ := attrs[rs.Ext].(map[string]any)
		v = ext[rs.Attr]
	} else {
		if strings.EqualFold(rs.Attr, "id") {
			return res.ID
		}
		if strings.EqualFold(rs.Attr, "meta") {
			switch strings.ToLower(rs.Sub) {
			case "created":
				return res.Created.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
			case "lastmodified":
				return res.Modified.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
			}
			return nil
		}
		v = attrs[rs.Attr]
	}
	if list, ok := v.([]any); ok {
		var pick any
		for _, e := range list {
			if m, ok := e.(map[string]any); ok && m["primary"] == true {
				pick = e
				break
			}
		}
		if pick == nil && len(list) > 0 {
			pick = list[0]
		}
		v = pick
	}
	if rs.Sub != "" {
		m, _ := v.(map[string]any)
		v = m[rs.Sub]
	} else if m, ok := v.(map[string]any); ok {
		v = m["value"]
	}
	return v
}
