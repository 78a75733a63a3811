// Package schema holds the reference provider's SCIM schema registry: the
// RFC 7643 User, EnterpriseUser and Group schemas (Section 8.7.1, with the
// verified errata) and the resource types built from them. One description
// drives validation and normalization of request bodies, letter-case and
// caseExact rules, mutability, `returned` and projection, uniqueness,
// filter attribute resolution, PATCH targets and the /Schemas and
// /ResourceTypes documents.
//
// Resources are JSON objects decoded into map[string]any. Numbers may arrive
// as float64 (plain encoding/json) or json.Number (Decoder.UseNumber); the
// registry accepts both and writes integer and decimal attributes back as
// json.Number so values round-trip without float rounding.
package schema

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SCIM attribute types (RFC 7643, Section 2.3).
const (
	TypeString    = "string"
	TypeBoolean   = "boolean"
	TypeDecimal   = "decimal"
	TypeInteger   = "integer"
	TypeDateTime  = "dateTime"
	TypeReference = "reference"
	TypeBinary    = "binary"
	TypeComplex   = "complex"
)

// Mutability values (RFC 7643, Section 7).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Returned values (RFC 7643, Section 7).
const (
	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"
)

// Uniqueness values (RFC 7643, Section 7).
const (
	UniqueNone   = "none"
	UniqueServer = "server"
	UniqueGlobal = "global"
)

// Well-known schema URNs.
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaURN         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ResourceTypeURN   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// Attribute is one attribute definition with the characteristics of
// RFC 7643, Section 7. Names keep their schema spelling; lookups through
// [Schema.Attribute] and [Attribute.Sub] ignore letter case (RFC 7643,
// Section 2.1).
type Attribute struct {
	Name            string       `json:"name"`
	Type            string       `json:"type"`
	MultiValued     bool         `json:"multiValued"`
	Description     string       `json:"description,omitempty"`
	Required        bool         `json:"required"`
	CaseExact       bool         `json:"caseExact"`
	CanonicalValues []string     `json:"canonicalValues,omitempty"`
	Mutability      string       `json:"mutability"`
	Returned        string       `json:"returned"`
	Uniqueness      string       `json:"uniqueness"`
	ReferenceTypes  []string     `json:"referenceTypes,omitempty"`
	SubAttributes   []*Attribute `json:"subAttributes,omitempty"`

	subs map[string]*Attribute
}

// Sub returns the sub-attribute called name (any letter case), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	if a == nil {
		return nil
	}
	return a.subs[strings.ToLower(name)]
}

// Schema is a schema resource (RFC 7643, Section 7): a URN and its
// attribute definitions.
type Schema struct {
	ID          string       `json:"id"`
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	Attributes  []*Attribute `json:"attributes"`

	attrs map[string]*Attribute
}

// Attribute returns the top-level attribute called name (any letter case),
// or nil.
func (s *Schema) Attribute(name string) *Attribute {
	if s == nil {
		return nil
	}
	return s.attrs[strings.ToLower(name)]
}

// ParseSchemas decodes a JSON array of schema resources in the RFC 7643
// Section 7 representation, applies the Section 2.2 defaults for omitted
// characteristics and checks the definitions: known types and
// characteristic values, no complex sub-attributes (Section 2.3.8), no
// duplicate names.
func ParseSchemas(data []byte) ([]*Schema, error) {
	var ss []*Schema
	if err := json.Unmarshal(data, &ss); err != nil {
		return nil, fmt.Errorf("schema: decode schemas: %w", err)
	}
	for _, s := range ss {
		if err := s.init(); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

func (s *Schema) init() error {
	if s.ID == "" {
		return fmt.Errorf("schema: a schema has no id")
	}
	attrs, err := indexAttributes(s.Attributes, false)
	if err != nil {
		return fmt.Errorf("schema %s: %w", s.ID, err)
	}
	s.attrs = attrs
	return nil
}

func indexAttributes(list []*Attribute, nested bool) (map[string]*Attribute, error) {
	idx := make(map[string]*Attribute, len(list))
	for _, a := range list {
		if err := a.init(nested); err != nil {
			return nil, err
		}
		key := strings.ToLower(a.Name)
		if idx[key] != nil {
			return nil, fmt.Errorf("attribute %q defined twice", a.Name)
		}
		idx[key] = a
	}
	return idx, nil
}

var (
	validTypes = map[string]bool{TypeString: true, TypeBoolean: true, TypeDecimal: true, TypeInteger: true,
		TypeDateTime: true, TypeReference: true, TypeBinary: true, TypeComplex: true}
	validMutability = map[string]bool{ReadOnly: true, ReadWrite: true, Immutable: true, WriteOnly: true}
	validReturned   = map[string]bool{ReturnedAlways: true, ReturnedNever: true, ReturnedDefault: true, ReturnedRequest: true}
	validUniqueness = map[string]bool{UniqueNone: true, UniqueServer: true, UniqueGlobal: true}
)

// init applies the RFC 7643 Section 2.2 defaults and validates a.
func (a *Attribute) init(nested bool) error {
	if a.Name == "" {
		return fmt.Errorf("an attribute has no name")
	}
	if a.Type == "" {
		a.Type = TypeString
	}
	if a.Mutability == "" {
		a.Mutability = ReadWrite
	}
	if a.Returned == "" {
		a.Returned = ReturnedDefault
	}
	if a.Uniqueness == "" {
		a.Uniqueness = UniqueNone
	}
	switch {
	case !validTypes[a.Type]:
		return fmt.Errorf("attribute %q: unknown type %q", a.Name, a.Type)
	case !validMutability[a.Mutability]:
		return fmt.Errorf("attribute %q: unknown mutability %q", a.Name, a.Mutability)
	case !validReturned[a.Returned]:
		return fmt.Errorf("attribute %q: unknown returned %q", a.Name, a.Returned)
	case !validUniqueness[a.Uniqueness]:
		return fmt.Errorf("attribute %q: unknown uniqueness %q", a.Name, a.Uniqueness)
	case a.Type == TypeComplex && nested:
		return fmt.Errorf("attribute %q: a sub-attribute cannot be complex (RFC 7643, Section 2.3.8)", a.Name)
	case a.Type == TypeComplex && len(a.SubAttributes) == 0:
		return fmt.Errorf("attribute %q: complex without sub-attributes", a.Name)
	case a.Type != TypeComplex && len(a.SubAttributes) > 0:
		return fmt.Errorf("attribute %q: %s attribute with sub-attributes", a.Name, a.Type)
	}
	subs, err := indexAttributes(a.SubAttributes, true)
	if err != nil {
		return fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	a.subs = subs
	return nil
}
