package reference

import (
	"net/http"
	"strings"

	"github.com/scimtest/scimtest/reference/scimerr"
)

// Discovery schema URNs (RFC 7643 §5).
const spcURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"

// discoveryFilter refuses filter on the discovery endpoints (RFC 7644 §4:
// filtering there SHOULD be answered 403). Paging parameters are ignored.
func discoveryFilter(r *http.Request) *response {
	if r.URL.Query().Has("filter") {
		return errorResponse(scimerr.Forbidden("", "filtering is not supported on %s", r.URL.Path))
	}
	return nil
}

// serviceProviderConfig describes what this server really does (RFC 7643 §5).
func (s *Server) serviceProviderConfig(r *http.Request) *response {
	spc := map[string]any{
		"schemas":          []any{spcURN},
		"documentationUri": "https://github.com/scimtest/scimtest",
		"patch":            map[string]any{"supported": true},
		"bulk": map[string]any{
			"supported":      true,
			"maxOperations":  s.opts.BulkMaxOperations,
			"maxPayloadSize": s.opts.BulkMaxPayloadSize,
		},
		"filter":         map[string]any{"supported": true, "maxResults": s.opts.MaxResults},
		"changePassword": map[string]any{"supported": true},
		"sort":           map[string]any{"supported": true},
		"etag":           map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token (RFC 6750)",
			"specUri":     "https://www.rfc-editor.org/rfc/rfc6750",
			"primary":     true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     s.baseURL(r) + "/ServiceProviderConfig",
		},
	}
	if s.quirks.on(qSPCNotObject) {
		return jsonResponse(http.StatusOK, []any{spc})
	}
	return jsonResponse(http.StatusOK, spc)
}

// discoveryList wraps discovery resources in a ListResponse.
func discoveryList(items []map[string]any) map[string]any {
	res := make([]any, len(items))
	for i, it := range items {
		res[i] = it
	}
	return map[string]any{
		"schemas":      []any{listResponseURN},
		"totalResults": len(items),
		"itemsPerPage": len(items),
		"startIndex":   1,
		"Resources":    res,
	}
}

// resourceTypes serves /ResourceTypes and /ResourceTypes/{name} (RFC 7644 §4).
func (s *Server) resourceTypes(r *http.Request, rest []string) *response {
	if resp := discoveryFilter(r); resp != nil {
		return resp
	}
	if len(rest) == 0 {
		return jsonResponse(http.StatusOK, discoveryList(registry.ResourceTypesJSON(s.baseURL(r))))
	}
	doc, ok := registry.ResourceTypeJSON(rest[0], s.baseURL(r))
	if !ok {
		return errorResponse(scimerr.NotFound("no resource type %q", rest[0]))
	}
	return jsonResponse(http.StatusOK, doc)
}

// schemas serves /Schemas and /Schemas/{urn} (RFC 7644 §4).
func (s *Server) schemas(r *http.Request, rest []string) *response {
	if resp := discoveryFilter(r); resp != nil {
		return resp
	}
	strip := func(doc map[string]any) map[string]any {
		if s.quirks.on(qSchemasNoSchemas) {
			delete(doc, "schemas")
		}
		return doc
	}
	if len(rest) == 0 {
		docs := registry.SchemasJSON(s.baseURL(r))
		for _, d := range docs {
			strip(d)
		}
		return jsonResponse(http.StatusOK, discoveryList(docs))
	}
	doc, ok := registry.SchemaJSON(strings.TrimSpace(rest[0]), s.baseURL(r))
	if !ok {
		return errorResponse(scimerr.NotFound("no schema %q", rest[0]))
	}
	return jsonResponse(http.StatusOK, strip(doc))
}
