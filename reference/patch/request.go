// Package patch applies SCIM PATCH requests (RFC 7644, Section 3.5.2) to
// resources of the reference provider, driven by the schema registry: every
// path form (attribute, sub-attribute, URN-qualified, extension URN alone,
// value filter with and without sub-attribute, no path at all), the add,
// remove and replace rules, mutability, `primary` exclusivity and the
// shapes Okta and Entra send in practice.
//
// [ParseRequest] validates the PatchOp message; [Apply] applies its
// operations to a copy of a resource; [ApplyMembers] does the same for a
// group whose member list the store keeps itself, and reports member
// changes as a [MemberDelta] so that adding one member to a large group
// costs O(changed), not O(members). Errors are *scimerr.Error.
package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scimtest/scimtest/reference/scimerr"
)

// PatchOpURN identifies a PATCH request message (RFC 7644, Section 3.5.2).
const PatchOpURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// Operation kinds, lower case.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// Operation is one element of a PatchOp message's Operations array.
type Operation struct {
	// Op is "add", "remove" or "replace", lower-cased: Entra sends "Add",
	// "Replace" and "Remove".
	Op string
	// Path is the target path as sent, "" when absent.
	Path string
	// Value is the decoded value (numbers as json.Number); HasValue tells a
	// JSON null apart from a missing member.
	Value    any
	HasValue bool
}

// ParseRequest decodes and validates a PatchOp message. Message-structure
// problems are 400 invalidSyntax (RFC 7644, Section 3.12): a body that is
// not a JSON object, `schemas` without the PatchOp URN, `Operations`
// missing, not an array or empty (Section 3.5.2 requires one or more), an
// operation that is not an object, or an `op` other than add, remove or
// replace in any letter case. A `path` that is not a string is 400
// invalidPath; add or replace without `value` is 400 invalidValue
// (Section 3.5.2.1 and 3.5.2.3: value is required). Member names are matched
// in any letter case.
func ParseRequest(body []byte) ([]Operation, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var msg map[string]any
	if err := d.Decode(&msg); err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "PATCH body is not a JSON object: %v", err)
	}
	if d.More() {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "PATCH body has data after the JSON object")
	}
	if msg == nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "PATCH body is null")
	}
	schemas, _ := member(msg, "schemas").([]any)
	found := false
	for _, s := range schemas {
		if u, ok := s.(string); ok && strings.EqualFold(u, PatchOpURN) {
			found = true
		}
	}
	if !found {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must contain %s (RFC 7644, Section 3.5.2)", PatchOpURN)
	}
	list, ok := member(msg, "Operations").([]any)
	if !ok || len(list) == 0 {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "Operations must be a non-empty array (RFC 7644, Section 3.5.2)")
	}
	ops := make([]Operation, 0, len(list))
	for i, raw := range list {
		op, err := parseOperation(raw)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", i, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func parseOperation(raw any) (Operation, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Operation{}, scimerr.BadRequest(scimerr.InvalidSyntax, "an operation must be an object")
	}
	var op Operation
	name, _ := member(m, "op").(string)
	op.Op = strings.ToLower(name)
	if op.Op != OpAdd && op.Op != OpRemove && op.Op != OpReplace {
		return Operation{}, scimerr.BadRequest(scimerr.InvalidSyntax, "op %q is not add, remove or replace", name)
	}
	if p, present := lookup(m, "path"); present && p != nil {
		s, isStr := p.(string)
		if !isStr {
			return Operation{}, scimerr.BadRequest(scimerr.InvalidPath, "path must be a string")
		}
		op.Path = strings.TrimSpace(s)
	}
	op.Value, op.HasValue = lookup(m, "value")
	if !op.HasValue && op.Op != OpRemove {
		return Operation{}, scimerr.BadRequest(scimerr.InvalidValue, "%s needs a value (RFC 7644, Section 3.5.2)", op.Op)
	}
	return op, nil
}

// member returns m's member called name in any letter case.
func member(m map[string]any, name string) any {
	v, _ := lookup(m, name)
	return v
}

func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}
