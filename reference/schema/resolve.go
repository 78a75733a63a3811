package schema

import (
	"fmt"
	"strings"

	"github.com/scimtest/scimtest/reference/filter"
)

// Target is an attribute path resolved against a resource type.
type Target struct {
	// Ext is the canonical URN of the extension object holding the
	// attribute, "" for core and common attributes.
	Ext string
	// Attr is the top-level attribute, nil when the path names a whole
	// extension (PATCH path "urn:...:enterprise:2.0:User").
	Attr *Attribute
	// Sub is the addressed sub-attribute, nil for the whole attribute.
	Sub *Attribute
}

// Leaf returns the most specific attribute the target names (Sub, else
// Attr).
func (t Target) Leaf() *Attribute {
	if t.Sub != nil {
		return t.Sub
	}
	return t.Attr
}

// String renders the target in canonical spelling.
func (t Target) String() string {
	var b strings.Builder
	if t.Ext != "" {
		b.WriteString(t.Ext)
		if t.Attr != nil {
			b.WriteByte(':')
		}
	}
	if t.Attr != nil {
		b.WriteString(t.Attr.Name)
	}
	if t.Sub != nil {
		b.WriteByte('.')
		b.WriteString(t.Sub.Name)
	}
	return b.String()
}

// Find resolves an attribute path for resource type rt. Names match in any
// letter case (RFC 7643, Section 2.1). A URN prefix selects the core schema
// or an extension (RFC 7644, Section 3.10); the extension URN alone names
// the whole extension object. Unqualified names are looked up in the core
// schema, then the common attributes (id, externalId, meta, schemas), then
// — as an interop leniency for Entra's `manager` and top-level `department`
// — in the extensions when exactly one defines the name. The error wraps
// [filter.ErrUnknownAttribute] for anything the schema does not define.
func (r *Registry) Find(rt string, p filter.AttrPath) (Target, error) {
	t, err := r.lookup(rt)
	if err != nil {
		return Target{}, err
	}
	return t.find(p)
}

func (rt *resourceType) find(p filter.AttrPath) (Target, error) {
	urn, attr := p.URN, p.Attr
	// Parsers differ on where a URN ends; join and re-split at the last
	// colon so "urn:..:2.0" + "User" and "" + "urn:..:User:x" both work.
	full := attr
	if urn != "" {
		full = urn + ":" + attr
		if attr == "" {
			full = urn
		}
	}
	if strings.Contains(full, ":") {
		if e := rt.extension(full); e != nil {
			if p.Sub != "" {
				return Target{}, rt.unknown(p)
			}
			return Target{Ext: e.schema.ID}, nil
		}
		i := strings.LastIndexByte(full, ':')
		urn, attr = full[:i], full[i+1:]
	}
	var ext string
	var a *Attribute
	switch {
	case urn == "":
		a = rt.core.Attribute(attr)
		if a == nil {
			a = commonAttributes.Attribute(attr)
		}
		if a == nil {
			ext, a = rt.uniqueExtensionAttribute(attr)
		}
	case strings.EqualFold(urn, rt.core.ID):
		a = rt.core.Attribute(attr)
		if a == nil {
			a = commonAttributes.Attribute(attr)
		}
	default:
		if e := rt.extension(urn); e != nil {
			ext, a = e.schema.ID, e.schema.Attribute(attr)
		}
	}
	if a == nil {
		return Target{}, rt.unknown(p)
	}
	tg := Target{Ext: ext, Attr: a}
	if p.Sub != "" {
		tg.Sub = a.Sub(p.Sub)
		if tg.Sub == nil {
			return Target{}, rt.unknown(p)
		}
	}
	return tg, nil
}

func (rt *resourceType) uniqueExtensionAttribute(name string) (string, *Attribute) {
	var ext string
	var found *Attribute
	for _, e := range rt.exts {
		if a := e.schema.Attribute(name); a != nil {
			if found != nil {
				return "", nil // ambiguous: the client must qualify it
			}
			ext, found = e.schema.ID, a
		}
	}
	return ext, found
}

func (rt *resourceType) unknown(p filter.AttrPath) error {
	name := p.Attr
	if p.URN != "" {
		name = p.URN + ":" + name
	}
	if p.Sub != "" {
		name += "." + p.Sub
	}
	return fmt.Errorf("schema: %s has no attribute %q: %w", rt.Name, name, filter.ErrUnknownAttribute)
}

// Resolver returns a [filter.Resolver] for resource type rt. An unknown
// resource type yields a resolver that fails every lookup.
func (r *Registry) Resolver(rt string) filter.Resolver {
	t, err := r.lookup(rt)
	return resolver{rt: t, err: err}
}

type resolver struct {
	rt  *resourceType
	err error
}

// Resolve implements [filter.Resolver].
func (v resolver) Resolve(p filter.AttrPath) (filter.Resolved, error) {
	if v.err != nil {
		return filter.Resolved{}, fmt.Errorf("%w: %w", v.err, filter.ErrUnknownAttribute)
	}
	t, err := v.rt.find(p)
	if err != nil {
		return filter.Resolved{}, err
	}
	if t.Attr == nil {
		return filter.Resolved{Ext: t.Ext, Type: TypeComplex}, nil
	}
	leaf := t.Leaf()
	res := filter.Resolved{
		Ext:         t.Ext,
		Attr:        t.Attr.Name,
		Type:        leaf.Type,
		CaseExact:   leaf.CaseExact,
		MultiValued: t.Attr.MultiValued,
	}
	if t.Sub != nil {
		res.Sub = t.Sub.Name
	}
	return res, nil
}
