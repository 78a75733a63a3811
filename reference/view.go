package reference

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference/filter"
	"github.com/scimtest/scimtest/reference/store"
)

// bodyView decodes only the top-level attributes a filter or sortBy reads
// from stored JSON bodies, so a scan over 100k resources neither decodes
// whole bodies nor keeps decoded maps in memory. One view serves one scan:
// load reuses its map, so a loaded map is valid until the next load.
type bodyView struct {
	names []string // top-level keys to decode, compared case-insensitively
	m     map[string]any
}

func newBodyView(names []string) *bodyView {
	return &bodyView{names: names, m: make(map[string]any, len(names)+4)}
}

// filterView is the view a filter over rt needs: the keys of every
// attribute it names, resolved so that an unqualified extension attribute
// finds the extension object it lives in.
func (s *Server) filterView(rt *resourceType, expr filter.Expr) *bodyView {
	var names []string
	add := func(n string) {
		for _, have := range names {
			if strings.EqualFold(have, n) {
				return
			}
		}
		names = append(names, n)
	}
	r := s.resolver(rt)
	var walk func(filter.Expr)
	path := func(p filter.AttrPath) {
		add(p.Attr)
		if p.URN != "" {
			add(p.URN)
		}
		if rs, err := r.Resolve(p); err == nil {
			add(rs.Attr)
			if rs.Ext != "" {
				add(rs.Ext)
			}
		}
	}
	walk = func(e filter.Expr) {
		switch e := e.(type) {
		case *filter.Logical:
			walk(e.Left)
			walk(e.Right)
		case *filter.Not:
			walk(e.X)
		case *filter.Comparison:
			path(e.Path)
		case *filter.Present:
			path(e.Path)
		case *filter.ValuePath:
			// Paths inside the brackets are relative to this attribute.
			path(e.Path)
		}
	}
	walk(expr)
	return newBodyView(names)
}

// load decodes the view's attributes of body into the reused map.
func (v *bodyView) load(body []byte) (map[string]any, error) {
	clear(v.m)
	if len(body) == 0 || len(v.names) == 0 {
		return v.m, nil
	}
	// A stored body is never modified (store.Resource.Body), so reading it
	// as a string without a copy is safe, and string values decoded from it
	// share its memory instead of allocating.
	doc := unsafe.String(unsafe.SliceData(body), len(body))
	found := 0
	var err error
	gjson.Parse(doc).ForEach(func(k, val gjson.Result) bool {
		for _, n := range v.names {
			if !strings.EqualFold(k.Str, n) {
				continue
			}
			x, e := jsonValue(val)
			if e != nil {
				err = fmt.Errorf("attribute %q: %w", k.Str, e)
				return false
			}
			v.m[k.Str] = x
			found++
			break
		}
		return found < len(v.names)
	})
	if err != nil {
		return nil, fmt.Errorf("decode stored body: %w", err)
	}
	return v.m, nil
}

// jsonValue converts one gjson value to the form request bodies decode to
// (strings, bool, json.Number, nil, []any, map[string]any).
func jsonValue(r gjson.Result) (any, error) {
	switch r.Type {
	case gjson.String:
		return r.Str, nil
	case gjson.Number:
		return json.Number(r.Raw), nil
	case gjson.True:
		return true, nil
	case gjson.False:
		return false, nil
	case gjson.Null:
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(r.Raw)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// loadRes is load for one stored resource, naming it in errors.
func (v *bodyView) loadRes(res *store.Resource) (map[string]any, error) {
	m, err := v.load(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", res.Type, res.ID, err)
	}
	return m, nil
}
