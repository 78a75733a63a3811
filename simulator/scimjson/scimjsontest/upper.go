// Package scimjsontest serves a SCIM handler under test with every JSON
// attribute name upper-cased, which RFC 7643 §2.1 allows a server to do, so
// tests can check that a client reads names case-insensitively and, when
// it echoes a body back, does not add a second key in another case.
package scimjsontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Upper wraps a handler: responses come back with upper-cased names and
// request bodies reach the handler with the names it used restored, so a
// plain in-memory fake keeps working behind it.
type Upper struct {
	next http.Handler

	mu    sync.Mutex
	names map[string]string // upper-cased name → the name the handler used
	dups  []string
}

// New returns an Upper serving next.
func New(next http.Handler) *Upper {
	return &Upper{next: next, names: map[string]string{}}
}

// Duplicates lists the requests whose JSON body held one attribute twice
// in different letter case ("USERNAME" and "userName"), as
// "METHOD path: key, key".
func (u *Upper) Duplicates() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.dups...)
}

// ServeHTTP restores the names in the request body, serves it with the
// wrapped handler and upper-cases the names in the response body.
func (u *Upper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("read request body: %v", err), http.StatusBadRequest)
		return
	}
	if v, ok := decode(body); ok {
		u.mu.Lock()
		if d := duplicates(v); len(d) > 0 {
			u.dups = append(u.dups, r.Method+" "+r.URL.Path+": "+strings.Join(d, ", "))
		}
		v = u.restore(v)
		u.mu.Unlock()
		if body, err = json.Marshal(v); err != nil {
			http.Error(w, fmt.Sprintf("encode request body: %v", err), http.StatusInternalServerError)
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))

	rec := httptest.NewRecorder()
	u.next.ServeHTTP(rec, r)
	out := rec.Body.Bytes()
	if v, ok := decode(out); ok {
		u.mu.Lock()
		v = u.upper(v)
		u.mu.Unlock()
		if out, err = json.Marshal(v); err != nil {
			http.Error(w, fmt.Sprintf("encode response body: %v", err), http.StatusInternalServerError)
			return
		}
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(out) // the client hanging up is its own test's failure
}

// decode parses a JSON object or array body, keeping numbers as written.
func decode(b []byte) (any, bool) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// upper upper-cases every object key in v, remembering the original.
func (u *Upper) upper(v any) any {
	return renameKeys(v, func(k string) string {
		up := strings.ToUpper(k)
		u.names[up] = k
		return up
	})
}

// restore renames every key that is an upper-cased name back to the name
// the handler used.
func (u *Upper) restore(v any) any {
	return renameKeys(v, func(k string) string {
		if orig, ok := u.names[k]; ok {
			return orig
		}
		return k
	})
}

// renameKeys passes every object key in v, at any depth, through rename;
// objects are copied, arrays are rewritten in place.
func renameKeys(v any, rename func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[rename(k)] = renameKeys(e, rename)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = renameKeys(e, rename)
		}
	}
	return v
}

// duplicates lists keys anywhere in v that equal a sibling key but for
// letter case.
func duplicates(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		seen := map[string]string{}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f := strings.ToLower(k)
			if prev, ok := seen[f]; ok {
				out = append(out, prev+"/"+k)
			}
			seen[f] = k
			out = append(out, duplicates(x[k])...)
		}
	case []any:
		for _, e := range x {
			out = append(out, duplicates(e)...)
		}
	}
	return out
}
