package okta

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// quirks are the deviations the fake SCIM server can be told to make.
type quirks struct {
	stringCounters  bool // "totalResults": "1"
	noResources     bool // ListResponse without Resources
	lookup404       bool // 404 + SCIM error on a filter miss
	emptyCreateBody bool // 201 with no body
	createNoID      bool // 201 with a body lacking id
	patch501        bool // 501 on every PATCH
	htmlOnCreate    bool // a proxy's 502 HTML page on POST
	dropInactive    bool // the filter does not find inactive users
}

// fakeSCIM is a small in-memory SCIM 2.0 service provider, just enough to
// answer Okta's flows with deterministic ids ("u1", "g1", ...).
type fakeSCIM struct {
	q  quirks
	mu sync.Mutex
	n  int
	rs map[string]map[string]any // id → resource
	// order keeps list results stable across pages.
	order []string
}

func newFake(q quirks) *fakeSCIM { return &fakeSCIM{q: q, rs: map[string]map[string]any{}} }

var filterRE = regexp.MustCompile(`^(\w+) eq "((?:[^"\\]|\\.)*)"$`)

func (f *fakeSCIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/scim/v2/"), "/")
	typ := parts[0]
	if typ != "Users" && typ != "Groups" {
		scimErr(w, 404, "", "no such endpoint")
		return
	}
	body, _ := io.ReadAll(r.Body)
	if len(parts) == 1 {
		switch r.Method {
		case http.MethodGet:
			f.list(w, r, typ)
		case http.MethodPost:
			f.create(w, typ, body)
		default:
			scimErr(w, 405, "", "method not allowed")
		}
		return
	}
	res, ok := f.rs[parts[1]]
	if !ok || res["meta"].(map[string]any)["resourceType"] != strings.TrimSuffix(typ, "s") {
		scimErr(w, 404, "", "resource "+parts[1]+" not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, res)
	case http.MethodPut:
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			scimErr(w, 400, "invalidSyntax", err.Error())
			return
		}
		in["id"], in["meta"] = res["id"], res["meta"]
		delete(in, "password")
		f.rs[parts[1]] = in
		writeJSON(w, 200, in)
	case http.MethodPatch:
		if f.q.patch501 {
			scimErr(w, 501, "", "PATCH is not implemented")
			return
		}
		if err := applyPatch(res, body); err != nil {
			scimErr(w, 400, "invalidValue", err.Error())
			return
		}
		writeJSON(w, 200, res)
	case http.MethodDelete:
		delete(f.rs, parts[1])
		w.WriteHeader(204)
	default:
		scimErr(w, 405, "", "method not allowed")
	}
}

func (f *fakeSCIM) list(w http.ResponseWriter, r *http.Request, typ string) {
	q := r.URL.Query()
	var attr, val string
	if fl := q.Get("filter"); fl != "" {
		m := filterRE.FindStringSubmatch(fl)
		if m == nil {
			scimErr(w, 400, "invalidFilter", "unsupported filter "+fl)
			return
		}
		attr, val = m[1], strings.ReplaceAll(m[2], `\"`, `"`)
	}
	var hits []any
	for _, id := range f.order {
		res, ok := f.rs[id]
		if !ok || res["meta"].(map[string]any)["resourceType"] != strings.TrimSuffix(typ, "s") {
			continue
		}
		if attr != "" && !strings.EqualFold(fmt.Sprint(res[attr]), val) {
			continue
		}
		if attr != "" && f.q.dropInactive && res["active"] == false {
			continue
		}
		hits = append(hits, res)
	}
	if attr != "" && len(hits) == 0 && f.q.lookup404 {
		scimErr(w, 404, "", "no match")
		return
	}
	start, _ := strconv.Atoi(q.Get("startIndex"))
	count, err := strconv.Atoi(q.Get("count"))
	if start < 1 {
		start = 1
	}
	if err != nil {
		count = len(hits)
	}
	page := []any{}
	for i := start - 1; i < len(hits) && len(page) < count; i++ {
		page = append(page, hits[i])
	}
	out := map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(hits), "startIndex": start, "itemsPerPage": len(page), "Resources": page,
	}
	if f.q.stringCounters {
		out["totalResults"], out["startIndex"], out["itemsPerPage"] = strconv.Itoa(len(hits)), strconv.Itoa(start), strconv.Itoa(len(page))
	}
	if f.q.noResources {
		delete(out, "Resources")
	}
	writeJSON(w, 200, out)
}

func (f *fakeSCIM) create(w http.ResponseWriter, typ string, body []byte) {
	if f.q.htmlOnCreate {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head></html>")
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		scimErr(w, 400, "invalidSyntax", err.Error())
		return
	}
	key := "userName"
	if typ == "Groups" {
		key = "displayName"
	}
	for _, res := range f.rs {
		if strings.EqualFold(fmt.Sprint(res[key]), fmt.Sprint(in[key])) && res["meta"].(map[string]any)["resourceType"] == strings.TrimSuffix(typ, "s") {
			scimErr(w, 409, "uniqueness", key+" is taken")
			return
		}
	}
	f.n++
	id := strings.ToLower(typ[:1]) + strconv.Itoa(f.n)
	in["id"] = id
	in["meta"] = map[string]any{"resourceType": strings.TrimSuffix(typ, "s"), "location": "http://scim.test/scim/v2/" + typ + "/" + id}
	delete(in, "password")
	f.rs[id] = in
	f.order = append(f.order, id)
	switch {
	case f.q.emptyCreateBody:
		w.WriteHeader(201)
	case f.q.createNoID:
		cp := map[string]any{}
		for k, v := range in {
			cp[k] = v
		}
		delete(cp, "id")
		writeJSON(w, 201, cp)
	default:
		writeJSON(w, 201, in)
	}
}

var memberPathRE = regexp.MustCompile(`^members\[value eq "([^"]*)"\]$`)

// applyPatch applies the PATCH operations Okta sends (RFC 7644, Section 3.5.2).
func applyPatch(res map[string]any, body []byte) error {
	var req struct {
		Operations []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	for _, op := range req.Operations {
		var v any
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &v); err != nil {
				return err
			}
		}
		switch {
		case op.Path == "" && strings.EqualFold(op.Op, "replace"):
			obj, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("pathless replace needs an object")
			}
			for k, x := range obj {
				if k != "id" && k != "password" {
					res[k] = x
				}
			}
		case op.Path == "password":
		case op.Path == "members" && strings.EqualFold(op.Op, "replace"):
			res["members"] = v
		case op.Path == "members" && strings.EqualFold(op.Op, "add"):
			cur, _ := res["members"].([]any)
			add, _ := v.([]any)
			res["members"] = append(cur, add...)
		case strings.EqualFold(op.Op, "remove") && memberPathRE.MatchString(op.Path):
			id := memberPathRE.FindStringSubmatch(op.Path)[1]
			cur, _ := res["members"].([]any)
			keep := []any{}
			for _, m := range cur {
				if mm, ok := m.(map[string]any); !ok || mm["value"] != id {
					keep = append(keep, m)
				}
			}
			res["members"] = keep
		default:
			return fmt.Errorf("unsupported op %s %q", op.Op, op.Path)
		}
	}
	if ms, ok := res["members"].([]any); ok {
		sort.SliceStable(ms, func(i, j int) bool {
			return fmt.Sprint(ms[i].(map[string]any)["value"]) < fmt.Sprint(ms[j].(map[string]any)["value"])
		})
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func scimErr(w http.ResponseWriter, status int, scimType, detail string) {
	writeJSON(w, status, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status":  strconv.Itoa(status), "scimType": scimType, "detail": detail,
	})
}
