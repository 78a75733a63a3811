package schema

import "strings"

// SchemaJSON returns the RFC 7643 Section 7 representation of the schema
// with the given URN, or false. Every attribute carries all of its
// characteristics (name, type, multiValued, description, required,
// caseExact, mutability, returned, uniqueness, and canonicalValues,
// referenceTypes, subAttributes when they apply). The document includes
// `schemas`; `meta` (resourceType "Schema", location) is added only when
// baseURL is not empty, since only the server knows its address.
func (r *Registry) SchemaJSON(urn, baseURL string) (map[string]any, bool) {
	s := r.Schema(urn)
	if s == nil {
		return nil, false
	}
	doc := map[string]any{
		"schemas":    []any{SchemaURN},
		"id":         s.ID,
		"attributes": attributesJSON(s.Attributes),
	}
	if s.Name != "" {
		doc["name"] = s.Name
	}
	if s.Description != "" {
		doc["description"] = s.Description
	}
	if baseURL != "" {
		doc["meta"] = map[string]any{
			"resourceType": "Schema",
			"location":     strings.TrimRight(baseURL, "/") + "/Schemas/" + s.ID,
		}
	}
	return doc, true
}

// SchemasJSON returns [Registry.SchemaJSON] for every schema, sorted by URN.
func (r *Registry) SchemasJSON(baseURL string) []map[string]any {
	var out []map[string]any
	for _, s := range r.Schemas() {
		doc, _ := r.SchemaJSON(s.ID, baseURL)
		out = append(out, doc)
	}
	return out
}

func attributesJSON(list []*Attribute) []any {
	out := make([]any, 0, len(list))
	for _, a := range list {
		m := map[string]any{
			"name":        a.Name,
			"type":        a.Type,
			"multiValued": a.MultiValued,
			"description": a.Description,
			"required":    a.Required,
			"caseExact":   a.CaseExact,
			"mutability":  a.Mutability,
			"returned":    a.Returned,
			"uniqueness":  a.Uniqueness,
		}
		if len(a.CanonicalValues) > 0 {
			m["canonicalValues"] = stringsJSON(a.CanonicalValues)
		}
		if a.Type == TypeReference {
			// referenceTypes is multi-valued (RFC 7643 errata 5607).
			m["referenceTypes"] = stringsJSON(a.ReferenceTypes)
		}
		if a.Type == TypeComplex {
			m["subAttributes"] = attributesJSON(a.SubAttributes)
		}
		out = append(out, m)
	}
	return out
}

func stringsJSON(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ResourceTypeJSON returns the RFC 7643 Section 6 representation of the
// resource type with the given name, or false. schemaExtensions is an array
// (errata 7522) and is left out when empty. `meta` (resourceType
// "ResourceType", location) is added only when baseURL is not empty.
func (r *Registry) ResourceTypeJSON(name, baseURL string) (map[string]any, bool) {
	rt := r.byName[strings.ToLower(name)]
	if rt == nil {
		return nil, false
	}
	doc := map[string]any{
		"schemas":  []any{ResourceTypeURN},
		"id":       rt.ID,
		"name":     rt.Name,
		"endpoint": rt.Endpoint,
		"schema":   rt.core.ID,
	}
	if rt.Description != "" {
		doc["description"] = rt.Description
	}
	if len(rt.exts) > 0 {
		exts := make([]any, len(rt.exts))
		for i, e := range rt.exts {
			exts[i] = map[string]any{"schema": e.schema.ID, "required": e.required}
		}
		doc["schemaExtensions"] = exts
	}
	if baseURL != "" {
		doc["meta"] = map[string]any{
			"resourceType": "ResourceType",
			"location":     strings.TrimRight(baseURL, "/") + "/ResourceTypes/" + rt.ID,
		}
	}
	return doc, true
}

// ResourceTypesJSON returns [Registry.ResourceTypeJSON] for every resource
// type in registration order.
func (r *Registry) ResourceTypesJSON(baseURL string) []map[string]any {
	var out []map[string]any
	for _, rt := range r.types {
		doc, _ := r.ResourceTypeJSON(rt.Name, baseURL)
		out = append(out, doc)
	}
	return out
}
