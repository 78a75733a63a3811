package suites

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
)

// legalVariations wrap the reference provider in one RFC-legal deviation
// from what it normally sends. A conformance tester must pass every one of
// them: each is something a real, conforming provider may do.
var legalVariations = map[string]func(http.Handler) http.Handler{
	// RFC 7644 §3.5.2: PATCH answers 200 with the resource or 204 without.
	"patch-204": patch204,
	// RFC 7643 §3.3: a resource may carry extensions the client does not know.
	"extra-extension": extraExtension,
	// RFC 8259 §4: JSON object members are unordered.
	"shuffled-keys": shuffledKeys,
	// RFC 7643 §2.1: attribute names are case-insensitive.
	"upper-case-names": upperCaseNames,
	// RFC 7644 §3.12 and RFC 6585 §4: a provider may throttle with 429.
	"retry-after-429": retryAfter429,
	// RFC 7644 §3.8 names the media type; RFC 6838 lets it carry parameters.
	"charset-parameter": charsetParameter,
	// RFC 7644 §3.14: versions are ETags, weak or strong (RFC 7232 §2.3).
	"strong-etags": strongETags,
	// RFC 7643 §3.1: meta.location is the resource's URI; behind a proxy (or
	// tested at localhost) that is the public URL, on another origin.
	"public-location": publicLocation,
}

// publicOrigin is the origin publicLocation puts in every URI it hands out.
const publicOrigin = "https://scim.public.example"

// publicLocation answers as a provider configured with its public URL:
// every absolute URI (meta.location, Location, $ref) names publicOrigin
// instead of the origin the request came to.
func publicLocation(next http.Handler) http.Handler {
	return rewriting(next, nil, func(r *http.Request, ex *exchange) error {
		own := "http://" + r.Host
		ex.body = bytes.ReplaceAll(ex.body, []byte(own), []byte(publicOrigin))
		if loc := ex.header.Get("Location"); loc != "" {
			ex.header.Set("Location", strings.Replace(loc, own, publicOrigin, 1))
		}
		return nil
	})
}

// exchange is a captured response a variation may rewrite.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// rewriting serves next into a recorder, lets resp rewrite the result, and
// writes it out. req, when set, may rewrite the request first.
func rewriting(next http.Handler, req func(*http.Request) error, resp func(*http.Request, *exchange) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if req != nil {
			if err := req(r); err != nil {
				http.Error(w, "variation: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		ex := &exchange{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		if err := resp(r, ex); err != nil {
			http.Error(w, "variation: "+err.Error(), http.StatusInternalServerError)
			return
		}
		ex.header.Del("Content-Length")
		for k, v := range ex.header {
			w.Header()[k] = v
		}
		w.WriteHeader(ex.status)
		if _, err := w.Write(ex.body); err != nil {
			return // the client went away; nothing left to tell it
		}
	})
}

// decodeJSON parses a body keeping numbers exact; ok is false for a body
// that is not JSON (empty, HTML), which variations leave alone.
func decodeJSON(b []byte) (v any, ok bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// encodeJSON writes v with object keys in the order order leaves them
// (sorted when order is nil).
func encodeJSON(v any, order func([]string)) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, v, order); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any, order func([]string)) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if order != nil {
			order(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, err := json.Marshal(k)
			if err != nil {
				return fmt.Errorf("encode key %q: %w", k, err)
			}
			b.Write(kb)
			b.WriteByte(':')
			if err := writeJSON(b, x[k], order); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e, order); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		vb, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("encode %T: %w", x, err)
		}
		b.Write(vb)
	}
	return nil
}

// rewriteBody applies f to a JSON response body; non-JSON bodies pass.
func rewriteBody(ex *exchange, f func(any) any, order func([]string)) error {
	v, ok := decodeJSON(ex.body)
	if !ok {
		return nil
	}
	out, err := encodeJSON(f(v), order)
	if err != nil {
		return err
	}
	ex.body = out
	return nil
}

// walk calls f on every object in v, parents first.
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// isResource reports whether an object is a User or Group representation.
func isResource(m map[string]any) bool {
	schemas, _ := m["schemas"].([]any)
	for _, s := range schemas {
		if u, _ := s.(string); strings.EqualFold(u, URNUser) || strings.EqualFold(u, URNGroup) {
			return true
		}
	}
	return false
}

// projected reports whether the request asks for a projection (RFC 7644
// §3.9), in the query or a .search body; a projected response must hold
// exactly what was asked, so variations that add attributes skip it.
func projected(r *http.Request, body []byte) bool {
	q := r.URL.Query()
	if q.Has("attributes") || q.Has("excludedAttributes") {
		return true
	}
	if v, ok := decodeJSON(body); ok {
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				if strings.EqualFold(k, "attributes") || strings.EqualFold(k, "excludedAttributes") {
					return true
				}
			}
		}
	}
	return false
}

// readBody reads and restores a request body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// patch204 answers a successful PATCH with 204 and no body, unless the
// request asked for a projection (then RFC 7644 §3.5.2 wants 200).
func patch204(next http.Handler) http.Handler {
	return rewriting(next, nil, func(r *http.Request, ex *exchange) error {
		if r.Method != http.MethodPatch || ex.status != http.StatusOK || projected(r, nil) {
			return nil
		}
		ex.status = http.StatusNoContent
		ex.body = nil
		ex.header.Del("Content-Type")
		return nil
	})
}

// variationURN is the extension schema extraExtension adds.
const variationURN = "urn:scimtest:params:scim:schemas:extension:variation:2.0:Extra"

// variationSchema is the /Schemas entry of variationURN: one readOnly
// attribute, so a client sending it back is ignored (RFC 7643 §7).
func variationSchema(r *http.Request) map[string]any {
	return map[string]any{
		"schemas":     []any{URNSchema},
		"id":          variationURN,
		"name":        "Extra",
		"description": "An extension the tester does not know",
		"attributes": []any{map[string]any{
			"name": "tier", "type": "string", "multiValued": false, "description": "A provider-specific tier.",
			"required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none",
		}},
		"meta": map[string]any{"resourceType": "Schema", "location": "http://" + r.Host + "/scim/v2/Schemas/" + variationURN},
	}
}

// extraExtension adds variationURN with a value to every User and Group,
// advertises it in /ResourceTypes and /Schemas, and drops it from request
// bodies (a provider ignores a readOnly attribute it is sent).
func extraExtension(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, "variation: "+err.Error(), http.StatusBadRequest)
			return
		}
		proj := projected(r, body)
		if v, ok := decodeJSON(body); ok && bytes.Contains(body, []byte(variationURN)) {
			walk(v, dropVariation)
			out, err := encodeJSON(v, nil)
			if err != nil {
				http.Error(w, "variation: "+err.Error(), http.StatusInternalServerError)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(out))
			r.ContentLength = int64(len(out))
		}
		rewriting(next, nil, func(r *http.Request, ex *exchange) error {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Schemas/"+variationURN) {
				out, err := encodeJSON(variationSchema(r), nil)
				if err != nil {
					return err
				}
				ex.status, ex.body = http.StatusOK, out
				ex.header.Set("Content-Type", "application/scim+json")
				return nil
			}
			if ex.status >= 300 || proj {
				return nil
			}
			return rewriteBody(ex, func(v any) any { return addVariation(r, v) }, nil)
		}).ServeHTTP(w, r)
	})
}

// dropVariation removes variationURN from an object of a request body.
func dropVariation(m map[string]any) {
	for k := range m {
		if strings.EqualFold(k, variationURN) {
			delete(m, k)
		}
	}
	if s, ok := m["schemas"].([]any); ok {
		m["schemas"] = slices.DeleteFunc(s, func(u any) bool { x, _ := u.(string); return strings.EqualFold(x, variationURN) })
	}
}

// addVariation adds the extension to every resource in a response body and
// advertises it in /ResourceTypes and /Schemas answers.
func addVariation(r *http.Request, v any) any {
	if strings.HasSuffix(r.URL.Path, "/Schemas") {
		if m, ok := v.(map[string]any); ok {
			if list, ok := m["Resources"].([]any); ok {
				m["Resources"] = append(list, variationSchema(r))
				bump(m, "totalResults")
				bump(m, "itemsPerPage")
			}
		}
		return v
	}
	walk(v, func(m map[string]any) {
		switch {
		case isResource(m):
			m["schemas"] = append(m["schemas"].([]any), variationURN)
			m[variationURN] = map[string]any{"tier": "gold"}
		case strings.Contains(fmt.Sprint(m["schemas"]), URNResourceType):
			if id, _ := m["id"].(string); id == "User" || id == "Group" {
				exts, _ := m["schemaExtensions"].([]any)
				m["schemaExtensions"] = append(exts, map[string]any{"schema": variationURN, "required": false})
			}
		}
	})
	return v
}

// bump adds one to a JSON number field.
func bump(m map[string]any, key string) {
	if n, ok := m[key].(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			m[key] = json.Number(fmt.Sprint(i + 1))
		}
	}
}

// shuffledKeys writes every JSON object's members in a pseudo-random order
// (fixed seed, so a failing run can be replayed).
func shuffledKeys(next http.Handler) http.Handler {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 11))
	order := func(keys []string) {
		mu.Lock()
		defer mu.Unlock()
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	}
	return rewriting(next, nil, func(r *http.Request, ex *exchange) error {
		return rewriteBody(ex, func(v any) any { return v }, order)
	})
}

// upperCaseNames upper-cases the attribute names of every User and Group
// (userName becomes USERNAME, name.givenName NAME.GIVENNAME). The
// "schemas" attribute and schema URN keys keep their spelling: URNs are
// values, not attribute names.
func upperCaseNames(next http.Handler) http.Handler {
	var upper func(v any) any
	upper = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				switch {
				case k == "schemas":
					out[k] = e
				case strings.HasPrefix(strings.ToLower(k), "urn:"):
					out[k] = upper(e)
				default:
					out[strings.ToUpper(k)] = upper(e)
				}
			}
			return out
		case []any:
			for i, e := range x {
				x[i] = upper(e)
			}
		}
		return v
	}
	var find func(v any) any
	find = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			if isResource(x) {
				return upper(x)
			}
			for k, e := range x {
				x[k] = find(e)
			}
		case []any:
			for i, e := range x {
				x[i] = find(e)
			}
		}
		return v
	}
	return rewriting(next, nil, func(r *http.Request, ex *exchange) error {
		return rewriteBody(ex, find, nil)
	})
}

// retryAfter429 answers the first request to each endpoint (/Users,
// /Groups, /Schemas, ...: RFC 7644 §3.2) with 429 and Retry-After: 1.
func retryAfter429(next http.Handler) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/scim/v2")
		endpoint, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		mu.Lock()
		first := !seen[endpoint]
		seen[endpoint] = true
		mu.Unlock()
		if !first {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"schemas":[%q],"status":"429","detail":"slow down"}`, URNError)
	})
}

// charsetParameter labels SCIM responses application/scim+json; charset=utf-8.
func charsetParameter(next http.Handler) http.Handler {
	return rewriting(next, nil, func(r *http.Request, ex *exchange) error {
		if ct := ex.header.Get("Content-Type"); ct == "application/scim+json" {
			ex.header.Set("Content-Type", "application/scim+json; charset=utf-8")
		}
		return nil
	})
}

// strongETags turns the reference's weak ETags (W/"3") into strong ones
// ("3") in headers and meta.version, and turns them back in If-Match and
// If-None-Match and bulk versions so the reference recognises its own.
func strongETags(next http.Handler) http.Handler {
	weaken := func(tag string) string {
		tag = strings.TrimSpace(tag)
		if strings.HasPrefix(tag, `"`) {
			return "W/" + tag
		}
		return tag
	}
	req := func(r *http.Request) error {
		for _, h := range []string{"If-Match", "If-None-Match"} {
			if v := r.Header.Get(h); v != "" {
				tags := strings.Split(v, ",")
				for i, t := range tags {
					tags[i] = weaken(t)
				}
				r.Header.Set(h, strings.Join(tags, ", "))
			}
		}
		if !strings.HasSuffix(r.URL.Path, "/Bulk") {
			return nil
		}
		body, err := readBody(r)
		if err != nil {
			return err
		}
		v, ok := decodeJSON(body)
		if !ok {
			return nil
		}
		walk(v, func(m map[string]any) {
			if s, ok := m["version"].(string); ok {
				m["version"] = weaken(s)
			}
		})
		out, err := encodeJSON(v, nil)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(out))
		r.ContentLength = int64(len(out))
		return nil
	}
	return rewriting(next, req, func(r *http.Request, ex *exchange) error {
		if tag := ex.header.Get("ETag"); tag != "" {
			ex.header.Set("ETag", strings.TrimPrefix(tag, "W/"))
		}
		if !bytes.Contains(ex.body, []byte(`W/`)) {
			return nil
		}
		return rewriteBody(ex, func(v any) any {
			walk(v, func(m map[string]any) {
				for k, e := range m {
					if s, ok := e.(string); ok && strings.EqualFold(k, "version") {
						m[k] = strings.TrimPrefix(s, "W/")
					}
				}
			})
			return v
		}, nil)
	})
}
