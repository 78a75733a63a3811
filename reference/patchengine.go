package reference

import (
	"encoding/json"

	"github.com/scimtest/scimtest/reference/patch"
	"github.com/scimtest/scimtest/reference/scimerr"
)

// parsePatch validates a PatchOp body (RFC 7644 §3.5.2) with the patch
// engine. body was already decoded with the depth limit, so it is
// re-encoded for the engine's parser.
func parsePatch(body map[string]any) ([]patch.Operation, *scimerr.Error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "re-encode PATCH body: %v", err)
	}
	ops, err := patch.ParseRequest(b)
	if err != nil {
		return nil, asSCIM(err, scimerr.InvalidSyntax)
	}
	return ops, nil
}

// applyPatch runs the PATCH engine on a full canonical resource.
func applyPatch(rt *resourceType, full map[string]any, ops []patch.Operation) (map[string]any, *scimerr.Error) {
	out, err := patch.Apply(registry, rt.Name, full, ops)
	if err != nil {
		return nil, asSCIM(err, scimerr.InvalidValue)
	}
	return out, nil
}

// asSCIM keeps a *scimerr.Error and turns anything else into a 400.
func asSCIM(err error, scimType string) *scimerr.Error {
	if e := scimerr.As(err); e != nil {
		return e
	}
	return scimerr.BadRequest(scimType, "%v", err)
}
