package schema

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed schemas.json
var rfcSchemas []byte

// ResourceType describes one resource type (RFC 7643, Section 6): its
// endpoint, core schema and schema extensions.
type ResourceType struct {
	ID          string
	Name        string
	Endpoint    string
	Description string
	Schema      string
	Extensions  []Extension
}

// Extension is one entry of a resource type's schemaExtensions.
type Extension struct {
	Schema   string
	Required bool
}

// Registry holds schemas and resource types. It is immutable after
// construction and safe for concurrent use.
type Registry struct {
	schemas    []*Schema
	schemaByID map[string]*Schema
	types      []*resourceType
	byName     map[string]*resourceType
	byEndpoint map[string]*resourceType
}

// resourceType is a ResourceType with its schemas resolved.
type resourceType struct {
	ResourceType
	core *Schema
	exts []*extension
}

type extension struct {
	schema   *Schema
	required bool
}

// commonAttributes are the attributes every resource carries whatever its
// schema (RFC 7643, Section 3.1). "schemas" is listed so that filters and
// projection see it; it is always returned.
var commonAttributes = mustCommon()

func mustCommon() *Schema {
	s := &Schema{ID: "common", Attributes: []*Attribute{
		{Name: "id", Type: TypeString, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedAlways, Uniqueness: UniqueServer},
		{Name: "externalId", Type: TypeString, CaseExact: true},
		{Name: "schemas", Type: TypeReference, MultiValued: true, CaseExact: true, Returned: ReturnedAlways, ReferenceTypes: []string{"uri"}},
		{Name: "meta", Type: TypeComplex, Mutability: ReadOnly, SubAttributes: []*Attribute{
			{Name: "resourceType", Type: TypeString, CaseExact: true, Mutability: ReadOnly},
			{Name: "created", Type: TypeDateTime, Mutability: ReadOnly},
			{Name: "lastModified", Type: TypeDateTime, Mutability: ReadOnly},
			{Name: "location", Type: TypeReference, CaseExact: true, Mutability: ReadOnly, ReferenceTypes: []string{"uri"}},
			{Name: "version", Type: TypeString, CaseExact: true, Mutability: ReadOnly},
		}},
	}}
	if err := s.init(); err != nil {
		panic(fmt.Sprintf("schema: common attributes: %v", err)) // programming error in a constant
	}
	return s
}

// Default returns a registry with the RFC 7643 schemas and two resource
// types: User (endpoint /Users, core User schema, optional EnterpriseUser
// extension) and Group (endpoint /Groups).
func Default() *Registry {
	r, err := New(rfcSchemas, []ResourceType{
		{ID: "User", Name: "User", Endpoint: "/Users", Description: "User Account", Schema: UserURN,
			Extensions: []Extension{{Schema: EnterpriseUserURN}}},
		{ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "Group", Schema: GroupURN},
	})
	if err != nil {
		panic(fmt.Sprintf("schema: embedded schemas: %v", err)) // the embedded file is tested
	}
	return r
}

// RFCSchemas returns the embedded JSON document that [Default] is built
// from, for callers that want to build a registry with other resource types.
func RFCSchemas() []byte {
	return append([]byte(nil), rfcSchemas...)
}

// New builds a registry from a JSON array of schema resources (see
// [ParseSchemas]) and resource types whose schemas must all be in it.
func New(schemasJSON []byte, types []ResourceType) (*Registry, error) {
	ss, err := ParseSchemas(schemasJSON)
	if err != nil {
		return nil, err
	}
	r := &Registry{
		schemas:    ss,
		schemaByID: make(map[string]*Schema, len(ss)),
		byName:     make(map[string]*resourceType, len(types)),
		byEndpoint: make(map[string]*resourceType, len(types)),
	}
	for _, s := range ss {
		key := strings.ToLower(s.ID)
		if r.schemaByID[key] != nil {
			return nil, fmt.Errorf("schema: %s defined twice", s.ID)
		}
		r.schemaByID[key] = s
	}
	for _, t := range types {
		rt := &resourceType{ResourceType: t, core: r.schemaByID[strings.ToLower(t.Schema)]}
		if rt.ID == "" {
			rt.ID = rt.Name
		}
		if rt.core == nil {
			return nil, fmt.Errorf("schema: resource type %s: unknown schema %s", t.Name, t.Schema)
		}
		for _, e := range t.Extensions {
			s := r.schemaByID[strings.ToLower(e.Schema)]
			if s == nil {
				return nil, fmt.Errorf("schema: resource type %s: unknown extension %s", t.Name, e.Schema)
			}
			rt.exts = append(rt.exts, &extension{schema: s, required: e.Required})
		}
		if r.byName[strings.ToLower(t.Name)] != nil || r.byEndpoint[strings.ToLower(t.Endpoint)] != nil {
			return nil, fmt.Errorf("schema: resource type %s: name or endpoint defined twice", t.Name)
		}
		r.types = append(r.types, rt)
		r.byName[strings.ToLower(t.Name)] = rt
		r.byEndpoint[strings.ToLower(t.Endpoint)] = rt
	}
	return r, nil
}

// Schema returns the schema with the given URN (any letter case), or nil.
func (r *Registry) Schema(urn string) *Schema {
	return r.schemaByID[strings.ToLower(urn)]
}

// Schemas returns every schema, sorted by URN.
func (r *Registry) Schemas() []*Schema {
	out := append([]*Schema(nil), r.schemas...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ResourceType returns the resource type with the given name (any letter
// case), or false.
func (r *Registry) ResourceType(name string) (ResourceType, bool) {
	rt := r.byName[strings.ToLower(name)]
	if rt == nil {
		return ResourceType{}, false
	}
	return rt.copy(), true
}

// ResourceTypeByEndpoint returns the resource type served at endpoint
// ("/Users"; a missing leading slash is added), or false.
func (r *Registry) ResourceTypeByEndpoint(endpoint string) (ResourceType, bool) {
	if !strings.HasPrefix(endpoint, "/") {
		endpoint = "/" + endpoint
	}
	rt := r.byEndpoint[strings.ToLower(endpoint)]
	if rt == nil {
		return ResourceType{}, false
	}
	return rt.copy(), true
}

// ResourceTypes returns every resource type in registration order.
func (r *Registry) ResourceTypes() []ResourceType {
	out := make([]ResourceType, len(r.types))
	for i, rt := range r.types {
		out[i] = rt.copy()
	}
	return out
}

func (rt *resourceType) copy() ResourceType {
	c := rt.ResourceType
	c.Extensions = append([]Extension(nil), rt.Extensions...)
	return c
}

func (r *Registry) lookup(name string) (*resourceType, error) {
	rt := r.byName[strings.ToLower(name)]
	if rt == nil {
		return nil, fmt.Errorf("schema: unknown resource type %q", name)
	}
	return rt, nil
}

// extension returns the extension with the given URN (any case), or nil.
func (rt *resourceType) extension(urn string) *extension {
	for _, e := range rt.exts {
		if strings.EqualFold(e.schema.ID, urn) {
			return e
		}
	}
	return nil
}

// Unique describes an attribute whose values must be unique (RFC 7643,
// Section 7 "uniqueness"), for the store's indexes.
type Unique struct {
	// Ext is the extension URN holding the attribute, "" for core.
	Ext string
	// Name is the canonical attribute name.
	Name string
	// CaseExact tells whether values differing only in letter case clash.
	CaseExact bool
	// Scope is UniqueServer or UniqueGlobal.
	Scope string
}

// UniqueAttributes lists the singular top-level attributes of resource type
// rt declared with uniqueness server or global (userName for User). The
// common id attribute is left out: the server assigns it. Whether to
// enforce more (Group displayName for Entra) is the server's choice.
func (r *Registry) UniqueAttributes(rt string) ([]Unique, error) {
	t, err := r.lookup(rt)
	if err != nil {
		return nil, err
	}
	var out []Unique
	add := func(ext string, s *Schema) {
		for _, a := range s.Attributes {
			if a.Uniqueness != UniqueNone && !a.MultiValued && a.Type != TypeComplex {
				out = append(out, Unique{Ext: ext, Name: a.Name, CaseExact: a.CaseExact, Scope: a.Uniqueness})
			}
		}
	}
	add("", t.core)
	for _, e := range t.exts {
		add(e.schema.ID, e.schema)
	}
	return out, nil
}
