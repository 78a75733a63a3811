package reference

import "github.com/scimtest/scimtest/reference/scimerr"

// applyPatch runs the PATCH engine on a full resource.
func applyPatch(rt *resourceType, full map[string]any, body map[string]any) (map[string]any, *scimerr.Error) {
	return nil, scimerr.NotImplemented("PATCH engine not available yet")
}
